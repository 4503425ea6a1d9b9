"""Architecture suggestion: a ModelConfig that fits a dataset's correlations and a budget.

The rules, each explained in the returned ``.rationale``:

- **Receptive field Δ.** The context needed, measured by the dataset's
  predictability curve (:mod:`wavenetlike.analysis.predictability`): Δ ≥ L
  (an output predicts the next sample from the Δ samples up to it). Reports without a curve fall back on the older rules: at least
  ``MARGIN`` × the correlation length; for audio also two periods of the
  lowest strong spectral peak, and for speech two periods of an 80 Hz voice.
  At most half the median clip length, so that most of every clip is
  predicted from a full receptive field.
- **Shape.** Kernel 2, dilations 1, 2, 4, … per block (the WaveNet pattern);
  the fewest layers whose Δ reaches the target, in 2 blocks for audio (3 or
  more when one block would need more than 10 layers).
- **AR-like data** (an AR(2) source, or arrays whose partial autocorrelation
  stops after a few lags): Δ = order + 1, a logistic output with a learned
  spread, because the best predictor of a linear process is linear in the
  last ``order`` samples and generation must sample its noise.
- **Audio output and input**: a mixture of logistics over 16-bit audio on
  the past values at full resolution, plus a linear predictor of order 32
  that the Trainer starts from the one fitted on the training clips, and an
  adaptive scale that follows the predictor's recent residual: measured
  best held-out bits/sample by far (below the linear-predictor baseline),
  and the generated level and spectral shape close to the data,
  consistently across seeds (benchmarks/README.md, "A fitted linear start"
  and "An adaptive scale").
- **Widths and scoring classes** from the budget: the widest residual width on
  a fixed ladder whose parameters and compute per sample fit; scored at 64
  mu-law classes below ``FINE_QUANTIZATION_PARAMETERS`` parameters, 256 above.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import (PITCH_GAIN_MAX, AR2BlockConstants, ModelConfig, WavenetToyConstants, macs_per_sample,
                      parameter_count, receptive_field, with_linear_predictor)
from .dataset_report import DatasetReport
from .model_report import model_report

__all__ = ["suggest", "Budget", "parse_budget", "partial_autocorrelation", "MARGIN"]

MARGIN = 2.0                        # Δ ≥ MARGIN × correlation length
SPEECH_LOWEST_PITCH_HZ = 80.0       # low end of adult voices
PERIODS = 2                         # periods of the lowest tone that Δ covers
WIDTH_LADDER = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
FINE_QUANTIZATION_PARAMETERS = 400_000
REFERENCE_SECONDS = 60.0            # the toy preset trains to ~50 % next-sample accuracy in about a minute
AR_MAX_ORDER = 16
SPEECH_KINDS = ("speech_commands", "bundled")
PITCH_VOICED_SHARE = 0.3
"""A suggested audio model gets a pitch term when at least this share of the data's non-silent frames is voiced."""


@dataclass
class Budget:
    """How big a model may be: ``parameters`` (count) and/or training ``seconds`` on a CPU.

    Seconds are turned into a limit on multiply-accumulates per sample by
    proportion to the toy preset, which trains in about REFERENCE_SECONDS
    (a rough guide: training time grows with compute per sample).
    """

    parameters: int | None = None
    seconds: float | None = None

    def max_macs(self) -> float:
        if self.seconds is None:
            return math.inf
        return macs_per_sample(WavenetToyConstants()) * self.seconds / REFERENCE_SECONDS

    def max_parameters(self) -> float:
        return math.inf if self.parameters is None else float(self.parameters)

    def describe(self) -> str:
        parts = []
        if self.parameters is not None:
            parts.append(f"at most {self.parameters:,} parameters")
        if self.seconds is not None:
            parts.append(f"about {self.seconds:g} s of CPU training (compute per sample ≤ {self.max_macs():,.0f} MACs, "
                         f"scaled from the toy preset's ~{REFERENCE_SECONDS:g} s)")
        return " and ".join(parts) or "no limit"


_UNITS = {"k": 1e3, "m": 1e6, "g": 1e9}
_TIME = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}


def parse_budget(budget: Any) -> Budget:
    """None → 60 s of training; int/float → parameters; "250k", "2M" → parameters;
    "90s", "5min", "1h" → seconds; a dict {"parameters": …, "seconds": …}; a Budget."""
    if budget is None:
        return Budget(seconds=REFERENCE_SECONDS)
    if isinstance(budget, Budget):
        return budget
    if isinstance(budget, bool):
        raise ValueError("budget must be a parameter count, a time like '90s', or a dict")
    if isinstance(budget, (int, float)):
        if budget <= 0:
            raise ValueError(f"budget = {budget!r}: a parameter count must be positive")
        return Budget(parameters=int(budget))
    if isinstance(budget, dict):
        unknown = set(budget) - {"parameters", "seconds"}
        if unknown:
            raise ValueError(f"budget has unknown key(s) {', '.join(sorted(unknown))}; use 'parameters' and/or 'seconds'")
        p, s = budget.get("parameters"), budget.get("seconds")
        if (p is not None and p <= 0) or (s is not None and s <= 0) or (p is None and s is None):
            raise ValueError(f"budget = {budget!r}: give a positive 'parameters' and/or 'seconds'")
        return Budget(int(p) if p is not None else None, float(s) if s is not None else None)
    if isinstance(budget, str):
        text = budget.strip().lower().replace(",", "").replace("_", "")
        m = re.fullmatch(r"([0-9.]+)\s*(s|sec|min|h)", text)
        if m:
            return Budget(seconds=float(m.group(1)) * _TIME[m.group(2)])
        m = re.fullmatch(r"([0-9.]+)\s*([kmg]?)\s*(params|parameters)?", text)
        if m:
            return Budget(parameters=int(float(m.group(1)) * _UNITS.get(m.group(2), 1)))
    raise ValueError(f"budget = {budget!r} is not understood: give a parameter count (250000, '250k'), a training "
                     "time ('90s', '5min'), or {'parameters': …, 'seconds': …}")


def partial_autocorrelation(acf: np.ndarray, max_order: int) -> np.ndarray:
    """φ_kk for k = 1 … max_order from an autocorrelation ρ(0…), by Levinson–Durbin."""
    p = min(max_order, len(acf) - 1)
    out = np.zeros(p)
    phi = np.zeros(p + 1)
    err = float(acf[0])
    for k in range(1, p + 1):
        if err <= 1e-12:
            break
        kappa = (acf[k] - float((phi[1:k] * acf[k - 1:0:-1]).sum())) / err
        new = phi.copy()
        new[k] = kappa
        new[1:k] = phi[1:k] - kappa * phi[k - 1:0:-1]
        phi = new
        err *= (1 - kappa * kappa)
        out[k - 1] = kappa
    return out


def _ar_order(report: DatasetReport) -> int | None:
    """The order p after which the partial autocorrelation is insignificant (|φ| < 3/√N), or None if > AR_MAX_ORDER."""
    n = max(1, int(round(report.total_duration * report.sample_rate)))
    pacf = partial_autocorrelation(np.asarray(report.acf, dtype=np.float64), AR_MAX_ORDER + 8)
    significant = np.flatnonzero(np.abs(pacf) >= 3.0 / math.sqrt(n))
    if significant.size == 0:
        return 0
    p = int(significant[-1]) + 1
    return p if p <= AR_MAX_ORDER else None


def _stack_for(target: int, n_blocks: int, cap: int | None) -> tuple[int, int]:
    """(blocks, layers per block) with kernel 2 and base 2 whose Δ is the smallest ≥ target (and ≤ cap if possible)."""
    def delta(b: int, layers: int) -> int:
        return b * (2 ** layers - 1) + 2
    layers = 1
    while delta(n_blocks, layers) < target and layers < 10:
        layers += 1
    while delta(n_blocks, layers) < target and n_blocks < 8:
        n_blocks += 1
    if cap is not None:
        while delta(n_blocks, layers) > cap and layers > 1:
            layers -= 1
        while delta(n_blocks, layers) > cap and n_blocks > 1:
            n_blocks -= 1
    return n_blocks, layers


AUDIO_INPUT_KIND = "value"
"""What a suggested audio model sees of the past (measured; see the module docstring)."""
AUDIO_MIXTURE_COMPONENTS = 10
"""Logistics in a suggested audio model's output mixture (plus a linear term: ``with_linear_predictor``)."""


def _widest(base: dict[str, Any], budget: Budget, q: int) -> tuple[ModelConfig, bool]:
    """The widest config on the ladder within budget; (config, fitted) where fitted is False if even the narrowest exceeds it."""
    best = None
    for r in WIDTH_LADDER:
        cfg = ModelConfig(**base, residual_channels=r, gate_channels=r, skip_channels=2 * r,
                          output_channels=q, quantization_channels=q)
        if parameter_count(cfg) <= budget.max_parameters() and macs_per_sample(cfg) <= budget.max_macs():
            best = cfg
        else:
            break
    if best is None:
        r = WIDTH_LADDER[0]
        return ModelConfig(**base, residual_channels=r, gate_channels=r, skip_channels=2 * r, output_channels=q,
                           quantization_channels=q), False
    return best, True


def _pitch_reason(report: DatasetReport, pitch: bool) -> str:
    """Why the suggestion has (or lacks) a pitch term, with what it measured."""
    share = report.voiced_share
    measured = ("Measured on the bundled speech, trained 300 s on one thread with the recipe (TrainConfig.quick_for: "
                "lr 1.5e-3), seeds 0 and 1: with the pitch term 1.303 and 1.284 held-out bits/sample at 64 classes "
                "(the baseline scores 1.655) and takes with 52–71 % voiced frames (real: 81 %), 0.90–1.42× the level "
                "and 2.8–3.1 dB from the spectral shape; without it 1.466 and band-limited noise with 25–26 % voiced "
                "frames. ")
    if pitch:
        return (f"{100 * share:.0f} % of the data's non-silent frames are voiced (≥ {100 * PITCH_VOICED_SHARE:.0f} %), "
                "so it also has a pitch term: it finds the lag (2.5–12.5 ms) at which the last 1.25 ms of what the "
                "linear predictor left repeats best and adds the excitation one lag back, times a gain of at most "
                f"{PITCH_GAIN_MAX:g}, to every mean, so the voiced sounds it makes keep a pitch. " + measured)
    if share is None:
        return ""
    return (f"No pitch term: {100 * share:.0f} % of the data's non-silent frames are voiced (below "
            f"{100 * PITCH_VOICED_SHARE:.0f} %). ")


def _attach(cfg: ModelConfig, rationale: str, warnings: list[str] | None = None,
            alternatives: dict[str, ModelConfig] | None = None) -> ModelConfig:
    # explanations ride along on the (frozen) config value; replace() drops them
    object.__setattr__(cfg, "rationale", rationale)
    object.__setattr__(cfg, "warnings", list(warnings or []))
    object.__setattr__(cfg, "alternatives", dict(alternatives or {}))
    object.__setattr__(cfg, "reports", {name: model_report(c) for name, c in cfg.alternatives.items()})
    return cfg


def _describe(cfg: ModelConfig) -> str:
    sr = cfg.sample_rate
    out = (f"a mixture of {cfg.mixture_components} logistic(s) over 16-bit audio" if cfg.continuous
           else f"{cfg.quantization_channels} mu-law classes")
    return (f"{cfg.n_blocks} block(s) × {cfg.layers_per_block} layers, Δ = {receptive_field(cfg)} samples "
            f"({1000 * receptive_field(cfg) / sr:.1f} ms), {cfg.residual_channels} residual channels, "
            f"{out}, {parameter_count(cfg):,} parameters")


def suggest(report: DatasetReport, budget: Any = None) -> ModelConfig:
    """A ModelConfig for the analysed dataset, with ``.rationale``, ``.alternatives`` and ``.warnings``.

    ``budget``: see :func:`parse_budget` (default: about a minute of CPU
    training, i.e. the toy preset's size). ``.alternatives`` holds "smaller"
    and "larger" configs (each with its own ``.rationale``); ``.reports`` their
    ModelReports.
    """
    if not isinstance(report, DatasetReport):
        raise TypeError(f"suggest() takes a DatasetReport (from analyze(dataset)), not {type(report).__name__}")
    b = parse_budget(budget)
    warnings: list[str] = []
    if report.errors:
        warnings.append(f"{len(report.errors)} input(s) of the dataset could not be read; the suggestion uses the rest")
    typical = report.typical_clip_length
    if report.correlation_length_saturated:
        warnings.append(f"the correlation length reached the largest lag analysed ({report.max_lag}); the data may "
                        "need a longer receptive field than suggested (re-analyse with a larger max_lag)")

    short = [w for w in report.warnings if "very short" in w]
    if short:
        warnings.append("very short clips: " + short[0] + "; such clips give few positions with a full receptive "
                        "field to learn from")
    ar_order = 2 if report.kind == "ar2" else (_ar_order(report) if report.kind == "arrays" else None)
    if ar_order is not None and report.correlation_length <= AR_MAX_ORDER:
        return _suggest_ar(report, ar_order, b, warnings)
    return _suggest_audio(report, b, warnings, typical)


def _suggest_ar(report: DatasetReport, order: int, budget: Budget, warnings: list[str]) -> ModelConfig:
    sr = report.sample_rate
    order = max(order, 1)
    target = order + 1
    why_order = ("it was generated by an AR(2) process" if report.kind == "ar2" else
                 f"its partial autocorrelation is negligible beyond lag {order} (|φ| < 3/√N)")
    if target <= 3:
        cfg = AR2BlockConstants(sample_rate=sr)
    else:
        blocks, layers = _stack_for(target, 1, None)
        cfg = AR2BlockConstants(sample_rate=sr, n_blocks=blocks, layers_per_block=layers)
    delta = receptive_field(cfg)
    rationale = (
        f"The data behave like an AR({order}) process: {why_order}, and the correlation length is "
        f"{report.correlation_length} samples. Each sample is then best predicted from the {order} samples before "
        f"it, so the receptive field needs Δ = {order} + 1 = {target} samples; the suggestion has Δ = {delta}. "
        "A larger Δ or more channels adds nothing but parameters. The output is a logistic distribution with a "
        "learned mean and spread, trained by its likelihood: for a linear process with noise the mean is linear in "
        "the past, the spread is the noise's, and generation samples that noise — mu-law classes would only add "
        f"quantization error. {_describe(cfg)}."
        + (f" The predictability curve agrees: beyond L = {report.context_needed} past samples a longer context "
           f"improves held-out prediction by less than {report.predictability.threshold:g} bits/sample."
           if report.predictability is not None else ""))
    smaller = AR2BlockConstants(sample_rate=sr, initial_conv_width=1) if delta > 2 else cfg.replace()
    smaller_why = (f"Δ = {receptive_field(smaller)}: sees only {receptive_field(smaller) - 1} past sample(s); it "
                   f"cannot represent an AR({order}) process — useful to see what too short a receptive field costs.")
    lb, ll = _stack_for(2 * target, 1, None)
    larger = AR2BlockConstants(sample_rate=sr, n_blocks=lb, layers_per_block=max(ll, 2), residual_channels=16,
                               gate_channels=16, skip_channels=16, output_channels=16)
    larger_why = (f"Δ = {receptive_field(larger)} and twice the channels: room for a higher order or "
                  "non-linearity, at the cost of more parameters to fit.")
    _attach(smaller, smaller_why)
    _attach(larger, larger_why)
    if parameter_count(cfg) > budget.max_parameters():
        warnings.append(f"even the smallest useful model ({parameter_count(cfg)} parameters) exceeds the budget")
    return _attach(cfg, rationale, warnings, {"smaller": smaller, "larger": larger})


def _curve_reason(curve: Any, report: DatasetReport, corr_target: int) -> str:
    sr = report.sample_rate
    return (f"the predictability curve (held-out bits/sample of a linear predictor"
            + (" and a pitch predictor" if curve.pitch_helps else "")
            + f" against the context it sees, at {curve.n_classes} classes) stops improving by "
            f"{curve.threshold:g} bits/sample or more beyond L = {curve.context_needed} samples "
            f"({curve.context_needed_ms:.1f} ms), so the model should see that much past: Δ ≥ L = "
            f"{curve.context_needed} (each output predicts the next sample from the Δ samples before it; for comparison, 2× the 1/e correlation length would ask for "
            f"Δ ≥ {corr_target}" + (f", two periods of an {SPEECH_LOWEST_PITCH_HZ:g} Hz voice for "
                                     f"{int(math.ceil(PERIODS * sr / SPEECH_LOWEST_PITCH_HZ))}"
                                     if report.kind in SPEECH_KINDS else "") + ")")


def _target_without_curve(report: DatasetReport, reasons: list[str], corr_target: int) -> int:
    """The older rules, for reports without a predictability curve: correlation length, spectral peak, voice."""
    sr = report.sample_rate
    target = corr_target
    reasons.append(f"the correlation length is {report.correlation_length} samples "
                   f"({report.correlation_length_ms:.1f} ms); with a margin of {MARGIN:g}× that asks for "
                   f"Δ ≥ {corr_target}")
    tones = [f for f in report.dominant_frequencies if f >= 20.0]
    if tones:
        low = min(tones)
        need = int(math.ceil(PERIODS * sr / low))
        reasons.append(f"the lowest strong spectral peak is at {low:.0f} Hz, and {PERIODS} of its periods take "
                       f"{need} samples")
        target = max(target, need)
    if report.kind in SPEECH_KINDS:
        need = int(math.ceil(PERIODS * sr / SPEECH_LOWEST_PITCH_HZ))
        reasons.append(f"this is speech, and {PERIODS} periods of an {SPEECH_LOWEST_PITCH_HZ:g} Hz voice (the low end "
                       f"of adult pitch) take {need} samples")
        target = max(target, need)
    return target


def _suggest_audio(report: DatasetReport, budget: Budget, warnings: list[str], typical: int) -> ModelConfig:
    sr = report.sample_rate
    reasons = []
    corr_target = int(math.ceil(MARGIN * report.correlation_length))
    curve = report.predictability
    if curve is not None:
        target = max(2, curve.context_needed)  # the output predicting x[t+1] sees x[t−Δ+1 … t]: Δ past samples
        reasons.append(_curve_reason(curve, report, corr_target))
    else:
        target = _target_without_curve(report, reasons, corr_target)
    cap = max(2, typical // 2) if typical else None
    short = typical and typical < max(64, target * 2)
    blocks, layers = _stack_for(max(target, 2), 2 if target > 64 else 1, cap)
    q = 256 if budget.max_parameters() >= FINE_QUANTIZATION_PARAMETERS and budget.max_macs() >= 2 * macs_per_sample(
        WavenetToyConstants()) else 64
    base = dict(input_kind=AUDIO_INPUT_KIND, continuous=True, mixture_components=AUDIO_MIXTURE_COMPONENTS,
                n_blocks=blocks, layers_per_block=layers, kernel_size=2, dilation_base=2, initial_conv_width=2,
                sample_rate=sr)
    cfg, fitted = _widest(base, budget, q)
    pitch = report.voiced_share is not None and report.voiced_share >= PITCH_VOICED_SHARE
    cfg = with_linear_predictor(cfg, pitch_predictor=pitch)
    delta = receptive_field(cfg)
    if short:
        warnings.append(f"the clips are short (median {typical} samples = {1000 * typical / sr:.0f} ms): Δ is held "
                        f"at {delta} samples, at most half a typical clip, below the {target} the data ask for")
    if not fitted:
        warnings.append(f"the budget ({budget.describe()}) is below even the narrowest model "
                        f"({parameter_count(cfg):,} parameters, {macs_per_sample(cfg):,} MACs per sample)")
    cap_text = (f"It stays below half the median clip ({typical} samples), so most of each clip is predicted "
                "from a full receptive field." if cap else "")
    rationale = (
        "Receptive field: " + "; ".join(reasons) + f". The target is Δ ≥ {target} samples; kernel-2 layers with "
        f"dilations 1, 2, …, {2 ** (layers - 1)} in {blocks} block(s) give Δ = {delta} samples "
        f"({1000 * delta / sr:.1f} ms). {cap_text} "
        f"Widths: {cfg.residual_channels} residual and gate channels, {cfg.skip_channels} skip — the widest on the "
        f"ladder within the budget ({budget.describe()}). Output: a mixture of {AUDIO_MIXTURE_COMPONENTS} logistics "
        f"over 16-bit audio on the past values at full resolution, plus a linear predictor of order "
        f"{cfg.linear_order} set to the one fitted on the training clips and kept fixed, and an adaptive scale: "
        "every component's spread follows the level of what the linear predictor left over the last 32 samples, "
        "as the library's linear-predictor baseline does. " + _pitch_reason(report, pitch) +
        "The scale follows the residual's level with a gain of 0.9, not 1: at 1 the model scored as well but "
        "generation ran away to full-scale noise. Earlier, toy shape, three seeds: the mixture "
        "with the linear term scored 1.02–1.03 bits/sample at 32 classes against 1.71–1.72 for 32 mu-law "
        "classes on dithered value inputs, whose takes ranged from 0.17× to 1.7× the level (benchmarks/README.md). "
        "The fitted term is bandwidth-expanded and kept fixed: a model stopped after 200 steps still generates "
        "near the data's level instead of pure tones. "
        f"Scored at {q} mu-law classes"
        + (" (held-out bits/sample and the baselines)." if q == 64 else " — the resolution of WaveNet's output.")
        + f" In all: {_describe(cfg)}.")
    alternatives: dict[str, ModelConfig] = {}
    s_layers = max(1, layers - 1)
    s_r = WIDTH_LADDER[max(0, WIDTH_LADDER.index(cfg.residual_channels) - 2)]
    smaller = with_linear_predictor(ModelConfig(**{**base, "layers_per_block": s_layers}, residual_channels=s_r,
                                            gate_channels=s_r, skip_channels=2 * s_r, output_channels=64,
                                            quantization_channels=64), pitch_predictor=False)
    alternatives["smaller"] = _attach(smaller, f"Half the receptive field and narrower: {_describe(smaller)}"
                                               + (", without the pitch term" if pitch else "") + ". "
                                               "Faster to train; may miss the longer correlations.")
    l_r = WIDTH_LADDER[min(len(WIDTH_LADDER) - 1, WIDTH_LADDER.index(cfg.residual_channels) + 1)]
    l_blocks = blocks + 1 if not cap or (blocks + 1) * (2 ** layers - 1) + 2 <= cap else blocks
    larger = with_linear_predictor(ModelConfig(**{**base, "n_blocks": l_blocks}, residual_channels=l_r,
                                           gate_channels=l_r, skip_channels=max(2 * l_r, 128), output_channels=256,
                                           quantization_channels=256), pitch_predictor=pitch)
    alternatives["larger"] = _attach(larger, f"One more block, wider, scored at 256 classes: {_describe(larger)}. "
                                             "Slower to train.")
    return _attach(cfg, rationale, warnings, alternatives)
