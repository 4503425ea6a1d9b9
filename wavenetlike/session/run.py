"""``Run``: one training run's folder, ``<session>/runs/<NNN>-<short name>/``.

A run folder holds::

    run.json                      name, number, status, who trains it (pid, host), last message
    model_config.json             the ModelConfig trained
    train_config.json             the TrainConfig (its limits grow when the run is continued)
    dataset_spec.json             the DatasetSpec trained on (null for in-memory data)
    checkpoint.safetensors        the last checkpoint
    checkpoint.best.safetensors   the best held-out checkpoint so far
    history.jsonl                 one TrainEvent dict per line, appended as events come
    events.out.tfevents.*         TensorBoard scalars (see :mod:`.recorder`)

A folder is created with ``mkdir(exist_ok=False)`` under the next free
number, so no run ever overwrites another, and a run that holds a checkpoint
is only ever continued (:meth:`Run.resume_trainer`), never restarted.
"""
from __future__ import annotations

import json
import os
import re
import socket
import time
from pathlib import Path
from typing import Any, Callable

import torch

from ..config import ModelConfig
from ..safe_io import atomic_write_bytes
from ..train_config import TrainConfig
from ..train.checkpoint_checks import loads_limited, read_training_state
from .dataset_spec import DatasetSpec
from .recorder import HISTORY, RunRecorder

__all__ = ["Run", "list_runs", "config_differences", "STATUSES", "RUN_INFO", "MODEL_CONFIG", "TRAIN_CONFIG",
           "DATASET_SPEC", "CHECKPOINT", "BEST_CHECKPOINT"]

RUN_INFO = "run.json"
MODEL_CONFIG = "model_config.json"
TRAIN_CONFIG = "train_config.json"
DATASET_SPEC = "dataset_spec.json"
CHECKPOINT = "checkpoint.safetensors"
BEST_CHECKPOINT = "checkpoint.best.safetensors"  # where the Trainer puts best_checkpoint_path(CHECKPOINT)
FORMAT = "wavenetlike-run"
VERSION = 1
STATUSES = ("new", "running", "finished", "cancelled", "error", "interrupted")
"""new: not trained yet; interrupted: its process ended without a last event (a crash or a kill)."""
MAX_JSON_BYTES = 10_000_000
_FOLDER = re.compile(r"^(\d{3,})-(.+)$")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-.")[:40] or "run"


def default_name(config: ModelConfig) -> str:
    """A short name from the shape: ``2x9-k2-r32``."""
    return f"{config.n_blocks}x{config.layers_per_block}-k{config.kernel_size}-r{config.residual_channels}"


def config_differences(old: ModelConfig, new: ModelConfig) -> list[str]:
    """``["layers_per_block 10 → 9", …]``: the fields of ``new`` that differ from ``old``.

    Labels are compared only when both configs name some (training fills them in).
    """
    a, b = old.to_dict(), new.to_dict()
    if not a.get("labels") or not b.get("labels"):
        a.pop("labels", None), b.pop("labels", None)
    return [f"{k} {a[k]} → {b.get(k)}" for k in a if a[k] != b.get(k)]


def read_json(path: Path, what: str) -> Any:
    """A JSON file, with errors naming the file."""
    try:
        if not path.is_file():
            raise ValueError(f"{path}: {what} is missing" if not path.exists() else f"{path} is not a file")
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ValueError(f"{path} is larger than {MAX_JSON_BYTES // 10 ** 6} MB; not a {what}")
        return loads_limited(path.read_text(encoding="utf-8"), f"{path}")
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: {what} cannot be read ({e})") from None


def write_json(path: Path, data: Any, what: str) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=1, allow_nan=False) + "\n").encode("utf-8"), what=what)


def _alive(pid: Any, host: Any) -> bool:
    """True unless the process that trained the run is known to be gone (on this host)."""
    if not isinstance(pid, int) or host != socket.gethostname():
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


class Run:
    """One training run's folder: its configs, checkpoints, history and status.

    Build one with :meth:`create` (or ``Session.new_run``) or read one with
    :meth:`open`. ``trainer()`` starts its training, ``resume_trainer()``
    continues it; ``record(event)`` writes each Trainer event to the history
    and TensorBoard (``Session.train`` does both).
    """

    def __init__(self, folder: Path, model_config: ModelConfig, train_config: TrainConfig,
                 dataset_spec: DatasetSpec | None, info: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.model_config = model_config
        self.train_config = train_config
        self.dataset_spec = dataset_spec
        self.info = info
        self.dataset_provider: Callable[[], Any] | None = None  # set by a Session: the data to train on
        self._recorder: RunRecorder | None = None
        self._trainer: Any = None

    # ------------------------------------------------------------- making
    @classmethod
    def create(cls, runs_dir: str | os.PathLike, model_config: ModelConfig, train_config: TrainConfig,
               dataset_spec: DatasetSpec | None = None, name: str | None = None) -> "Run":
        """A new run folder under the next free number in ``runs_dir``, with its three config files."""
        if not isinstance(model_config, ModelConfig):
            raise TypeError(f"model_config must be a ModelConfig, not {type(model_config).__name__}")
        if not isinstance(train_config, TrainConfig):
            raise TypeError(f"train_config must be a TrainConfig, not {type(train_config).__name__}")
        runs = Path(runs_dir)
        runs.mkdir(parents=True, exist_ok=True)
        title = name or default_name(model_config)
        number = 1 + max((int(m.group(1)) for p in runs.iterdir() if (m := _FOLDER.match(p.name))), default=0)
        while True:
            folder = runs / f"{number:03d}-{_slug(title)}"
            try:
                folder.mkdir(exist_ok=False)  # another process may have taken the number: take the next
                break
            except FileExistsError:
                number += 1
        info = {"format": FORMAT, "version": VERSION, "number": number, "name": title,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "status": "new", "message": ""}
        run = cls(folder, model_config, train_config, dataset_spec, info)
        write_json(folder / MODEL_CONFIG, model_config.to_dict(), "model config")
        write_json(folder / TRAIN_CONFIG, train_config.to_dict(), "train config")
        write_json(folder / DATASET_SPEC, dataset_spec.to_dict() if dataset_spec is not None else None,
                   "dataset spec")
        run._write_info()
        return run

    @classmethod
    def open(cls, folder: str | os.PathLike) -> "Run":
        """Read a run folder back; a ``ValueError`` names the file (and field) that is wrong."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a run folder ({'no such folder' if not folder.exists() else 'a file'})")
        try:
            model_config = ModelConfig.from_dict(read_json(folder / MODEL_CONFIG, "model config"))
        except (TypeError, ValueError, AttributeError) as e:
            raise ValueError(e if str(e).startswith(str(folder)) else f"{folder / MODEL_CONFIG}: {e}") from None
        try:
            train_config = TrainConfig.from_dict(read_json(folder / TRAIN_CONFIG, "train config"))
        except (TypeError, ValueError, AttributeError) as e:
            raise ValueError(e if str(e).startswith(str(folder)) else f"{folder / TRAIN_CONFIG}: {e}") from None
        spec_path = folder / DATASET_SPEC
        raw = read_json(spec_path, "dataset spec") if spec_path.exists() else None
        spec = None if raw is None else DatasetSpec.from_dict(raw, str(spec_path))
        info: dict[str, Any] = {}
        if (folder / RUN_INFO).exists():
            info = read_json(folder / RUN_INFO, "run description")
            if not isinstance(info, dict):
                raise ValueError(f"{folder / RUN_INFO} must hold an object, not {type(info).__name__}")
        m = _FOLDER.match(folder.name)
        info.setdefault("number", int(m.group(1)) if m else 0)
        info.setdefault("name", m.group(2) if m else folder.name)
        return cls(folder, model_config, train_config, spec, info)

    def _write_info(self, **changes: Any) -> None:
        self.info.update(changes)
        write_json(self.folder / RUN_INFO, self.info, "run description")

    # ------------------------------------------------------------- reading
    @property
    def number(self) -> int:
        return int(self.info.get("number") or 0)

    @property
    def name(self) -> str:
        return str(self.info.get("name") or self.folder.name)

    @property
    def checkpoint_path(self) -> Path:
        """Where the last checkpoint is (or will be) written."""
        return self.folder / CHECKPOINT

    @property
    def best_checkpoint_path(self) -> Path:
        return self.folder / BEST_CHECKPOINT

    @property
    def checkpoint(self) -> Path | None:
        """The last checkpoint, or None before one is written."""
        return self.checkpoint_path if self.checkpoint_path.is_file() else None

    @property
    def best_checkpoint(self) -> Path | None:
        return self.best_checkpoint_path if self.best_checkpoint_path.is_file() else None

    @property
    def history(self) -> list[dict[str, Any]]:
        """The recorded events, oldest first; a last line cut short by a crash is left out."""
        path = self.folder / HISTORY
        if not path.exists():
            return []
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = getattr(self, "_history_cache", None)
        if cached is not None and cached[0] == key:  # steps, best_bits and status read it too: parse once
            return list(cached[1])
        lines = path.read_text(encoding="utf-8").splitlines()
        out = []
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                if i == len(lines):
                    break  # written half-way when the process died
                raise ValueError(f"{path}: line {i} is not a JSON event") from None
            if not isinstance(event, dict):
                raise ValueError(f"{path}: line {i} is not a JSON object")
            out.append(event)
        self._history_cache = (key, out)
        return list(out)

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        status = self.info.get("status")
        if status not in STATUSES:
            last = next((e for e in reversed(self.history) if e.get("kind") in ("done", "error")), None)
            status = "new" if last is None else _end_status(last)
        if status == "running" and self._trainer is None and not _alive(self.info.get("pid"),
                                                                          self.info.get("host")):
            return "interrupted"
        return status

    @property
    def message(self) -> str:
        """The last "done" or "error" message ("" before the run ends)."""
        return str(self.info.get("message") or "")

    @property
    def steps(self) -> int:
        """Training steps recorded (the last step event's number)."""
        return max((int(e.get("step") or 0) for e in self.history if e.get("kind") == "step"), default=0)

    @property
    def best_bits(self) -> float | None:
        """The best held-out bits/sample recorded, or None before any validation."""
        bits = [e["bits_per_sample"] for e in self.history
                if e.get("kind") == "validation" and isinstance(e.get("bits_per_sample"), (int, float))]
        return min(bits) if bits else None

    def load_model(self, best: bool = False) -> Any:
        """The model of the last (or best) checkpoint, in eval mode."""
        from ..train.checkpoint import load
        path = self.best_checkpoint if best else self.checkpoint
        if path is None:
            raise ValueError(f"run {self.folder.name} has no {'best ' if best else ''}checkpoint yet")
        return load(path)

    def __repr__(self) -> str:
        return f"Run({self.folder.name!r}, status={self.status!r}, steps={self.steps})"

    # ------------------------------------------------------------ training
    def _dataset(self, dataset: Any) -> Any:
        if dataset is not None:
            return dataset
        if self.dataset_provider is None:
            raise ValueError(f"run {self.folder.name}: give dataset=… (this run belongs to no session)")
        return self.dataset_provider()

    def trainer(self, model: Any = None, dataset: Any = None, **handles: Any) -> Any:
        """A :class:`~wavenetlike.Trainer` for this run's first training, checkpoints in the run folder.

        ``model`` None: a new model from the run's ModelConfig (weights seeded
        by the TrainConfig's seed). ``dataset`` None: the session's.
        ``handles``: ``scale``, ``distributed``. Refused once the run holds a
        checkpoint: continue it with :meth:`resume_trainer` (a run is never overwritten).
        """
        from ..model import build_wavenetlike
        from ..train.trainer import Trainer
        if self.checkpoint is not None or self.history:
            raise ValueError(f"run {self.folder.name} has already trained (step {self.steps}); continue it "
                             "(Session.resume) or start a new run: a run is never overwritten")
        if model is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.train_config.seed)
                model = build_wavenetlike(self.model_config)
        elif getattr(model, "config", None) is None:
            raise TypeError(f"model must be a WaveNetLike model (with .config), not {type(model).__name__}")
        else:
            diff = config_differences(self.model_config, model.config)
            if diff:
                raise ValueError(f"run {self.folder.name}: the model is not the run's architecture "
                                 f"({'; '.join(diff)})")
        trainer = Trainer(model, self._dataset(dataset), self.train_config, checkpoint_path=str(self.checkpoint_path),
                          **handles)
        self._started(trainer)
        return trainer

    def resume_trainer(self, dataset: Any = None, more_steps: int | None = None,
                       more_seconds: float | None = None) -> Any:
        """A Trainer that continues this run from its last checkpoint for ``more_steps`` and/or ``more_seconds``.

        The run's ``train_config.json`` takes the new limits; history lines and
        TensorBoard points after the checkpoint's step (training lost in a
        crash) are dropped, since they are trained again.
        """
        from ..train.trainer import Trainer
        if more_steps is None and more_seconds is None:
            raise ValueError("resume needs more_steps=… or more_seconds=…")
        if more_steps is not None and not (isinstance(more_steps, int) and more_steps >= 1):
            raise ValueError(f"more_steps = {more_steps!r} must be an integer ≥ 1")
        if more_seconds is not None and not (isinstance(more_seconds, (int, float)) and more_seconds > 0):
            raise ValueError(f"more_seconds = {more_seconds!r} must be a number of seconds > 0")
        if self.checkpoint is None:
            raise ValueError(f"run {self.folder.name} has no checkpoint to continue from; start a new run")
        state = read_training_state(self.checkpoint_path)
        step, elapsed = int(state.get("step", 0)), float(state.get("elapsed", 0.0))
        limits = {"max_steps": step + more_steps if more_steps is not None else None,
                  "max_seconds": elapsed + more_seconds if more_seconds is not None else None}
        config = self.train_config.replace(**limits)
        trainer = Trainer.from_checkpoint(str(self.checkpoint_path), self._dataset(dataset), config)
        self.train_config = config
        write_json(self.folder / TRAIN_CONFIG, self.train_config.to_dict(), "train config")
        self._drop_history_after(step)
        self._started(trainer, purge_step=step + 1)
        return trainer

    def _drop_history_after(self, step: int) -> None:
        history = self.history
        kept = [e for e in history if int(e.get("step") or 0) <= step]
        if len(kept) != len(history):
            text = "".join(json.dumps(e, allow_nan=False) + "\n" for e in kept)
            atomic_write_bytes(self.folder / HISTORY, text.encode("utf-8"), what="run history")

    def adopt(self, trainer: Any, purge_step: int | None = None) -> None:
        """Record ``trainer``'s events from now on (it must write its checkpoints into this run folder)."""
        path = getattr(trainer, "checkpoint_path", None)
        if path is None or Path(path).resolve() != self.checkpoint_path.resolve():
            raise ValueError(f"run {self.folder.name}: the trainer writes its checkpoints to {path}, not into "
                             f"the run folder ({self.checkpoint_path}); use run.trainer() or Session.resume")
        self._started(trainer, purge_step)

    def _started(self, trainer: Any, purge_step: int | None = None) -> None:
        self.close()
        self._trainer = trainer
        self._recorder = RunRecorder(self.folder, purge_step=purge_step)
        self._write_info(status="running", message="", pid=os.getpid(), host=socket.gethostname())

    def record(self, event: Any) -> None:
        """Write a Trainer event to the history and TensorBoard; "done" / "error" set the status."""
        if self._recorder is None:
            self._recorder = RunRecorder(self.folder)
        d = self._recorder.record(event)
        if d.get("kind") in ("done", "error"):
            cancelled = self._trainer is not None and self._trainer.cancelled
            self._write_info(status="cancelled" if cancelled else _end_status(d), message=d.get("message", ""))
            self._trainer = None

    @property
    def active_trainer(self) -> Any:
        """The Trainer made by ``trainer()`` / ``resume_trainer()`` until its run ends, else None."""
        return self._trainer

    def interrupted(self, message: str) -> None:
        """Mark the run as stopped by an exception outside the Trainer (its last checkpoint stays)."""
        self._write_info(status="interrupted", message=message)
        self._trainer = None

    def cancel(self) -> None:
        """Ask the run's Trainer to stop at the next step (thread-safe); its last checkpoint is written."""
        if self._trainer is not None:
            self._trainer.cancel()

    def close(self) -> None:
        """Flush and close the history and TensorBoard files."""
        if self._recorder is not None:
            self._recorder.close()


def _end_status(event: dict[str, Any]) -> str:
    if event.get("kind") == "error":
        return "error"
    return "cancelled" if str(event.get("message", "")).startswith("Training cancelled") else "finished"


def list_runs(runs_dir: str | os.PathLike) -> tuple[list[Run], list[str]]:
    """The readable runs in ``runs_dir`` (by number, oldest first) and a message for each unreadable folder."""
    runs_dir = Path(runs_dir)
    runs: list[Run] = []
    problems: list[str] = []
    if not runs_dir.is_dir():
        return runs, problems
    for p in sorted(runs_dir.iterdir()):
        m = _FOLDER.match(p.name)
        if not m or not p.is_dir():
            continue
        try:
            runs.append(Run.open(p))
        except ValueError as e:
            problems.append(str(e))
    runs.sort(key=lambda r: (r.number, r.folder.name))
    return runs, problems
