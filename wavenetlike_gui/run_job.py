"""One training job of the app: a session run trained from scratch or continued, in a worker thread.

The run (:class:`wavenetlike.session.Run`) owns the folder, the configs, the
checkpoints and the records (history lines and TensorBoard event files);
this job only builds its Trainer in the worker thread, passes the Trainer's
events on after the run has recorded them, and relays pause / resume / cancel
from the GUI thread.
"""
from __future__ import annotations

import threading
from typing import Any, Iterator

from .workers import Worker

__all__ = ["RunJob", "RunWorker"]


class RunJob:
    """Train ``run``: a fresh model (``model``, or one built from the run's config) or, with ``more_steps`` /
    ``more_seconds``, continue it from its last checkpoint.

    ``resume_from``: a checkpoint file from outside the run (an earlier
    session's, a colleague's) to continue, by ``more_steps`` / ``more_seconds``,
    writing into this run's folder. ``threads``: torch's CPU threads in the worker.
    """

    def __init__(self, run: Any, dataset: Any, model: Any = None, *, more_steps: int | None = None,
                 more_seconds: float | None = None, resume_from: str | None = None,
                 threads: int | None = None) -> None:
        self.run = run
        self.resume_from = resume_from
        self.dataset = dataset
        self.model = model
        self.more_steps = more_steps
        self.more_seconds = more_seconds
        self.threads = threads
        self.trainer: Any = None
        self._lock = threading.Lock()
        self._paused = False
        self._cancelled = False

    @property
    def continues(self) -> bool:
        """True when this job continues the run rather than starting it."""
        return self.more_steps is not None or self.more_seconds is not None

    def stop_text(self) -> str:
        """"500 steps", "2 minutes", "500 more steps": what the job trains for, in words."""
        more = " more" if self.continues else ""
        cfg = self.run.train_config
        steps = self.more_steps if self.continues else cfg.max_steps
        seconds = self.more_seconds if self.continues else cfg.max_seconds
        if seconds is not None:
            return f"{seconds / 60:g}{more} minutes"
        return f"{steps}{more} steps" if steps is not None else "until stopped"

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
        if self.resume_from:
            from wavenetlike.train.checkpoint import load_checkpoint
            from wavenetlike.train.trainer import Trainer
            ck = load_checkpoint(self.resume_from)
            step, elapsed = ck.step, float(ck.state.get("elapsed", 0.0))
            config = self.run.train_config.replace(
                max_steps=step + self.more_steps if self.more_steps is not None else None,
                max_seconds=elapsed + self.more_seconds if self.more_seconds is not None else None)
            trainer = Trainer.from_checkpoint(self.resume_from, self.dataset, config,
                                              checkpoint_path=str(self.run.checkpoint_path))
            self.run.adopt(trainer)
            return trainer
        if self.continues:
            return self.run.resume_trainer(self.dataset, more_steps=self.more_steps, more_seconds=self.more_seconds)
        return self.run.trainer(self.model, self.dataset)

    def events(self) -> Iterator[Any]:
        """Build the trainer and yield its events, each recorded in the run first (runs in the worker thread)."""
        import torch
        if self.threads:
            torch.set_num_threads(int(self.threads))
        trainer = self._build_trainer()
        with self._lock:
            self.trainer = trainer
            if self._paused:
                trainer.pause()
            if self._cancelled:
                trainer.cancel()
        self.model = trainer.model
        try:
            for event in trainer.steps():
                self.run.record(event)
                yield event
        except BaseException as e:
            self.run.interrupted(f"{type(e).__name__}: {e}")
            raise
        finally:
            self.run.close()
            # Hand the model back on the CPU in eval mode: generation's fast path runs there.
            trainer.model.cpu().eval()


class RunWorker(Worker):
    """The thread that runs a :class:`RunJob`.

    Cancelling does not cut the event stream: it asks the trainer to stop
    after its current step, and the stream runs on to the final checkpoint and
    the "done" event, so :meth:`Worker.stop` (used on shutdown) keeps the
    checkpoint too.
    """

    def __init__(self, job: RunJob) -> None:
        super().__init__(job.events, pass_callbacks=False, name="training")
        self.job = job

    def cancel(self) -> None:  # noqa: D102 - see class docstring
        self.job.cancel()
