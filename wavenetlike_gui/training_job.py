"""A training run for the app: builds the library's Trainer in the worker thread and streams its events.

:class:`TrainingJob` holds the settings chosen in the Training panel. Its
:meth:`TrainingJob.events` generator runs in a :class:`TrainingWorker`
thread: it sets the torch thread count there, builds (or resumes) the
:class:`wavenetlike.train.Trainer` (which may take a while on a large
dataset), then yields the trainer's :class:`TrainEvent` objects unchanged.
``pause``, ``resume`` and ``cancel`` are safe to call from the GUI thread at
any time, also before the trainer exists. Cancelling lets the trainer end its
current step and write its final checkpoint; the stream is drained, not cut.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Iterator

from wavenetlike.config import QUICK_RECIPE

from .workers import Worker

__all__ = ["TrainingSettings", "TrainingJob", "TrainingWorker", "default_threads"]

log = logging.getLogger(__name__)


def default_threads() -> int:
    """Torch threads for training: all cores but one (the GUI's), at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


@dataclass
class TrainingSettings:
    """What the Training panel asks for; JSON-safe (saved in project files)."""

    device: str = "auto"
    batch_size: int = QUICK_RECIPE["batch_size"]
    target_length: int = QUICK_RECIPE["target_length"]
    lr: float = QUICK_RECIPE["lr"]
    lr_schedule: str = QUICK_RECIPE["lr_schedule"]
    stop_by: str = "steps"  # "steps" or "minutes"
    max_steps: int = 1000
    max_minutes: float = 5.0
    validation_every: int = 100
    checkpoint_every: int = 200
    checkpoint_path: str = ""
    seed: int = 0
    threads: int = 0  # 0: default_threads()

    def trainer_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :class:`wavenetlike.train.Trainer` (stop condition excluded)."""
        return {
            "batch_size": int(self.batch_size), "target_length": int(self.target_length), "lr": float(self.lr),
            "lr_schedule": str(self.lr_schedule),
            "validation_every": int(self.validation_every) or None,
            "checkpoint_every": int(self.checkpoint_every) or None,
            "checkpoint_path": self.checkpoint_path or None, "device": self.device,
            "threads": int(self.threads) or default_threads(),
        }

    def stop_text(self) -> str:
        return f"{self.max_steps} steps" if self.stop_by == "steps" else f"{self.max_minutes:g} minutes"


class TrainingJob:
    """One run: a new model trained from scratch, or a checkpoint continued.

    ``model`` is trained in place (new run); ``resume_from`` names a
    checkpoint file to continue instead (then ``model`` is ignored). The stop
    condition counts from where the run starts: "500 more steps", "2 more
    minutes".
    """

    def __init__(self, settings: TrainingSettings, dataset: Any, model: Any = None,
                 resume_from: str | None = None) -> None:
        if model is None and not resume_from:
            raise ValueError("TrainingJob needs a model or a checkpoint to resume from")
        self.settings = settings
        self.dataset = dataset
        self.model = model
        self.resume_from = resume_from
        self.trainer: Any = None
        self._lock = threading.Lock()
        self._paused = False
        self._cancelled = False

    # ------------------------------------------------------ any thread
    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self.trainer is not None:
                self.trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self.trainer is not None:
                self.trainer.resume()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self.trainer is not None:
                self.trainer.cancel()

    @property
    def paused(self) -> bool:
        return self._paused

    # ------------------------------------------------------ worker thread
    def _build_trainer(self) -> Any:
        from wavenetlike.train import Trainer
        s = self.settings
        kwargs = s.trainer_kwargs()
        if self.resume_from:
            if not kwargs["checkpoint_path"]:
                kwargs["checkpoint_path"] = self.resume_from
            trainer = Trainer.from_checkpoint(self.resume_from, self.dataset, **kwargs)
        else:
            trainer = Trainer(self.model, self.dataset, seed=int(s.seed), **kwargs)
        # The stop condition counts from here (a resumed trainer starts at its saved step and time).
        if s.stop_by == "minutes":
            trainer.max_steps = None
            trainer.max_seconds = trainer.elapsed + float(s.max_minutes) * 60.0
        else:
            trainer.max_seconds = None
            trainer.max_steps = trainer.step + int(s.max_steps)
        return trainer

    def events(self) -> Iterator[Any]:
        """Build the trainer and yield its events (runs in the worker thread)."""
        import torch
        torch.set_num_threads(int(self.settings.threads) or default_threads())
        trainer = self._build_trainer()
        with self._lock:
            self.trainer = trainer
            if self._paused:
                trainer.pause()
            if self._cancelled:
                trainer.cancel()
        self.model = trainer.model
        try:
            yield from trainer.steps()
        finally:
            # Hand the model back on the CPU in eval mode: generation's fast path runs there.
            trainer.model.cpu().eval()


class TrainingWorker(Worker):
    """The thread that runs a :class:`TrainingJob`.

    Unlike a plain :class:`Worker`, cancelling does not cut the event stream:
    it asks the trainer to stop after its current step, and the stream runs on
    to the final checkpoint and the "done" event. :meth:`Worker.stop` (used on
    shutdown) therefore also keeps the checkpoint.
    """

    def __init__(self, job: TrainingJob) -> None:
        super().__init__(job.events, pass_callbacks=False, name="training")
        self.job = job

    def cancel(self) -> None:  # noqa: D102 - see class docstring
        self.job.cancel()
