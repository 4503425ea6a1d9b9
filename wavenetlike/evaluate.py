"""``evaluate(model, dataset)``: held-out bits/sample and accuracy beside the library's own baselines.

The held-out clips are the Trainer's: ``dataset.split(validation_fraction, seed)``
(same arguments, same clips). Each is scored whole, teacher-forced, by
:func:`wavenetlike.scoring.score_clips` (targets are samples 1 … n−1, zeros
before the clip's start, chunks overlapping by Δ−1). Huge held-out sets are
capped at ``max_held_out_seconds`` of targets (clips in split order, the last
one cut), and the report says so. The baselines are scored on the same
targets at the same mu-law classes:

* "same class": the previous sample's class (see :mod:`wavenetlike.analysis.baselines`);
* "linear predictor (order 32)": least squares on the training split's
  unquantised past, with an adaptive Laplace residual integrated over each
  class interval (:mod:`wavenetlike.analysis.linear_prediction`).

The report also splits the scored targets by their 20-ms frame of the
held-out audio — voiced, unvoiced, silent (:mod:`wavenetlike.analysis.frame_kinds`)
— with the model's and the linear predictor's bits/sample in each: where the
model gains on the baseline and where the bits are.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from .analysis.audio_stats import silence_threshold
from .analysis.baselines import BaselineScore, same_class_baseline
from .analysis.frame_kinds import FrameKindScore, scores_by_frame_kind, target_frame_kinds
from .analysis.linear_prediction import fit_linear_predictors, linear_predictor_log2probs
from .config import LINEAR_PREDICTOR_ORDER
from .data.dataset import Dataset
from .scoring import LN2, ClipScores, capped_lengths, score_clips

__all__ = ["evaluate", "EvaluationReport", "score_clips", "ClipScores", "DEFAULT_MAX_HELD_OUT_SECONDS",
           "LINEAR_PREDICTOR_ORDER"]

DEFAULT_MAX_HELD_OUT_SECONDS = 60.0
"""Held-out audio scored at most (seconds of targets); about a minute on one CPU thread for the toy preset."""


@dataclass
class EvaluationReport:
    """Held-out scores of a model and of the baselines on the same targets (bits are per sample, base 2)."""

    bits_per_sample: float | None
    accuracy: float | None
    n_classes: int
    samples_scored: int
    clips_scored: int
    held_out_clips: int
    held_out_seconds: float
    scored_seconds: float
    cap_seconds: float | None
    capped: bool
    train_clips: int
    validation_fraction: float
    seed: int
    sample_rate: int
    model: str = ""
    baselines: list[BaselineScore] = field(default_factory=list)
    by_frame_kind: list[FrameKindScore] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds_taken: float = 0.0

    def baseline(self, name: str) -> BaselineScore | None:
        """The baseline whose name starts with ``name`` ("same class", "linear predictor"), or None."""
        return next((b for b in self.baselines if b.name.startswith(name)), None)

    def margin(self, name: str) -> float | None:
        """Baseline bits − model bits (positive: the model is better), or None."""
        b = self.baseline(name)
        if b is None or b.bits_per_sample is None or self.bits_per_sample is None:
            return None
        return b.bits_per_sample - self.bits_per_sample

    def summary(self) -> str:
        def f(v: float | None, spec: str) -> str:
            return "—" if v is None else format(v, spec)

        cap = (f"capped at {self.cap_seconds:g} s of the {self.held_out_seconds:.1f} s held out"
               if self.capped else "all of it")
        lines = [
            f"Held-out evaluation of the {self.model or 'model'}, scored at {self.n_classes} mu-law classes",
            f"  held out: {self.held_out_clips} clips, {self.held_out_seconds:.1f} s "
            f"(dataset.split({self.validation_fraction:g}, seed={self.seed}); {self.train_clips} training clips)",
            f"  scored: {self.samples_scored:,} targets in {self.clips_scored} whole clips, "
            f"{self.scored_seconds:.1f} s ({cap})",
            f"  {'':<30} {'bits/sample':>11} {'accuracy':>9}",
            f"  {'model':<30} {f(self.bits_per_sample, '.3f'):>11} {f(self.accuracy, '.1%'):>9}",
        ]
        for b in self.baselines:
            lines.append(f"  {b.name:<30} {f(b.bits_per_sample, '.3f'):>11} {f(b.accuracy, '.1%'):>9}")
        for b in self.baselines:
            m = self.margin(b.name)
            if m is not None:
                lines.append(f"  the model is {abs(m):.3f} bits/sample {'better' if m > 0 else 'worse'} "
                             f"than {b.name}")
        if self.by_frame_kind:
            names = list(self.by_frame_kind[0].bits_per_sample)
            lines.append(f"  by 20-ms frame of the held-out audio: {'share':>6} "
                         + " ".join(f"{n:>16}" for n in names))
            for k in self.by_frame_kind:
                lines.append(f"    {k.kind:<36}{k.share:>6.1%} "
                             + " ".join(f"{k.bits_per_sample[n]:>16.3f}" for n in names))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("baselines", "by_frame_kind")}
        d["baselines"] = [b.to_dict() for b in self.baselines]
        d["by_frame_kind"] = [k.to_dict() for k in self.by_frame_kind]
        return d


def _model_description(config: Any) -> str:
    out = (f"a mixture of {config.mixture_components} logistic(s)" if config.continuous
           else f"{config.quantization_channels} classes")
    return f"model ({out}, {getattr(config, 'input_kind', 'onehot')} inputs, Δ = {config.receptive_field})"


def evaluate(model: nn.Module, dataset: Dataset | Any, *, validation_fraction: float = 0.1, seed: int = 0,
             max_held_out_seconds: float | None = DEFAULT_MAX_HELD_OUT_SECONDS, baselines: bool = True,
             n_classes: int | None = None, scale: float | None = None,
             device: Any = None) -> EvaluationReport:
    """Score ``model`` on the held-out clips of ``dataset`` (the Trainer's split), with the baselines.

    ``n_classes``: mu-law classes the scores count (default: the model's
    ``quantization_channels``; a categorical model is scored at its own).
    ``scale``: divide the data by this to get model units (default: the
    dataset's, as the Trainer does; pass a checkpoint's ``scale``).
    ``max_held_out_seconds``: cap on the scored audio (None: everything).
    """
    config = getattr(model, "config", None)
    if config is None:
        raise TypeError(f"evaluate needs a WaveNet-like model (with .config), not {type(model).__name__}")
    if not isinstance(dataset, Dataset):
        dataset = Dataset(dataset, sample_rate=config.sample_rate)
    if max_held_out_seconds is not None and not max_held_out_seconds > 0:
        raise ValueError(f"max_held_out_seconds = {max_held_out_seconds!r} must be > 0 (or None for no cap)")
    if int(dataset.sample_rate) != int(config.sample_rate):
        raise ValueError(f"evaluate: {dataset.description or 'the dataset'} is at {dataset.sample_rate} Hz but the "
                         f"model works at {config.sample_rate} Hz (ModelConfig.sample_rate); load the data with "
                         f"sample_rate={config.sample_rate}")
    t_start = time.perf_counter()
    n_classes = int(n_classes or config.quantization_channels)
    scale = float(scale or dataset.scale or 1.0)
    sr = int(dataset.sample_rate)
    train, held = dataset.split(validation_fraction, seed)
    if not held:
        raise ValueError(f"evaluate: {dataset.description or 'the dataset'} has no held-out clips with "
                         f"validation_fraction = {validation_fraction:g} ({len(dataset)} clip(s)); "
                         f"use a validation_fraction > 0 and a dataset of two or more clips")
    held_audio = [c.audio for c in held]
    train_audio = [c.audio for c in train]
    cap = None if max_held_out_seconds is None else int(round(max_held_out_seconds * sr))
    kept = capped_lengths([len(a) for a in held_audio], cap)
    labels = None
    if config.global_condition_classes:
        from .conditioning import label_indices
        labels = label_indices(list(config.labels) or dataset.labels, held)
    notes: list[str] = []
    scores = score_clips(model, held_audio, scale, n_classes, max_samples=cap, device=device, labels=labels)
    if scores.count == 0:
        notes.append("every held-out clip is shorter than 2 samples: nothing was scored")
    report = EvaluationReport(
        bits_per_sample=scores.bits_per_sample, accuracy=scores.accuracy, n_classes=n_classes,
        samples_scored=scores.count, clips_scored=sum(1 for k in kept if k >= 2), held_out_clips=len(held),
        held_out_seconds=sum(len(a) for a in held_audio) / sr, scored_seconds=sum(kept) / sr,
        cap_seconds=max_held_out_seconds, capped=any(k < len(a) for k, a in zip(kept, held_audio)),
        train_clips=len(train), validation_fraction=float(validation_fraction), seed=int(seed),
        sample_rate=sr, model=_model_description(config), notes=notes)
    if report.capped:
        notes.append(f"the held-out set was capped at {max_held_out_seconds:g} s of targets "
                     f"(clips in split order, the last one cut)")
    if baselines:
        lp, lp_bits = _linear_predictor(train_audio, held_audio, n_classes, scale, kept)
        report.baselines = [same_class_baseline(train_audio, held_audio, n_classes, scale, cap), lp]
        if scores.count and lp_bits is not None:
            report.by_frame_kind = _by_frame_kind(held_audio, kept, sr, scores, lp_bits)
    report.seconds_taken = time.perf_counter() - t_start
    return report


def held_out_baselines(train_audio: list, held_audio: list, n_classes: int, scale: float,
                       max_samples: int | None = None) -> list[BaselineScore]:
    """The library's baselines on the first ``max_samples`` targets of the held-out clips (as the Trainer
    validates): "same class as the previous sample" and the order-32 linear predictor, in bits/sample."""
    kept = capped_lengths([len(a) for a in held_audio], max_samples)
    return [same_class_baseline(train_audio, held_audio, n_classes, scale, max_samples),
            _linear_predictor(train_audio, held_audio, n_classes, scale, kept)[0]]


def _by_frame_kind(held_audio: list, kept: list[int], sample_rate: int, scores: ClipScores,
                   lp_bits: np.ndarray) -> list[FrameKindScore]:
    """The model's and the linear predictor's bits/sample in voiced, unvoiced and silent frames."""
    threshold = silence_threshold([np.asarray(a, dtype=np.float64) for a in held_audio], sample_rate)
    kinds = np.concatenate([target_frame_kinds(np.asarray(a[:k], dtype=np.float64), sample_rate, threshold)
                            for a, k in zip(held_audio, kept) if k >= 2])
    model_bits = np.concatenate(scores.per_clip) / LN2
    return scores_by_frame_kind(kinds, {"model": model_bits, "linear predictor": lp_bits})


def _linear_predictor(train_audio: list, held_audio: list, n_classes: int, scale: float,
                      kept: list[int]) -> tuple[BaselineScore, np.ndarray | None]:
    """The order-32 linear predictor's bits/sample on exactly the model's targets (samples 1 … m−1 of each kept
    clip), and its bits of each of those targets (None when nothing is held out)."""
    p = LINEAR_PREDICTOR_ORDER
    name = f"linear predictor (order {p})"
    definition = ("least squares on the training clips' unquantised past (order 32), adaptive Laplace "
                  "residual integrated over each class interval")
    train = [np.asarray(a, dtype=np.float64) / scale for a in train_audio]
    held = [np.asarray(a[:k], dtype=np.float64) / scale for a, k in zip(held_audio, kept) if k >= 2]
    if not held:
        return BaselineScore(name, None, None, definition), None
    log2p = linear_predictor_log2probs(fit_linear_predictors(train, p), held, p, n_classes)
    first = np.cumsum([0] + [len(h) for h in held[:-1]])  # each clip's sample 0: not a target
    target_bits = -np.delete(log2p, first)
    return BaselineScore(name, float(target_bits.mean()), None, definition), target_bits
