"""Teacher-forced scoring of whole clips: the fast core of :func:`wavenetlike.evaluate.evaluate`.

A clip of n samples has n − 1 targets, samples 1 … n−1 (sample 0 has no past
to predict it from; the training windows never score it either). Target t is
predicted from the Δ samples before it, with zeros before the clip's start, as
in the training windows. The model runs over chunks of ``chunk`` targets; each
chunk carries the Δ−1 samples before its first target as unscored context, so
consecutive chunks overlap by Δ−1 inputs and a long clip never has to fit in
memory at once — the scores equal those of one pass over the whole clip.

The model is read only through two functions of
``wavenetlike.model.distributions``: ``model_inputs(config, audio)`` (what the
model takes) and ``class_log_probs(config, outputs, n_classes)`` (the
log-probability of each mu-law class of the next sample), so every input and
output kind is scored the same way, in bits per sample at ``n_classes``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from torch import nn

from .conditioning import UPSAMPLER_CONTEXT, features_for_clip
from .data.mulaw import mu_law_encode_np
from .data.windows import frames_for_window
from .model.distributions import class_log_probs, model_inputs

__all__ = ["ClipScores", "score_clips", "DEFAULT_CHUNK", "LN2"]

LN2 = math.log(2.0)
DEFAULT_CHUNK = 16384
"""Targets per forward pass (plus Δ−1 samples of context)."""
MIXTURE_ELEMENTS_PER_CHUNK = 1 << 23
"""A continuous model's chunk is cut so that its class CDFs hold at most this many values (64 MB of doubles)."""


@dataclass(frozen=True)
class ClipScores:
    """Totals over scored targets: ``nats`` (summed −log p of the true class), ``count``, ``correct`` (argmax hits).

    ``per_clip``: each scored clip's −log p (nats) of targets 1 … m−1, in clip order (float64 arrays).
    """

    nats: float = 0.0
    count: int = 0
    correct: int = 0
    per_clip: tuple[np.ndarray, ...] = field(default=(), compare=False, repr=False)

    @property
    def bits_per_sample(self) -> float | None:
        """Mean −log₂ p(true class) per target; None when nothing was scored."""
        return self.nats / self.count / LN2 if self.count else None

    @property
    def accuracy(self) -> float | None:
        """Fraction of targets whose most likely class is the true class; None when nothing was scored."""
        return self.correct / self.count if self.count else None

    def __add__(self, other: "ClipScores") -> "ClipScores":
        return ClipScores(self.nats + other.nats, self.count + other.count, self.correct + other.correct,
                          self.per_clip + other.per_clip)


def target_classes(clip: np.ndarray, scale: float, n_classes: int) -> np.ndarray:
    """The mu-law classes (n,) of a clip's samples in model units (``clip / scale``)."""
    return mu_law_encode_np(np.asarray(clip, dtype=np.float32) / float(scale or 1.0), n_classes)


def capped_lengths(lengths: Sequence[int], max_samples: int | None) -> list[int]:
    """How many samples of each clip to score so that at most ``max_samples`` targets are scored.

    Clips are taken in order, whole while they fit; the clip that crosses the
    cap keeps its first part (targets are samples 1 …, so a clip of m kept
    samples gives m − 1 targets); the rest get 0.
    """
    out, left = [], (None if max_samples is None else int(max_samples))
    for n in lengths:
        n = int(n)
        if left is None:
            out.append(n)
            continue
        keep = min(n, left + 1) if left > 0 else 0
        keep = keep if keep >= 2 else 0
        out.append(keep)
        left -= max(0, keep - 1)
    return out


@torch.inference_mode()
def score_clips(model: nn.Module, clips: Sequence[np.ndarray], scale: float, n_classes: int | None = None,
                max_samples: int | None = None, device: torch.device | str | None = None, *,
                labels: Sequence[int] | None = None, chunk: int = DEFAULT_CHUNK) -> ClipScores:
    """Teacher-forced log-loss and accuracy of ``model`` on whole clips.

    ``clips``: 1-D arrays in the data's units; divided by ``scale`` to get the
    model's units. ``n_classes``: the mu-law classes scored (default: the
    config's ``quantization_channels``). ``max_samples``: at most this many
    targets (clips in order; see :func:`capped_lengths`). ``labels``: one label
    index per clip for a label-conditioned model. A locally conditioned model
    gets each clip's own features (:func:`wavenetlike.conditioning.features_for_clip`).
    Returns summed nats, the target count, argmax hits and each clip's nats per target.
    """
    config = getattr(model, "config", None)
    if config is None:
        raise TypeError(f"score_clips needs a WaveNet-like model (with .config), not {type(model).__name__}")
    n_classes = int(n_classes or config.quantization_channels)
    if n_classes < 2:
        raise ValueError(f"n_classes = {n_classes} must be ≥ 2")
    if chunk < 1:
        raise ValueError(f"chunk = {chunk} must be ≥ 1")
    if config.global_condition_classes and (labels is None or len(labels) != len(clips)):
        raise ValueError("score_clips: a label-conditioned model needs one label index per clip (labels=...)")
    if device is None:
        device = next(model.parameters()).device
    if config.continuous:  # class_log_probs holds (n_classes + 1) × components doubles per target, several times
        chunk = min(chunk, max(64, MIXTURE_ELEMENTS_PER_CHUNK // ((n_classes + 1) * config.output_dim)))
    was_training = model.training
    model.eval()
    total = ClipScores()
    try:
        for i, (clip, keep) in enumerate(zip(clips, capped_lengths([len(c) for c in clips], max_samples))):
            if keep < 2:
                continue
            if not np.all(np.isfinite(clip[:keep])):
                raise ValueError(f"score_clips: clip {i} contains NaN or infinite samples")
            label = None if labels is None or not config.global_condition_classes else int(labels[i])
            total = total + _score_one(model, config, np.asarray(clip, dtype=np.float32), keep, scale,
                                       n_classes, torch.device(device), label, chunk)
    finally:
        model.train(was_training)
    return total


def _score_one(model: nn.Module, config, clip: np.ndarray, keep: int, scale: float, n_classes: int,
               device: torch.device, label: int | None, chunk: int) -> ClipScores:
    """Scores of targets 1 … keep−1 of one clip, in chunks."""
    scale = float(scale or 1.0)
    x = clip.astype(np.float32) / scale  # model units
    classes = mu_law_encode_np(x[:keep], n_classes)
    hop = config.local_condition_hop if config.local_condition_channels else None
    features = features_for_clip(config, clip, scale).numpy() if hop else None
    context = config.receptive_field - 1 + (UPSAMPLER_CONTEXT if hop else 0)
    g = None if label is None else torch.tensor([label], device=device)
    nats, correct = np.zeros(keep - 1), 0
    for t0 in range(1, keep, chunk):
        t1 = min(keep, t0 + chunk)  # targets t0 … t1−1, predicted from inputs up to t1−2
        start = t0 - 1 - context  # clip index of the first input (negative: zeros before the clip)
        if hop:
            start = (start // hop) * hop  # the conditioning frames line up with the window
        inputs = np.zeros(t1 - 1 - start, dtype=np.float32)
        lo = max(0, start)
        inputs[lo - start:] = x[lo:t1 - 1]
        audio = torch.from_numpy(inputs).unsqueeze(0).to(device)
        local = None
        if hop:
            local = torch.from_numpy(frames_for_window(features, start, len(inputs), hop)).unsqueeze(0).to(device)
        out = model(model_inputs(config, audio), global_cond=g, local_cond=local,
                    output_from=t0 - 1 - start)
        logp = class_log_probs(config, out, n_classes)[0]  # (n_classes, t1 − t0)
        target = torch.from_numpy(classes[t0:t1]).to(device)
        picked = logp.gather(0, target.unsqueeze(0))[0]
        nats[t0 - 1:t1 - 1] = -picked.double().cpu().numpy()
        correct += int((logp.argmax(dim=0) == target).sum())
    return ClipScores(float(nats.sum()), keep - 1, correct, (nats,))
