"""The WaveNet-like module and its builders."""
from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..config import (SCALE_EMA, SCALE_FLOOR, SCALE_GAIN, SCALE_TAPS, ModelConfig, WavenetConstants, WavenetToyConstants,
                      config_from_params, dilation_list, pitch_lags)
from ..data.mulaw import mu_law_encode
from .distributions import value_features
from .layers import CausalConv1d, ResidualLayer
from .pitch import pitch_prediction

__all__ = ["WaveNetLike", "build_wavenetlike", "build_wavenet", "build_wavenet_toy", "LINEAR_START_BANDWIDTH"]

LINEAR_START_BANDWIDTH = 0.995
"""Bandwidth expansion γ of a linear term's fitted start (a[k] · γ^(k+1)).

Measured on the bundled speech (suggested config, the quick recipe stopped at
200 of 5,000 steps, as a user stopping early would): the exact fit — whose
coefficients reach ±78, because espeak-ng leaves 6–8 kHz empty — generated
pure tones at 8.5× the data's level; with γ = 0.995 and the term kept fixed,
1.24× and a spectral-shape distance of 2.8 dB, and better held-out bits/sample
(2.02 against 2.32).
"""


ADAPTIVE_SCALE_SPREAD = 0.5
"""An adaptive-scale model's components start at scales from 2^−0.5 to 2^0.5 times the adaptive one.

Measured on the bundled speech, untrained suggested config with the adaptive
scale, held-out bits/sample at 64 classes: ±2 octaves (a fixed-scale model's
spread) 1.757, ±1 1.653, ±0.5 1.630, all equal 1.625 (but identical
components never part); the linear-predictor baseline scores 1.655.
"""


class WaveNetLike(nn.Module):
    """Stacked gated residual layers of dilated causal convolutions.

    Input ``(B, T)``: mu-law class indices (long) for a one-hot input, or
    values (float, divided by the data scale) for a value input
    (:func:`~wavenetlike.model.distributions.model_inputs` makes either from
    audio). Output ``(B, output_dim, T)``: class logits, or the parameters of
    a mixture of logistics for a continuous model; the output at t is the
    prediction for sample t+1 given samples up to t.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        c = config
        self.initial = CausalConv1d(c.input_dim, c.residual_channels, c.initial_conv_width, 1, c.use_bias)
        E = c.global_condition_channels if c.global_condition_classes else 0
        C = c.local_condition_channels
        self.global_embedding = nn.Embedding(c.global_condition_classes, E) if E else None
        self.local_upsampler = CausalConv1d(C, C, 3, 1, c.use_bias) if C else None
        self.layers = nn.ModuleList(
            ResidualLayer(c.residual_channels, c.gate_channels, c.skip_channels, c.kernel_size, d,
                          c.use_bias, global_channels=E, local_channels=C)
            for d in dilation_list(c)
        )
        self.head1 = nn.Conv1d(c.skip_channels, c.output_channels, 1, bias=c.use_bias)
        self.head2 = nn.Conv1d(c.output_channels, c.output_dim, 1, bias=c.use_bias)
        # the linear predictor on past values (added to the mixture means): zero until the Trainer sets it to the
        # fitted predictor (start_from_linear_predictor), and never trained — Adam moves every weight by about lr
        # per step, and a few such steps on these coefficients put the synthesis filter's poles on the unit
        # circle (a model stopped after 200 steps generated pure tones at 8.5× the data's level)
        self.linear = nn.Conv1d(1, 1, c.linear_order, bias=False) if c.linear_order else None
        if self.linear is not None:
            nn.init.zeros_(self.linear.weight)
            self.linear.weight.requires_grad_(False)

    def add_linear_prediction(self, out: torch.Tensor, x: torch.Tensor, output_from: int = 0) -> torch.Tensor:
        """Add the linear predictor's output to the mixture means: out (B, 3K, T'), x (B, T) values.

        The prediction at t uses the values x_{t−P+1} … x_t (zeros before the
        window), ``out`` holds positions ``output_from`` … T−1. A
        ``pitch_predictor`` model also adds its pitch term to the means, and an
        ``adaptive_scale`` model gets :meth:`log_scale_term` on every log-scale.
        """
        if self.linear is None:
            return out
        P = self.config.linear_order
        v = F.pad(x.float().unsqueeze(1), (P - 1, 0))[:, :, output_from:]  # (B, 1, P−1 + T')
        mean_term = self.linear(v)  # (B, 1, T')
        K = self.config.mixture_components
        log_scales = out[:, 2 * K:]
        if self.config.pitch_predictor or self.config.adaptive_scale:
            e = self.excitation(x)
            # the pitch term where the outputs need it: from output_from, and N − 1 earlier for the adaptive scale
            start = max(0, output_from - SCALE_TAPS) if self.config.adaptive_scale else output_from
            pitch = self.pitch_term(e, start) if self.config.pitch_predictor else None
            if pitch is not None:
                mean_term = mean_term + pitch[:, None, output_from - start:]
            if self.config.adaptive_scale:
                log_scales = log_scales + self.log_scale_term(left_by_pitch(e, pitch, start), output_from)
        return torch.cat([out[:, :K], out[:, K:2 * K] + mean_term, log_scales], dim=1)

    def pitch_term(self, e: torch.Tensor, output_from: int = 0) -> torch.Tensor:
        """(B, T) excitation -> (B, T − output_from): the pitch term's prediction of e[t+1] at each t ≥ output_from
        (see :mod:`.pitch`)."""
        return pitch_prediction(e, *pitch_lags(self.config), output_from=output_from)

    def log_scale_term(self, residual: torch.Tensor, output_from: int = 0) -> torch.Tensor:
        """(B, T) residual -> (B, 1, T − output_from): log of the weighted mean of |r[t−N+1 … t]| (N = SCALE_TAPS).

        r is the :meth:`excitation`, less the pitch term's prediction with a
        pitch term; the mean's weights ∝ (1 − SCALE_EMA)^age sum to 1; it
        never goes below SCALE_FLOOR.
        """
        N = SCALE_TAPS
        r = F.pad(residual.abs().unsqueeze(1), (N - 1, 0))[:, :, output_from:]
        return SCALE_GAIN * torch.log(F.conv1d(r, scale_taps(r.device, r.dtype)).clamp_min(SCALE_FLOOR))

    def start_from_linear_predictor(self, coefficients: Sequence[float], residual_std: float,
                                    bandwidth: float = LINEAR_START_BANDWIDTH) -> None:
        """Make the untrained continuous model *be* a linear predictor with a logistic-mixture residual.

        ``coefficients``: (linear_order,) with ``coefficients[0]`` on the newest
        past value (x̂[t+1] = Σₖ a[k]·x[t−k], values divided by the data scale);
        ``residual_std``: the predictor's residual standard deviation on the same
        values. The linear term takes the coefficients, each ``a[k]`` times
        ``bandwidth**(k+1)`` (bandwidth expansion, as speech codecs do: it pulls
        the synthesis filter's poles in from the unit circle, so generation from
        the model stays stable when the network adds to the mean); the head's last layer is
        set so that every component's mean is that prediction and the components'
        scales spread from ¼ to 4 times the residual's logistic scale. Training
        then starts at the linear predictor's score instead of far above it and
        the network learns what the linear part leaves (pitch pulses, the
        changing level). The last layer's weights start at zero (its biases carry
        the start), so its first update is what wakes the layers below.
        """
        c = self.config
        if self.linear is None:
            raise ValueError("start_from_linear_predictor needs a model with linear_order > 0")
        a = torch.as_tensor(list(coefficients), dtype=torch.float64)
        if a.numel() != c.linear_order:
            raise ValueError(f"{a.numel()} coefficients given for linear_order = {c.linear_order}")
        a = (a * float(bandwidth) ** torch.arange(1, a.numel() + 1, dtype=torch.float64)).to(self.linear.weight.dtype)
        K = c.mixture_components
        if c.adaptive_scale:  # the log-scales get SCALE_GAIN × log(recent mean |e|); the bias gives the rest of
            # the typical mean |e| (std / √2, as for a Laplace residual); a logistic's mean |x| is 2·ln 2 × its scale
            typical = max(float(residual_std), 1e-4) / math.sqrt(2.0)
            logistic_scale = typical ** (1.0 - SCALE_GAIN) / (2.0 * math.log(2.0))
        else:
            logistic_scale = max(float(residual_std), 1e-4) * math.sqrt(3.0) / math.pi
        octaves = ADAPTIVE_SCALE_SPREAD if c.adaptive_scale else 2.0
        spread = torch.linspace(-octaves, octaves, K) * math.log(2.0) if K > 1 else torch.zeros(1)
        with torch.no_grad():
            self.linear.weight.copy_(a.flip(0).view(1, 1, -1))
            self.head2.weight.zero_()
            if self.head2.bias is not None:
                self.head2.bias.zero_()
                self.head2.bias[2 * K:3 * K] = math.log(logistic_scale) + spread

    # ---------------------------------------------------------------- inputs
    def embed_input(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T) classes or values -> (B, input_dim, T) float: one-hot classes and/or value channels."""
        c = self.config
        dtype = self.initial.weight.dtype
        parts = []
        if "onehot" in c.input_kind:
            q = mu_law_encode(x.float(), c.quantization_channels) if x.is_floating_point() else x.long()
            parts.append(F.one_hot(q, c.quantization_channels).transpose(1, 2).to(dtype))
        if "value" in c.input_kind:
            if not x.is_floating_point():
                raise ValueError(f"a model with input_kind = {c.input_kind!r} takes sample values (float), "
                                 "not class indices")
            parts.append(value_features(x).to(dtype))
        if "excitation" in c.input_kind:
            parts.append(value_features(self.excitation(x)).to(dtype))
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    def excitation(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T) values -> (B, T) what the linear term leaves: e[t] = x[t] − Σₖ a[k]·x[t−1−k] (zeros before x)."""
        if self.linear is None:
            raise ValueError("an excitation input needs a model with linear_order > 0")
        return linear_residual(x, self.linear.weight)

    def global_condition(self, labels: torch.Tensor | None) -> torch.Tensor | None:
        """(B,) label indices -> (B, E, 1) embedding, or None."""
        if self.global_embedding is None or labels is None:
            return None
        return self.global_embedding(labels.long().view(-1)).unsqueeze(-1)

    def upsample_local(self, features: torch.Tensor | None, length: int) -> torch.Tensor | None:
        """(B, C, frames) features at ``1/hop`` the sample rate -> (B, C, length)."""
        if self.local_upsampler is None or features is None:
            return None
        up = features.repeat_interleave(self.config.local_condition_hop, dim=2)
        if up.shape[2] < length:
            up = F.pad(up, (0, length - up.shape[2]), mode="replicate")
        return self.local_upsampler(up[:, :, :length])

    # --------------------------------------------------------------- forward
    def forward(self, x: torch.Tensor, global_cond: torch.Tensor | None = None,
                local_cond: torch.Tensor | None = None, output_from: int = 0) -> torch.Tensor:
        """x: (B, T). global_cond: (B,) labels. local_cond: (B, C, frames).

        Returns (B, out, T − output_from): the outputs at positions
        ``output_from …`` T−1. With ``output_from`` > 0 (training: the first
        Δ−1 positions of a window are context, never scored) only what those
        outputs need is computed — the skip path and the head at the returned
        positions, each layer's residual path as far back as the layers above
        it reach — giving the same values as the full pass, sliced.
        """
        T = x.shape[-1]
        if not 0 <= output_from < T:
            raise ValueError(f"output_from = {output_from} must be from 0 to T−1 = {T - 1}")
        h = self.initial(self.embed_input(x))
        g = self.global_condition(global_cond)
        loc = self.upsample_local(local_cond, h.shape[2])
        if output_from:
            skip_sum = self._trimmed_skips(h, T - output_from, g, loc)
        else:
            skip_sum = None
            for layer in self.layers:
                h, skip = layer(h, g, loc)
                skip_sum = skip if skip_sum is None else skip_sum + skip
        out = self.head1(torch.relu(skip_sum))
        return self.add_linear_prediction(self.head2(torch.relu(out)), x, output_from)

    def _trimmed_skips(self, h: torch.Tensor, n_scored: int, g: torch.Tensor | None,
                       loc: torch.Tensor | None) -> torch.Tensor:
        """Sum of the layers' skip outputs at the last ``n_scored`` positions, computing no more than needed."""
        layers = list(self.layers)
        # need[l]: trailing positions of layer l's output the layers above (and the skips) use
        need = [n_scored] * len(layers)
        for l in range(len(layers) - 2, -1, -1):
            above = layers[l + 1]
            need[l] = need[l + 1] + (above.kernel_size - 1) * above.dilation
        skip_sum = None
        for l, layer in enumerate(layers):
            n_out = min(need[l], h.shape[2])
            h, skip = layer.forward_trimmed(h, n_out, n_scored, g, loc, residual=l + 1 < len(layers))
            skip_sum = skip if skip_sum is None else skip_sum + skip
        return skip_sum

    @property
    def receptive_field(self) -> int:
        return self.config.receptive_field

    def extra_repr(self) -> str:
        return f"receptive_field={self.receptive_field}, layers={len(self.layers)}"


def linear_residual(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """(B, T) values -> (B, T) e[t] = x[t] − Σₖ a[k]·x[t−1−k], zeros before x; ``weight`` (1, 1, P) oldest first."""
    P = weight.shape[-1]
    v = F.pad(x.float().unsqueeze(1), (P, 0))[:, :, :-1]  # (B, 1, P−1 + T): x[t−P] … x[t−1] for each t
    return x.float() - F.conv1d(v, weight.to(v.dtype))[:, 0]


def left_by_pitch(e: torch.Tensor, pitch: torch.Tensor | None, start: int = 0) -> torch.Tensor:
    """(B, T) excitation and the pitch term at positions start … T−1 (or None) -> what the pitch term leaves:
    r[t] = e[t] − pitch[t−1] for t > start (and t = 0), e[t] before (positions no output reads)."""
    if pitch is None:
        return e
    return torch.cat([e[:, :start + 1], e[:, start + 1:] - pitch[:, :-1]], dim=1)


def scale_taps(device: torch.device | str | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(1, 1, SCALE_TAPS) conv weights of the adaptive scale's mean, oldest first: ∝ (1 − SCALE_EMA)^age, sum 1."""
    w = SCALE_EMA * (1.0 - SCALE_EMA) ** torch.arange(SCALE_TAPS, dtype=torch.float64)
    return (w / w.sum()).flip(0).view(1, 1, -1).to(device=device, dtype=dtype)


def build_wavenetlike(params: ModelConfig | dict[str, Any] | None = None, **kw: Any) -> WaveNetLike:
    """Build a model from a ModelConfig, a dict of its fields, or keyword fields."""
    return WaveNetLike(config_from_params(params, **kw))


def build_wavenet(**overrides: Any) -> WaveNetLike:
    """The published WaveNet shape (see :func:`WavenetConstants`)."""
    return WaveNetLike(WavenetConstants(**overrides))


def build_wavenet_toy(**overrides: Any) -> WaveNetLike:
    """The small model that learns speech in about a minute (see :func:`WavenetToyConstants`)."""
    return WaveNetLike(WavenetToyConstants(**overrides))
