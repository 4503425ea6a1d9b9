"""The pitch term: a backward-adaptive long-term predictor of the linear term's residual.

A speech codec's adaptive codebook, with no side information: for the output
at t (the prediction of sample t+1), the lag T (``PITCH_MIN_MS`` …
``PITCH_MAX_MS``) and gain β are chosen from the excitation e (what the linear
term leaves) over the last ``PITCH_WINDOW_MS`` up to t,

    c_T = Σ_{j=t−W+1}^{t} e[j]·e[j−T],   E_T = Σ_{j=t−W+1}^{t} e[j−T]²,
    T = argmax c_T²/E_T over c_T > 0,    β = min(c_T/E_T, PITCH_GAIN_MAX),

and β·e[t+1−T] joins every mixture component's mean (next to the linear
prediction). The window is short (1.25 ms, 20 samples at 16 kHz): the term
finds where in the last 12.5 ms the newest stretch of waveform repeats, which
predicted held-out speech far better than a 10-ms window (docs/models.md).
A sparse excitation whose pulses lie further apart than the window (pulses
in white noise) is not predicted: the window then holds only the noise.

Lags whose window holds less than ``W·SCALE_FLOOR²`` energy, or whose
correlation is not positive, never win; with none left the term is 0.
Ties go to the longest lag (the first one in the order used here, longest
first) in every implementation. Sums are taken in float64 so that the
vectorised pass (training, evaluation, naive generation) and the cached steps
choose the same lag.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

from .. import config as _config
from ..config import SCALE_FLOOR

__all__ = ["pitch_prediction", "pitch_prediction_step", "ENERGY_FLOOR"]

ENERGY_FLOOR = SCALE_FLOOR ** 2
"""Per-sample energy below which a lag's window counts as silent (the adaptive scale's floor, squared)."""

_CHUNK_POSITIONS = 65_536  # batch × positions per chunk of the vectorised pass (≈ 85 MB of float64 at 161 lags)


def _choose(cross: torch.Tensor, energy: torch.Tensor, candidates: torch.Tensor, window: int) -> torch.Tensor:
    """(…, nT) float64 sums and the e[t+1−T] per lag -> (…,) β·e[t+1−T] at the best lag (lags longest first)."""
    usable = (cross > 0) & (energy > window * ENERGY_FLOOR)
    score = torch.where(usable, cross * cross / energy.clamp_min(1e-300), torch.zeros_like(cross))
    best = score.argmax(dim=-1, keepdim=True)
    c, en = cross.gather(-1, best), energy.gather(-1, best)
    gain = torch.where(score.gather(-1, best) > 0, (c / en.clamp_min(1e-300)).clamp(0.0, _config.PITCH_GAIN_MAX), torch.zeros_like(c))
    return (gain * candidates.gather(-1, best)).squeeze(-1)


def pitch_prediction(e: torch.Tensor, min_lag: int, max_lag: int, window: int, output_from: int = 0) -> torch.Tensor:
    """(B, T) excitation -> (B, T − output_from) float32: at each t ≥ output_from, β·e[t+1−T] from e[… t]
    (zeros before the start)."""
    B, T = e.shape
    Z = window + max_lag
    ep = F.pad(e.detach().double(), (Z, 0))
    out = torch.empty(B, T - output_from, dtype=torch.float64, device=e.device)
    chunk = max(1, _CHUNK_POSITIONS // max(B, 1))
    for t0 in range(output_from, T, chunk):
        t1 = min(T, t0 + chunk)
        out[:, t0 - output_from:t1 - output_from] = _pitch_chunk(ep[:, t0:Z + t1], min_lag, max_lag, window)
    return out.float()


def _pitch_chunk(ep: torch.Tensor, min_lag: int, max_lag: int, window: int) -> torch.Tensor:
    """ep (B, Z + n) float64 with Z = window + max_lag samples of past -> (B, n) the term at its last n positions."""
    Z = window + max_lag
    n = ep.shape[1] - Z
    nT = max_lag - min_lag + 1
    # lagged[:, i, k] = ep[i + k]: at position J the lag T_k = max_lag − k reads ep[J − T_k] = lagged[:, J − max_lag, k]
    lagged = ep.unfold(1, nT, 1)
    first = Z - max_lag  # the row (J − max_lag) of the first output position J = Z
    # Σ over the window J−W+1 … J of e[j]·e[j − T_k], from running sums over the rows j − max_lag = first−W+1 …
    prod = ep[:, first - window + 1 + max_lag:, None] * lagged[:, first - window + 1:first + n]
    cs = F.pad(prod.cumsum(1), (0, 0, 1, 0))                       # cs[i] = Σ prod[< i]
    cross = cs[:, window:] - cs[:, :n]                              # (B, n, nT)
    q = F.pad((ep * ep).cumsum(1), (1, 0))                          # q[m] = Σ ep[< m]²
    sq_window = q[:, window:] - q[:, :-window]                      # [i] = Σ ep[i … i+W−1]², the window ending at i+W−1
    # energy at J for T_k: the window ending at J − T_k = J − max_lag + k, i.e. sq_window[J − max_lag + k − W + 1]
    energy = sq_window.unfold(1, nT, 1)[:, first - window + 1:first - window + 1 + n]
    candidates = lagged[:, first + 1:first + 1 + n]                 # ep[J + 1 − T_k]
    return _choose(cross, energy, candidates, window)


def pitch_prediction_step(history: torch.Tensor, min_lag: int, max_lag: int, window: int) -> torch.Tensor:
    """(B, ≥ window + max_lag) excitations, oldest first, ending at e[t] -> (B,) float32 β·e[t+1−T]."""
    H = window + max_lag
    h = history[:, -H:].double()
    target = h[:, H - window:]                                       # e[t−W+1 … t]
    lagged = h[:, :H - min_lag].unfold(1, window, 1)                # [:, k] = e[j − T_k] over the window
    cross = (lagged * target[:, None, :]).sum(-1)
    energy = (lagged * lagged).sum(-1)
    candidates = h[:, window:]                                       # e[t+1−T_k] = h[H − T_k] = h[window + k]
    return _choose(cross, energy, candidates, window).float()
