"""Generation: sample a waveform from a WaveNet-like model, one sample at a time.

(Above ~450 lines on purpose: the three samplers below must draw the very same
samples for the same seed, so their shared sampling, priming and conditioning
code stays in one module beside them; the cached steps themselves live in
:mod:`wavenetlike.model.incremental`, :mod:`wavenetlike.model.fast_step` and
:mod:`wavenetlike.model.graph_step`.)

Three implementations of the same sampler, chosen with ``method``:

- ``"naive"``: the reference. For every new sample it re-runs the full
  forward pass over the last Δ inputs (Δ = receptive field). O(Δ·layers) work
  per sample; hopelessly slow for real models, kept to pin correctness.
- ``"cached"``: Fast-WaveNet caches in eager PyTorch
  (:class:`wavenetlike.model.incremental.EagerStepper`): O(layers) per sample.
  Works on any device; the reference for the compiled step.
- ``"fast"``: the same cached step compiled with numba
  (:mod:`wavenetlike.model.fast_step`), CPU only; falls back to ``"cached"``
  with a warning when numba is missing. The first use compiles it (seconds;
  cached on disk afterwards): :func:`prepare_fast_backend` does it up front.
- ``"cuda_graph"``: the cached step with the time and the sampler in device
  tensors (:mod:`wavenetlike.model.graph_step`), captured once in a CUDA
  graph and replayed per sample: no per-kernel launch overhead. CUDA only;
  elsewhere it falls back (with a warning) to what ``"auto"`` picks, and if
  the capture fails it falls back to ``"cached"``. The eager ``"cached"`` step
  is its reference.
- ``"auto"`` (default): ``"fast"`` when numba is installed and the model is on
  the CPU, ``"cuda_graph"`` when it is on a CUDA device, ``"cached"``
  otherwise.

All draw the same random numbers: with the same ``seed`` they produce the same
samples (up to float rounding flipping a draw that falls exactly on a class
boundary, which the tests show does not happen in practice).

Timeline. Generation is conditioned on a context: Δ samples of silence (as
the training windows use before a clip starts) followed by the ``prime``. The
context is teacher-forced (one parallel pass warms the caches), then each step
feeds the previous sample back. Only the new samples are returned.

Sampling: a discrete model draws class k from softmax(logits / temperature)
by inverse CDF with one uniform number per sample and stream (from a
``torch.Generator`` seeded with ``seed``), or takes the argmax when
temperature is 0; the class is decoded from mu-law to a float in [−1, 1]
(for a model with a value input, to a value drawn inside the class: see
:func:`sample_next`). A continuous model draws from its mixture of logistics
with the same one uniform per sample (component, then value); ``temperature``
scales every component's spread. Every sample is carried as its class and its
value, whatever the model's input kind.
"""
from __future__ import annotations

import warnings
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from . import config
from .config import SCALE_FLOOR, SCALE_GAIN
from .data.dataset import CancelFn, ProgressFn
from .data.mulaw import mu_law_decode, mu_law_decode_np, mu_law_encode
from .model.distributions import dithered_class_value, sample_mixture
from .model import fast_step, graph_step
from .model.pitch import ENERGY_FLOOR as PITCH_ENERGY_FLOOR
from .model.incremental import (EagerStepper, PackedWeights, StepState, forward_with_states,
                                upsample_timeline, warm_states)
from .model.wavenet import WaveNetLike

__all__ = ["generate", "generate_stream", "cached_logits", "sample_logits", "sample_class", "sample_next",
           "fast_backend_available",
           "prepare_fast_backend", "METHODS"]

METHODS = ("auto", "fast", "cached", "naive", "cuda_graph")
RNG_BLOCK = 1024
"""Uniform numbers are drawn in blocks of this many steps, whatever the chunk size."""
DEFAULT_CHUNK = {"fast": 1024, "cached": 256, "naive": 8, "cuda_graph": 1024, "tensor_step": 256}


def fast_backend_available() -> tuple[bool, str]:
    """Whether the compiled (numba) step can be used, and a sentence saying so."""
    return fast_step.AVAILABLE, fast_step.NOTE


def sample_class(logits: torch.Tensor, u: torch.Tensor, temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Like :func:`sample_logits`, also returning where u fell inside the drawn class's probability.

    Returns the classes (B,) and fractions (B,) in [0, 1): ``(u − C_{k−1}) / p_k``,
    itself a uniform draw independent of k (0.5 at temperature 0).
    """
    if temperature <= 0:
        k = logits.argmax(dim=1)
        return k, torch.full(k.shape, 0.5, dtype=torch.float64, device=k.device)
    p = torch.softmax(logits.double() / temperature, dim=1)
    cdf = p.cumsum(dim=1)
    u = u.to(cdf.device)
    k = (cdf <= u.unsqueeze(1)).sum(dim=1).clamp_(max=logits.shape[1] - 1)
    below = torch.where(k > 0, cdf.gather(1, (k - 1).clamp(min=0).unsqueeze(1))[:, 0], torch.zeros_like(u))
    frac = ((u - below) / p.gather(1, k.unsqueeze(1))[:, 0]).clamp(0.0, 1.0 - 1e-9)
    return k, frac


def sample_next(packed: PackedWeights, outputs: torch.Tensor, u: torch.Tensor,
                temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The next sample from the model's outputs (B, D): its class (B,) and its value (B,).

    Categorical: the class drawn from the logits; its value is the class's
    centre, or — for a model with a value input — a value drawn uniformly
    (companded domain) inside the class. Mixture: the value drawn from the
    mixture; its class is the value's mu-law class.
    """
    Q = packed.quantization_channels
    if packed.continuous:
        val = sample_mixture(outputs, u, temperature)
        return mu_law_encode(val, Q), val
    k, frac = sample_class(outputs, u, temperature)
    val = dithered_class_value(k, frac, Q) if packed.value_input else mu_law_decode(k, Q)
    return k, val


def sample_logits(logits: torch.Tensor, u: torch.Tensor, temperature: float) -> torch.Tensor:
    """Draw one class per row of ``logits`` (B, D) from softmax(logits/temperature).

    ``u`` (B,) float64 uniforms in [0, 1): the class is the number of
    cumulative probabilities ≤ u (inverse CDF). Temperature 0 gives the argmax.
    """
    if temperature <= 0:
        return logits.argmax(dim=1)
    p = torch.softmax(logits.double() / temperature, dim=1)
    cdf = p.cumsum(dim=1)
    return (cdf <= u.to(cdf.device).unsqueeze(1)).sum(dim=1).clamp_(max=logits.shape[1] - 1)


class _Uniforms:
    """Per-step uniform numbers for B streams, drawn in fixed blocks so any chunking gives the same draws."""

    def __init__(self, seed: int, batch: int) -> None:
        self.gen = torch.Generator()
        self.gen.manual_seed(seed)
        self.batch = batch
        self.block = torch.empty(0, batch, dtype=torch.float64)
        self.pos = 0

    def take(self, n: int) -> torch.Tensor:
        parts = []
        while n > 0:
            if self.pos >= self.block.shape[0]:
                self.block = torch.rand(RNG_BLOCK, self.batch, generator=self.gen, dtype=torch.float64)
                self.pos = 0
            k = min(n, self.block.shape[0] - self.pos)
            parts.append(self.block[self.pos:self.pos + k])
            self.pos += k
            n -= k
        return torch.cat(parts) if len(parts) != 1 else parts[0]


# ------------------------------------------------------------------ inputs
def _model_device(model: WaveNetLike) -> torch.device:
    return next(model.parameters()).device


def _global_labels(model: WaveNetLike, global_cond: Any, batch: int) -> torch.Tensor | None:
    """Label index, label name, or one per stream -> (B,) long, validated."""
    if global_cond is None:
        return None
    c = model.config
    if not c.global_condition_classes:
        raise ValueError("global_cond was given but the model has no global conditioning "
                         "(ModelConfig.global_condition_classes = 0)")
    if isinstance(global_cond, torch.Tensor):
        items = global_cond.reshape(-1).tolist()
    elif isinstance(global_cond, np.ndarray):
        items = global_cond.reshape(-1).tolist()
    elif isinstance(global_cond, (str, int, np.integer)):
        items = [global_cond]
    elif isinstance(global_cond, Sequence):
        items = list(global_cond)
    else:
        raise ValueError(f"global_cond must be a label index, a label name or one per stream, "
                         f"not {type(global_cond).__name__}")
    out = []
    for item in items:
        if isinstance(item, str):
            if item not in c.labels:
                raise ValueError(f"global_cond: unknown label {item!r}; the model knows {c.labels}")
            out.append(c.labels.index(item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= int(item) < c.global_condition_classes:
                raise ValueError(f"global_cond = {int(item)} is out of range: 0 to "
                                 f"{c.global_condition_classes - 1} (ModelConfig.global_condition_classes)")
            out.append(int(item))
        else:
            raise ValueError(f"global_cond: {item!r} is neither a label index nor a label name")
    if len(out) == 1:
        out = out * batch
    if len(out) != batch:
        raise ValueError(f"global_cond has {len(out)} labels for batch = {batch} streams")
    return torch.tensor(out, dtype=torch.long)


def _local_features(model: WaveNetLike, local_features: Any, batch: int) -> torch.Tensor | None:
    """(C, frames) or (B, C, frames) features -> float tensor (B, C, frames), validated."""
    if local_features is None:
        return None
    c = model.config
    if not c.local_condition_channels:
        raise ValueError("local_features were given but the model has no local conditioning "
                         "(ModelConfig.local_condition_channels = 0)")
    f = torch.as_tensor(np.asarray(local_features) if not isinstance(local_features, torch.Tensor)
                        else local_features).float()
    if f.dim() == 2:
        f = f.unsqueeze(0)
    if f.dim() != 3 or f.shape[1] != c.local_condition_channels or f.shape[2] < 1:
        raise ValueError(f"local_features must have shape (channels={c.local_condition_channels}, frames) "
                         f"or (batch, {c.local_condition_channels}, frames), got {tuple(f.shape)}")
    if not torch.isfinite(f).all():
        raise ValueError("local_features contain NaN or infinite values")
    if f.shape[0] == 1 and batch > 1:
        f = f.expand(batch, -1, -1)
    if f.shape[0] != batch:
        raise ValueError(f"local_features have {f.shape[0]} streams for batch = {batch}")
    return f


def _silence(model: WaveNetLike) -> torch.Tensor:
    c = model.config
    if "value" in c.input_kind:
        return torch.tensor(0.0)
    return mu_law_encode(torch.tensor(0.0), c.quantization_channels)


def _prime_inputs(model: WaveNetLike, prime: Any, batch: int) -> torch.Tensor:
    """The prime as model inputs (B, P): classes (long, one-hot input) or values (float, value input)."""
    c = model.config
    values = "value" in c.input_kind
    dtype = torch.float32 if values else torch.long
    if prime is None:
        return torch.empty(batch, 0, dtype=dtype)
    p = prime if isinstance(prime, torch.Tensor) else torch.as_tensor(np.asarray(prime))
    if p.dim() == 1:
        p = p.unsqueeze(0)
    if p.dim() != 2:
        raise ValueError(f"prime must be a waveform (samples,) or (batch, samples), got shape {tuple(p.shape)}")
    if p.shape[0] == 1 and batch > 1:
        p = p.expand(batch, -1)
    if p.shape[0] != batch:
        raise ValueError(f"prime has {p.shape[0]} streams for batch = {batch}")
    if p.is_floating_point():
        if not torch.isfinite(p).all():
            raise ValueError("prime contains NaN or infinite values")
        if values:
            return p.float()
        return mu_law_encode(p.float(), c.quantization_channels)
    if p.numel() and (int(p.min()) < 0 or int(p.max()) >= c.quantization_channels):
        raise ValueError(f"prime holds class indices outside 0 … {c.quantization_channels - 1} "
                         f"(give a float waveform in [-1, 1] or mu-law classes)")
    return mu_law_decode(p.long(), c.quantization_channels) if values else p.long()


def _fast_ready() -> bool:
    """numba installed and the step loads (compiling it the first time)."""
    if not fast_step.AVAILABLE:
        return False
    try:
        fast_step.kernel()
        return True
    except Exception:  # noqa: BLE001 - broken numba: fall back to the eager step
        return False


def _resolve_method(method: str, model: WaveNetLike) -> str:
    if method == "tensor_step":  # internal: the CUDA graph's step without the graph
        return method
    if method not in METHODS:
        raise ValueError(f"method = {method!r} must be one of {', '.join(METHODS)}")
    device_type = _model_device(model).type
    on_cpu = device_type == "cpu"
    if method == "cuda_graph" and device_type != "cuda":
        fallback = _resolve_method("auto", model)
        warnings.warn(f"method='cuda_graph' needs the model on a CUDA device (it is on {device_type}); "
                      f"using {fallback!r}", stacklevel=3)
        return fallback
    if method == "auto":
        if device_type == "cuda":
            return "cuda_graph"
        return "fast" if on_cpu and _fast_ready() else "cached"
    if method == "fast" and not (on_cpu and _fast_ready()):
        why = "the compiled step runs on the CPU only" if fast_step.AVAILABLE and not on_cpu else fast_step.NOTE
        warnings.warn(f"method='fast' unavailable: {why}; using the eager cached step", stacklevel=3)
        return "cached"
    return method


# ----------------------------------------------------------------- engines
class _Engine:
    """Holds the caches of B streams after the context and produces samples chunk by chunk."""

    def run(self, n: int, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, B) classes and (n, B) values of the next n samples."""
        raise NotImplementedError


class _NaiveEngine(_Engine):
    def __init__(self, model, context, n, g_emb, loc_tl, temperature):
        self.model = model
        self.delta = model.config.receptive_field
        B, C = context.shape
        dev = _model_device(model)
        self.inputs = torch.empty(B, C + n, dtype=context.dtype, device=dev)
        self.inputs[:, :C] = context.to(dev)
        self.t = C - 1  # position of the next input
        self.g_emb, self.loc_tl, self.temperature = g_emb, loc_tl, temperature
        self.packed = PackedWeights.from_model(model)  # only its flags are used

    def run(self, n, u):
        idxs, vals = [], []
        for i in range(n):
            t = self.t
            lo = max(0, t - self.delta + 1)
            loc = None if self.loc_tl is None else self.loc_tl[:, :, lo:t + 1]
            out = forward_with_states(self.model, self.inputs[:, lo:t + 1], self.g_emb, loc)[0][:, :, -1]
            idx, val = sample_next(self.packed, out, u[i], self.temperature)
            self.inputs[:, t + 1] = val if self.inputs.is_floating_point() else idx
            self.t = t + 1
            idxs.append(idx.cpu())
            vals.append(val.cpu())
        return torch.stack(idxs), torch.stack(vals)


def _warm(model, packed, context, g_emb, loc_tl, batch):
    """Caches after teacher-forcing every context sample but the last (which the first step consumes)."""
    dev = _model_device(model)
    state = StepState(packed, batch, dev)
    C = context.shape[1]
    delta = model.config.receptive_field
    if C > 1:
        start = max(0, C - 1 - delta)
        window = context[:, start:C - 1].to(dev)
        loc = None if loc_tl is None else loc_tl[:, :, start:C - 1]
        state.fill(warm_states(model, window, g_emb, loc), window, C - 1)
    state.set_next(context[:, C - 1].to(dev))
    state.t = C - 1
    return state


class _EagerEngine(_Engine):
    def __init__(self, model, packed, state, g_emb, loc_tl, temperature):
        self.packed, self.state = packed, state
        self.stepper = EagerStepper(packed, state, packed.layer_biases(g_emb, state.batch))
        self.loc_tl, self.temperature = loc_tl, temperature

    def run(self, n, u):
        s, p = self.state, self.packed
        local = None if self.loc_tl is None else p.local_terms(self.loc_tl[:, :, s.t:s.t + n])
        idxs, vals = [], []
        for i in range(n):
            out = self.stepper.step(s.next_idx, s.next_val, None if local is None else local[i])
            s.next_idx, s.next_val = sample_next(p, out, u[i], self.temperature)
            idxs.append(s.next_idx.cpu())
            vals.append(s.next_val.cpu())
        return torch.stack(idxs), torch.stack(vals)


class _TensorEngine(_Engine):
    """The tensor-indexed step (:mod:`wavenetlike.model.graph_step`), replayed from a CUDA graph on CUDA.

    ``graph=False`` runs the same step eagerly (any device): the CPU tests
    pin it to :class:`_EagerEngine`. If capturing the graph fails, the eager
    cached step takes over, with a warning.
    """

    def __init__(self, model, packed, state, g_emb, loc_tl, temperature, graph=True):
        self.p, self.loc_tl, self.t = packed, loc_tl, state.t
        args = (packed, state, packed.layer_biases(g_emb, state.batch),
                lambda out, u: sample_next(packed, out, u, temperature))
        self.fallback = None
        if graph:
            try:
                self.stepper = graph_step.CudaGraphStepper(*args, has_local=loc_tl is not None)
            except Exception as exc:  # noqa: BLE001 - any capture failure: the eager step still works
                warnings.warn(f"CUDA graph capture failed ({type(exc).__name__}: {exc}); "
                              "using the eager cached step", stacklevel=2)
                self.fallback = _EagerEngine(model, packed, state, g_emb, loc_tl, temperature)
        else:
            self.stepper = graph_step.TensorStepper(*args, has_local=loc_tl is not None)

    def run(self, n, u):
        if self.fallback is not None:
            return self.fallback.run(n, u)
        local = None if self.loc_tl is None else self.p.local_terms(self.loc_tl[:, :, self.t:self.t + n])
        idx, val = self.stepper.run(u, local)
        self.t += n
        return idx.cpu(), val.cpu()


class _FastEngine(_Engine):
    """numba: one compiled call per chunk, mutating the state tensors through NumPy views."""

    def __init__(self, model, packed, state, g_emb, loc_tl, temperature):
        self.p, self.state = packed, state
        self.loc_tl, self.temperature = loc_tl, float(temperature)
        B = state.batch
        a = lambda x: np.ascontiguousarray(x.detach().cpu().numpy())  # noqa: E731
        self.w = dict(
            init_table=a(packed.init_table), init_value_w=a(packed.init_value_w), init_bias=a(packed.init_bias),
            ring=state.ring.numpy(), ring_off=np.asarray(state.ring_offsets, dtype=np.int64),
            ring_len=np.asarray(state.ring_lengths, dtype=np.int64),
            dilations=np.asarray(packed.dilations, dtype=np.int64), kernel_size=packed.kernel_size,
            dil_w=a(packed.dil_w), layer_bias=a(packed.layer_biases(g_emb, B)),
            out_w=a(packed.out_w), out_b=a(packed.out_b), h1_w=a(packed.head1_w), h1_b=a(packed.head1_b),
            h2_w=a(packed.head2_w), h2_b=a(packed.head2_b), lin_w=a(packed.linear_w),
            init_exc_w=a(packed.init_exc_w), scale_w=a(packed.scale_w),
        )
        self.exc_hist = state.exc_hist.numpy()
        self.res_hist, self.pitch_next = state.res_hist.numpy(), state.pitch_next.numpy()
        self.lin_hist = state.lin_hist.numpy()
        self.hist_idx, self.hist_val = state.hist_idx.numpy(), state.hist_val.numpy()
        self.next_idx, self.next_val = state.next_idx.numpy(), state.next_val.numpy()
        self.no_local = np.zeros((1, 1, 1, 1), np.float32)
        self.no_forced_idx = np.zeros((1, B), np.int64)
        self.no_forced_val = np.zeros((1, B), np.float32)
        self.no_logits = np.zeros((1, 1, 1), np.float32)

    def run(self, n, u, forced=None, want_logits=False):
        s, p = self.state, self.p
        B = s.batch
        local = self.no_local
        if self.loc_tl is not None:
            local = p.local_terms(self.loc_tl[:, :, s.t:s.t + n]).numpy()
        forced_idx, forced_val = self.no_forced_idx, self.no_forced_val
        if forced is not None:  # (n, B) model inputs
            fi, fv = p.classes_and_values(forced)
            forced_idx = np.ascontiguousarray(fi.numpy())
            forced_val = np.ascontiguousarray(fv.numpy())
        out_idx = np.zeros((n, B), np.int64)
        out_val = np.zeros((n, B), np.float32)
        logits = np.zeros((n, B, p.output_dim), np.float32) if want_logits else self.no_logits
        uni = np.ascontiguousarray(u.numpy()) if u is not None else np.zeros((n, B), np.float64)
        w = self.w
        s.t = fast_step.kernel()(
            n, s.t, p.onehot_input, p.value_input, p.continuous, p.quantization_channels, self.temperature,
            want_logits, forced is not None, self.loc_tl is not None,
            w["init_table"], w["init_value_w"], w["init_bias"], w["ring"], w["ring_off"], w["ring_len"],
            w["dilations"], w["kernel_size"], w["dil_w"], w["layer_bias"], local,
            w["out_w"], w["out_b"], w["h1_w"], w["h1_b"], w["h2_w"], w["h2_b"],
            self.hist_idx, self.hist_val, self.next_idx, self.next_val, forced_idx, forced_val,
            uni, out_idx, out_val, logits, w["lin_w"], self.lin_hist,
            p.excitation_input, p.adaptive_scale, w["init_exc_w"], self.exc_hist, w["scale_w"], SCALE_FLOOR, SCALE_GAIN,
            p.pitch_predictor, *p.pitch_lags, PITCH_ENERGY_FLOOR, config.PITCH_GAIN_MAX, self.res_hist, self.pitch_next)
        self.last_logits = logits if want_logits else None
        return torch.from_numpy(out_idx), torch.from_numpy(out_val)


# ------------------------------------------------------------------- public
def _n_samples(model: WaveNetLike, n_samples: int | None, seconds: float | None) -> int:
    if (n_samples is None) == (seconds is None):
        raise ValueError("give exactly one of n_samples or seconds")
    if seconds is not None:
        if not np.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds = {seconds!r} must be a finite number ≥ 0")
        return int(round(seconds * model.config.sample_rate))
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 0:
        raise ValueError(f"n_samples = {n_samples!r} must be an integer ≥ 0")
    return int(n_samples)


def generate_stream(model: WaveNetLike, n_samples: int | None = None, *, seconds: float | None = None,
                    temperature: float = 1.0, prime: Any = None, seed: int | None = None,
                    progress: ProgressFn | None = None, cancel: CancelFn | None = None,
                    global_cond: Any = None, local_features: Any = None, method: str = "auto",
                    batch: int = 1, chunk_size: int | None = None) -> Iterator[np.ndarray]:
    """Generate like :func:`generate` but yield float32 chunks as they are produced.

    Each chunk has shape (k,) for one stream or (batch, k). Arguments are
    validated before the first chunk (errors raise at the call). Stops early,
    without error, when ``cancel()`` returns True. ``chunk_size`` defaults to
    1024 (fast), 256 (cached) or 8 (naive) samples; the samples do not depend
    on it.
    """
    if not isinstance(model, WaveNetLike):
        raise TypeError(f"generate needs a WaveNetLike model, not {type(model).__name__}")
    n = _n_samples(model, n_samples, seconds)
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch = {batch!r} must be an integer ≥ 1")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature = {temperature!r} must be a finite number ≥ 0")
    resolved = _resolve_method(method, model)
    chunk = int(chunk_size or DEFAULT_CHUNK[resolved])
    if chunk < 1:
        raise ValueError(f"chunk_size = {chunk_size!r} must be ≥ 1")
    if seed is None:  # fresh entropy, without touching torch's global generator
        seed = int(np.random.SeedSequence().entropy % 2**62)
    labels = _global_labels(model, global_cond, batch)
    features = _local_features(model, local_features, batch)
    prime_in = _prime_inputs(model, prime, batch)
    delta = model.config.receptive_field
    silence = _silence(model).to(prime_in.dtype).expand(batch, delta)
    context = torch.cat([silence, prime_in], dim=1)  # (B, C), C ≥ Δ
    C = context.shape[1]
    return _stream(model, n, context, C, delta, labels, features, float(temperature), seed, resolved,
                   batch, chunk, progress, cancel)


def _stream(model, n, context, C, delta, labels, features, temperature, seed, method, batch, chunk,
            progress, cancel):
    # inference mode is entered around each piece of work, never held across a yield
    # (it is thread-local state the consumer's code would otherwise run under)
    dev = _model_device(model)
    q = model.config.quantization_channels
    onehot_only = not model.config.continuous and model.config.input_kind == "onehot"
    with torch.inference_mode():
        g_emb = None
        if labels is not None:
            g_emb = model.global_condition(labels.to(dev))[:, :, 0]
        loc_tl = None
        if features is not None:
            up, origin = upsample_timeline(model, features.to(dev), C - delta + n + 1, delta)
            loc_tl = up[:, :, origin - delta:]
        if method == "naive":
            engine: _Engine = _NaiveEngine(model, context, n, g_emb, loc_tl, temperature)
        else:
            packed = PackedWeights.from_model(model)
            state = _warm(model, packed, context, g_emb, loc_tl, batch)
            if method == "cuda_graph":
                engine = _TensorEngine(model, packed, state, g_emb, loc_tl, temperature, graph=True)
            elif method == "tensor_step":  # the graph's step run eagerly (tests; any device)
                engine = _TensorEngine(model, packed, state, g_emb, loc_tl, temperature, graph=False)
            else:
                cls = _FastEngine if method == "fast" else _EagerEngine
                engine = cls(model, packed, state, g_emb, loc_tl, temperature)
    uniforms = _Uniforms(seed, batch)
    done = 0
    if progress:
        progress(0, n, "generating")
    while done < n:
        if cancel is not None and cancel():
            return
        k = min(chunk, n - done)
        with torch.inference_mode():
            idx, val = engine.run(k, uniforms.take(k))  # (k, B) each
        wave = mu_law_decode_np(idx.t().numpy(), q) if onehot_only else val.t().float().numpy()
        done += k
        yield np.ascontiguousarray(wave[0] if batch == 1 else wave, dtype=np.float32)
        if progress:
            progress(done, n, "generating")


def prepare_fast_backend() -> bool:
    """Compile the numba step now (a few seconds the first time, then cached on disk).

    An app can call this in a background thread at start-up so the first
    generation does not stall. Returns whether the compiled step is available.
    """
    if not fast_step.AVAILABLE:
        return False
    from .config import ModelConfig
    tiny = WaveNetLike(ModelConfig(n_blocks=1, layers_per_block=1, residual_channels=2, gate_channels=2,
                                   skip_channels=2, output_channels=2, quantization_channels=4))
    generate(tiny, 2, method="fast", seed=0)
    return True


def generate(model: WaveNetLike, n_samples: int | None = None, *, seconds: float | None = None,
             temperature: float = 1.0, prime: Any = None, seed: int | None = None,
             progress: ProgressFn | None = None, cancel: CancelFn | None = None,
             global_cond: Any = None, local_features: Any = None, method: str = "auto",
             batch: int = 1) -> np.ndarray:
    """Sample ``n_samples`` (or ``seconds`` at the model's sample rate) new samples.

    Returns float32, shape (n,) for ``batch=1`` or (batch, n), in model units
    ([−1, 1] for mu-law models; multiply by the checkpoint's ``scale`` for the
    data's units). ``prime``: a float waveform in [−1, 1] (or mu-law class
    indices), (samples,) or (batch, samples), teacher-forced before
    generating; the output does not include it. ``global_cond``: a label
    index or name (``config.labels``), or one per stream. ``local_features``
    (C, frames) or (B, C, frames): frame f conditions the inputs at
    positions ``f·hop … f·hop+hop−1`` of the prime followed by the generated
    samples (before the prime, the first frame). ``temperature`` 0 takes the
    argmax. ``method``: "auto", "fast", "cached", "cuda_graph" or "naive" (see the module
    docstring). ``cancel()`` returning True stops and returns what was
    generated so far. ``progress(done, total, "generating")`` after each chunk.
    """
    chunks = list(generate_stream(model, n_samples, seconds=seconds, temperature=temperature, prime=prime,
                                  seed=seed, progress=progress, cancel=cancel, global_cond=global_cond,
                                  local_features=local_features, method=method, batch=batch))
    if not chunks:
        return np.zeros((0,) if batch == 1 else (batch, 0), dtype=np.float32)
    return np.concatenate(chunks, axis=-1)


def cached_logits(model: WaveNetLike, inputs: torch.Tensor, *, global_cond: Any = None,
                  local_features: Any = None, method: str = "cached") -> torch.Tensor:
    """Teacher-forced logits (B, D, T) computed step by step through the caches.

    Starts from empty caches (zero padding, as the full forward pass), so the
    result should equal ``model(inputs, global_cond, local_features)``; the
    tests use it to pin the cached step (``method="cached"``) and the compiled
    step (``method="fast"``) to the forward pass.
    """
    if method not in ("cached", "fast"):
        raise ValueError(f"method = {method!r} must be 'cached' or 'fast'")
    method = _resolve_method(method, model)
    x = inputs if inputs.dim() == 2 else inputs.unsqueeze(0)
    B, T = x.shape
    dev = _model_device(model)
    with torch.inference_mode():
        labels = _global_labels(model, global_cond, B)
        g_emb = None if labels is None else model.global_condition(labels.to(dev))[:, :, 0]
        features = _local_features(model, local_features, B)
        loc = None if features is None else model.upsample_local(features.to(dev), T)
        packed = PackedWeights.from_model(model)
        state = StepState(packed, B, dev)
        if method == "fast":
            engine = _FastEngine(model, packed, state, g_emb, loc, 1.0)
            engine.run(T, None, forced=x.t().contiguous().cpu(), want_logits=True)
            return torch.from_numpy(engine.last_logits).permute(1, 2, 0)
        stepper = EagerStepper(packed, state, packed.layer_biases(g_emb, B))
        local = None if loc is None else packed.local_terms(loc)
        idx, val = packed.classes_and_values(x.to(dev))
        out = [stepper.step(idx[:, t], val[:, t], None if local is None else local[t]) for t in range(T)]
        return torch.stack(out, dim=2)
