"""Training windows: Δ−1 samples of context plus the targets, cut from clips."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..model.distributions import dithered_class_value
from .mulaw import mu_law_encode, mu_law_encode_np
from .silence import silent_frames

__all__ = ["Batch", "WindowSampler", "frames_for_window", "long_silence_cumsum", "LONG_SILENCE_MS"]

LONG_SILENCE_MS = 100.0


def long_silence_cumsum(clip: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """(n+1,) cumulative count of samples inside long silences (runs of silent frames ≥ LONG_SILENCE_MS)."""
    mask, frame = silent_frames(clip, sample_rate)
    inside = np.zeros(len(clip), dtype=np.int64)
    min_frames = max(1, int(round(LONG_SILENCE_MS / 1000.0 * sample_rate / frame)))
    i = 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j < len(mask) and mask[j]:
                j += 1
            if j - i >= min_frames:
                inside[i * frame:min(len(clip), j * frame)] = 1
            i = j
        else:
            i += 1
    return np.concatenate([[0], np.cumsum(inside)])


def frames_for_window(features: np.ndarray | torch.Tensor, start: int, length: int, hop: int) -> np.ndarray:
    """The frames (C, ceil(length/hop)) that condition clip samples ``start … start+length−1``.

    ``start`` must be a multiple of ``hop`` (it may be negative: before the
    clip). Frames before the clip repeat its first frame, frames after its end
    its last frame.
    """
    if start % hop:
        raise ValueError(f"frames_for_window: start = {start} is not a multiple of hop = {hop}")
    f = np.asarray(features, dtype=np.float32)
    n = -(-length // hop)
    idx = np.clip(np.arange(start // hop, start // hop + n), 0, f.shape[1] - 1)
    return f[:, idx]


@dataclass
class Batch:
    """One training batch.

    ``inputs`` (B, L): classes (long) or values (float); ``targets`` (B, L):
    the next sample at every input position; only the last ``L − (Δ−1)``
    positions have a full receptive field and are scored (``first_scored``).
    ``audio`` (B, L) holds the inputs as float values (for local features),
    ``labels`` (B,) the clip label indices or None. ``local`` (B, C, frames):
    the local-conditioning frames of each window, cut from whole-clip features
    (see :mod:`wavenetlike.conditioning`), or None; ``starts`` (B,) the clip
    sample index of each window's first input (negative: before the clip) and
    ``clips`` (B,) the clip index of each window.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    audio: torch.Tensor
    labels: torch.Tensor | None
    first_scored: int
    local: torch.Tensor | None = None
    starts: np.ndarray | None = None
    clips: np.ndarray | None = None

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.inputs.to(device), self.targets.to(device), self.audio.to(device),
                     None if self.labels is None else self.labels.to(device), self.first_scored,
                     None if self.local is None else self.local.to(device), self.starts, self.clips)


class WindowSampler:
    """Draws random training windows from clips.

    Each window is ``receptive_field − 1 + target_length + 1`` samples:
    inputs are all but the last, targets all but the first. Windows may start
    before a clip's beginning (the missing context is silence, as at the start
    of generation) so short clips are usable; the scored targets always lie
    inside the clip.

    With ``features`` (one (C, frames) array per clip, frame f describing clip
    samples f·hop … f·hop+hop−1) every window starts on a frame boundary and
    the batch carries the window's frames in ``Batch.local``. Up to hop−1
    scored targets of a window may then be the silence before the clip (the
    earliest windows) or after a short clip's end.

    ``rank`` / ``world_size``: every rank draws the same global batch of
    ``batch_size · world_size`` windows and keeps its own ``batch_size``.

    Targets are mu-law classes when ``quantization_channels`` is set, values
    otherwise; inputs are the same classes, or the values at full resolution
    when ``input_values`` (a model with a value input).

    ``skip_silence``: a window whose scored targets lie almost all (≥ 90 %)
    inside a long silence (a run of silent 10 ms frames at least
    ``LONG_SILENCE_MS`` long, by :mod:`wavenetlike.data.silence`'s definition)
    is drawn again (up to 8 times), so training sees the sound rather than the
    pauses; ``silence_fraction`` is the share of targets inside long silences.

    ``augment``: every window is multiplied by a random sign (polarity is
    inaudible) and a random gain from −3 dB to 0 dB — more distinct windows
    from a small dataset. Local-conditioning features are left as they are
    (they describe the clip, not the window).

    ``input_dither`` (value inputs of a categorical model): every input value
    is replaced by a value drawn uniformly inside its own mu-law class — what
    generation feeds back — so training sees the inputs generation will give.
    """

    def __init__(self, clips: Sequence[np.ndarray], receptive_field: int, target_length: int,
                 batch_size: int, quantization_channels: int | None, scale: float = 1.0,
                 labels: Sequence[int] | None = None, seed: int = 0,
                 rank: int = 0, world_size: int = 1,
                 features: Sequence[np.ndarray] | None = None, hop: int | None = None,
                 input_values: bool = False, skip_silence: bool = False, sample_rate: int = 16000,
                 augment: bool = False, input_dither: bool = False) -> None:
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
        self.input_values = bool(input_values)
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
        if not (isinstance(world_size, int) and world_size >= 1 and 0 <= rank < world_size):
            raise ValueError(f"WindowSampler rank = {rank}, world_size = {world_size}: need 0 ≤ rank < world_size")
        self.rank, self.world_size = rank, world_size
        if features is not None:
            if hop is None or hop < 1:
                raise ValueError(f"WindowSampler: features need the hop (samples per frame), got hop = {hop}")
            if len(features) != len(self.clips):
                raise ValueError(f"WindowSampler: {len(features)} feature arrays for {len(self.clips)} clips")
        self.features = None if features is None else [np.asarray(f, dtype=np.float32) for f in features]
        self.hop = int(hop) if features is not None else None
        self.rng = np.random.default_rng(seed)
        self.skip_silence = bool(skip_silence)
        self.augment = bool(augment)
        self.input_dither = bool(input_dither) and bool(quantization_channels) and self.input_values
        self.silent_cumsum = [long_silence_cumsum(c, sample_rate) for c in self.clips] if skip_silence else None
        total = float(self.lengths.sum())
        self.silence_fraction = (sum(float(c[-1]) for c in self.silent_cumsum) / total
                                 if skip_silence and total else 0.0)

    @property
    def window(self) -> int:
        return self.context + self.target_length + 1

    def _cut(self, clip: np.ndarray, rng: np.random.Generator, clip_index: int = 0) -> tuple[np.ndarray, int]:
        """A window of ``clip`` and the clip index of its first input sample."""
        W = self.window
        T = self.target_length
        n = len(clip)
        # Start of the scored targets s ∈ [1, n − T] (targets s … s+T−1 inside the clip);
        # if the clip is shorter than T+1 the tail is padded with repeats of silence.
        hi = max(1, n - T)
        if self.hop is None:
            s = int(rng.integers(1, hi + 1))
            if self.silent_cumsum is not None:
                cs = self.silent_cumsum[clip_index]
                for _ in range(8):  # redraw windows whose targets are (almost) all inside a long silence
                    e = min(n, s + T)
                    if cs[e] - cs[s] < 0.9 * (e - s):
                        break
                    s = int(rng.integers(1, hi + 1))
            start = s - 1 - self.context  # index of the first input sample
        else:  # the first input sample on a frame boundary; the earliest start reaches the clip's
            # first sample (a few scored targets may then be the silence before the clip)
            k_lo = (-self.context) // self.hop
            k_hi = max(k_lo, (hi - 1 - self.context) // self.hop)
            start = self.hop * int(rng.integers(k_lo, k_hi + 1))
        seg = np.zeros(W, dtype=np.float32)
        lo = max(0, start)
        end = min(n, start + W)
        if end > lo:
            seg[lo - start:end - start] = clip[lo:end]
        return seg, start

    def sample(self, rng: np.random.Generator | None = None) -> Batch:
        """The next random batch (this rank's share of the global batch)."""
        rng = rng or self.rng
        B = self.batch_size * self.world_size
        idx = rng.choice(len(self.clips), size=B, p=self.weights)
        cuts = [self._cut(self.clips[i], rng, int(i)) for i in idx]
        segs = np.stack([c[0] for c in cuts])
        if self.augment:  # polarity and a gain of −3 … 0 dB per window
            gains = rng.choice([-1.0, 1.0], size=B) * 10 ** (rng.uniform(-3.0, 0.0, size=B) / 20)
            segs = (segs * gains[:, None]).astype(np.float32)
        starts = np.array([c[1] for c in cuts], dtype=np.int64)
        mine = slice(self.rank * self.batch_size, (self.rank + 1) * self.batch_size)
        return self._to_batch(segs[mine], idx[mine], starts[mine], rng)

    def fixed_batches(self, n_batches: int, seed: int = 12345) -> list[Batch]:
        """The same ``n_batches`` every call (for validation)."""
        rng = np.random.default_rng(seed)
        return [self.sample(rng) for _ in range(n_batches)]

    def _to_batch(self, segs: np.ndarray, idx: np.ndarray, starts: np.ndarray,
                  rng: np.random.Generator) -> Batch:
        audio = torch.from_numpy(segs[:, :-1].copy())
        x = torch.from_numpy(segs)
        if self.quantization_channels:
            q = torch.from_numpy(mu_law_encode_np(segs, self.quantization_channels))
            inputs, targets = q[:, :-1], q[:, 1:]
        else:
            inputs, targets = x[:, :-1], x[:, 1:]
        if self.input_values:
            inputs = x[:, :-1]
            if self.input_dither:
                k = mu_law_encode(inputs, self.quantization_channels)
                frac = torch.from_numpy(rng.random(tuple(inputs.shape)))  # the batch's own generator
                inputs = dithered_class_value(k, frac, self.quantization_channels)
        labels = None if self.labels is None else torch.from_numpy(self.labels[idx])
        local = None
        if self.features is not None:
            n_inputs = segs.shape[1] - 1
            local = torch.from_numpy(np.stack([frames_for_window(self.features[i], int(s), n_inputs, self.hop)
                                               for i, s in zip(idx, starts)]))
        return Batch(inputs.contiguous(), targets.contiguous(), audio, labels, self.context,
                     local, starts, np.asarray(idx))
