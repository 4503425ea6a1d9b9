"""Forward-pass variants measured against the model's own forward (proposals, not used by the library).

In a training window only the last ``target`` positions are scored, so

- **trimmed**: the skip outputs (and the head) are needed at the scored
  positions only, and layer l's residual path only over the scored positions
  plus the receptive field of the layers above it. The residual+skip 1x1
  conv is split so the (wide) skip part runs on the scored positions only.
- **stacked taps**: a dilated conv of kernel K is one 1x1 conv (a matrix
  product) over the K shifted copies of its input stacked on the channel
  axis, instead of PyTorch's dilated-convolution kernel.

Both compute the same function on the scored positions
(:func:`check_equal`); the benchmark reports their training speed.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F


def scored_forward(model, x: torch.Tensor, first: int, trim: bool = True, stacked: bool = False) -> torch.Tensor:
    """Logits (B, out, T − first) at positions ``first …`` of inputs x (B, T)."""
    K = model.config.kernel_size
    h = model.initial(model.embed_input(x))
    T = h.shape[2]
    dil = [layer.dilation for layer in model.layers]
    L = len(dil)
    scored = T - first
    need = [0] * (L + 1)  # trailing positions of layer l's input still needed
    need[L] = scored
    for l in range(L - 1, -1, -1):
        need[l] = need[l + 1] + (K - 1) * dil[l]
    skip_sum = None
    for l, layer in enumerate(model.layers):
        d = dil[l]
        if trim and need[l] < h.shape[2]:
            h = h[:, :, -need[l]:]
        n_out = min(need[l + 1], h.shape[2]) if trim else h.shape[2]
        if stacked:
            hp = h if h.shape[2] >= n_out + (K - 1) * d else F.pad(h, ((K - 1) * d, 0))
            n = hp.shape[2]
            taps = [hp[:, :, n - n_out - (K - 1 - k) * d: n - (K - 1 - k) * d] for k in range(K)]
            w = layer.dilated.weight  # (2G, R, K) -> (2G, K·R, 1), tap-major like the stacked input
            pre = F.conv1d(torch.cat(taps, 1), w.permute(0, 2, 1).reshape(w.shape[0], -1, 1), layer.dilated.bias)
        else:
            pre = layer.dilated(h)[:, :, -n_out:]
        z = layer.gate(pre)
        R = layer.residual_channels
        wo, bo = layer.out.weight, layer.out.bias
        res = F.conv1d(z, wo[:R], None if bo is None else bo[:R])
        skip = F.conv1d(z[:, :, -scored:], wo[R:], None if bo is None else bo[R:])
        h = h[:, :, -n_out:] + res
        skip_sum = skip if skip_sum is None else skip_sum + skip
    return model.head2(torch.relu(model.head1(torch.relu(skip_sum))))


def check_equal(model, first: int, T: int) -> float:
    """Largest difference between a variant and the model's forward on the scored positions."""
    x = torch.randint(0, model.config.quantization_channels, (2, T))
    with torch.no_grad():
        ref = model(x)[:, :, first:]
        return max((scored_forward(model, x, first, trim=t, stacked=s) - ref).abs().max().item()
                   for t, s in ((True, False), (False, True), (True, True)))
