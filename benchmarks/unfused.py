"""The "before" of the fusion comparison: a residual layer with separate convolutions.

Filter and gate are two convolutions of G outputs each (instead of one of
2G); residual and skip are two 1x1 convolutions (instead of one of R+S). An
unfused copy of a model holds exactly the same weights, so it computes the
same function (checked by :func:`unfused_copy`) and only the speed differs.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from wavenetlike.model.layers import CausalConv1d, ResidualLayer
from wavenetlike.model.wavenet import WaveNetLike


class UnfusedResidualLayer(nn.Module):
    def __init__(self, fused: ResidualLayer) -> None:
        super().__init__()
        R, G, S = fused.residual_channels, fused.gate_channels, fused.skip_channels
        K, d = fused.kernel_size, fused.dilation
        bias = fused.dilated.bias is not None
        self.residual_channels, self.skip_channels = R, S
        self.filter = CausalConv1d(R, G, K, d, bias)
        self.gate_conv = CausalConv1d(R, G, K, d, bias)
        self.residual = nn.Conv1d(G, R, 1, bias=bias)
        self.skip = nn.Conv1d(G, S, 1, bias=bias)
        self.global_proj = fused.global_proj
        self.local_proj = fused.local_proj
        self.gate_channels = G
        with torch.no_grad():
            self.filter.weight.copy_(fused.dilated.weight[:G])
            self.gate_conv.weight.copy_(fused.dilated.weight[G:])
            self.residual.weight.copy_(fused.out.weight[:R])
            self.skip.weight.copy_(fused.out.weight[R:])
            if bias:
                self.filter.bias.copy_(fused.dilated.bias[:G])
                self.gate_conv.bias.copy_(fused.dilated.bias[G:])
                self.residual.bias.copy_(fused.out.bias[:R])
                self.skip.bias.copy_(fused.out.bias[R:])

    def forward(self, x, global_cond=None, local_cond=None):
        f = self.filter(x)
        g = self.gate_conv(x)
        for proj, cond in ((self.global_proj, global_cond), (self.local_proj, local_cond)):
            if proj is not None and cond is not None:
                c = proj(cond)
                f = f + c[:, :self.gate_channels]
                g = g + c[:, self.gate_channels:]
        z = torch.tanh(f) * torch.sigmoid(g)
        return x + self.residual(z), self.skip(z)


def unfused_copy(model: WaveNetLike) -> WaveNetLike:
    """A copy of ``model`` whose residual layers use separate convolutions (same function)."""
    other = copy.deepcopy(model)
    other.layers = nn.ModuleList(UnfusedResidualLayer(layer) for layer in model.layers)
    x = torch.randint(0, max(2, model.config.output_dim), (1, 64))
    if model.config.continuous:
        x = x.float() / 100
    with torch.no_grad():
        a, b = model(x), other(x)
    if not torch.allclose(a, b, atol=1e-4, rtol=1e-4):
        raise RuntimeError("the unfused copy does not compute the same function as the model")
    return other
