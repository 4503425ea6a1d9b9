"""How much past a dataset needs, measured: the predictability curve and the "context needed".

For context lengths L on a log grid, the held-out bits/sample (at
``CURVE_CLASSES`` mu-law classes) of two predictors that see the last L
samples (see :mod:`wavenetlike.analysis.linear_prediction`):

* a **linear predictor** of order L (Levinson–Durbin on the training clips);
* a **long-term (pitch) predictor** on top of a short-term one, for periodic
  data: the short-term residual e (order p = min(L, ``PITCH_SHORT_ORDER``)) is
  predicted, block by block, as β·e[t−T], where the lag T (2.5–20 ms, and at
  most L − p so that the predictor still sees only L samples) and the gain β
  are chosen from the *previous* ``PITCH_WINDOW_MS`` of residual (backward
  adaptive, like a speech codec's pitch predictor, so no side information).

The curve is the better of the two at each L. The **context needed** is the
smallest L beyond which more context buys less than ``threshold`` bits/sample:
bits(L) − min_{L' ≥ L} bits(L') < threshold, refined between grid points by
bisection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Sequence

import numpy as np

from ..data.mulaw import mu_law_encode_np
from .linear_prediction import (DEFAULT_EMA, SCALE_FLOOR, LinearPredictors, adaptive_laplace_scale,
                                fit_linear_predictors, laplace_class_log2prob, linear_predictor_log2probs,
                                mulaw_class_edges, residuals)

__all__ = ["PredictabilityCurve", "predictability_curve", "context_grid", "CURVE_CLASSES", "THRESHOLD_BITS",
           "CONTEXT_NEEDED_DEFINITION"]

CURVE_CLASSES = 256          # the quantisation the curve is scored at (WaveNet's)
THRESHOLD_BITS = 0.02        # "more context buys less than this" (bits/sample)
PITCH_SHORT_ORDER = 32       # short-term order under the pitch predictor
PITCH_MIN_MS, PITCH_MAX_MS = 2.5, 20.0   # lag range of the pitch predictor (400 Hz … 50 Hz)
PITCH_BLOCK_MS, PITCH_WINDOW_MS = 5.0, 20.0
SPARSE_KAPPA = 6.0           # the spiky pitch predictor uses only residuals beyond 6× their local scale
MAX_TRAIN_SAMPLES = 4_000_000
MAX_HELD_OUT_SAMPLES = 200_000
CONTEXT_NEEDED_DEFINITION = (
    "the smallest context L (samples of past seen) beyond which a longer context improves the held-out bits/sample "
    "by less than the threshold: bits(L) − min over L' ≥ L of bits(L') < threshold, where bits is the better of a "
    "linear predictor of order L and a short-term + pitch predictor seeing L samples, each with an adaptive Laplace "
    "residual integrated over mu-law classes")


@dataclass
class PredictabilityCurve:
    """Held-out bits/sample against context length, and the context needed.

    ``contexts``: L values (samples); ``linear_bits`` / ``pitch_bits`` / ``bits``
    at each L (``pitch_bits`` is None where the pitch predictor does not fit in L;
    ``bits`` is the better of the two). ``context_needed`` is in samples.
    """

    contexts: list[int]
    linear_bits: list[float]
    pitch_bits: list[float | None]
    bits: list[float]
    n_classes: int
    threshold: float
    context_needed: int
    sample_rate: int
    train_samples: int
    held_out_samples: int
    pitch_helps: bool = False
    definition: str = CONTEXT_NEEDED_DEFINITION
    notes: list[str] = field(default_factory=list)

    @property
    def context_needed_ms(self) -> float:
        return 1000.0 * self.context_needed / self.sample_rate

    def bits_at(self, context: int) -> float:
        """The curve's bits/sample at the largest grid L ≤ ``context``."""
        i = max(0, int(np.searchsorted(self.contexts, context, side="right")) - 1)
        return float(self.bits[i])

    def summary(self) -> str:
        """Two lines a person reads."""
        return (f"Context needed: {self.context_needed} samples ({self.context_needed_ms:.2f} ms) — beyond it more "
                f"past improves held-out prediction by < {self.threshold:g} bits/sample at {self.n_classes} classes "
                f"(bits/sample {self.bits[0]:.2f} at L = {self.contexts[0]} → {min(self.bits):.2f} at best"
                + ("; the pitch predictor helps" if self.pitch_helps else "") + ")")

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for k in ("linear_bits", "pitch_bits", "bits"):
            out[k] = [None if v is None or not math.isfinite(v) else float(v) for v in out[k]]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PredictabilityCurve":
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["contexts"] = [int(v) for v in kw["contexts"]]
        for k in ("linear_bits", "bits"):
            kw[k] = [float("nan") if v is None else float(v) for v in kw[k]]
        return cls(**kw)


def context_grid(max_context: int) -> list[int]:
    """L = 1, 2, 3, 4, 6, 8, 11, 16, … (ratio √2, rounded) up to ``max_context`` (included)."""
    out, k = [], 0
    while True:
        v = int(round(2 ** (k / 2)))
        if v > max_context:
            break
        if not out or v != out[-1]:
            out.append(v)
        k += 1
    if out[-1] != max_context:
        out.append(int(max_context))
    return out


class _Scorer:
    """Held-out bits/sample of both predictors at any L, cached."""

    def __init__(self, train: list[np.ndarray], held: list[np.ndarray], max_context: int, n_classes: int,
                 sample_rate: int) -> None:
        self.held = held
        self.n_classes = n_classes
        self.predictors: LinearPredictors = fit_linear_predictors(train, max_context)
        self.edges = mulaw_class_edges(n_classes)
        classes = [mu_law_encode_np(h, n_classes) for h in held]
        self.lo = [self.edges[c] for c in classes]
        self.hi = [self.edges[c + 1] for c in classes]
        self.min_lag = max(2, int(round(PITCH_MIN_MS * sample_rate / 1000)))
        self.max_lag = max(self.min_lag, int(round(PITCH_MAX_MS * sample_rate / 1000)))
        self.block = max(1, int(round(PITCH_BLOCK_MS * sample_rate / 1000)))
        self.window = max(self.block, int(round(PITCH_WINDOW_MS * sample_rate / 1000)))
        self.linear: dict[int, float] = {}
        self.pitch: dict[int, float | None] = {}
        self._pitch_tables: dict[tuple[int, bool], list] = {}

    def linear_bits(self, L: int) -> float:
        if L not in self.linear:
            self.linear[L] = float(-np.mean(linear_predictor_log2probs(self.predictors, self.held, L,
                                                                       self.n_classes)))
        return self.linear[L]

    def pitch_bits(self, L: int) -> float | None:
        if L not in self.pitch:
            self.pitch[L] = self._score_pitch(L)
        return self.pitch[L]

    def bits(self, L: int) -> float:
        pb = self.pitch_bits(L)
        lb = self.linear_bits(L)
        return lb if pb is None else min(lb, pb)

    # ---------------------------------------------------------------- pitch
    def _tables(self, p: int, sparse: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Per held-out clip: short-term residual e (p taps), the past it predicts from (e, or only its
        spikes when ``sparse``), and per block the windowed cross and energy sums for every lag."""
        key = (p, sparse)
        if key not in self._pitch_tables:
            a = self.predictors.coefficients(p)
            initial = max(self.predictors.residual_std(p) / math.sqrt(2.0), SCALE_FLOOR)
            tables = []
            for h in self.held:
                e = residuals(h, a)
                source = e
                if sparse:  # only samples far outside their local scale: pulses, glottal closures
                    b = adaptive_laplace_scale(np.abs(e), initial, DEFAULT_EMA, SCALE_FLOOR)
                    source = np.where(np.abs(e) > SPARSE_KAPPA * b, e, 0.0)
                cross, energy = self._block_sums(e, source)
                tables.append((e, source, cross, energy))
            self._pitch_tables[key] = tables
        return self._pitch_tables[key]

    def _block_sums(self, e: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lags, blocks) Σ e[t]·source[t−T] and Σ source[t−T]² over the window before each block (FFT)."""
        W, Tmax, Tmin = self.window, self.max_lag, self.min_lag
        starts = np.arange(0, e.size, self.block)
        pe = np.concatenate([np.zeros(W + Tmax), e])
        ps = np.concatenate([np.zeros(W + Tmax), source])
        base = starts + Tmax                                   # index of window start (s − W) in the padded arrays
        target = pe[base[:, None] + np.arange(W)[None, :]]     # (blocks, W): e over the window
        seg = ps[starts[:, None] + np.arange(W + Tmax)[None, :]]  # (blocks, W + Tmax): source from s − W − Tmax
        n = 1 << int(math.ceil(math.log2(2 * W + Tmax)))
        corr = np.fft.irfft(np.conj(np.fft.rfft(target, n, axis=1)) * np.fft.rfft(seg, n, axis=1), n, axis=1)
        lags = np.arange(Tmin, Tmax + 1)
        cross = corr[:, Tmax - lags].T                         # corr[k] pairs target[j] with seg[j + k], k = Tmax − T
        g = np.concatenate([[0.0], np.cumsum(ps * ps)])
        hi_idx = base[None, :] + W - lags[:, None]            # window of source shifted by T
        energy = g[hi_idx] - g[hi_idx - W]
        return cross, energy

    def _score_pitch(self, L: int) -> float | None:
        best = None
        for p in (0, min(L, PITCH_SHORT_ORDER)):
            if L - p < self.min_lag:
                continue
            for sparse in (False, True):
                if p == 0 and not sparse:
                    continue  # without a short-term predictor only the spiky version is worth trying
                bits = self._score_pitch_variant(p, sparse, min(L - p, self.max_lag))
                best = bits if best is None else min(best, bits)
        return best

    def _score_pitch_variant(self, p: int, sparse: bool, max_lag: int) -> float:
        lags = np.arange(self.min_lag, self.max_lag + 1)
        allowed = lags <= max_lag
        initial = max(self.predictors.residual_std(p) / math.sqrt(2.0), SCALE_FLOOR)
        total, count = 0.0, 0
        for (e, source, cross, energy), h, lo, hi in zip(self._tables(p, sparse), self.held, self.lo, self.hi):
            with np.errstate(invalid="ignore", divide="ignore"):
                score = np.where(energy > 1e-300, np.maximum(cross, 0) ** 2 / energy, 0.0)
            score[~allowed] = -1.0
            best = np.argmax(score, axis=0)                        # (blocks,)
            cols = np.arange(best.size)
            en = energy[best, cols]
            gain = np.clip(np.where(en > 1e-300, cross[best, cols] / np.maximum(en, 1e-300), 0.0), 0.0, 1.0)
            src = np.arange(e.size) - np.repeat(lags[best], self.block)[: e.size]
            long_term = np.where(src >= 0, source[np.maximum(src, 0)], 0.0) * np.repeat(gain, self.block)[: e.size]
            final = e - long_term                                  # what is left after both predictors
            b = adaptive_laplace_scale(np.abs(final), initial, DEFAULT_EMA, SCALE_FLOOR)
            total += float(np.sum(laplace_class_log2prob(lo, hi, h - final, b)))
            count += e.size
        return -total / count


def predictability_curve(train_clips: Sequence[np.ndarray], held_out_clips: Sequence[np.ndarray],
                         sample_rate: int, scale: float = 1.0, max_context: int | None = None,
                         n_classes: int = CURVE_CLASSES, threshold: float = THRESHOLD_BITS,
                         cancel: Callable[[], bool] | None = None) -> PredictabilityCurve:
    """The predictability curve of held-out clips given training clips (1-D arrays, divided by ``scale``).

    ``max_context`` (default: a quarter second, at most the longest training
    clip − 1 and 4,096) bounds the grid. At most MAX_TRAIN_SAMPLES training and
    MAX_HELD_OUT_SAMPLES held-out samples are used (clips taken in order).
    ``cancel()`` returning True stops between grid points (raises
    :class:`wavenetlike.data.dataset.Cancelled`).
    """
    from ..data.dataset import Cancelled
    if threshold <= 0:
        raise ValueError(f"threshold = {threshold} must be > 0 bits/sample")
    if scale <= 0:
        raise ValueError(f"scale = {scale} must be > 0")
    train = _take([np.asarray(c, dtype=np.float64).ravel() / scale for c in train_clips], MAX_TRAIN_SAMPLES)
    held = _take([np.asarray(c, dtype=np.float64).ravel() / scale for c in held_out_clips], MAX_HELD_OUT_SAMPLES)
    notes: list[str] = []
    if not train:
        raise ValueError("predictability_curve needs at least one non-empty training clip")
    if not held:
        held = train
        notes.append("no held-out clip: the curve is measured on the training clips (optimistic)")
    longest = max(c.size for c in train)
    if max_context is None:
        max_context = min(int(round(0.25 * sample_rate)), 4096)
    max_context = int(max(1, min(max_context, longest - 1)))
    grid = context_grid(max_context)
    scorer = _Scorer(train, held, max_context, n_classes, sample_rate)
    for L in grid:
        if cancel is not None and cancel():
            raise Cancelled("predictability curve cancelled")
        scorer.bits(L)
    bits = [scorer.bits(L) for L in grid]
    needed = _context_needed(grid, bits, threshold, scorer)
    linear = [scorer.linear_bits(L) for L in grid]
    pitch = [scorer.pitch_bits(L) for L in grid]
    pitch_only = [pb for pb in pitch if pb is not None]
    pitch_helps = bool(pitch_only) and min(pitch_only) < min(linear) - threshold
    return PredictabilityCurve(
        contexts=grid, linear_bits=linear, pitch_bits=pitch, bits=bits, n_classes=n_classes, threshold=threshold,
        context_needed=needed, sample_rate=int(sample_rate), train_samples=sum(c.size for c in train),
        held_out_samples=sum(c.size for c in held), pitch_helps=pitch_helps, notes=notes)


def _context_needed(grid: list[int], bits: list[float], threshold: float, scorer: _Scorer) -> int:
    """Smallest grid L with bits(L) − min(bits beyond) < threshold, refined by bisection below it."""
    suffix_min = np.minimum.accumulate(np.asarray(bits)[::-1])[::-1]
    i = next(k for k in range(len(grid)) if bits[k] - suffix_min[k] < threshold)
    if i == 0:
        return grid[0]
    best = float(suffix_min[i])
    lo, hi = grid[i - 1], grid[i]        # bits(lo) is too high, bits(hi) is good enough
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if scorer.bits(mid) - best < threshold:
            hi = mid
        else:
            lo = mid
    return hi


def _take(clips: list[np.ndarray], limit: int) -> list[np.ndarray]:
    out, left = [], limit
    for c in clips:
        if c.size == 0:
            continue
        if left <= 0:
            break
        out.append(c[:left])
        left -= min(left, c.size)
    return out


def dataset_predictability(dataset: Any, cancel: Callable[[], bool] | None = None,
                           max_context: int | None = None) -> PredictabilityCurve:
    """The curve for a :class:`~wavenetlike.data.dataset.Dataset`: fitted on its training split,
    scored on its validation split (``dataset.split()``, the split training uses)."""
    clips = list(dataset.clips)
    if hasattr(dataset, "split"):
        train, held = dataset.split()
    else:
        train, held = clips, []
    return predictability_curve([c.audio for c in train], [c.audio for c in held], int(dataset.sample_rate),
                                scale=float(getattr(dataset, "scale", 1.0) or 1.0), max_context=max_context,
                                cancel=cancel)
