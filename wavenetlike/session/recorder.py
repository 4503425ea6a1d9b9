"""``RunRecorder``: a run's Trainer events as ``history.jsonl`` lines and TensorBoard scalars.

Every event becomes one JSON line in ``history.jsonl``, appended and flushed
at once (a crash loses nothing written before it). The figures go to
TensorBoard event files in the run folder (``torch.utils.tensorboard``'s
``SummaryWriter``), flushed on validations, checkpoints and the end, so
``tensorboard --logdir <session>/runs`` shows every run. Tags (step = the
training step):

``train/loss`` (nats/sample), ``train/accuracy``, ``train/bits_per_sample``
(the last two when the model has them), ``train/lr``,
``held_out/bits_per_sample``, ``held_out/accuracy``, and
``baseline/<name>`` (each baseline's held-out bits/sample, name in
lower case with ``_`` for other characters).
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["RunRecorder", "HISTORY", "TAGS", "baseline_tag"]

HISTORY = "history.jsonl"
TAGS = {"loss": "train/loss", "accuracy": "train/accuracy", "bits_per_sample": "train/bits_per_sample",
        "lr": "train/lr", "val_bits_per_sample": "held_out/bits_per_sample", "val_accuracy": "held_out/accuracy"}
"""TensorBoard tag of each recorded figure (baselines: :func:`baseline_tag`)."""


def baseline_tag(name: str) -> str:
    """``"linear predictor (order 32)"`` → ``"baseline/linear_predictor_order_32"``."""
    return "baseline/" + (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "unnamed")


def json_safe(v: Any) -> Any:
    """``v`` with NaN and infinities as None (strict JSON), recursively."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    return v


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


class RunRecorder:
    """Appends events to ``<folder>/history.jsonl`` and writes their scalars for TensorBoard.

    ``record(event)`` takes a :class:`~wavenetlike.TrainEvent` (or its dict);
    ``close()`` flushes and closes both (also done on "done" and "error").
    The TensorBoard writer is opened on the first figure. A resumed run
    (``purge_step`` given: the history was already cut back to the checkpoint)
    gets one fresh event file, written from the history so far and then
    continued, in place of the earlier ones: TensorBoard's own purge of
    points past ``purge_step`` depends on the order of the files' names, which
    is not reliable when two files are made in the same second.
    """

    def __init__(self, folder: str | os.PathLike, purge_step: int | None = None) -> None:
        self.folder = Path(folder)
        self.purge_step = purge_step
        self._file: Any = None
        self._writer: Any = None
        self._replay: list[dict[str, Any]] = []
        if purge_step is not None and (self.folder / HISTORY).is_file():
            for line in (self.folder / HISTORY).read_text(encoding="utf-8").splitlines():
                try:
                    self._replay.append(json.loads(line))
                except ValueError:  # a torn last line from a crash: its figures are lost, not fatal
                    continue

    def record(self, event: Any) -> dict[str, Any]:
        """Write one event; returns the dict written."""
        d = json_safe(event.to_dict() if hasattr(event, "to_dict") else dict(event))
        kind = d.get("kind")
        if self._file is None:
            self._file = open(self.folder / HISTORY, "a", encoding="utf-8")
        self._file.write(json.dumps(d, allow_nan=False) + "\n")
        self._file.flush()
        self._scalars(d)
        if kind in ("validation", "checkpoint"):
            self.flush()
        elif kind in ("done", "error"):
            self.close()
        return d

    def _scalars(self, d: dict[str, Any]) -> None:
        """The TensorBoard scalars of one history line."""
        kind, step = d.get("kind"), int(d.get("step") or 0)
        if kind == "step":
            for key in ("loss", "accuracy", "bits_per_sample", "lr"):
                self._scalar(TAGS[key], d.get(key), step)
        elif kind == "validation":
            self._scalar(TAGS["val_bits_per_sample"], d.get("bits_per_sample"), step)
            self._scalar(TAGS["val_accuracy"], d.get("val_accuracy"), step)
            for name, bits in (d.get("baselines") or {}).items():
                self._scalar(baseline_tag(name), bits, step)

    def _scalar(self, tag: str, value: Any, step: int) -> None:
        if not _finite(value):
            return
        if self._writer is None:
            self._open_writer()
        self._writer.add_scalar(tag, float(value), step)

    def _open_writer(self) -> None:
        from torch.utils.tensorboard import SummaryWriter  # imports tensorboard: only when a run records
        replay, self._replay = self._replay, []
        if self.purge_step is not None:  # a resumed run: one fresh file with the history so far
            for old in self.folder.glob("events.out.tfevents.*"):
                old.unlink()
        self._writer = SummaryWriter(log_dir=str(self.folder))
        for d in replay:
            self._scalars(d)
        self.purge_step = None  # the next writer (after a close) just adds a file

    def flush(self) -> None:
        """Push what was recorded to disk (history synced, TensorBoard file flushed)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Flush and close the history file and the TensorBoard writer (a later record reopens them)."""
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
