"""What the Generate step runs and writes, without widgets: the generation task, the held-out
statistics of a take and the export formats (all by way of the library)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

__all__ = ["EXPORT_FORMATS", "STATS_REAL_SECONDS", "TakeInProgress", "checkpoint_state", "generation_chunks",
           "take_statistics", "write_take"]

STATS_REAL_SECONDS = 10
"""Held-out audio (seconds) a take's statistics are compared with."""
EXPORT_FORMATS = {  # key: (label, suffix, libsndfile subtype)
    "float": ("WAV, 32-bit float", ".wav", "FLOAT"),
    "pcm16": ("WAV, 16-bit PCM", ".wav", "PCM_16"),
    "flac": ("FLAC, 16-bit", ".flac", "PCM_16"),
}


def checkpoint_state(path: str | None) -> dict[str, Any]:
    """The training state stored in a checkpoint's metadata (the library's checked header read); {} if unreadable."""
    if not path:
        return {}
    from wavenetlike.train.checkpoint_checks import read_training_state
    try:
        return read_training_state(path)
    except (ValueError, OSError):  # loading the model reports bad files properly
        return {}


@dataclass
class TakeInProgress:
    """The chunks of a take while it is generated: how many samples of ``total`` are there, and how fast they came."""

    total: int = 0
    chunks: list[np.ndarray] = field(default_factory=list)
    generated: int = 0
    t_first: float | None = None  # when the first chunk arrived (perf_counter)
    first_len: int = 0

    def add(self, chunk: np.ndarray, now: float) -> None:
        """Keep a chunk that arrived at ``now`` (perf_counter)."""
        if self.t_first is None:
            self.t_first, self.first_len = now, len(chunk)
        self.chunks.append(chunk)
        self.generated += len(chunk)

    def rate(self, now: float | None = None) -> float:
        """Samples per second measured since the first chunk (0 until two chunks arrived)."""
        if self.t_first is None:
            return 0.0
        dt = (now or time.perf_counter()) - self.t_first
        return (self.generated - self.first_len) / dt if dt > 0 else 0.0

    @property
    def complete(self) -> bool:
        """True once all ``total`` samples are there."""
        return self.generated >= self.total

    def audio(self) -> np.ndarray:
        """All the chunks so far as one array (empty float32 when none)."""
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)


def generation_chunks(model: Any, checkpoint: str | None, *, progress: Any = None, cancel: Any = None,
                      **kwargs: Any) -> Iterator[np.ndarray]:
    """Chunks of ``generate_stream`` (runs in the worker); loads ``checkpoint`` when ``model`` is None."""
    from wavenetlike.generate import generate_stream
    if model is None:
        from wavenetlike.train import load
        if progress:
            progress(0, 0, "loading the checkpoint")
        model = load(checkpoint)
    model.eval()
    yield from generate_stream(model, progress=progress, cancel=cancel, **kwargs)


def take_statistics(audio: np.ndarray, dataset: Any, checkpoint: str | None) -> Any:
    """A take against the dataset's held-out clips (the library's ``compare_generated``, in model units).

    The held-out split is the one the checkpoint trained with; at most
    :data:`STATS_REAL_SECONDS` of real audio are used. Raises on unusable data.
    """
    from wavenetlike.analysis.audio_stats import compare_generated
    from wavenetlike.data.ar2 import AR2
    state = checkpoint_state(checkpoint)
    trainer = state.get("trainer") or {}
    fraction = trainer.get("validation_fraction", 0.1) if isinstance(trainer, dict) else 0.1
    _, held = dataset.split(float(fraction or 0.1), int(state.get("seed", 0) or 0))
    scale = float(getattr(dataset, "scale", 1.0) or 1.0)
    limit = STATS_REAL_SECONDS * int(dataset.sample_rate)
    real, total = [], 0
    for c in held or dataset.clips:  # the first few seconds of held-out audio are plenty for these statistics
        real.append((np.asarray(c.audio, np.float32) / scale)[:max(0, limit - total)])
        total += len(real[-1])
        if total >= limit:
            break
    source = getattr(dataset, "source", None)
    truth = (source.a, source.b) if isinstance(source, AR2) else None
    return compare_generated([audio], real, int(dataset.sample_rate), ar2=truth is not None, ar2_truth=truth)


def write_take(path: str | Path, audio: np.ndarray, sample_rate: int, fmt: str = "float") -> Path:
    """Write a take as ``fmt`` (a key of :data:`EXPORT_FORMATS`), the suffix set to the format's; returns the path.

    Raises ``KeyError`` for an unknown format and ``OSError`` when the file cannot be written.
    """
    _, suffix, subtype = EXPORT_FORMATS[fmt]
    path = Path(path)
    if path.suffix.lower() != suffix:
        path = path.with_suffix(suffix)
    from wavenetlike.data.audio_io import write_wav  # atomic; FLAC for a .flac name; clips integers
    write_wav(path, np.asarray(audio, np.float32), int(sample_rate), subtype=subtype)
    return path
