"""A clip (one mono waveform) and a load error (an input that could not be used, and why)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Clip", "LoadError"]


@dataclass
class Clip:
    """One mono waveform at the dataset's sample rate."""

    name: str
    audio: np.ndarray
    sample_rate: int
    label: str | None = None
    path: str | None = None
    original_sample_rate: int | None = None
    original_channels: int = 1
    split: str | None = None  # "train", "validation", "test", or None (decided by Dataset.split)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.audio) / self.sample_rate

    def __len__(self) -> int:
        return len(self.audio)


@dataclass
class LoadError:
    """An input that could not be used, and why (in words)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"
