"""Building blocks: causal dilated convolution, gated residual layer, and the seed's ``Block``."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["CausalConv1d", "ResidualLayer", "Block"]


class CausalConv1d(nn.Conv1d):
    """A 1-D convolution whose output at t sees only inputs at t, t−d, …, t−(k−1)·d.

    Implemented as an ordinary ``nn.Conv1d`` with left zero padding of
    ``(kernel_size − 1) · dilation`` samples, so the output has the input's
    length. Weight layout is PyTorch's ``(out, in, kernel)``; tap
    ``kernel_size − 1`` multiplies the newest sample (x_t), tap 0 the oldest.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 dilation: int = 1, bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation, bias=bias)
        self.left_padding = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) -> (B, C_out, T)
        if self.left_padding:
            x = F.pad(x, (self.left_padding, 0))
        return super().forward(x)


class ResidualLayer(nn.Module):
    """One gated residual layer of a WaveNet-like stack.

    ``z = tanh(W_f * x + V_f·c) ⊙ σ(W_g * x + V_g·c)``; a 1x1 convolution of
    z gives the residual (added to x) and the skip output. The filter and gate
    convolutions are one convolution with ``2·gate_channels`` outputs (first
    half filter, second half gate); the residual and skip 1x1 convolutions are
    likewise one convolution with ``residual + skip`` outputs.
    """

    def __init__(self, residual_channels: int, gate_channels: int, skip_channels: int,
                 kernel_size: int, dilation: int, bias: bool = True,
                 global_channels: int = 0, local_channels: int = 0) -> None:
        super().__init__()
        self.residual_channels = residual_channels
        self.gate_channels = gate_channels
        self.skip_channels = skip_channels
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.dilated = CausalConv1d(residual_channels, 2 * gate_channels, kernel_size, dilation, bias)
        self.out = nn.Conv1d(gate_channels, residual_channels + skip_channels, 1, bias=bias)
        self.global_proj = nn.Conv1d(global_channels, 2 * gate_channels, 1, bias=False) if global_channels else None
        self.local_proj = nn.Conv1d(local_channels, 2 * gate_channels, 1, bias=False) if local_channels else None

    def gate(self, h: torch.Tensor) -> torch.Tensor:
        """The gated activation of a pre-activation with 2·G channels."""
        f, g = h.split(self.gate_channels, dim=1)
        return torch.tanh(f) * torch.sigmoid(g)

    def forward(self, x: torch.Tensor, global_cond: torch.Tensor | None = None,
                local_cond: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, R, T); global_cond: (B, E, 1); local_cond: (B, C, T). Returns (x_next, skip)."""
        h = self.dilated(x)
        if self.global_proj is not None and global_cond is not None:
            h = h + self.global_proj(global_cond)
        if self.local_proj is not None and local_cond is not None:
            h = h + self.local_proj(local_cond)
        out = self.out(self.gate(h))
        res, skip = out.split([self.residual_channels, self.skip_channels], dim=1)
        return x + res, skip

    def forward_trimmed(self, x: torch.Tensor, n_out: int, n_skip: int,
                        global_cond: torch.Tensor | None = None, local_cond: torch.Tensor | None = None,
                        residual: bool = True) -> tuple[torch.Tensor | None, torch.Tensor]:
        """The same layer computed only where it is needed (the trailing positions).

        ``x`` (B, R, n) holds the layer's input at the last n positions of a
        window; if n is less than ``n_out + (kernel−1)·dilation`` it must reach
        back to the window's start (the missing positions are the zero padding
        of :meth:`forward`). Returns the residual output at the last ``n_out``
        positions (None when ``residual`` is False: the last layer's is never
        used) and the skip output at the last ``n_skip`` ≤ n_out positions.
        ``local_cond`` (B, C, ≥ n_out) is aligned to the window's end.
        The dilated convolution is one matrix product over the stacked taps,
        which is faster on CPU than PyTorch's dilated-convolution kernel.
        """
        K, d = self.kernel_size, self.dilation
        need = n_out + (K - 1) * d
        n = x.shape[2]
        xin = x[:, :, n - need:] if n >= need else F.pad(x, (need - n, 0))
        w = self.dilated.weight  # (2G, R, K); tap k multiplies x[t − (K−1−k)·d]
        if K == 1:
            pre = F.conv1d(xin, w, self.dilated.bias)
        else:
            taps = torch.cat([xin[:, :, k * d:k * d + n_out] for k in range(K)], dim=1)
            pre = F.conv1d(taps, w.permute(0, 2, 1).reshape(w.shape[0], -1, 1), self.dilated.bias)
        if self.global_proj is not None and global_cond is not None:
            pre = pre + self.global_proj(global_cond)
        if self.local_proj is not None and local_cond is not None:
            pre = pre + self.local_proj(local_cond[:, :, local_cond.shape[2] - n_out:])
        z = self.gate(pre)
        R = self.residual_channels
        wo, bo = self.out.weight, self.out.bias
        skip = F.conv1d(z[:, :, n_out - n_skip:], wo[R:], None if bo is None else bo[R:])
        if not residual:
            return None, skip
        res = F.conv1d(z, wo[:R], None if bo is None else bo[:R])
        return x[:, :, n - n_out:] + res, skip


class Block(nn.Module):
    """The seed's stack of linear causal convolutions, usable on its own.

    ``Block(n_layers, kernel_length, dilation_rate)`` stacks ``n_layers``
    causal convolutions of kernel ``kernel_length``; layer i has dilation
    ``dilation_rate ** i``. With one channel and no activation it is a linear
    autoregressive filter: ``Block(1, 2, 1)`` computes
    ``y_t = w[0]·x_{t−1} + w[1]·x_t + bias``, so trained to predict x_{t+1}
    on an AR(2) process its taps are (b, a) and its bias c.

    Accepts input of shape (T,), (B, T) or (B, C, T) and returns the same shape.
    """

    def __init__(self, n_layers: int = 1, kernel_length: int = 2, dilation_rate: int = 1,
                 channels: int = 1, bias: bool = True, activation: str | None = None) -> None:
        super().__init__()
        if not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f"Block.n_layers = {n_layers!r} must be an integer ≥ 1")
        if not isinstance(kernel_length, int) or kernel_length < 1:
            raise ValueError(f"Block.kernel_length = {kernel_length!r} must be an integer ≥ 1")
        if not isinstance(dilation_rate, int) or dilation_rate < 1:
            raise ValueError(f"Block.dilation_rate = {dilation_rate!r} must be an integer ≥ 1")
        if activation not in (None, "tanh", "relu"):
            raise ValueError(f"Block.activation = {activation!r} must be None, 'tanh' or 'relu'")
        self.n_layers = n_layers
        self.kernel_length = kernel_length
        self.dilation_rate = dilation_rate
        self.channels = channels
        self.activation = activation
        self.layers = nn.ModuleList(
            CausalConv1d(channels, channels, kernel_length, dilation_rate ** i, bias)
            for i in range(n_layers)
        )

    @property
    def dilations(self) -> list[int]:
        return [self.dilation_rate ** i for i in range(self.n_layers)]

    @property
    def receptive_field(self) -> int:
        """Δ = (kernel − 1)·Σ dilations + 1."""
        return (self.kernel_length - 1) * sum(self.dilations) + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        if x.dim() == 1:
            x = x.view(1, 1, -1)
        elif x.dim() == 2:
            x = x.unsqueeze(1)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if self.activation and i < len(self.layers) - 1:
                x = torch.tanh(x) if self.activation == "tanh" else torch.relu(x)
        return x.reshape(shape)

    def ar_coefficients(self) -> dict[str, float]:
        """For a single-channel, single-layer, kernel-2 block: the AR(2) coefficients it encodes.

        The newest tap (index 1, on x_t) is ``a``; the older tap (index 0, on
        x_{t−1}) is ``b``; the bias is ``c``.
        """
        if self.n_layers != 1 or self.kernel_length != 2 or self.channels != 1:
            raise ValueError("ar_coefficients() needs Block(n_layers=1, kernel_length=2) with one channel")
        w = self.layers[0].weight.detach().reshape(-1)
        bias = self.layers[0].bias
        return {"a": float(w[1]), "b": float(w[0]), "c": float(bias.detach()) if bias is not None else 0.0}
