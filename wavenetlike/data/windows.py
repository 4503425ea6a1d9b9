"""Training windows: Δ−1 samples of context plus the targets, cut from clips."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .mulaw import mu_law_encode_np

__all__ = ["Batch", "WindowSampler"]


@dataclass
class Batch:
    """One training batch.

    ``inputs`` (B, L): classes (long) or values (float); ``targets`` (B, L):
    the next sample at every input position; only the last ``L − (Δ−1)``
    positions have a full receptive field and are scored (``first_scored``).
    ``audio`` (B, L) holds the inputs as float values (for local features),
    ``labels`` (B,) the clip label indices or None.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    audio: torch.Tensor
    labels: torch.Tensor | None
    first_scored: int

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.inputs.to(device), self.targets.to(device), self.audio.to(device),
                     None if self.labels is None else self.labels.to(device), self.first_scored)


class WindowSampler:
    """Draws random training windows from clips.

    Each window is ``receptive_field − 1 + target_length + 1`` samples:
    inputs are all but the last, targets all but the first. Windows may start
    before a clip's beginning (the missing context is silence, as at the start
    of generation) so short clips are usable; the scored targets always lie
    inside the clip.
    """

    def __init__(self, clips: Sequence[np.ndarray], receptive_field: int, target_length: int,
                 batch_size: int, quantization_channels: int | None, scale: float = 1.0,
                 labels: Sequence[int] | None = None, seed: int = 0,
                 rank: int = 0, world_size: int = 1) -> None:
        if not clips:
            raise ValueError("WindowSampler needs at least one clip")
        if target_length < 1:
            raise ValueError(f"target_length = {target_length} must be ≥ 1")
        if batch_size < 1:
            raise ValueError(f"batch_size = {batch_size} must be ≥ 1")
        self.context = receptive_field - 1
        self.target_length = target_length
        self.batch_size = batch_size
        self.quantization_channels = quantization_channels
        self.scale = float(scale) if scale else 1.0
        self.labels = None if labels is None else np.asarray(labels, dtype=np.int64)
        self.clips = [np.asarray(c, dtype=np.float32) / self.scale for c in clips]
        self.lengths = np.array([len(c) for c in self.clips], dtype=np.int64)
        usable = self.lengths >= 2
        if not usable.any():
            raise ValueError("every clip is shorter than 2 samples: nothing to predict")
        # Sample clips in proportion to their number of scorable targets.
        weights = np.where(usable, self.lengths - 1, 0).astype(np.float64)
        self.weights = weights / weights.sum()
        # Every rank draws the same global batch and keeps its own slice, so a
        # distributed run sees the same data as a single-process run.
        self.rank, self.world_size = rank, world_size
        self.rng = np.random.default_rng(seed)

    @property
    def window(self) -> int:
        return self.context + self.target_length + 1

    def _cut(self, clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        W = self.window
        T = self.target_length
        n = len(clip)
        # Start of the scored targets s ∈ [1, n − T] (targets s … s+T−1 inside the clip);
        # if the clip is shorter than T+1 the tail is padded with repeats of silence.
        hi = max(1, n - T)
        s = int(rng.integers(1, hi + 1))
        start = s - 1 - self.context  # index of the first input sample
        seg = np.zeros(W, dtype=np.float32)
        lo = max(0, start)
        end = min(n, start + W)
        seg[lo - start:end - start] = clip[lo:end]
        return seg

    def sample(self, rng: np.random.Generator | None = None) -> Batch:
        """The next random batch (this rank's share of the global batch)."""
        rng = rng or self.rng
        B = self.batch_size * self.world_size
        idx = rng.choice(len(self.clips), size=B, p=self.weights)
        segs = np.stack([self._cut(self.clips[i], rng) for i in idx])
        mine = slice(self.rank * self.batch_size, (self.rank + 1) * self.batch_size)
        segs, idx = segs[mine], idx[mine]
        return self._to_batch(segs, idx)

    def fixed_batches(self, n_batches: int, seed: int = 12345) -> list[Batch]:
        """The same ``n_batches`` every call (for validation)."""
        rng = np.random.default_rng(seed)
        return [self.sample(rng) for _ in range(n_batches)]

    def _to_batch(self, segs: np.ndarray, idx: np.ndarray) -> Batch:
        audio = torch.from_numpy(segs[:, :-1].copy())
        if self.quantization_channels:
            q = torch.from_numpy(mu_law_encode_np(segs, self.quantization_channels))
            inputs, targets = q[:, :-1], q[:, 1:]
        else:
            x = torch.from_numpy(segs)
            inputs, targets = x[:, :-1], x[:, 1:]
        labels = None if self.labels is None else torch.from_numpy(self.labels[idx])
        return Batch(inputs.contiguous(), targets.contiguous(), audio, labels, self.context)
