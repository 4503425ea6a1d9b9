"""The cached generation step compiled with numba (optional: ``pip install wavenetlike[fast]``).

Per-sample interpreter and operator overhead, not arithmetic, bounds cached
generation of small models in eager PyTorch (a few thousand samples/s). Here
a whole run of steps for all streams is one compiled loop over the same
packed weights and caches as the eager reference
(:mod:`wavenetlike.model.incremental`), which tests compare it against.
When numba is missing, :data:`AVAILABLE` is False and :data:`NOTE` says why.
"""
from __future__ import annotations

import importlib.util
import math
import threading

import numpy as np

from .distributions import COMPAND_MU, LOG_SCALE_MIN

# numba is imported (and the step compiled) on first use, not when the library is imported
AVAILABLE = importlib.util.find_spec("numba") is not None and importlib.util.find_spec("llvmlite") is not None
NOTE = ("numba compiled step" if AVAILABLE else
        "numba is not installed; cached generation uses the eager PyTorch step (many times slower). "
        "Install the 'fast' extra: pip install 'wavenetlike[fast]'")
_lock = threading.Lock()
_compiled = None


def kernel():
    """The compiled :func:`run_steps` (compiling or loading it from numba's disk cache on first call)."""
    global _compiled, _sample, _sample_mixture, _encode, _decode, _compand, _add_value_taps, _pitch_sums, \
        _pitch_update, _pitch_choose, AVAILABLE, NOTE
    with _lock:
        if _compiled is None:
            try:
                import numba
                jit = numba.njit(cache=True, nogil=True)
                _sample, _sample_mixture = jit(_sample_py), jit(_sample_mixture_py)
                _encode, _decode, _compand = jit(_encode_py), jit(_decode_py), jit(_compand_py)
                _add_value_taps = jit(_add_value_taps_py)
                _pitch_sums, _pitch_update = jit(_pitch_sums_py), jit(_pitch_update_py)
                _pitch_choose = jit(_pitch_choose_py)
                _compiled = numba.njit(cache=True, nogil=True)(_run_steps_py)
                NOTE = f"numba {numba.__version__} compiled step"
            except Exception as exc:  # a broken numba/llvmlite install
                AVAILABLE = False
                NOTE = (f"numba could not be loaded ({type(exc).__name__}: {exc}); cached generation "
                        "uses the eager PyTorch step")
                raise
        return _compiled


__all__ = ["AVAILABLE", "NOTE", "kernel"]


def _sample_py(logits, u, temperature, scratch):
    """Inverse-CDF draw from softmax(logits / temperature) (float64), or argmax when temperature is 0.

    Returns the class and where u fell inside its probability, ``(u − C_{k−1}) / p_k``
    (0.5 at temperature 0). ``scratch``: float64 work array of at least len(logits).
    """
    D = logits.shape[0]
    if temperature <= 0.0:
        best = 0
        for i in range(1, D):
            if logits[i] > logits[best]:
                best = i
        return best, 0.5
    m = -np.inf
    for i in range(D):
        v = np.float64(logits[i]) / temperature
        if v > m:
            m = v
    total = 0.0
    for i in range(D):
        e = math.exp(np.float64(logits[i]) / temperature - m)
        scratch[i] = e
        total += e
    acc = 0.0
    count = 0
    below = 0.0
    for i in range(D):
        acc += scratch[i] / total
        if acc <= u:
            count += 1
            below = acc
    k = min(count, D - 1)
    frac = (u - below) / (scratch[k] / total) if count < D else 0.0
    return k, min(max(frac, 0.0), 1.0 - 1e-9)


def _sample_mixture_py(params, u, temperature, scratch):
    """One value from a mixture of logistics (K weights, K means, K log-scales), as
    :func:`wavenetlike.model.distributions.sample_mixture` draws it, clipped to [−1, 1]."""
    K = params.shape[0] // 3
    if temperature <= 0.0:
        best = 0
        for i in range(1, K):
            if params[i] > params[best]:
                best = i
        return min(max(np.float64(params[K + best]), -1.0), 1.0)
    m = -np.inf
    for i in range(K):
        if np.float64(params[i]) > m:
            m = np.float64(params[i])
    total = 0.0
    for i in range(K):
        e = math.exp(np.float64(params[i]) - m)
        scratch[i] = e
        total += e
    acc = 0.0
    count = 0
    below = 0.0
    for i in range(K):
        acc += scratch[i] / total
        if acc <= u:
            count += 1
            below = acc
    k = min(count, K - 1)
    r = (u - below) / (scratch[k] / total)
    r = min(max(r, 1e-6), 1.0 - 1e-6)
    ls = max(np.float64(params[2 * K + k]), LOG_SCALE_MIN)
    x = np.float64(params[K + k]) + temperature * math.exp(ls) * (math.log(r) - math.log1p(-r))
    return min(max(x, -1.0), 1.0)


def _encode_py(x, classes):
    """mu-law class of a value (as :func:`wavenetlike.data.mulaw.mu_law_encode`)."""
    mu = classes - 1
    x = min(max(x, -1.0), 1.0)
    y = math.copysign(math.log1p(mu * abs(x)) / math.log1p(mu), x) if x != 0.0 else 0.0
    q = math.floor((y + 1.0) / 2.0 * mu + 0.5)
    return int(min(max(q, 0), mu))


def _decode_py(k, frac, classes):
    """Value of class k at ``frac`` across its companded interval (0.5: the centre)."""
    mu = classes - 1
    y = 2.0 * (k + 0.001 + 0.998 * frac - 0.5) / mu - 1.0
    y = min(max(y, -1.0), 1.0)
    return math.copysign(((1.0 + mu) ** abs(y) - 1.0) / mu, y)


def _add_value_taps_py(h, b, hist, first, newest, w):
    """h[b] += the initial conv's taps on two value channels (x, companded x): hist[b, first …] then ``newest``.

    w (W, 2, R); hist holds at least W − 1 values from column ``first`` on.
    """
    taps = w.shape[0] - 1
    for j in range(taps + 1):
        v = hist[b, first + j] if j < taps else newest
        vc = np.float32(_compand(v))
        for c in range(w.shape[2]):
            h[b, c] += v * w[j, 0, c] + vc * w[j, 1, c]


def _pitch_sums_py(exc_hist, b, max_lag, window, cross, energy):
    """The pitch term's window sums for every lag T_k = max_lag − k over the window ending at exc_hist[b]'s
    newest value: cross[b, k] = Σ e[j]·e[j − T_k], energy[b, k] = Σ e[j − T_k]² (float64)."""
    E = exc_hist.shape[1]
    base = E - window - max_lag
    for k in range(cross.shape[1]):
        c = 0.0
        en = 0.0
        for w in range(window):
            v = np.float64(exc_hist[b, base + k + w])
            c += v * np.float64(exc_hist[b, base + max_lag + w])
            en += v * v
        cross[b, k] = c
        energy[b, k] = en


def _pitch_update_py(exc_hist, b, e, max_lag, window, cross, energy):
    """Slide the window sums on by one sample, the new excitation ``e``; exc_hist[b] still ends at the previous one."""
    E = exc_hist.shape[1]
    new = np.float64(e)
    gone = np.float64(exc_hist[b, E - window])  # e[t − W] leaves the window
    for k in range(cross.shape[1]):
        lag = max_lag - k
        arriving = np.float64(exc_hist[b, E - lag])                # e[t − T]
        leaving = np.float64(exc_hist[b, E - window - lag])        # e[t − W − T]
        cross[b, k] += new * arriving - gone * leaving
        energy[b, k] += arriving * arriving - leaving * leaving


def _pitch_choose_py(exc_hist, b, max_lag, window, energy_floor, gain_max, cross, energy):
    """The pitch term's prediction of the next excitation from the window sums, as
    :func:`wavenetlike.model.pitch.pitch_prediction_step` chooses it: longest lag first."""
    E = exc_hist.shape[1]
    best, best_c, best_e, best_k = 0.0, 0.0, 1.0, 0
    for k in range(cross.shape[1]):
        c = cross[b, k]
        en = energy[b, k]
        if c > 0.0 and en > window * energy_floor:
            score = c * c / en
            if score > best:
                best, best_c, best_e, best_k = score, c, en, k
    if best <= 0.0:
        return np.float32(0.0)
    gain = min(max(best_c / best_e, 0.0), gain_max)
    return np.float32(gain * np.float64(exc_hist[b, E - max_lag + best_k]))  # e[t + 1 − T]


def _compand_py(x):
    x = min(max(x, -1.0), 1.0)
    return math.copysign(math.log1p(COMPAND_MU * abs(x)) / math.log1p(COMPAND_MU), x)


_sample = _sample_py  # replaced by the compiled functions in kernel()
_sample_mixture = _sample_mixture_py
_encode = _encode_py
_decode = _decode_py
_compand = _compand_py
_add_value_taps = _add_value_taps_py
_pitch_sums, _pitch_update, _pitch_choose = _pitch_sums_py, _pitch_update_py, _pitch_choose_py


def _run_steps_py(n, t0, onehot_in, value_in, out_mixture, n_classes, temperature, want_logits, has_forced,
                  has_local, init_table, init_value_w, init_bias, ring, ring_off, ring_len, dilations,
                  kernel_size, dil_w, layer_bias, local, out_w, out_b, h1_w, h1_b, h2_w, h2_b,
                  hist_idx, hist_val, next_idx, next_val, forced_idx, forced_val,
                  uniforms, out_idx, out_val, logits_out, lin_w, lin_hist,
                  exc_in, adaptive, init_exc_w, exc_hist, scale_w, scale_floor, scale_gain,
                  pitch, pitch_min, pitch_max, pitch_window, energy_floor, pitch_gain_max, res_hist, pitch_next):
    """Run ``n`` cached steps for every stream, starting at time ``t0``; mutates the caches.

    Shapes (B streams, L layers): ring (ΣM, B, R); init_table (W, Q+1 or 1, R);
    init_value_w (W, 2, R); dil_w (L, K·R, 2G); layer_bias (L, B, 2G); local
    (n, B, L, 2G) when has_local; out_w (L, G, R+S); h1_w (S, O); h2_w (O, D);
    hist_* (B, W−1); next_* (B,); forced_* / uniforms / out_* (n, B);
    logits_out (n, B, D) when want_logits; lin_w (P,) and lin_hist (B, P): the
    linear predictor's weights and last P values (P = 0 without one); exc_hist (B, E)
    the last E excitations e = x − Σ lin_w·lin_hist, fed to the initial conv through
    init_exc_w (W, 2, R) when exc_in, and averaged with scale_w (N,) into every
    log-scale when adaptive (floor scale_floor, times scale_gain). With ``pitch`` the pitch term
    (lags pitch_min … pitch_max, its window; see :mod:`wavenetlike.model.pitch`) joins the means,
    pitch_next (B,) keeps its prediction of the next excitation and the adaptive scale averages
    res_hist (B, N), the residuals it left. Every sample is carried as its
    class (``*_idx``) and its value (``*_val``). Step i consumes ``forced[i]``
    (teacher forcing) or the previous output.
    """
    L = dilations.shape[0]
    B = ring.shape[1]
    R = init_bias.shape[0]
    G2 = dil_w.shape[2]
    G = G2 // 2
    RS = out_w.shape[2]
    S = RS - R
    O = h1_w.shape[1]
    D = h2_w.shape[1]
    K = kernel_size
    Wm1 = hist_idx.shape[1]
    P = lin_w.shape[0]
    E = exc_hist.shape[1]
    N = scale_w.shape[0]
    NR = res_hist.shape[1]
    KM = D // 3  # mixture components (when out_mixture)
    f32 = np.float32
    # per-stream activations; the layer loop is outside the stream loop so a
    # layer's weights are reused by every stream while they are in cache
    h = np.empty((B, R), f32)
    skip = np.zeros((B, S), f32)
    pre = np.empty(G2, f32)
    z = np.empty(G, f32)
    o = np.empty(RS, f32)
    a1 = np.empty((B, O), f32)
    lg = np.empty((B, D), f32)
    scratch = np.empty(D, np.float64)
    # the pitch term's window sums per stream and lag, from the history, then slid on one sample per step
    n_lags = pitch_max - pitch_min + 1 if pitch else 0
    p_cross = np.zeros((B, n_lags))
    p_energy = np.zeros((B, n_lags))
    if pitch:
        for b in range(B):
            _pitch_sums(exc_hist, b, pitch_max, pitch_window, p_cross, p_energy)
    for i in range(n):
        t = t0 + i
        for b in range(B):
            if has_forced:
                xi = forced_idx[i, b]
                xv = forced_val[i, b]
            else:
                xi = next_idx[b]
                xv = next_val[b]
            # initial causal conv: a table lookup per tap and/or value channels × weights
            for c in range(R):
                h[b, c] = init_bias[c]
            if onehot_in:
                for j in range(Wm1):
                    q = hist_idx[b, j]
                    for c in range(R):
                        h[b, c] += init_table[j, q, c]
                for c in range(R):
                    h[b, c] += init_table[Wm1, xi, c]
            if value_in:
                _add_value_taps(h, b, hist_val, 0, xv, init_value_w)
            if E > 0:  # what the linear term leaves of this sample (lin_hist still holds x[t−P … t−1])
                e = xv
                for j in range(P):
                    e -= lin_hist[b, j] * lin_w[j]
                e = f32(e)
                if exc_in:
                    _add_value_taps(h, b, exc_hist, E - Wm1, e, init_exc_w)
                if pitch:
                    _pitch_update(exc_hist, b, e, pitch_max, pitch_window, p_cross, p_energy)
                for j in range(E - 1):
                    exc_hist[b, j] = exc_hist[b, j + 1]
                exc_hist[b, E - 1] = e
                if NR > 0:  # what the pitch term left of it
                    for j in range(NR - 1):
                        res_hist[b, j] = res_hist[b, j + 1]
                    res_hist[b, NR - 1] = f32(e - pitch_next[b])
            for j in range(Wm1 - 1):
                hist_idx[b, j] = hist_idx[b, j + 1]
                hist_val[b, j] = hist_val[b, j + 1]
            if Wm1 > 0:
                hist_idx[b, Wm1 - 1] = xi
                hist_val[b, Wm1 - 1] = xv
            if P > 0:
                for j in range(P - 1):
                    lin_hist[b, j] = lin_hist[b, j + 1]
                lin_hist[b, P - 1] = xv
            for s in range(S):
                skip[b, s] = 0.0
        for l in range(L):
            M = ring_len[l]
            off = ring_off[l]
            d = dilations[l]
            row = off + t % M
            for b in range(B):
                for c in range(R):
                    ring[row, b, c] = h[b, c]
                for q in range(G2):
                    pre[q] = layer_bias[l, b, q]
                if has_local:
                    for q in range(G2):
                        pre[q] += local[i, b, l, q]
                for k in range(K):
                    src = off + (t - (K - 1 - k) * d) % M
                    for c in range(R):
                        v = ring[src, b, c]
                        wrow = dil_w[l, k * R + c]
                        for q in range(G2):
                            pre[q] += v * wrow[q]
                for g in range(G):
                    z[g] = math.tanh(pre[g]) * (1.0 / (1.0 + math.exp(-pre[G + g])))
                for q in range(RS):
                    o[q] = out_b[l, q]
                for g in range(G):
                    zg = z[g]
                    wrow = out_w[l, g]
                    for q in range(RS):
                        o[q] += zg * wrow[q]
                for c in range(R):
                    h[b, c] += o[c]
                for s in range(S):
                    skip[b, s] += o[R + s]
        # output head: relu → 1x1 → relu → 1x1, all streams at once (weights
        # read once per step); rows of zero activations are skipped
        for b in range(B):
            for q in range(O):
                a1[b, q] = h1_b[q]
        for s in range(S):
            wrow = h1_w[s]
            for b in range(B):
                v = skip[b, s]
                if v > 0.0:
                    for q in range(O):
                        a1[b, q] += v * wrow[q]
        for b in range(B):
            for q in range(D):
                lg[b, q] = h2_b[q]
        for s in range(O):
            wrow = h2_w[s]
            for b in range(B):
                v = a1[b, s]
                if v > 0.0:
                    for q in range(D):
                        lg[b, q] += v * wrow[q]
        if P > 0:  # the linear prediction joins every component's mean
            for b in range(B):
                lin = f32(0.0)
                for j in range(P):
                    lin += lin_hist[b, j] * lin_w[j]
                if pitch:
                    pt = _pitch_choose(exc_hist, b, pitch_max, pitch_window, energy_floor, pitch_gain_max,
                                       p_cross, p_energy)
                    pitch_next[b] = pt
                    lin = f32(lin + pt)
                for q in range(KM, 2 * KM):
                    lg[b, q] += lin
                if adaptive:
                    mean_abs = f32(0.0)
                    for j in range(N):
                        mean_abs += abs(res_hist[b, j] if pitch else exc_hist[b, E - N + j]) * scale_w[j]
                    ls = f32(scale_gain * math.log(max(mean_abs, scale_floor)))
                    for q in range(2 * KM, 3 * KM):
                        lg[b, q] += ls
        for b in range(B):
            if want_logits:
                for q in range(D):
                    logits_out[i, b, q] = lg[b, q]
            if out_mixture:
                val = _sample_mixture(lg[b], uniforms[i, b], temperature, scratch)
                k_out = _encode(val, n_classes) if onehot_in else 0
            else:
                k_out, frac = _sample(lg[b], uniforms[i, b], temperature, scratch)
                val = _decode(k_out, frac if value_in else 0.5, n_classes)
            out_idx[i, b] = k_out
            next_idx[b] = k_out
            out_val[i, b] = val
            next_val[b] = val
    return t0 + n
