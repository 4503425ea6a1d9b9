"""The candidate ladder for model selection: configs around a suggestion, one change at a time.

Around the suggested config (whose Δ comes from the measured context needed):

* **receptive field**: the kernel-2 convolution stack closest above ½, 2 and 4
  times the target Δ (the fewest layers whose stack Δ lands within 1.5× of
  each target). The stack's own Δ is what changes: a linear or pitch term
  reaches its own span back whatever the stack is (a pitch term alone spans
  284 samples at 16 kHz), so the model's whole Δ would not tell the rungs apart;
* **width**: half and twice the residual/gate/skip channels;
* **input and output kinds**: a categorical model also tries the other input
  kinds (one-hot, value at full resolution, value + one-hot), a discretized
  mixture of logistics output, and that mixture with a linear predictor of
  order ``LINEAR_PREDICTOR_ORDER`` (32) that starts as the one fitted on the training clips;
  a continuous (mixture) model tries a categorical output, more mixture
  components, the adaptive scale taken away (or added), and the linear
  predictor added (or, when it has one, taken away).

The kinds come right after the suggestion, before the Δ and width rungs: a
budget-limited study reaches the candidates in ladder order, and the kinds are
where the measured differences are largest (bundled speech, toy shape, 1,500
steps, 32 classes: one-hot 1.80, dithered value 1.72, mixture with the fitted
linear predictor 1.02 bits/sample; Δ and width rungs around a measured need
moved the score by hundredths).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..config import LINEAR_PREDICTOR_ORDER, ModelConfig, macs_per_sample, parameter_count, receptive_field, \
    stack_receptive_field, with_linear_predictor

__all__ = ["Candidate", "candidate_ladder", "stack_for_delta", "DELTA_FACTORS", "MIXTURE_COMPONENTS"]

DELTA_FACTORS = (0.5, 2.0, 4.0)
WIDTH_FACTORS = (0.5, 2.0)
MIXTURE_COMPONENTS = 10
MAX_OVERSHOOT = 1.5      # a Δ rung may exceed its target by at most this factor when a stack allows it


@dataclass(frozen=True)
class Candidate:
    """One config to try: ``name`` (unique, ASCII), the config, and what it changes from the suggestion."""

    name: str
    config: ModelConfig
    change: str

    def describe(self) -> dict[str, Any]:
        """Δ, parameters and compute per sample of the config."""
        return {"delta": receptive_field(self.config), "parameters": parameter_count(self.config),
                "macs_per_sample": macs_per_sample(self.config)}


def stack_for_delta(base: ModelConfig, target: int) -> ModelConfig:
    """``base`` reshaped (blocks × layers of dilations 1, 2, 4, …, kernel 2) to a stack Δ just above ``target``.

    The stack's Δ (``stack_receptive_field``: the convolutions alone, not the
    linear or pitch term's reach). Among stacks with target ≤ Δ ≤ MAX_OVERSHOOT·target, the one with the
    fewest layers (then the smallest Δ); when none, the smallest Δ ≥ target.
    The initial convolution keeps its width, except that it may shrink to
    width 1 for Δ = 2.
    """
    target = max(2, int(target))
    options = []
    widths = sorted({base.initial_conv_width, 1}) if target <= 2 else [base.initial_conv_width]
    for icw in widths:
        for blocks in range(1, 9):
            for layers in range(1, 13):
                cfg = base.replace(n_blocks=blocks, layers_per_block=layers, kernel_size=2, dilation_base=2,
                                   dilations=None, initial_conv_width=icw)
                d = stack_receptive_field(cfg)
                if d >= target:
                    options.append((d, blocks * layers, cfg))
    if not options:
        raise ValueError(f"no kernel-2 stack of up to 8 × 12 layers reaches Δ = {target}")
    close = [o for o in options if o[0] <= MAX_OVERSHOOT * target]
    if close:
        return min(close, key=lambda o: (o[1], o[0]))[2]
    return min(options, key=lambda o: (o[0], o[1]))[2]


def _scaled_width(cfg: ModelConfig, factor: float) -> ModelConfig:
    r = max(2, int(round(cfg.residual_channels * factor)))
    g = max(2, int(round(cfg.gate_channels * factor)))
    s = max(2, int(round(cfg.skip_channels * factor)))
    o = max(2, int(round(cfg.output_channels * factor)))
    return cfg.replace(residual_channels=r, gate_channels=g, skip_channels=s, output_channels=o)


def _kind_variants(s: ModelConfig) -> list[tuple[str, ModelConfig, str]]:
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    if "input_kind" not in fields or "mixture_components" not in fields:
        return []  # an older ModelConfig without input and output kinds
    out = []
    if not s.continuous:
        if s.input_kind != "onehot":
            out.append(("input-onehot", s.replace(input_kind="onehot"), "one-hot inputs (the original WaveNet)"))
        if s.input_kind != "value":
            out.append(("input-value", s.replace(input_kind="value"), "value inputs at full resolution"))
        if s.input_kind != "value+onehot":
            out.append(("input-value+onehot", s.replace(input_kind="value+onehot"),
                        "value and one-hot inputs"))
        mixture = s.replace(continuous=True, mixture_components=MIXTURE_COMPONENTS, input_kind="value")
        out.append((f"output-mixture{MIXTURE_COMPONENTS}", mixture,
                    f"a mixture of {MIXTURE_COMPONENTS} logistics instead of {s.quantization_channels} classes"))
        out.append(_with_linear_term(mixture, f"a mixture of {MIXTURE_COMPONENTS} logistics instead of "
                                              f"{s.quantization_channels} classes"))
    else:
        out.append(("output-categorical", s.replace(continuous=False, input_kind="value", linear_order=0,
                                                    adaptive_scale=False, pitch_predictor=False),
                    f"{s.quantization_channels} mu-law classes instead of a mixture of logistics"))
        more = max(3, 3 * s.mixture_components)
        out.append((f"output-mixture{more}", s.replace(mixture_components=more),
                    f"a mixture of {more} logistics instead of {s.mixture_components}"))
        if s.linear_order:
            K = s.mixture_components
            # each switch of the linear term's companions, flipped: (field, rung name and words when on / off)
            for name, on, off in (("adaptive_scale", ("adaptive-scale", "with the adaptive scale"),
                                   ("fixed-scale", "without the adaptive scale")),
                                  ("pitch_predictor", ("pitch", "with a pitch term"),
                                   ("no-pitch", "without the pitch term"))):
                flipped = not getattr(s, name)
                tag, words = on if flipped else off
                out.append((f"output-mixture{K}-{tag}", s.replace(**{name: flipped}), f"the mixture of {K} {words}"))
            out.append((f"output-mixture{s.mixture_components}-no-lp", s.replace(linear_order=0, adaptive_scale=False,
                                                                                pitch_predictor=False),
                        f"the mixture of {s.mixture_components} without the linear predictor"))
        elif "value" in s.input_kind:
            out.append(_with_linear_term(s, f"the mixture of {s.mixture_components}"))
    return out


def _with_linear_term(mixture: ModelConfig, what: str) -> tuple[str, ModelConfig, str]:
    """The mixture plus a linear predictor over at most LINEAR_PREDICTOR_ORDER past values (no further back than Δ)."""
    cfg = with_linear_predictor(mixture, LINEAR_PREDICTOR_ORDER)
    order = cfg.linear_order
    return (f"output-mixture{mixture.mixture_components}-lp{order}", cfg,
            f"{what}, plus a linear predictor of order {order} set to the one fitted on the training clips, "
            "and the adaptive scale")


def candidate_ladder(suggestion: ModelConfig, context_needed: int | None = None,
                     kinds: bool = True) -> list[Candidate]:
    """The suggestion first, then its kind, Δ and width variants (duplicates of an earlier config dropped).

    ``context_needed`` (samples, from the predictability curve) is the Δ
    target (an output predicts the next sample from the Δ samples up to it);
    without it the suggestion's Δ is the target.
    """
    if not isinstance(suggestion, ModelConfig):
        raise TypeError(f"candidate_ladder needs a ModelConfig, not {type(suggestion).__name__}")
    base = suggestion.replace()
    target = max(2, int(context_needed)) if context_needed else stack_receptive_field(base)
    out: list[Candidate] = [Candidate("suggested", base, "the suggestion")]
    seen = [base.to_dict()]

    def add(name: str, cfg: ModelConfig, change: str) -> None:
        d = cfg.to_dict()
        if d not in seen:
            seen.append(d)
            out.append(Candidate(name, cfg, change))

    if kinds:
        for name, cfg, change in _kind_variants(base):
            add(name, cfg, change)
    for factor in DELTA_FACTORS:
        cfg = stack_for_delta(base, max(2, round(factor * target)))
        d = stack_receptive_field(cfg)
        add(f"delta-{d}", cfg, f"stack Δ = {d} ({cfg.n_blocks} × {cfg.layers_per_block} layers), "
                                f"{'below' if d < target else 'at' if d == target else 'above'} the measured need of {target}")
    for factor in WIDTH_FACTORS:
        cfg = _scaled_width(base, factor)
        add(f"width-{cfg.residual_channels}", cfg,
            f"{cfg.residual_channels} residual channels instead of {base.residual_channels}")
    return out
