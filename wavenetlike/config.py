"""Model configuration: one dataclass, validation, presets, and derived figures.

Every number the app shows live (receptive field, parameter count, depth, γ,
multiply-accumulates per sample, training memory) is a pure function of a
:class:`ModelConfig`, so it can be computed without building a model.

(Over the usual ~450 lines because ModelConfig's docstring carries, for each
field that changes what a model is, the measurement that chose its default.)
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from .train_config import TrainConfig

INPUT_KINDS = ("onehot", "value", "value+onehot", "value+excitation")
"""What a model may see of each past sample (see :mod:`wavenetlike.model.distributions`)."""
SCALE_TAPS = 32
"""Taps of an adaptive-scale model's moving average of |residual| (0.9^32 ≈ 3 % of the weight left out)."""
SCALE_EMA = 0.1
"""Its weight on the newest |residual|, as the linear-predictor baseline's exponential moving average."""
SCALE_GAIN = 0.9
"""An adaptive-scale model adds SCALE_GAIN × log(mean |residual|) to its log-scales (see ModelConfig)."""
SCALE_FLOOR = 1e-4
"""The smallest average |residual| an adaptive-scale model uses (in model units), as the baseline's floor."""
PITCH_MIN_MS, PITCH_MAX_MS = 2.5, 12.5
"""A pitch term's lag range (400 Hz … 80 Hz), the range in which the voicing statistic looks for a period."""
PITCH_WINDOW_MS = 1.25
"""How much recent excitation a pitch term correlates to choose its lag and gain (20 samples at 16 kHz).

A short window finds the stretch of the last 12.5 ms that the newest samples
repeat: on the bundled speech the model scored 1.303 held-out bits/sample with
1.25 ms against 1.419 with 10 ms (docs/models.md)."""
PITCH_GAIN_MAX = 1.0
"""The largest gain β a pitch term uses. With the 10-ms window, gains near 1 made takes run away to full-scale
noise (0.6 was used); with 1.25 ms, 1.0 kept the takes voiced and at the data's level after the 300-s recipe (two
seeds), but after 1,200 s of training one take ran away, and after 30,000 steps all four (docs/models.md)."""

__all__ = [
    "ModelConfig",
    "WavenetConstants",
    "WavenetToyConstants",
    "AR2BlockConstants",
    "PRESETS",
    "dilation_list",
    "receptive_field",
    "pitch_lags",
    "with_linear_predictor",
    "LINEAR_PREDICTOR_ORDER",
    "depth",
    "parameter_count",
    "parameter_breakdown",
    "macs_per_sample",
    "training_memory_bytes",
    "memory_batch_and_window",
]


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a WaveNet-like model (an immutable value: ``replace()`` makes a changed copy).

    The model is: an initial causal convolution (width ``initial_conv_width``)
    from the input to ``residual_channels``; ``n_blocks`` blocks of
    ``layers_per_block`` gated residual layers whose dilated causal
    convolutions have kernel ``kernel_size`` and dilations
    ``dilation_base**i`` (i = 0 … layers_per_block−1) in every block, or the
    explicit ``dilations`` list; the sum of the layers' skip outputs feeds
    two 1x1 convolutions (ReLU between) to ``quantization_channels`` logits
    (softmax over mu-law classes) or, when ``continuous``, a discretized
    mixture of ``mixture_components`` logistics over 16-bit audio (3 outputs
    per component; see :mod:`wavenetlike.model.distributions`).

    ``input_kind``: what the network sees of each past sample — ``"onehot"``
    (its mu-law class), ``"value"`` (the value at full resolution, plus its
    companded value) or ``"value+onehot"``. Left empty it is ``"onehot"`` for
    a categorical model and ``"value"`` for a continuous one. A continuous
    model is still *scored* at ``quantization_channels`` classes (the
    library's ``evaluate``), so its bits/sample compare with a categorical
    model's.

    ``linear_order`` P > 0 (continuous models with a value input): a linear
    predictor over the last P sample values is added to every mixture
    component's mean, as LPCNet does: the Trainer starts it as the predictor
    fitted on the training clips (bandwidth-expanded) and keeps it fixed, so
    the linear part of speech (the spectral envelope) is there from the first
    step and the network models what is left (the excitation: pitch pulses,
    noise, the changing level). P weights; Δ grows to at least P.

    ``adaptive_scale`` (with a linear term): every component's log-scale also
    gets :data:`SCALE_GAIN` × log of a moving average of the linear term's
    recent |residuals| (:data:`SCALE_TAPS` taps, weights ∝ (1 −
    :data:`SCALE_EMA`)^age), the adaptive scale of the library's
    linear-predictor baseline; the network then models how the next sample
    departs from that baseline instead of having to learn the level from
    scratch (bundled speech, suggested config, 1,500 steps: 1.627 held-out
    bits/sample at 64 classes against 1.931 without; the baseline 1.655). The
    gain is below 1 so that in generation a loud sample does not make the next
    spread as wide again, and again: at gain 1 the takes ran away to
    full-scale noise, at 0.9 they keep 0.66–0.68× the data's level. Δ grows to
    at least P + taps.

    ``pitch_predictor`` (with a linear term): a speech codec's adaptive
    codebook joins every component's mean — at the lag T
    (:data:`PITCH_MIN_MS` … :data:`PITCH_MAX_MS`) where the last
    :data:`PITCH_WINDOW_MS` of the linear term's residual e repeat best it
    adds β·e[t+1−T], β ≤ :data:`PITCH_GAIN_MAX`
    (:mod:`wavenetlike.model.pitch`); an adaptive scale then follows what the
    pitch term leaves. Nothing is trained; Δ grows to at least P + window +
    longest lag (+ taps). Measured (bundled speech, suggested config, 300 s,
    one thread, seeds 0 and 1): held out 1.303 / 1.284 against 1.466
    bits/sample without it, takes 52–71 % voiced (real 81 %, without it
    25–26 %) at 0.90–1.42× the level and 2.8–3.1 dB from the spectral shape.
    A 10-ms window scored 1.419–1.447 and needed β ≤ 0.6 (at 0.9–1 the takes
    ran away to full-scale noise).

    ``input_kind`` ``"value+excitation"`` (with a linear term) also feeds the
    network each past sample's excitation, what the linear term leaves
    (LPCNet's e[t−1]); Δ grows by P. Measured: the same held-out score with
    or without it (1.932 / 1.931 bits/sample; with the adaptive scale 1.626 /
    1.626), so suggest() does not use it.
    """

    n_blocks: int = 2
    layers_per_block: int = 8
    kernel_size: int = 2
    dilation_base: int = 2
    dilations: list[int] | None = None
    residual_channels: int = 32
    gate_channels: int = 32
    skip_channels: int = 64
    output_channels: int = 128
    quantization_channels: int = 256
    continuous: bool = False
    input_kind: str = ""
    mixture_components: int = 1
    linear_order: int = 0
    adaptive_scale: bool = False
    pitch_predictor: bool = False
    initial_conv_width: int = 2
    use_bias: bool = True
    sample_rate: int = 16000
    # Conditioning: 0 disables each kind.
    global_condition_classes: int = 0
    global_condition_channels: int = 16
    local_condition_channels: int = 0
    local_condition_hop: int = 256
    labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        if self.dilations is not None:
            set_(self, "dilations", [int(d) for d in self.dilations])
        set_(self, "labels", [str(x) for x in self.labels])
        if not self.input_kind:
            set_(self, "input_kind", "value" if self.continuous else "onehot")
        self.validate()

    def __hash__(self) -> int:
        return hash(self.to_json())

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field out of its allowed range."""
        def need(name: str, ok: bool, allowed: str) -> None:
            if not ok:
                raise ValueError(
                    f"ModelConfig.{name} = {getattr(self, name)!r} is out of range: {allowed}"
                )

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        for name, lo, hi in [
            ("n_blocks", 1, 64),
            ("layers_per_block", 1, 64),
            ("kernel_size", 1, 64),
            ("dilation_base", 1, 16),
            ("residual_channels", 1, 4096),
            ("gate_channels", 1, 4096),
            ("skip_channels", 1, 8192),
            ("output_channels", 1, 8192),
            ("initial_conv_width", 1, 64),
            ("sample_rate", 1, 1_000_000),
            ("global_condition_classes", 0, 100_000),
            ("global_condition_channels", 1, 4096),
            ("local_condition_channels", 0, 1024),
            ("local_condition_hop", 1, 65536),
            ("mixture_components", 1, 64),
            ("linear_order", 0, 4096),
        ]:
            v = getattr(self, name)
            need(name, is_int(v) and lo <= v <= hi, f"an integer from {lo} to {hi}")
        q = self.quantization_channels
        need("quantization_channels", is_int(q) and 2 <= q <= 65536,
             "an integer from 2 to 65536 (mu-law classes; a continuous model is scored at these classes)")
        need("input_kind", self.input_kind in INPUT_KINDS, ", ".join(repr(k) for k in INPUT_KINDS))
        if self.linear_order:
            need("linear_order", self.continuous and "value" in self.input_kind,
                 "0, unless the model is continuous with a value input (the linear term adds to the mixture's means)")
        if self.adaptive_scale:
            need("adaptive_scale", self.linear_order > 0,
                 "False, unless the model has a linear term (the scale follows the linear term's residual)")
        if self.pitch_predictor:
            need("pitch_predictor", self.linear_order > 0,
                 "False, unless the model has a linear term (the pitch term predicts the linear term's residual)")
        if "excitation" in self.input_kind:
            need("input_kind", self.linear_order > 0,
                 "'value+excitation' only with linear_order > 0 (the excitation is what the linear term leaves)")
        if self.dilations is not None:
            need("dilations", len(self.dilations) >= 1 and all(1 <= d <= 1_000_000 for d in self.dilations),
                 "a non-empty list of integers from 1 to 1000000")
        if self.labels and self.global_condition_classes and len(self.labels) != self.global_condition_classes:
            raise ValueError(
                f"ModelConfig.labels has {len(self.labels)} names but "
                f"global_condition_classes = {self.global_condition_classes}: they must match"
            )

    # --------------------------------------------------------------- derived
    @property
    def dilation_list(self) -> list[int]:
        return dilation_list(self)

    @property
    def n_layers(self) -> int:
        """Number of gated residual layers (dilated convolutions)."""
        return len(dilation_list(self))

    @property
    def receptive_field(self) -> int:
        return receptive_field(self)

    @property
    def depth(self) -> int:
        return depth(self)

    @property
    def output_dim(self) -> int:
        """Width of the model's output: classes, or 3 per mixture component for a continuous output."""
        return 3 * self.mixture_components if self.continuous else self.quantization_channels

    @property
    def input_dim(self) -> int:
        """Width of the model's input: one-hot classes and/or 2 value channels (value, companded value), and 2
        excitation channels (the linear term's residual and its companded value)."""
        onehot = self.quantization_channels if "onehot" in self.input_kind else 0
        return onehot + (2 if "value" in self.input_kind else 0) + (2 if "excitation" in self.input_kind else 0)

    @property
    def output_kind(self) -> str:
        """"categorical" or "mixture" (of logistics)."""
        return "mixture" if self.continuous else "categorical"

    def receptive_field_ms(self, sample_rate: float | None = None) -> float:
        sr = sample_rate or self.sample_rate
        return 1000.0 * receptive_field(self) / sr

    # ------------------------------------------------------------ conversion
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelConfig":
        """Build from a dict; unknown keys raise ``ValueError`` naming them."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown ModelConfig field(s): {', '.join(unknown)}")
        return cls(**d)

    def replace(self, **changes: Any) -> "ModelConfig":
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)


# ---------------------------------------------------------------- functions
def dilation_list(config: ModelConfig) -> list[int]:
    """The dilation of every residual layer, in order."""
    if config.dilations is not None:
        return list(config.dilations)
    one = [config.dilation_base ** i for i in range(config.layers_per_block)]
    return one * config.n_blocks


LINEAR_PREDICTOR_ORDER = 32
"""Order of the library's linear-predictor baseline, and of the linear term suggest() and select() add."""


def with_linear_predictor(config: ModelConfig, order: int = LINEAR_PREDICTOR_ORDER,
                          adaptive_scale: bool | None = None, pitch_predictor: bool | None = None) -> ModelConfig:
    """``config`` (a mixture with a value input) plus a linear term of ``order``, no further back than its stack's Δ,
    and the adaptive scale that follows the term's residual; ``pitch_predictor``: with or without a pitch term
    (None: as ``config`` has it).

    ``adaptive_scale`` None: added when the stack already sees the order +
    SCALE_TAPS samples it needs, so it never lengthens a Δ chosen for the data
    (an AR(2) process asks for Δ = 3, and its level does not change).
    """
    stack = stack_receptive_field(config)
    order = max(1, min(int(order), stack))
    if adaptive_scale is None:
        adaptive_scale = stack >= order + SCALE_TAPS
    if pitch_predictor is None:
        pitch_predictor = config.pitch_predictor
    return config.replace(linear_order=order, adaptive_scale=bool(adaptive_scale),
                          pitch_predictor=bool(pitch_predictor))


def stack_receptive_field(config: ModelConfig) -> int:
    """The receptive field of the convolution stack alone (the initial conv and the dilated layers)."""
    return (config.kernel_size - 1) * sum(dilation_list(config)) + 1 + (config.initial_conv_width - 1)


def receptive_field(config: ModelConfig) -> int:
    """Δ: how many input samples (ending at t) the output at t depends on.

    ``(kernel_size − 1) · Σ dilations + 1 + (initial_conv_width − 1)``, or
    ``linear_order`` if the linear predictor reaches further back; with an
    excitation input the stack's Δ plus ``linear_order`` (the oldest input's
    excitation is computed from the P values before it); with an adaptive
    scale at least ``linear_order + SCALE_TAPS``; with a pitch term at least
    ``linear_order`` + its window + its longest lag (+ SCALE_TAPS with an
    adaptive scale, which then follows what the pitch term leaves).
    """
    stack = stack_receptive_field(config)
    if "excitation" in config.input_kind:
        stack += config.linear_order
    if config.adaptive_scale:
        stack = max(stack, config.linear_order + SCALE_TAPS)
    if config.pitch_predictor:
        _, longest, window = pitch_lags(config)
        stack = max(stack, config.linear_order + window + longest + (SCALE_TAPS if config.adaptive_scale else 0))
    return max(stack, config.linear_order)


def pitch_lags(config: ModelConfig) -> tuple[int, int, int]:
    """A pitch term's shortest and longest lag and its window, in samples at ``config.sample_rate``."""
    sr = config.sample_rate
    shortest = max(1, int(round(PITCH_MIN_MS * sr / 1000.0)))
    longest = max(shortest, int(round(PITCH_MAX_MS * sr / 1000.0)))
    return shortest, longest, max(1, int(round(PITCH_WINDOW_MS * sr / 1000.0)))


def depth(config: ModelConfig) -> int:
    """Network depth: the number of convolutions on the longest input→output path.

    Initial causal conv + one dilated conv per residual layer + the 1x1
    convolutions inside each layer are counted once per layer (the gated
    unit is one layer), + the two output 1x1 convolutions.
    """
    return 1 + len(dilation_list(config)) + 2


def _conv_params(c_in: int, c_out: int, k: int, bias: bool) -> int:
    return c_in * c_out * k + (c_out if bias else 0)


def parameter_breakdown(config: ModelConfig) -> dict[str, int]:
    """Parameters per part of the model; the values sum to :func:`parameter_count`."""
    b = config.use_bias
    R, G, S, O = config.residual_channels, config.gate_channels, config.skip_channels, config.output_channels
    L = len(dilation_list(config))
    parts = {
        "initial": _conv_params(config.input_dim, R, config.initial_conv_width, b),
        # fused filter+gate dilated conv, then fused residual+skip 1x1
        "dilated": L * _conv_params(R, 2 * G, config.kernel_size, b),
        "residual_skip": L * _conv_params(G, R + S, 1, b),
        "output": _conv_params(S, O, 1, b) + _conv_params(O, config.output_dim, 1, b),
    }
    if config.global_condition_classes:
        E = config.global_condition_channels
        parts["global_condition"] = config.global_condition_classes * E + L * _conv_params(E, 2 * G, 1, False)
    if config.local_condition_channels:
        C = config.local_condition_channels
        parts["local_condition"] = upsampler_parameters(config) + L * _conv_params(C, 2 * G, 1, False)
    if config.linear_order:
        parts["linear_predictor"] = config.linear_order
    return parts


def upsampler_parameters(config: ModelConfig) -> int:
    """Parameters of the local-conditioning upsampler (repeat + causal conv, width 3)."""
    C = config.local_condition_channels
    if not C:
        return 0
    return _conv_params(C, C, 3, config.use_bias)


def parameter_count(config: ModelConfig) -> int:
    """Total trainable parameters; equals ``sum(p.numel())`` of the built model."""
    return sum(parameter_breakdown(config).values())


def macs_per_sample(config: ModelConfig) -> int:
    """Multiply-accumulates to generate one sample with cached (incremental) generation.

    Counts weights touched per output sample (the initial conv on a one-hot
    input is a column lookup, counted as its width times R; a value input
    adds 2 channels × width × R).
    """
    R, G, S, O = config.residual_channels, config.gate_channels, config.skip_channels, config.output_channels
    L = len(dilation_list(config))
    initial = config.initial_conv_width * R * (("onehot" in config.input_kind) + 2 * ("value" in config.input_kind)
                                               + 2 * ("excitation" in config.input_kind))
    if "excitation" in config.input_kind:
        initial += config.linear_order  # the excitation of the newest sample
    per_layer = R * 2 * G * config.kernel_size + G * (R + S)
    if config.global_condition_classes:
        per_layer += config.global_condition_channels * 2 * G
    if config.local_condition_channels:
        per_layer += config.local_condition_channels * 2 * G
    head = S * O + O * config.output_dim
    return initial + L * per_layer + head + config.linear_order


def memory_batch_and_window(config: ModelConfig, batch_size: int | None = None,
                            window: int | None = None) -> tuple[int, int]:
    """The batch size and window length (input samples) a memory estimate assumes.

    Unset values are what ``TrainConfig.quick()`` trains with (the app's and
    the CLI's defaults): its ``batch_size``, and windows of Δ − 1 samples of
    context plus its ``target_length`` scored targets.
    """
    quick = TrainConfig.quick()
    batch = int(batch_size if batch_size is not None else quick.batch_size)
    win = int(window if window is not None else receptive_field(config) - 1 + quick.target_length)
    return batch, win


def training_memory_bytes(config: ModelConfig, batch_size: int | None = None, window: int | None = None,
                          bytes_per_value: int = 4) -> int:
    """Rough activation memory for one training step (forward activations kept for backward).

    ``batch_size`` windows of ``window`` input samples; both default to
    ``TrainConfig.quick()``'s (see :func:`memory_batch_and_window`).
    Per time step and example: the initial conv output (R); per layer the
    dilated-conv output (2G), the gated output (G), the residual+skip output
    (R+S) and the running residual (R); the skip sum (S), the head (2·O) and
    the logits (output_dim, twice with the softmax). Gradients roughly double
    it; we report forward + backward.
    """
    batch_size, window = memory_batch_and_window(config, batch_size, window)
    R, G, S, O = config.residual_channels, config.gate_channels, config.skip_channels, config.output_channels
    L = len(dilation_list(config))
    per_t = R + L * (2 * G + G + R + S + R) + S + 2 * O + 2 * config.output_dim + config.input_dim
    forward = per_t * batch_size * window * bytes_per_value
    return 2 * forward


# ------------------------------------------------------------------ presets
def WavenetConstants(**overrides: Any) -> ModelConfig:
    """The published WaveNet shape (van den Oord et al., 2016).

    Kernel 2, dilations 1, 2, …, 512 repeated 3 times (Δ = 3070 + 1 samples
    from the dilated stack plus the initial conv), 32 residual and dilation
    channels, 512 skip channels, 256 mu-law classes, 16 kHz.
    """
    base = dict(n_blocks=3, layers_per_block=10, kernel_size=2, dilation_base=2,
                residual_channels=32, gate_channels=32, skip_channels=512,
                output_channels=256, quantization_channels=256, initial_conv_width=2,
                sample_rate=16000)
    base.update(overrides)
    return ModelConfig(**base)


def WavenetToyConstants(**overrides: Any) -> ModelConfig:
    """A small model of the same family that learns speech in about a minute on a CPU.

    2 blocks of 8 layers (dilations 1…128, Δ = 512 samples = 32 ms at
    16 kHz: a couple of pitch periods of voiced speech), 32 residual and gate
    channels, 64 skip, 64 output channels and **32 mu-law classes**: about
    126 k parameters (125,568).

    Why 32 classes (the seed: "fewer parameters and coarser discretization"):
    the headline goal is 50 % next-sample training accuracy on the bundled
    speech set within 60 s of training on a 2-core CPU. At 64 classes that is
    out of reach in a minute (≈ 25–30 % after 30–60 s with the quick recipe;
    even a 32-tap linear predictor, fitted by least squares, gets only 53.8 %),
    while at 32 classes the model passes 50 %. It still has to earn it: the
    naive predictor "same class as the previous sample" gets 42.6 % at 32
    classes on the bundled set (27.3 % at 64, 61.7 % at 16 — at 16 classes
    50 % would be *worse* than naive, so 32 is the coarsest honest choice);
    the 32-tap linear predictor gets 74.5 % at 32 classes. Pass
    ``quantization_channels=64`` (or 256) for finer audio.
    """
    base = dict(n_blocks=2, layers_per_block=8, kernel_size=2, dilation_base=2,
                residual_channels=32, gate_channels=32, skip_channels=64,
                output_channels=64, quantization_channels=32, initial_conv_width=2,
                sample_rate=16000)
    base.update(overrides)
    return ModelConfig(**base)


def AR2BlockConstants(**overrides: Any) -> ModelConfig:
    """The smallest useful model: one block of one kernel-2 layer, continuous output.

    For an AR(2) process X_t = c + a·X_{t−1} + b·X_{t−2} + ε, Δ must be 3 —
    two past samples plus the current one. With the initial conv width 2 and
    one dilation-1 layer of kernel 2, Δ = 3. The output is a logistic
    distribution with a learned scale (a mixture of one): the model learns
    both the conditional mean and the spread of ε, so what it generates has
    the process's noise, not just its mean.
    """
    base = dict(n_blocks=1, layers_per_block=1, kernel_size=2, dilation_base=2,
                residual_channels=8, gate_channels=8, skip_channels=8,
                output_channels=8, continuous=True, mixture_components=1, quantization_channels=256,
                initial_conv_width=2, sample_rate=16000)
    base.update(overrides)
    return ModelConfig(**base)


PRESETS = {
    "wavenet": WavenetConstants,
    "toy": WavenetToyConstants,
    "ar2": AR2BlockConstants,
}


def config_from_params(params: ModelConfig | dict[str, Any] | None = None, **kw: Any) -> ModelConfig:
    """Accept a ModelConfig, a dict, or keyword fields (keywords override)."""
    if params is None:
        return ModelConfig(**kw)
    if isinstance(params, ModelConfig):
        return params.replace(**kw) if kw else params
    if isinstance(params, dict):
        d = dict(params)
        d.update(kw)
        return ModelConfig.from_dict(d)
    raise TypeError(f"expected a ModelConfig or a dict of its fields, got {type(params).__name__}")


def iter_presets() -> Iterable[tuple[str, ModelConfig]]:
    for name, fn in PRESETS.items():
        yield name, fn()
