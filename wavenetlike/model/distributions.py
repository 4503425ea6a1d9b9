"""What a model sees of the past, and the distribution it predicts for the next sample.

Inputs (``ModelConfig.input_kind``):

- ``"onehot"``: a one-hot of the sample's mu-law class (``quantization_channels``
  classes) — the original WaveNet input.
- ``"value"``: the sample at full resolution, as two channels: its value
  (divided by the data scale) and its mu-law companded value (μ = 255), so
  quiet passages are not lost in the linear channel.
- ``"value+onehot"``: both.
- ``"value+excitation"`` (with a linear term): the value channels plus the
  *excitation* e[t] = x[t] − Σₖ a[k]·x[t−1−k], what the model's fixed linear
  term leaves of each past sample (and its companded value), as LPCNet feeds
  its network: the pitch pulses and the changing level the network must
  model are then in plain sight instead of mixed into the spectral envelope.

Outputs: a categorical model (``continuous=False``) predicts logits over
``quantization_channels`` mu-law classes. A continuous model predicts a
**discretized mixture of logistics** (PixelCNN++, Salimans et al. 2017) over
16-bit audio in [−1, 1]: ``mixture_components`` × (weight logit, mean,
log-scale), trained by its negative log-likelihood; a single component is a
logistic with a learned scale.

Both kinds are scored on the same footing by :func:`class_log_probs`: the
log-probability of each mu-law class of the next sample (a continuous model
integrates its density over the class's interval).
"""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from ..config import INPUT_KINDS
from ..data.mulaw import mu_law_encode

__all__ = ["INPUT_KINDS", "VALUE_CHANNELS", "COMPAND_MU", "LOG_SCALE_MIN", "MIXTURE_BINS",
           "value_features", "compand", "model_inputs", "class_log_probs", "class_edges",
           "mixture_nll", "mixture_cdf", "mixture_mean", "sample_mixture", "dithered_class_value"]

VALUE_CHANNELS = 2
"""Channels a value input adds: the value and its mu-law companded value."""
COMPAND_MU = 255.0
LOG_SCALE_MIN = -7.0
"""Lower bound of a logistic component's log-scale (as in PixelCNN++): a scale of at least 9e-4."""
MIXTURE_BINS = 65536
"""A continuous model's output is discretized to 16-bit audio: 65,536 bins over [−1, 1]."""


def compand(x: torch.Tensor) -> torch.Tensor:
    """Mu-law companding (μ = 255) of values clipped to [−1, 1], without quantizing."""
    x = x.clamp(-1.0, 1.0)
    return torch.sign(x) * torch.log1p(COMPAND_MU * x.abs()) / math.log1p(COMPAND_MU)


def value_features(x: torch.Tensor) -> torch.Tensor:
    """(B, T) values -> (B, 2, T): the value and its companded value."""
    x = x.float()
    return torch.stack([x, compand(x)], dim=1)


def model_inputs(config, audio: torch.Tensor) -> torch.Tensor:
    """What ``model(...)`` takes for these samples: audio (B, T) float, already divided by the data scale.

    One-hot models take mu-law classes (long, (B, T)); models with a value
    input take the values themselves (float, (B, T)); the model derives the
    classes it needs.
    """
    if config.input_kind == "onehot":
        return mu_law_encode(audio.float(), config.quantization_channels)
    return audio.float()


# ---------------------------------------------------------------- scoring
def class_edges(n_classes: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(n_classes + 1,) value boundaries of the mu-law classes; the outer ones are ±inf.

    Class k holds the values whose companded value lies in
    ``[(2k − 1)/μ − 1, (2k + 1)/μ − 1)`` (μ = n_classes − 1), as
    :func:`~wavenetlike.data.mulaw.mu_law_encode` rounds.
    """
    mu = n_classes - 1
    k = torch.arange(n_classes + 1, dtype=torch.float64, device=device)
    y = (2 * k - 1) / mu - 1
    x = torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu
    x[0], x[-1] = -math.inf, math.inf
    return x


def _split_mixture(params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, 3K, T) -> weight logits, means, log-scales, each (B, K, T)."""
    K = params.shape[1] // 3
    logits, means, log_scales = params[:, :K], params[:, K:2 * K], params[:, 2 * K:3 * K]
    return logits, means, log_scales.clamp(min=LOG_SCALE_MIN)


def mixture_cdf(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The mixture's CDF at values x: params (B, 3K, T), x (B, E, T) -> (B, E, T), float64."""
    logits, means, log_scales = (p.double() for p in _split_mixture(params))
    w = torch.softmax(logits, dim=1)  # (B, K, T)
    z = (x.double().unsqueeze(2) - means.unsqueeze(1)) * torch.exp(-log_scales).unsqueeze(1)  # (B, E, K, T)
    return (torch.sigmoid(z) * w.unsqueeze(1)).sum(dim=2)


def class_log_probs(config, outputs: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Log-probability of each mu-law class of the next sample: (B, out_dim, T) -> (B, n_classes, T).

    Categorical models: ``log_softmax`` of the logits (``n_classes`` must be
    the model's ``quantization_channels``). Continuous models: the mixture's
    probability mass on each class's value interval.
    """
    if not config.continuous:
        if n_classes != config.quantization_channels:
            raise ValueError(f"a categorical model with {config.quantization_channels} classes can only be "
                             f"scored at {config.quantization_channels} classes, not {n_classes}")
        return torch.log_softmax(outputs.float(), dim=1)
    edges = class_edges(n_classes, outputs.device)  # (n+1,)
    B, _, T = outputs.shape
    cdf = mixture_cdf(outputs, edges.view(1, -1, 1).expand(B, -1, T))
    mass = (cdf[:, 1:] - cdf[:, :-1]).clamp(min=1e-12)
    return mass.log().float()


# ---------------------------------------------------------------- training
def mixture_nll(params: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood (nats) of 16-bit targets under the discretized mixture.

    ``params`` (B, 3K, T); ``targets`` (B, T) values, clipped to [−1, 1]. The
    bin of a value has half-width 1/(2^16 − 1); the edge bins reach ±∞. Where
    a bin is so narrow that its CDF difference underflows, the density at its
    centre times the bin width is used (as PixelCNN++ does).
    """
    logits, means, log_scales = _split_mixture(params.float())
    x = targets.float().clamp(-1.0, 1.0).unsqueeze(1)  # (B, 1, T)
    half = 1.0 / (MIXTURE_BINS - 1)
    centred = x - means
    inv_s = torch.exp(-log_scales)
    plus_in = inv_s * (centred + half)
    min_in = inv_s * (centred - half)
    cdf_plus = torch.sigmoid(plus_in)
    cdf_min = torch.sigmoid(min_in)
    log_cdf_plus = plus_in - F.softplus(plus_in)        # log σ(plus_in): the lowest bin
    log_one_minus_cdf_min = -F.softplus(min_in)         # log(1 − σ(min_in)): the highest bin
    cdf_delta = cdf_plus - cdf_min
    mid_in = inv_s * centred
    log_pdf_mid = mid_in - log_scales - 2.0 * F.softplus(mid_in)
    inner = torch.where(cdf_delta > 1e-5, torch.log(cdf_delta.clamp(min=1e-12)),
                        log_pdf_mid + math.log(2 * half))
    log_probs = torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, inner))
    log_probs = log_probs + torch.log_softmax(logits, dim=1)
    return -torch.logsumexp(log_probs, dim=1).mean()


def mixture_mean(params: torch.Tensor) -> torch.Tensor:
    """The mixture's mean: params (B, 3K, T) -> (B, T)."""
    logits, means, _ = _split_mixture(params)
    return (torch.softmax(logits.float(), dim=1) * means.float()).sum(dim=1)


# ---------------------------------------------------------------- sampling
def sample_mixture(params: torch.Tensor, u: torch.Tensor, temperature: float) -> torch.Tensor:
    """One value per row from the mixture: params (B, 3K), u (B,) uniforms in [0, 1) -> (B,) values.

    One uniform does both draws: the component k by inverse CDF over the
    weights, then the rescaled remainder ``(u − C_{k−1}) / w_k`` (uniform
    again) through the logistic's inverse CDF; ``temperature`` scales the
    spread; at 0 the mean of the most likely component is taken. Values are
    clipped to [−1, 1].
    """
    K = params.shape[1] // 3
    logits = params[:, :K].double()
    means = params[:, K:2 * K].double()
    log_scales = params[:, 2 * K:3 * K].double().clamp(min=LOG_SCALE_MIN)
    if temperature <= 0:
        k = logits.argmax(dim=1, keepdim=True)
        return means.gather(1, k)[:, 0].clamp(-1.0, 1.0).float()
    w = torch.softmax(logits, dim=1)
    cdf = w.cumsum(dim=1)
    u = u.to(cdf.device).double()
    k = (cdf <= u.unsqueeze(1)).sum(dim=1).clamp(max=K - 1).unsqueeze(1)
    below = torch.where(k > 0, cdf.gather(1, (k - 1).clamp(min=0)), torch.zeros_like(u).unsqueeze(1))
    r = ((u.unsqueeze(1) - below) / w.gather(1, k)).clamp(1e-6, 1 - 1e-6)
    x = means.gather(1, k) + temperature * torch.exp(log_scales.gather(1, k)) * (torch.log(r) - torch.log1p(-r))
    return x[:, 0].clamp(-1.0, 1.0).float()


def dithered_class_value(k: torch.Tensor, fraction: torch.Tensor, n_classes: int) -> torch.Tensor:
    """The value of class k at ``fraction`` ∈ [0, 1) across its companded interval (0.5: the centre).

    A categorical model with a value input is fed back a value drawn
    uniformly (in the companded domain) inside the sampled class, like the
    unquantized values it saw in training, rather than always the centre.
    """
    mu = n_classes - 1
    inside = 0.001 + 0.998 * fraction.double()  # off the edges, so float rounding keeps it in class k
    y = ((2 * (k.double() + inside - 0.5)) / mu - 1).clamp(-1.0, 1.0)
    return (torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu).float()
