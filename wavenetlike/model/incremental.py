"""Incremental (cached) evaluation of a WaveNet-like model, one sample at a time.

Fast WaveNet (Paine et al., 2016): every dilated convolution needs its input
at ``t, t−d, …, t−(K−1)·d`` only, so each layer keeps a ring buffer of its
last ``(K−1)·d + 1`` inputs and a new sample costs O(layers) work instead of
a pass over the whole receptive field.

This module holds what the eager PyTorch step and the compiled (numba) step
share: the model's weights repacked for per-sample matrix products
(:class:`PackedWeights`), the caches (:class:`StepState`), and a forward pass
that also returns every layer's input (:func:`forward_with_states`), used to
warm the caches from a context in one parallel pass. The eager step
(:class:`EagerStepper`) is the reference the compiled step is tested against.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from ..config import SCALE_FLOOR, SCALE_GAIN, dilation_list, pitch_lags
from ..data.mulaw import mu_law_decode, mu_law_encode
from .distributions import compand
from .pitch import pitch_prediction, pitch_prediction_step
from .wavenet import WaveNetLike, left_by_pitch, linear_residual, scale_taps

__all__ = ["PackedWeights", "StepState", "EagerStepper", "forward_with_states", "warm_states",
           "upsample_timeline"]


def _bias(conv: torch.nn.Conv1d) -> torch.Tensor:
    if conv.bias is not None:
        return conv.bias.detach()
    return torch.zeros(conv.out_channels, dtype=conv.weight.dtype, device=conv.weight.device)


@dataclass
class PackedWeights:
    """A model's weights laid out for one-sample-at-a-time matrix products (float32).

    ``init_table[j, q]`` is the initial causal conv's tap j for input class q
    (row ``Q`` is zero: the padding before the first sample; a single zero
    row when the model has no one-hot input); ``init_value_w[j]`` (2, R)
    multiplies tap j's value channels (value, companded value; zeros when the
    model has no value input). ``continuous``: the output is a mixture of
    logistics (3 numbers per component) rather than class logits.
    ``dil_w[l]`` is layer l's fused filter+gate conv with its K taps stacked
    along the input axis (row ``k·R + c`` = tap k, channel c; tap K−1 takes
    the newest sample), so one matrix product gives the 2G pre-activations.
    ``out_w[l]`` is the fused residual+skip 1x1 conv (G, R+S).
    ``init_exc_w[j]`` (2, R) multiplies tap j's excitation channels (an
    ``excitation_input`` model); ``scale_w`` (N,) are an ``adaptive_scale``
    model's weights of its mean |excitation|, oldest first ((0,) without).
    """

    continuous: bool
    onehot_input: bool
    value_input: bool
    quantization_channels: int
    residual_channels: int
    gate_channels: int
    skip_channels: int
    kernel_size: int
    initial_width: int
    dilations: list[int]
    init_table: torch.Tensor   # (W, Q+1 or 1, R)
    init_value_w: torch.Tensor  # (W, 2, R)
    init_bias: torch.Tensor    # (R,)
    dil_w: torch.Tensor        # (L, K·R, 2G)
    dil_b: torch.Tensor        # (L, 2G)
    out_w: torch.Tensor        # (L, G, R+S)
    out_b: torch.Tensor        # (L, R+S)
    head1_w: torch.Tensor      # (S, O)
    head1_b: torch.Tensor      # (O,)
    head2_w: torch.Tensor      # (O, D)
    head2_b: torch.Tensor      # (D,)
    linear_w: torch.Tensor     # (P,) the linear predictor's weights, oldest value first ((0,) without one)
    global_w: torch.Tensor | None   # (L, E, 2G)
    local_w: torch.Tensor | None    # (L·2G, C): every layer's local projection stacked
    excitation_input: bool = False
    adaptive_scale: bool = False
    init_exc_w: torch.Tensor | None = None  # (W, 2, R)
    scale_w: torch.Tensor | None = None     # (N,)
    pitch_predictor: bool = False
    pitch_lags: tuple[int, int, int] = (1, 1, 1)  # shortest lag, longest lag, window (samples)

    @property
    def excitation_history(self) -> int:
        """How many past excitations a step needs: the adaptive scale's taps, the initial conv's W−1 and/or
        the pitch term's window + longest lag."""
        return max(self.scale_w.shape[0] if self.adaptive_scale else 0,
                   self.initial_width - 1 if self.excitation_input else 0,
                   self.pitch_lags[2] + self.pitch_lags[1] if self.pitch_predictor else 0)

    @property
    def residual_history(self) -> int:
        """How many past residuals r = e − pitch term the adaptive scale averages (0 without a pitch term)."""
        return self.scale_w.shape[0] if self.adaptive_scale and self.pitch_predictor else 0

    def excitations(self, values: torch.Tensor) -> torch.Tensor:
        """(B, T) values -> (B, T) e[t] = x[t] − Σ a·x[t−P … t−1], zeros before the values (0 without a linear term)."""
        if not self.linear_w.shape[0]:
            return torch.zeros_like(values)
        return linear_residual(values, self.linear_w.view(1, 1, -1))

    @property
    def n_layers(self) -> int:
        return len(self.dilations)

    @property
    def output_dim(self) -> int:
        return self.head2_w.shape[1]

    @property
    def ring_lengths(self) -> list[int]:
        """Per layer: how many past inputs its dilated conv needs, ``(K−1)·d + 1``."""
        return [(self.kernel_size - 1) * d + 1 for d in self.dilations]

    @classmethod
    def from_model(cls, model: WaveNetLike) -> "PackedWeights":
        c = model.config
        R, G = c.residual_channels, c.gate_channels
        K, W = c.kernel_size, c.initial_conv_width
        with torch.no_grad():
            w0 = model.initial.weight.detach().float()  # (R, in, W): one-hot channels first, then values
            onehot, value = "onehot" in c.input_kind, "value" in c.input_kind
            Q = c.quantization_channels if onehot else 0
            table = torch.zeros(W, Q + 1, R, dtype=torch.float32, device=w0.device)
            if onehot:
                table[:, :Q] = w0[:, :Q].permute(2, 1, 0)
            value_w = torch.zeros(W, 2, R, dtype=torch.float32, device=w0.device)
            if value:
                value_w[:] = w0[:, Q:Q + 2].permute(2, 1, 0)
            excitation = "excitation" in c.input_kind
            exc_w = torch.zeros(W, 2, R, dtype=torch.float32, device=w0.device)
            if excitation:
                exc_w[:] = w0[:, Q + 2:Q + 4].permute(2, 1, 0)
            layers = list(model.layers)
            dil_w = torch.stack([l.dilated.weight.detach().float().permute(2, 1, 0).reshape(K * R, 2 * G)
                                 for l in layers]).contiguous()
            dil_b = torch.stack([_bias(l.dilated).float() for l in layers]).contiguous()
            out_w = torch.stack([l.out.weight.detach().float()[:, :, 0].t() for l in layers]).contiguous()
            out_b = torch.stack([_bias(l.out).float() for l in layers]).contiguous()
            global_w = None
            if layers[0].global_proj is not None:
                global_w = torch.stack([l.global_proj.weight.detach().float()[:, :, 0].t()
                                        for l in layers]).contiguous()
            local_w = None
            if layers[0].local_proj is not None:
                local_w = torch.cat([l.local_proj.weight.detach().float()[:, :, 0] for l in layers]).contiguous()
            return cls(
                continuous=c.continuous, onehot_input=onehot, value_input=value,
                quantization_channels=c.quantization_channels,
                residual_channels=R, gate_channels=G, skip_channels=c.skip_channels,
                kernel_size=K, initial_width=W, dilations=[l.dilation for l in layers],
                init_table=table.contiguous(), init_value_w=value_w.contiguous(), init_bias=_bias(model.initial).float().contiguous(),
                dil_w=dil_w, dil_b=dil_b, out_w=out_w, out_b=out_b,
                head1_w=model.head1.weight.detach().float()[:, :, 0].t().contiguous(),
                head1_b=_bias(model.head1).float().contiguous(),
                head2_w=model.head2.weight.detach().float()[:, :, 0].t().contiguous(),
                head2_b=_bias(model.head2).float().contiguous(),
                global_w=global_w, local_w=local_w,
                linear_w=(model.linear.weight.detach().float().reshape(-1).contiguous() if model.linear is not None
                          else torch.zeros(0, dtype=torch.float32, device=w0.device)),
                excitation_input=excitation, adaptive_scale=bool(c.adaptive_scale), init_exc_w=exc_w.contiguous(),
                scale_w=(scale_taps(w0.device).reshape(-1).contiguous() if c.adaptive_scale
                         else torch.zeros(0, dtype=torch.float32, device=w0.device)),
                pitch_predictor=bool(c.pitch_predictor), pitch_lags=pitch_lags(c),
            )

    def classes_and_values(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Model inputs (classes, long; or values, float) -> (classes for the table, values), same shape.

        Without a one-hot input the class is always 0 (the table's single zero row is never read).
        """
        if inputs.is_floating_point():
            val = inputs.float()
            idx = (mu_law_encode(val, self.quantization_channels) if self.onehot_input
                   else torch.zeros_like(val, dtype=torch.long))
        else:
            idx = inputs.long()
            val = mu_law_decode(idx, self.quantization_channels)
            if not self.onehot_input:
                idx = torch.zeros_like(idx)
        return idx, val

    def layer_biases(self, global_embedding: torch.Tensor | None, batch: int) -> torch.Tensor:
        """(L, B, 2G): each layer's dilated-conv bias plus its (constant) global-condition term."""
        b = self.dil_b.unsqueeze(1).expand(-1, batch, -1).clone()
        if global_embedding is not None and self.global_w is not None:
            # global_embedding (B, E); global_w (L, E, 2G)
            b += torch.einsum("be,leo->lbo", global_embedding.float(), self.global_w)
        return b.contiguous()

    def local_terms(self, local_up: torch.Tensor) -> torch.Tensor:
        """(B, C, n) upsampled local features -> (n, B, L, 2G) per-layer condition terms."""
        B, _, n = local_up.shape
        proj = torch.einsum("oc,bcn->nbo", self.local_w, local_up.float())
        return proj.reshape(n, B, self.n_layers, 2 * self.gate_channels).contiguous()


class StepState:
    """The caches of B streams: ring buffers of every layer's past inputs and the input history.

    ``ring`` is one flat (Σ M_l, B, R) tensor; layer l owns rows
    ``ring_offsets[l] … +M_l`` and stores its input at time τ in row
    ``τ mod M_l``. Rows never written hold zeros, which is exactly the zero
    padding of the full causal convolution. Every sample is kept both as its
    class and as its value: ``hist_idx`` / ``hist_val`` (B, W−1) hold the
    W−1 samples before the current one (padding: class ``Q`` — the zero row —
    and value 0), ``next_idx`` / ``next_val`` (B,) the sample the next step
    consumes; ``t`` its time.
    """

    def __init__(self, packed: PackedWeights, batch: int, device: torch.device | str = "cpu") -> None:
        self.packed = packed
        self.batch = batch
        lengths = packed.ring_lengths
        self.ring_lengths = lengths
        offs = [0]
        for m in lengths[:-1]:
            offs.append(offs[-1] + m)
        self.ring_offsets = offs
        self.ring = torch.zeros(sum(lengths), batch, packed.residual_channels, dtype=torch.float32, device=device)
        Wm1 = packed.initial_width - 1
        pad = packed.init_table.shape[1] - 1  # the zero row: Q, or 0 without a one-hot input
        self.hist_idx = torch.full((batch, Wm1), pad, dtype=torch.long, device=device)
        self.hist_val = torch.zeros(batch, Wm1, dtype=torch.float32, device=device)
        self.next_idx = torch.zeros(batch, dtype=torch.long, device=device)
        self.next_val = torch.zeros(batch, dtype=torch.float32, device=device)
        # the linear predictor's last P values (oldest first), after the current sample is consumed
        self.lin_hist = torch.zeros(batch, packed.linear_w.shape[0], dtype=torch.float32, device=device)
        # the last excitations (oldest first), after the current sample is consumed
        self.exc_hist = torch.zeros(batch, packed.excitation_history, dtype=torch.float32, device=device)
        # with a pitch term: the last residuals r = e − pitch term (oldest first) and the term's next prediction
        self.res_hist = torch.zeros(batch, packed.residual_history, dtype=torch.float32, device=device)
        self.pitch_next = torch.zeros(batch, dtype=torch.float32, device=device)
        self.t = 0

    def rings(self) -> list[torch.Tensor]:
        return [self.ring[o:o + m] for o, m in zip(self.ring_offsets, self.ring_lengths)]

    def fill(self, states: list[torch.Tensor], inputs: torch.Tensor, end: int) -> None:
        """Load the caches from a parallel pass; afterwards ``t = end``.

        ``states[l]`` (B, R, n_l) are layer l's inputs at the times
        ``end−n_l … end−1``, ``inputs`` (B, T) the model inputs (classes or
        values) at times ``end−T … end−1``. Negative times are skipped (their
        rows stay zero).
        """
        for ring, h in zip(self.rings(), states):
            M, n = ring.shape[0], h.shape[2]
            for tau in range(max(0, end - min(M, n)), end):
                ring[tau % M] = h[:, :, tau - end + n]
        idx, val = self.packed.classes_and_values(inputs)
        Wm1, T = self.hist_idx.shape[1], inputs.shape[1]
        for j in range(Wm1):
            tau = end - Wm1 + j
            if tau >= 0 and tau >= end - T:
                self.hist_idx[:, j] = idx[:, tau - end + T]
                self.hist_val[:, j] = val[:, tau - end + T]
        P = self.lin_hist.shape[1]
        for j in range(P):  # the values at times end−P … end−1
            tau = end - P + j
            if tau >= 0 and tau >= end - T:
                self.lin_hist[:, j] = val[:, tau - end + T]
        E = self.exc_hist.shape[1]
        if E:  # exact where the inputs start at time 0 or reach P samples further back than needed
            exc = self.packed.excitations(val)
            for j in range(E):
                tau = end - E + j
                if tau >= 0 and tau >= end - T:
                    self.exc_hist[:, j] = exc[:, tau - end + T]
            if self.packed.pitch_predictor:
                pitch = pitch_prediction(exc, *self.packed.pitch_lags)  # (B, T): the prediction of e[τ+1] at τ
                self.pitch_next.copy_(pitch[:, -1])
                res = left_by_pitch(exc, pitch)
                N = self.res_hist.shape[1]
                for j in range(N):
                    tau = end - N + j
                    if tau >= 0 and tau >= end - T:
                        self.res_hist[:, j] = res[:, tau - end + T]
        self.t = end

    def set_next(self, inputs: torch.Tensor) -> None:
        """The next sample to consume, from model inputs (B,) (classes or values)."""
        idx, val = self.packed.classes_and_values(inputs.view(-1, 1))
        self.next_idx.copy_(idx[:, 0])
        self.next_val.copy_(val[:, 0])


def warm_states(model: WaveNetLike, x: torch.Tensor, global_embedding: torch.Tensor | None,
                local_up: torch.Tensor | None) -> list[torch.Tensor]:
    """Every layer's inputs over the trailing times the caches need, from inputs x (B, T).

    A trimmed forward pass: only the residual path (no skip outputs, no head)
    and, per layer, only the trailing positions that its ring buffer or the
    layers above still need. Exact when x starts at time 0 (zero padding
    before it) or holds at least Δ − 1 samples. ``local_up`` (B, C, T) is
    the upsampled local condition at the same times.
    """
    c = model.config
    K, R = c.kernel_size, c.residual_channels
    dil = dilation_list(c)
    L = len(dil)
    need = [0] * (L + 1)  # need[l]: trailing positions of layer l's input still needed
    for l in range(L - 1, -1, -1):
        need[l] = max((K - 1) * dil[l] + 1, need[l + 1] + (K - 1) * dil[l])
    T = x.shape[1]
    h = model.initial(model.embed_input(x))
    if h.shape[2] < need[0]:
        h = F.pad(h, (need[0] - h.shape[2], 0))
    h = h[:, :, -need[0]:]
    g = None if global_embedding is None else global_embedding.unsqueeze(-1)
    states = []
    for l, layer in enumerate(model.layers):
        states.append(h)
        n_out = need[l + 1]
        if n_out == 0:
            break
        span = (K - 1) * dil[l] + n_out  # input positions feeding the n_out outputs
        pre = F.conv1d(h[:, :, -span:], layer.dilated.weight, layer.dilated.bias, dilation=dil[l])
        if layer.global_proj is not None and g is not None:
            pre = pre + layer.global_proj(g)
        if layer.local_proj is not None and local_up is not None:
            loc = local_up[:, :, max(0, T - n_out):]
            if loc.shape[2] < n_out:
                loc = F.pad(loc, (n_out - loc.shape[2], 0))
            pre = pre + layer.local_proj(loc)
        w = layer.out.weight[:R]
        b = None if layer.out.bias is None else layer.out.bias[:R]
        h = h[:, :, -n_out:] + F.conv1d(layer.gate(pre), w, b)
    return states


def forward_with_states(model: WaveNetLike, x: torch.Tensor, global_embedding: torch.Tensor | None,
                        local_up: torch.Tensor | None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The model's forward pass over x (B, T), also returning every layer's input (B, R, T).

    Same arithmetic as ``WaveNetLike.forward`` but takes the global
    embedding (B, E) and the already upsampled local condition (B, C, T), so a
    window cut from a longer timeline sees the same condition as the whole.
    """
    h = model.initial(model.embed_input(x))
    g = None if global_embedding is None else global_embedding.unsqueeze(-1)
    states = []
    skip_sum = None
    for layer in model.layers:
        states.append(h)
        h, skip = layer(h, g, local_up)
        skip_sum = skip if skip_sum is None else skip_sum + skip
    out = model.head1(torch.relu(skip_sum))
    return model.add_linear_prediction(model.head2(torch.relu(out)), x), states


def upsample_timeline(model: WaveNetLike, features: torch.Tensor, length: int, lead: int) -> tuple[torch.Tensor, int]:
    """Upsample local features (B, C, frames) onto a timeline that starts ``lead`` samples early.

    The first frame is repeated to cover the lead (the silence context before
    the prime). Returns the upsampled condition and the index of timeline
    position 0 in it.
    """
    hop = model.config.local_condition_hop
    pad_frames = -(-lead // hop) if lead > 0 else 0
    if pad_frames:
        features = torch.cat([features[:, :, :1].expand(-1, -1, pad_frames), features], dim=2)
    origin = pad_frames * hop
    return model.upsample_local(features, origin + length), origin


class EagerStepper:
    """The cached step in eager PyTorch: the reference implementation.

    Each step: initial conv as a table lookup (one-hot input) and/or a
    product with the value channels, per layer one matrix product over the
    stacked taps read from the ring buffer, the gate, one matrix product for
    residual+skip; then the output head. Works on any device.
    """

    def __init__(self, packed: PackedWeights, state: StepState, layer_bias: torch.Tensor) -> None:
        self.p = packed
        self.s = state
        self.layer_bias = layer_bias  # (L, B, 2G)
        dev = state.ring.device
        rows = packed.init_table.shape[1]
        self.table_flat = packed.init_table.reshape(-1, packed.residual_channels)
        self.table_offsets = torch.arange(packed.initial_width, device=dev) * rows
        self.rings = state.rings()

    def initial(self, x_idx: torch.Tensor, x_val: torch.Tensor) -> torch.Tensor:
        """The initial conv's output (B, R) for the current sample and the history; shifts the history."""
        p, s = self.p, self.s
        B, R = s.batch, p.residual_channels
        h = p.init_bias.expand(B, R)
        if p.onehot_input:
            idx = torch.cat([s.hist_idx, x_idx.view(B, 1)], dim=1)  # (B, W)
            h = h + self.table_flat.index_select(0, (idx + self.table_offsets).view(-1)).view(B, -1, R).sum(1)
        if p.value_input:
            vals = torch.cat([s.hist_val, x_val.view(B, 1)], dim=1)  # (B, W)
            h = h + vals @ p.init_value_w[:, 0, :] + compand(vals) @ p.init_value_w[:, 1, :]
        E = s.exc_hist.shape[1]
        if E:  # what the linear term leaves of this sample: x[t] − Σ a·x[t−P … t−1]
            e = x_val.view(B).float() - s.lin_hist @ p.linear_w
            if p.excitation_input:
                Wm1 = p.initial_width - 1
                exc = torch.cat([s.exc_hist[:, E - Wm1:], e.view(B, 1)], dim=1)  # (B, W)
                h = h + exc @ p.init_exc_w[:, 0, :] + compand(exc) @ p.init_exc_w[:, 1, :]
            s.exc_hist.copy_(torch.cat([s.exc_hist[:, 1:], e.view(B, 1)], dim=1))
            if s.res_hist.shape[1]:  # what the pitch term left of it
                s.res_hist.copy_(torch.cat([s.res_hist[:, 1:], (e.view(B) - s.pitch_next).view(B, 1)], dim=1))
        if s.hist_idx.shape[1]:
            s.hist_idx.copy_(torch.cat([s.hist_idx[:, 1:], x_idx.view(B, 1)], dim=1))
            s.hist_val.copy_(torch.cat([s.hist_val[:, 1:], x_val.view(B, 1)], dim=1))
        if s.lin_hist.shape[1]:
            s.lin_hist.copy_(torch.cat([s.lin_hist[:, 1:], x_val.view(B, 1).float()], dim=1))
        return h

    def head(self, skip: torch.Tensor) -> torch.Tensor:
        """The output head on the summed skips (B, S), plus the linear prediction: (B, D)."""
        p = self.p
        a = torch.relu(torch.addmm(p.head1_b, torch.relu(skip), p.head1_w))
        out = torch.addmm(p.head2_b, a, p.head2_w)
        if self.s.lin_hist.shape[1]:
            K = p.output_dim // 3
            lin = self.s.lin_hist @ p.linear_w  # (B,)
            if p.pitch_predictor:
                pitch = pitch_prediction_step(self.s.exc_hist, *p.pitch_lags)
                self.s.pitch_next.copy_(pitch)
                lin = lin + pitch
            log_scales = out[:, 2 * K:]
            if p.adaptive_scale:
                N = p.scale_w.shape[0]
                recent = self.s.res_hist if p.pitch_predictor else self.s.exc_hist[:, -N:]
                mean_abs = recent.abs() @ p.scale_w  # (B,)
                log_scales = log_scales + SCALE_GAIN * torch.log(mean_abs.clamp_min(SCALE_FLOOR)).unsqueeze(1)
            out = torch.cat([out[:, :K], out[:, K:2 * K] + lin.unsqueeze(1), log_scales], dim=1)
        return out

    def step(self, x_idx: torch.Tensor, x_val: torch.Tensor, local: torch.Tensor | None = None) -> torch.Tensor:
        """Consume sample (class x_idx (B,), value x_val (B,)) at time ``state.t``; return the outputs (B, D)."""
        p, s = self.p, self.s
        R, G = p.residual_channels, p.gate_channels
        K = p.kernel_size
        t = s.t
        h = self.initial(x_idx, x_val)
        skip = None
        for l, (ring, d) in enumerate(zip(self.rings, p.dilations)):
            M = ring.shape[0]
            ring[t % M] = h
            taps = [ring[(t - (K - 1 - k) * d) % M] for k in range(K)]
            xin = taps[0] if K == 1 else torch.cat(taps, dim=1)
            pre = torch.addmm(self.layer_bias[l], xin, p.dil_w[l])
            if local is not None:
                pre = pre + local[:, l]
            z = torch.tanh(pre[:, :G]) * torch.sigmoid(pre[:, G:])
            out = torch.addmm(p.out_b[l], z, p.out_w[l])
            h = h + out[:, :R]
            skip = out[:, R:] if skip is None else skip + out[:, R:]
        s.t = t + 1
        return self.head(skip)
