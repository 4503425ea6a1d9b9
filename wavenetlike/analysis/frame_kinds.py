"""Where held-out bits are spent: each target's 20-ms frame as silent, unvoiced or voiced.

The frames and the two tests are :mod:`wavenetlike.analysis.audio_stats`'s
(silent: frame RMS more than 40 dB below the real data's reference level;
voiced: a normalised autocorrelation peak above 0.5 at a 2.5–12.5 ms lag).
Target t of a clip (samples 1 … m−1) belongs to frame t // frame; targets in
a last, partial frame take the kind of the frame before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .audio_stats import frame_rms, frame_length, voiced_frames

__all__ = ["FRAME_KINDS", "FrameKindScore", "target_frame_kinds", "scores_by_frame_kind"]

FRAME_KINDS = ("voiced", "unvoiced", "silent")
"""Kind index → name, as :func:`target_frame_kinds` numbers them."""
VOICED, UNVOICED, SILENT = range(3)


@dataclass(frozen=True)
class FrameKindScore:
    """Held-out targets in one kind of frame: their share of all targets and the bits/sample there."""

    kind: str
    share: float
    bits_per_sample: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "share": self.share, "bits_per_sample": dict(self.bits_per_sample)}


def target_frame_kinds(clip: np.ndarray, sample_rate: int, silence_rms: float) -> np.ndarray:
    """(m,) clip -> (m − 1,) int8 kind (``FRAME_KINDS`` index) of targets 1 … m−1."""
    x = np.asarray(clip, dtype=np.float64)
    if len(x) < 2:
        return np.zeros(0, dtype=np.int8)
    frame = frame_length(sample_rate)
    rms = frame_rms(x, frame)
    kinds = np.where(rms < silence_rms, SILENT, np.where(voiced_frames(x, sample_rate)[:len(rms)], VOICED, UNVOICED))
    index = np.minimum(np.arange(1, len(x)) // frame, len(kinds) - 1)
    return kinds[index].astype(np.int8)


def scores_by_frame_kind(kinds: np.ndarray, bits: dict[str, np.ndarray]) -> list[FrameKindScore]:
    """Per kind present: share of targets and mean of each ``bits[name]`` (each (n,), aligned with ``kinds``)."""
    kinds = np.asarray(kinds)
    out = []
    for k, name in enumerate(FRAME_KINDS):
        mask = kinds == k
        if mask.any():
            out.append(FrameKindScore(name, float(mask.mean()),
                                      {who: float(np.asarray(b)[mask].mean()) for who, b in bits.items()}))
    return out

