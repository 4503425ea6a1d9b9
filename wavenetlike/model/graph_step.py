"""The cached step with every per-step quantity in a tensor, so a CUDA graph can replay it.

:class:`~wavenetlike.model.incremental.EagerStepper` (the reference) indexes
the ring buffers with the Python integer ``t``; a captured CUDA graph replays
fixed kernels with fixed arguments, so here the time is a device tensor and
the ring rows are chosen with ``index_copy_`` / ``index_select`` on indices
computed from it. Inputs, uniforms, the local condition and the output live
in static buffers that the caller fills before each step. One step also
samples the next input and feeds it back, so a replay is a whole generation
step with no host work but copying one row of uniforms in and one sample out.

:class:`TensorStepper` runs eagerly on any device (the CPU tests pin it to the
eager reference); :class:`CudaGraphStepper` captures its ``step`` once and
replays it (CUDA only).
"""
from __future__ import annotations

import torch

from .incremental import EagerStepper, PackedWeights, StepState

__all__ = ["TensorStepper", "CudaGraphStepper"]


class TensorStepper:
    """One cached generation step over static buffers: reads ``x``, ``u`` (and ``local``), writes ``y``.

    Every sample is a class and a value (``x_idx``/``x_val``, ``y_idx``/``y_val``).
    ``sample(outputs, u)`` turns the outputs (B, D) into the next sample's
    (class (B,), value (B,)); it must be free of host synchronisation to be captured.
    """

    def __init__(self, packed: PackedWeights, state: StepState, layer_bias: torch.Tensor,
                 sample, has_local: bool = False) -> None:
        self.p, self.s = packed, state
        self.layer_bias = layer_bias  # (L, B, 2G)
        self.sample = sample
        dev = state.ring.device
        B = state.batch
        self.rings = state.rings()
        self.t = torch.tensor(state.t, dtype=torch.long, device=dev)
        self.x_idx, self.x_val = state.next_idx.clone(), state.next_val.clone()
        self.u = torch.zeros(B, dtype=torch.float64, device=dev)
        self.local = (torch.zeros(B, packed.n_layers, 2 * packed.gate_channels, device=dev)
                      if has_local else None)
        self.y_idx, self.y_val = self.x_idx.clone(), self.x_val.clone()
        K = packed.kernel_size
        # per layer: tap offsets (K−1−k)·d and the ring length, as device tensors
        self.tap_back = [torch.tensor([(K - 1 - k) * d for k in range(K)], device=dev) for d in packed.dilations]
        self.lengths = [int(r.shape[0]) for r in self.rings]
        eager = EagerStepper(packed, state, layer_bias)
        self.initial, self.head = eager.initial, eager.head  # tensor arithmetic only: capturable

    def step(self) -> None:
        """Consume ``x`` at time ``t``; write the sampled next sample to ``y`` and ``x``; advance ``t``."""
        p, s = self.p, self.s
        B = s.batch
        R, G = p.residual_channels, p.gate_channels
        h = self.initial(self.x_idx, self.x_val)
        skip = None
        for l, (ring, M) in enumerate(zip(self.rings, self.lengths)):
            ring.index_copy_(0, torch.remainder(self.t, M).view(1), h.unsqueeze(0))
            rows = torch.remainder(self.t - self.tap_back[l], M)
            xin = ring.index_select(0, rows).transpose(0, 1).reshape(B, -1)  # (B, K·R), oldest tap first
            pre = torch.addmm(self.layer_bias[l], xin, p.dil_w[l])
            if self.local is not None:
                pre = pre + self.local[:, l]
            z = torch.tanh(pre[:, :G]) * torch.sigmoid(pre[:, G:])
            out = torch.addmm(p.out_b[l], z, p.out_w[l])
            h = h + out[:, :R]
            skip = out[:, R:] if skip is None else skip + out[:, R:]
        outputs = self.head(skip)
        idx, val = self.sample(outputs, self.u)
        self.y_idx.copy_(idx)
        self.y_val.copy_(val)
        self.x_idx.copy_(idx)
        self.x_val.copy_(val)
        self.t.add_(1)

    def run(self, u: torch.Tensor, local: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``len(u)`` steps (u: (n, B) uniforms; local: (n, B, L, 2G)); returns the (n, B) classes and values."""
        idxs, vals = [], []
        for i in range(u.shape[0]):
            self._load(u[i], None if local is None else local[i])
            self.step()
            idxs.append(self.y_idx.clone())
            vals.append(self.y_val.clone())
        return torch.stack(idxs), torch.stack(vals)

    def _load(self, u: torch.Tensor, local: torch.Tensor | None) -> None:
        self.u.copy_(u, non_blocking=True)
        if self.local is not None and local is not None:
            self.local.copy_(local, non_blocking=True)


class CudaGraphStepper(TensorStepper):
    """The same step captured once in a CUDA graph and replayed for every sample (CUDA only)."""

    def __init__(self, *args, warmup: int = 3, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.s.ring.device.type != "cuda":
            raise RuntimeError("CudaGraphStepper needs the caches on a CUDA device")
        saved = [t.clone() for t in self._mutable()]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up (allocations, cuBLAS handles) outside the capture
            for _ in range(warmup):
                self.step()
        torch.cuda.current_stream().wait_stream(side)
        for t, v in zip(self._mutable(), saved):  # undo the warm-up steps
            t.copy_(v)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.step()
        for t, v in zip(self._mutable(), saved):  # capture records, but be safe: same state as before
            t.copy_(v)

    def _mutable(self) -> list[torch.Tensor]:
        return [self.s.ring, self.s.hist_idx, self.s.hist_val, self.s.lin_hist, self.s.exc_hist,
                self.s.res_hist, self.s.pitch_next, self.t, self.x_idx, self.x_val,
                self.y_idx, self.y_val]

    def run(self, u: torch.Tensor, local: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        n, B = u.shape
        out_idx = torch.empty(n, B, dtype=self.y_idx.dtype, device=self.y_idx.device)
        out_val = torch.empty(n, B, dtype=self.y_val.dtype, device=self.y_val.device)
        u = u.to(self.u.device, non_blocking=True)
        if local is not None:
            local = local.to(self.u.device, non_blocking=True)
        for i in range(n):
            self._load(u[i], None if local is None else local[i])
            self.graph.replay()
            out_idx[i].copy_(self.y_idx)
            out_val[i].copy_(self.y_val)
        return out_idx, out_val
