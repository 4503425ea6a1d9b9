"""Silence: which short frames of a clip are quiet, and where its sound starts and ends.

One definition used both for trimming while loading and for the silence
fraction in the dataset report: a frame (``frame_ms`` long) is silent when its
RMS is below ``threshold_db`` relative to the loudest frame of the clip, or
below the absolute floor ``floor_dbfs`` (relative to full scale 1.0).
"""
from __future__ import annotations

import numpy as np

__all__ = ["SILENCE_DEFINITION", "frame_rms", "frame_length", "silence_limit", "silent_frames", "trim_bounds"]

DEFAULT_THRESHOLD_DB = -40.0
DEFAULT_FLOOR_DBFS = -60.0
DEFAULT_FRAME_MS = 10.0

SILENCE_DEFINITION = (f"a {DEFAULT_FRAME_MS:g} ms frame is silent when its RMS is more than "
                      f"{-DEFAULT_THRESHOLD_DB:g} dB below the clip's loudest frame or below "
                      f"{DEFAULT_FLOOR_DBFS:g} dB of full scale")


def frame_rms(x: np.ndarray, frame: int) -> np.ndarray:
    """RMS of consecutive non-overlapping frames (the last, partial frame included)."""
    n = len(x)
    if n == 0:
        return np.zeros(0)
    n_frames = -(-n // frame)
    padded = np.zeros(n_frames * frame, dtype=np.float64)
    padded[:n] = x
    sq = (padded.reshape(n_frames, frame) ** 2).sum(axis=1)
    counts = np.full(n_frames, frame, dtype=np.float64)
    counts[-1] = n - (n_frames - 1) * frame
    return np.sqrt(sq / counts)


def silent_frames(x: np.ndarray, sample_rate: int, full_scale: float = 1.0,
                  threshold_db: float = DEFAULT_THRESHOLD_DB, floor_dbfs: float = DEFAULT_FLOOR_DBFS,
                  frame_ms: float = DEFAULT_FRAME_MS) -> tuple[np.ndarray, int]:
    """Boolean mask of silent frames, and the frame length in samples."""
    frame = frame_length(sample_rate, frame_ms)
    rms = frame_rms(np.asarray(x, dtype=np.float64), frame)
    if rms.size == 0:
        return np.zeros(0, dtype=bool), frame
    return rms < silence_limit(float(rms.max()), full_scale, threshold_db, floor_dbfs), frame


def frame_length(sample_rate: int, frame_ms: float = DEFAULT_FRAME_MS) -> int:
    """Samples per silence-detection frame."""
    return max(1, int(round(sample_rate * frame_ms / 1000.0)))


def silence_limit(loudest_frame_rms: float, full_scale: float = 1.0, threshold_db: float = DEFAULT_THRESHOLD_DB,
                  floor_dbfs: float = DEFAULT_FLOOR_DBFS) -> float:
    """The frame RMS below which a frame is silent."""
    return max(loudest_frame_rms * 10 ** (threshold_db / 20.0), full_scale * 10 ** (floor_dbfs / 20.0))


def trim_bounds(x: np.ndarray, sample_rate: int, full_scale: float = 1.0,
                threshold_db: float = DEFAULT_THRESHOLD_DB, floor_dbfs: float = DEFAULT_FLOOR_DBFS,
                frame_ms: float = DEFAULT_FRAME_MS, pad_ms: float = 20.0) -> tuple[int, int] | None:
    """(start, end) sample indices that keep the sound plus ``pad_ms`` either side.

    None when the whole clip is silent.
    """
    mask, frame = silent_frames(x, sample_rate, full_scale, threshold_db, floor_dbfs, frame_ms)
    loud = np.flatnonzero(~mask)
    if loud.size == 0:
        return None
    pad = int(round(sample_rate * pad_ms / 1000.0))
    start = max(0, int(loud[0]) * frame - pad)
    end = min(len(x), (int(loud[-1]) + 1) * frame + pad)
    return start, end
