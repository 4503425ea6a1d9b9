"""Quality: does each model kind predict held-out audio better than the baselines, and does what it
generates resemble its data?

For every kind in :data:`KINDS` (a name, a dataset, a ModelConfig made from
that dataset, and the training settings): train through the public API with
one torch thread (``train(model, dataset, max_seconds=…, threads=1, …)``),
``evaluate`` it on the held-out clips (bits/sample beside the same-class and
linear-predictor baselines), generate 3 s unprimed and 3 s primed with 0.1 s
of a held-out clip, and compare each take with the held-out audio
(:func:`wavenetlike.analysis.audio_stats.compare_generated`). A "real" row
compares the held-out clips with the training clips: the figures a perfect
generator would get.

Run: ``python -m benchmarks --only quality --kinds toy suggested --seconds 300``.
Extend: append a :class:`Kind` to :data:`KINDS` (its ``name`` is what
``--kinds`` selects).
"""
from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .common import Figure

GEN_SECONDS = 3.0
PRIME_SECONDS = 0.1


@dataclass
class Kind:
    """One row of the quality table: ``config(dataset)`` builds the model's config; ``train`` goes to ``train()``."""

    name: str
    data: str  # "bundled" or "ar2:A,B"
    config: Callable[[Any], Any]
    train: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _suggested(dataset: Any) -> Any:
    from wavenetlike import analyze, suggest
    return suggest(analyze(dataset))


def _toy(dataset: Any) -> Any:
    from wavenetlike import WavenetToyConstants
    return WavenetToyConstants(sample_rate=dataset.sample_rate)


def _quick() -> dict[str, Any]:
    """No change to the recipe: run_kind trains every kind with ``TrainConfig.quick_for(its config)``."""
    return {}


def _toy_value(dataset: Any) -> Any:
    return _toy(dataset).replace(input_kind="value+onehot")


def _toy_value_only(dataset: Any) -> Any:
    return _toy(dataset).replace(input_kind="value")


def _toy_mixture(dataset: Any) -> Any:
    return _toy(dataset).replace(continuous=True, mixture_components=10, input_kind="value")


def _suggested_32(dataset: Any) -> Any:
    return _suggested(dataset).replace(quantization_channels=32)


def _toy_mixture_lp(dataset: Any) -> Any:
    return _toy_mixture(dataset).replace(linear_order=32)


def _suggested_fixed_scale(dataset: Any) -> Any:
    return _suggested(dataset).replace(adaptive_scale=False)


def _suggested_no_pitch(dataset: Any) -> Any:
    return _suggested(dataset).replace(pitch_predictor=False)


def _suggested_excitation(dataset: Any) -> Any:
    return _suggested(dataset).replace(input_kind="value+excitation")


KINDS: list[Kind] = [
    Kind("toy", "bundled", _toy, _quick(), "toy preset, 32 mu-law classes, one-hot inputs"),
    Kind("toy-value", "bundled", _toy_value, _quick(), "toy preset, 32 classes, value + one-hot inputs"),
    Kind("toy-value-only", "bundled", _toy_value_only, dict(_quick(), input_dither=False),
         "toy preset, 32 classes, value inputs only, trained on the true values"),
    Kind("toy-value-dither", "bundled", _toy_value_only, dict(_quick(), input_dither=True),
         "toy preset, 32 classes, value inputs only, trained on values dithered inside their class "
         "(what generation feeds back)"),
    Kind("toy-mixture", "bundled", _toy_mixture, _quick(),
         "toy shape, 10-logistic mixture over 16-bit audio, value inputs (scored at 32 classes)"),
    Kind("toy-mixture-lp32", "bundled", _toy_mixture_lp, _quick(),
         "toy shape, 10-logistic mixture, value inputs, plus a linear predictor of order 32 that starts as "
         "the one fitted on the training clips"),
    Kind("suggested", "bundled", _suggested, _quick(), "suggest(analyze(bundled speech))"),
    Kind("suggested-32", "bundled", _suggested_32, _quick(),
         "suggest(analyze(bundled speech)) at 32 mu-law classes instead of its 64"),
    Kind("suggested-fixed-scale", "bundled", _suggested_fixed_scale, _quick(),
         "the suggestion without its adaptive scale (the spread is the network's alone)"),
    Kind("suggested-no-pitch", "bundled", _suggested_no_pitch, _quick(),
         "the suggestion without its pitch term (the backward-adaptive long-term predictor)"),
    Kind("suggested-excitation", "bundled", _suggested_excitation, _quick(),
         "the suggestion, and the network also sees the excitation (the linear term's residual) of each past "
         "sample"),
    Kind("ar2-0.6,-0.3", "ar2:0.6,-0.3", _suggested, _quick(), "suggested model for AR(2) a=0.6 b=-0.3"),
    Kind("ar2-1.2,-0.5", "ar2:1.2,-0.5", _suggested, _quick(), "suggested model for AR(2) a=1.2 b=-0.5"),
]


def kind_names() -> list[str]:
    return [k.name for k in KINDS]


def load_data(spec: str) -> Any:
    from wavenetlike import AR2, Dataset
    if spec == "bundled":
        return Dataset(None)
    if spec.startswith("ar2:"):
        a, b = (float(v) for v in spec[4:].split(","))
        return Dataset(AR2(a=a, b=b))
    return Dataset(spec)


def _take_stats(name: str, result: Any) -> dict[str, Any]:
    g, r = result.generated, result.real
    row = {f"{name}_silent": g.silent_fraction, f"{name}_rms_ratio":
           (g.nonsilent_rms / r.nonsilent_rms) if g.nonsilent_rms and r.nonsilent_rms else None,
           f"{name}_voiced": g.voiced_share, f"{name}_spectral_db": result.spectral_distance_db,
           f"{name}_std_ratio": g.std / r.std if r.std else None}
    if result.ar2_generated:
        row[f"{name}_ar2_a"], row[f"{name}_ar2_b"] = result.ar2_generated["a"], result.ar2_generated["b"]
    return row


def run_kind(kind: Kind, seconds: float, seed: int = 0, gen_seconds: float = GEN_SECONDS,
             prime_seconds: float = PRIME_SECONDS) -> dict[str, Any]:
    """Train, evaluate, generate and compare one kind; a dict of figures (errors in ``error``)."""
    import torch
    from wavenetlike import AR2, build_wavenetlike, evaluate, generate, train
    from wavenetlike.analysis.audio_stats import compare_generated
    row: dict[str, Any] = {"kind": kind.name, "note": kind.note}
    dataset = load_data(kind.data)
    torch.manual_seed(seed)
    config = kind.config(dataset)
    model = build_wavenetlike(config)
    row["config"] = config.to_dict()
    row["receptive_field"] = config.receptive_field
    t0 = time.perf_counter()
    from wavenetlike import TrainConfig
    recipe = {**TrainConfig.quick_for(config).non_default(), **kind.train}
    history = train(model, dataset, max_seconds=seconds, threads=1, seed=seed, device="cpu",
                    validation_every=None, **recipe)
    row["train_seconds"] = time.perf_counter() - t0
    row["steps"] = sum(1 for h in history if h.get("kind") == "step")
    train_clips, held = dataset.split(0.1, seed)
    real = [c.audio for c in held]
    truth = (dataset.source.a, dataset.source.b) if isinstance(dataset.source, AR2) else None
    if truth:
        row["ar2_truth_a"], row["ar2_truth_b"] = truth
    try:
        report = evaluate(model, dataset, validation_fraction=0.1, seed=seed)
        row.update(bits=report.bits_per_sample, accuracy=report.accuracy, n_classes=report.n_classes,
                   same_class_bits=report.baseline("same class").bits_per_sample,
                   same_class_accuracy=report.baseline("same class").accuracy,
                   lp_bits=report.baseline("linear predictor").bits_per_sample,
                   scored_seconds=report.scored_seconds)
    except (ValueError, TypeError) as exc:
        row["evaluate_error"] = str(exc)
    scale = float(dataset.scale or 1.0)
    prime = np.asarray(held[0].audio[:int(prime_seconds * dataset.sample_rate)], dtype=np.float32) / scale
    for name, kw in (("unprimed", {}), ("primed", {"prime": prime})):
        t0 = time.perf_counter()
        audio = generate(model, seconds=gen_seconds, seed=seed, **kw)
        row[f"{name}_gen_seconds"] = time.perf_counter() - t0
        result = compare_generated([audio * scale], real, dataset.sample_rate, ar2=truth is not None,
                                   ar2_truth=truth)
        row.update(_take_stats(name, result))
        if os.environ.get("WAVENETLIKE_QUALITY_TAKES"):  # keep the takes for spectrograms
            np.save(Path(os.environ["WAVENETLIKE_QUALITY_TAKES"]) / f"{kind.name}_{seed}_{name}.npy", audio * scale)
    # the held-out clips measured like a take, against the training clips: what a perfect generator gets
    reference = compare_generated(real, [c.audio for c in train_clips], dataset.sample_rate, ar2=truth is not None)
    row.update(_take_stats("real", reference))
    return row


def _fmt(v: Any, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table: kind × bits × baselines × statistics × training time × steps."""
    head = (f"{'kind':<15} {'cls':>5} {'bits':>5} {'acc':>5} {'same':>5} {'LP32':>5} │ {'take':<8} {'silent':>6} "
            f"{'rms×':>5} {'voiced':>6} {'LTAS dB':>7} {'std×':>5} {'AR2 a,b':>13} │ {'train s':>7} {'steps':>6}")
    lines = [head, "─" * len(head)]
    for r in rows:
        base = (f"{r['kind']:<15} {r.get('n_classes', '—'):>5} {_fmt(r.get('bits'), '.3f'):>5} {_fmt(r.get('accuracy'), '.0%'):>5} "
                f"{_fmt(r.get('same_class_bits'), '.2f'):>5} {_fmt(r.get('lp_bits'), '.2f'):>5}")
        for i, take in enumerate(("unprimed", "primed", "real")):
            if f"{take}_voiced" not in r:
                continue
            ar2 = (f"{r[take + '_ar2_a']:+.2f},{r[take + '_ar2_b']:+.2f}" if r.get(take + "_ar2_a") is not None
                   else "")
            left = base if i == 0 else " " * len(base)
            tail = (f"{_fmt(r.get('train_seconds'), '.0f'):>7} {r.get('steps', ''):>6}" if i == 0 else "")
            lines.append(f"{left} │ {take:<8} {_fmt(r.get(take + '_silent'), '.0%'):>6} "
                         f"{_fmt(r.get(take + '_rms_ratio'), '.2f'):>5} {_fmt(r.get(take + '_voiced'), '.0%'):>6} "
                         f"{_fmt(r.get(take + '_spectral_db'), '.1f'):>7} {_fmt(r.get(take + '_std_ratio'), '.2f'):>5} "
                         f"{ar2:>13} │ {tail}")
        if r.get("ar2_truth_a") is not None:
            lines.append(f"{'':<{len(base)}} │ truth AR(2) a, b = {r['ar2_truth_a']:+.2f}, {r['ar2_truth_b']:+.2f}")
        for key in ("evaluate_error", "error"):
            if r.get(key):
                lines.append(f"{'':<{len(base)}} │ {key}: {r[key]}")
    lines.append("cls: mu-law classes scored; bits: held-out bits/sample (whole clips); same / LP32: the baselines on the same targets; "
                 "rms×, std×: generated ÷ real held-out; LTAS dB: spectral-shape distance 0–5 kHz; "
                 "real: the held-out clips measured against the training clips")
    return "\n".join(lines)


def run(kinds: list[str] | None, seconds: float, seed: int = 0, gen_seconds: float = GEN_SECONDS,
        prime_seconds: float = PRIME_SECONDS, kind_list: list[Kind] | None = None) -> list[Figure]:
    """The quality table for the named kinds (all when None); one Figure per kind and figure."""
    available = kind_list if kind_list is not None else KINDS
    chosen = [k for k in available if kinds is None or k.name in kinds]
    unknown = sorted(set(kinds or []) - {k.name for k in available})
    if unknown:
        raise ValueError(f"unknown quality kind(s) {unknown}; known: {[k.name for k in available]}")
    rows, figures = [], []
    for kind in chosen:
        try:
            row = run_kind(kind, seconds, seed, gen_seconds, prime_seconds)
        except Exception as exc:  # noqa: BLE001 - one kind failing must not lose the others
            row = {"kind": kind.name, "error": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc(limit=3)}
        rows.append(row)
        print(f"  {kind.name}: {_fmt(row.get('bits'), '.3f')} bits/sample (LP32 {_fmt(row.get('lp_bits'), '.3f')}), "
              f"{row.get('steps', '—')} steps in {_fmt(row.get('train_seconds'), '.0f')} s"
              f"{'; ' + row['error'] if 'error' in row else ''}", flush=True)
        params = {k: v for k, v in row.items() if k in ("kind", "note", "config", "receptive_field", "steps",
                                                       "train_seconds", "n_classes")}
        params["max_seconds"] = seconds
        for key, unit in (("bits", "bits/sample"), ("same_class_bits", "bits/sample"), ("lp_bits", "bits/sample"),
                          ("accuracy", "fraction"), ("unprimed_silent", "fraction"), ("primed_silent", "fraction"),
                          ("real_silent", "fraction"), ("unprimed_voiced", "fraction"), ("primed_voiced", "fraction"),
                          ("real_voiced", "fraction"), ("unprimed_rms_ratio", "ratio"), ("primed_rms_ratio", "ratio"),
                          ("unprimed_spectral_db", "dB"), ("primed_spectral_db", "dB"),
                          ("real_spectral_db", "dB"), ("real_rms_ratio", "ratio"), ("unprimed_std_ratio", "ratio"),
                          ("unprimed_ar2_a", ""), ("unprimed_ar2_b", ""), ("train_seconds", "s"), ("steps", "steps")):
            if key in row:
                figures.append(Figure(f"quality/{kind.name}/{key}", row[key], unit, params=params,
                                      note=row.get("evaluate_error", "") if key == "bits" else ""))
        if "error" in row:
            figures.append(Figure(f"quality/{kind.name}/failed", None, "", params={"row": row}, note=row["error"]))
    print(table(rows), flush=True)
    figures.append(Figure("quality/table", None, "", params={"rows": rows}, note="the whole table as rows"))
    return figures
