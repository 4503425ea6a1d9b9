"""Linear prediction of audio, scored in bits per sample at a mu-law quantisation.

Two uses: the library's linear-predictor baseline for held-out bits/sample
(issue 10) and the dataset report's predictability curve (issue 14: how much
past the data needs).

* :func:`fit_linear_predictors` sums the autocorrelation of the training clips
  (each clip zero-padded at its ends, i.e. the "autocorrelation method") and runs
  Levinson–Durbin once, which yields the predictor of every order 0…max_order.
* :func:`linear_predictor_bits` predicts each held-out sample from its past
  (zeros before the clip start), models the residual with an *adaptive Laplace*
  distribution whose scale is an exponential moving average of recent
  |residuals| (with a floor), integrates that density over each mu-law class's
  interval (the outer classes reach ±∞) and returns the mean −log2 probability
  of the true class.

Conventions: a predictor of order p has coefficients ``a`` (shape ``(p,)``)
with ``a[0]`` on the newest past sample: x̂[t] = Σₖ a[k−1]·x[t−k].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import signal

__all__ = ["LinearPredictors", "fit_linear_predictors", "linear_predictor_bits",
           "linear_predictor_log2probs", "mulaw_class_edges", "laplace_class_log2prob", "residuals", "adaptive_laplace_scale",
           "DEFAULT_EMA", "SCALE_FLOOR"]

DEFAULT_EMA = 0.1
"""Weight of the newest |residual| in the Laplace scale's moving average."""
SCALE_FLOOR = 1e-4
"""Smallest Laplace scale (on values in [−1, 1]); keeps digital silence finite."""
_FFT_FROM_ORDER = 64  # above this order residuals are computed by FFT convolution


@dataclass(frozen=True)
class LinearPredictors:
    """Every linear predictor of order 0…max_order from one Levinson–Durbin run.

    ``reflection``: (max_order,) reflection coefficients; ``error``:
    (max_order + 1,) prediction-error power per sample for each order
    (``error[0]`` is the signal power); ``autocorrelation``: (max_order + 1,)
    summed autocorrelation r[0…max_order] divided by the number of samples.
    """

    reflection: np.ndarray
    error: np.ndarray
    autocorrelation: np.ndarray
    n_samples: int

    @property
    def max_order(self) -> int:
        return int(len(self.reflection))

    def coefficients(self, order: int) -> np.ndarray:
        """The order-``order`` predictor, shape (order,), ``a[0]`` on x[t−1]."""
        if not 0 <= order <= self.max_order:
            raise ValueError(f"order = {order} must be in 0…{self.max_order} (the fitted max_order)")
        a = np.zeros(0)
        for k in self.reflection[:order]:
            a = np.concatenate([a - k * a[::-1], [k]])
        return a

    def residual_std(self, order: int) -> float:
        """Standard deviation of the order-``order`` prediction error on the training clips."""
        return float(np.sqrt(max(self.error[order], 0.0)))


def fit_linear_predictors(clips: Sequence[np.ndarray], max_order: int) -> LinearPredictors:
    """Fit predictors of every order 0…max_order on ``clips`` (1-D arrays).

    The autocorrelation r[k] = Σ_clips Σ_t x[t]·x[t+k] (zero padding at each
    clip's ends) is computed by FFT and solved by Levinson–Durbin; a tiny
    diagonal loading (1e-9·r[0]) keeps nearly-singular data (pure tones,
    silence) stable. Order 0 predicts zero.
    """
    max_order = int(max_order)
    if max_order < 0:
        raise ValueError(f"max_order = {max_order} must be ≥ 0")
    arrays = [np.asarray(c, dtype=np.float64).ravel() for c in clips]
    arrays = [a for a in arrays if a.size]
    if not arrays:
        raise ValueError("fit_linear_predictors needs at least one non-empty clip")
    r = np.zeros(max_order + 1)
    for a in arrays:
        r += _autocorrelation(a, max_order)
    n = sum(a.size for a in arrays)
    r /= n
    reflection, error = _levinson_durbin(r, max_order)
    return LinearPredictors(reflection, error, r, n)


def _autocorrelation(x: np.ndarray, max_lag: int) -> np.ndarray:
    """r[k] = Σ_t x[t]·x[t+k] for k = 0…max_lag (zero beyond the clip), shape (max_lag + 1,)."""
    out = np.zeros(max_lag + 1)
    lags = min(max_lag, x.size - 1)
    if x.size * (lags + 1) <= 2_000_000:
        for k in range(lags + 1):
            out[k] = np.dot(x[: x.size - k], x[k:])
        return out
    n = x.size + lags + 1
    nfft = 1 << (n - 1).bit_length()
    spec = np.fft.rfft(x, nfft)
    out[: lags + 1] = np.fft.irfft(spec * np.conj(spec), nfft)[: lags + 1]
    return out


def _levinson_durbin(r: np.ndarray, max_order: int) -> tuple[np.ndarray, np.ndarray]:
    """Reflection coefficients (max_order,) and error powers (max_order + 1,) from r[0…max_order]."""
    r = r.copy()
    error = np.zeros(max_order + 1)
    reflection = np.zeros(max_order)
    if r[0] <= 0:  # all-zero data: every predictor is zero and predicts perfectly
        return reflection, error
    r[0] *= 1.0 + 1e-9
    a = np.zeros(0)
    e = r[0]
    error[0] = e
    for m in range(max_order):
        # x̂[t] = Σ a[j]·x[t−1−j]; next reflection from the order-m error
        acc = r[m + 1] - np.dot(a, r[m:0:-1]) if m else r[1]
        k = acc / e if e > 0 else 0.0
        k = float(np.clip(k, -1.0 + 1e-12, 1.0 - 1e-12))
        a = np.concatenate([a - k * a[::-1], [k]])
        e = e * (1.0 - k * k)
        reflection[m] = k
        error[m + 1] = e
    return reflection, error


def residuals(x: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Prediction errors e[t] = x[t] − Σ a[k−1]·x[t−k] (zeros before the start), shape like ``x``."""
    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(coefficients, dtype=np.float64)
    if a.size == 0:
        return x.copy()
    fir = np.concatenate([[1.0], -a])
    if a.size > _FFT_FROM_ORDER and x.size > a.size:
        return signal.oaconvolve(x, fir)[: x.size]
    return signal.lfilter(fir, [1.0], x)


def adaptive_laplace_scale(abs_residual: np.ndarray, initial: float, ema: float = DEFAULT_EMA,
                           floor: float = SCALE_FLOOR) -> np.ndarray:
    """Laplace scale b[t] from |e[0…t−1]| only: b[t] = (1−ema)·b[t−1] + ema·|e[t−1]|, b[0] = initial.

    Shape like ``abs_residual``; never below ``floor``.
    """
    n = abs_residual.size
    if n == 0:
        return np.zeros(0)
    prev = np.concatenate([[initial], abs_residual[:-1]])
    # y[t] = (1−ema)·y[t−1] + ema·prev[t] with y[−1] chosen so that y[0] = initial
    y, _ = signal.lfilter([ema], [1.0, -(1.0 - ema)], prev, zi=[(1.0 - ema) * initial])
    return np.maximum(y, floor)


def mulaw_class_edges(n_classes: int) -> np.ndarray:
    """Edges (n_classes + 1,) of the mu-law classes of ``wavenetlike.data.mulaw`` on values.

    Class c holds the values in [edges[c], edges[c+1]); edges[0] = −∞ and
    edges[−1] = +∞ because values beyond ±1 are clipped into the outer classes.
    """
    if n_classes < 2:
        raise ValueError(f"n_classes = {n_classes} must be ≥ 2")
    mu = n_classes - 1
    y = 2.0 * (np.arange(n_classes + 1) - 0.5) / mu - 1.0  # companded edges
    edges = np.sign(y) * ((1.0 + mu) ** np.abs(y) - 1.0) / mu
    edges[0], edges[-1] = -np.inf, np.inf
    return edges


def laplace_class_log2prob(lo: np.ndarray, hi: np.ndarray, mean: np.ndarray,
                           scale: np.ndarray) -> np.ndarray:
    """log2 of ∫_lo^hi Laplace(mean, scale), elementwise and stable far in the tails."""
    mean = np.asarray(mean, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    u, v = np.broadcast_arrays((np.asarray(lo, dtype=np.float64) - mean) / scale,
                               (np.asarray(hi, dtype=np.float64) - mean) / scale)
    out = np.empty(u.shape)
    straddle = (u < 0) & (v > 0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # the whole interval on one side of the mean: 0.5·e^{−near}·(1 − e^{−width}), near = distance to its
        # nearer edge; straddling the mean: 1 − 0.5·e^{−v} − 0.5·e^{u}
        side = ~straddle
        us, vs = u[side], v[side]
        near = np.where(us >= 0, us, -vs)
        out[side] = np.log(0.5) - near + np.log1p(-np.exp(-(vs - us)))
        out[straddle] = np.log1p(-0.5 * np.exp(-v[straddle]) - 0.5 * np.exp(u[straddle]))
    return np.maximum(out, -745.0) * (1.0 / np.log(2.0))


def linear_predictor_log2probs(predictors: LinearPredictors, held_out_clips: Sequence[np.ndarray],
                               order: int, n_classes: int, *, ema: float = DEFAULT_EMA,
                               floor: float = SCALE_FLOOR,
                               past_classes: int | None = None) -> np.ndarray:
    """log2 p(true class) of every held-out sample under the order-``order`` predictor.

    ``held_out_clips``: 1-D arrays already divided by the dataset's scale.
    Returns shape (total held-out samples,), the clips concatenated in order.
    With ``past_classes`` the predictor sees the past quantised to that many
    mu-law classes (decoded to values), as a one-hot-input network does.
    """
    from ..data.mulaw import mu_law_encode_np
    a = predictors.coefficients(order)
    edges = mulaw_class_edges(n_classes)
    initial = max(predictors.residual_std(order) / np.sqrt(2.0), floor)  # Laplace: var = 2b²
    out = []
    for h in held_out_clips:
        h = np.asarray(h, dtype=np.float64)
        seen = _quantised(h, past_classes) if past_classes else h
        prediction = seen - residuals(seen, a)
        b = adaptive_laplace_scale(np.abs(h - prediction), initial, ema, floor)
        classes = mu_law_encode_np(h, n_classes)
        out.append(laplace_class_log2prob(edges[classes], edges[classes + 1], prediction, b))
    return np.concatenate(out) if out else np.zeros(0)


def linear_predictor_bits(train_clips: Sequence[np.ndarray], held_out_clips: Sequence[np.ndarray],
                          orders: Sequence[int], n_classes: int, scale: float = 1.0,
                          max_held_out_samples: int | None = None, *, ema: float = DEFAULT_EMA,
                          floor: float = SCALE_FLOOR,
                          past_classes: int | None = None) -> dict[int, float]:
    """Held-out bits/sample of linear predictors of each order in ``orders``.

    Values are divided by ``scale`` (the dataset's) before prediction. Each
    held-out sample is predicted from its own clip's past (zeros before the
    start); the residual's density is Laplace with a scale tracked from the
    recent |residuals| (initialised from the training error), integrated over
    the true sample's mu-law class (``n_classes`` classes, values clipped to
    [−1, 1]). ``max_held_out_samples`` caps the held-out samples scored (clips
    taken in order, the last one cut). ``past_classes`` (optional): the
    predictor sees only the past quantised to that many mu-law classes (fitted
    on quantised training clips too) — the view a one-hot-input network has.
    Returns {order: mean −log2 p(class)}.

    Measured on the bundled set (``Dataset(None).split()``), 32 classes,
    order 32: 0.87 bits/sample seeing the full-resolution past, 2.34 with
    ``past_classes=32``.
    """
    orders = [int(p) for p in orders]
    if not orders:
        return {}
    if any(p < 0 for p in orders):
        raise ValueError(f"orders = {orders} must all be ≥ 0")
    if scale <= 0:
        raise ValueError(f"scale = {scale} must be > 0")
    train = [np.asarray(c, dtype=np.float64).ravel() / scale for c in train_clips]
    held = [np.asarray(c, dtype=np.float64).ravel() / scale for c in held_out_clips]
    held = [h for h in held if h.size]
    if max_held_out_samples is not None:
        held = _cap(held, int(max_held_out_samples))
    if not held:
        raise ValueError("linear_predictor_bits needs at least one non-empty held-out clip")
    if past_classes:
        train = [_quantised(t, past_classes) for t in train]
    predictors = fit_linear_predictors(train, max(orders))
    return {p: float(-np.mean(linear_predictor_log2probs(predictors, held, p, n_classes, ema=ema,
                                                         floor=floor, past_classes=past_classes)))
            for p in orders}


def _quantised(x: np.ndarray, n_classes: int) -> np.ndarray:
    from ..data.mulaw import mu_law_decode_np, mu_law_encode_np
    return mu_law_decode_np(mu_law_encode_np(x, n_classes), n_classes).astype(np.float64)


def _cap(clips: list[np.ndarray], limit: int) -> list[np.ndarray]:
    out, left = [], limit
    for c in clips:
        if left <= 0:
            break
        out.append(c[:left])
        left -= min(left, c.size)
    return out
