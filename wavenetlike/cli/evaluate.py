"""``wavenetlike evaluate CHECKPOINT [DATA]`` and the statistics of ``generate --compare DATA``.

Both read a checkpoint and a dataset — a path, ``bundled``, or ``training``
for the dataset the checkpoint was trained on (an AR(2) process, the bundled
set or a path, from the checkpoint's dataset reference) — and use the
held-out split the training run used (its ``seed`` and
``validation_fraction``, also from the checkpoint).
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.audio_stats import compare_generated
from ..data.ar2 import AR2
from ..data.dataset import Dataset, DatasetEmptyError
from ..evaluate import DEFAULT_MAX_HELD_OUT_SECONDS, evaluate
from ..session.dataset_spec import AR2Spec, BundledSpec, DatasetSpec, FilesSpec
from ..train.checkpoint import Checkpoint
from .common import CLIError, Command, load_ckpt, write_json
from .output import Output

__all__ = ["EvaluateCommand", "load_data", "print_comparison"]


def load_data(spec: str, ck: Checkpoint) -> Dataset:
    """The Dataset named by ``spec`` (a path, 'bundled', or 'training': the checkpoint's reference)."""
    rate = int(ck.state.get("sample_rate") or getattr(ck.model, "config", None).sample_rate)
    try:
        if spec == "training":
            ref = ck.state.get("dataset") or {}
            try:
                source = DatasetSpec.from_reference(ref) if ref else None
            except ValueError:
                source = None
            if isinstance(source, BundledSpec):
                return Dataset(None, sample_rate=rate)
            if isinstance(source, AR2Spec):
                return source.load()
            if isinstance(source, FilesSpec) and source.paths and all(Path(p).exists() for p in source.paths):
                return dataclasses.replace(source, sample_rate=rate).load()
            raise CLIError(f"{ck.path}: the checkpoint does not say where its training data is "
                           f"(dataset reference {ref or 'missing'}); give DATA (a path or 'bundled')", 2)
        if spec == "bundled":
            return Dataset(None, sample_rate=rate)
        if not Path(spec).exists():
            raise CLIError(f"{spec}: no such file or folder", 2)
        return Dataset(spec, sample_rate=rate)
    except (DatasetEmptyError, TypeError, ValueError) as e:
        if isinstance(e, CLIError):
            raise
        raise CLIError(f"{spec}: {e}") from None


def _split_settings(ck: Checkpoint, fraction: float | None, seed: int | None) -> tuple[float, int]:
    trainer = ck.state.get("trainer") or {}
    f = fraction if fraction is not None else float(trainer.get("validation_fraction", 0.1) or 0.1)
    s = seed if seed is not None else int(ck.state.get("seed", 0) or 0)
    if not 0 < f < 1:
        raise CLIError(f"--validation-fraction {f:g}: must be between 0 and 1", 2)
    return f, s


class EvaluateCommand(Command):
    name = "evaluate"
    help = "held-out bits/sample and accuracy of a checkpoint, beside the baselines"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("checkpoint", help="a .safetensors checkpoint")
        p.add_argument("data", nargs="?", default="training",
                       help="audio file or folder, 'bundled', or 'training' (default: the checkpoint's own data)")
        p.add_argument("--validation-fraction", type=float, default=None,
                       help="held-out fraction (default: the training run's, else 0.1)")
        p.add_argument("--seed", type=int, default=None, help="split seed (default: the training run's, else 0)")
        p.add_argument("--max-seconds", type=float, default=None,
                       help="cap on the held-out audio scored (default 60; 0 = no cap)")
        p.add_argument("--classes", type=int, default=None,
                       help="mu-law classes to score at (default: the model's)")
        p.add_argument("--no-baselines", action="store_true",
                       help="skip the same-class and linear-predictor baselines")
        p.add_argument("--json", metavar="FILE", help="also write the report as JSON")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        ck = load_ckpt(args.checkpoint)
        if not hasattr(ck.model, "config"):
            raise CLIError(f"{args.checkpoint} holds a Block, not a WaveNet-like model: nothing to evaluate")
        if args.max_seconds is not None and args.max_seconds < 0:
            raise CLIError(f"--max-seconds {args.max_seconds:g}: must be ≥ 0 (0 = no cap)", 2)
        if args.classes is not None and args.classes < 2:
            raise CLIError(f"--classes {args.classes}: must be ≥ 2", 2)
        dataset = load_data(args.data, ck)
        fraction, seed = _split_settings(ck, args.validation_fraction, args.seed)
        cap = DEFAULT_MAX_HELD_OUT_SECONDS if args.max_seconds is None else (args.max_seconds or None)
        report = evaluate(ck.model, dataset, validation_fraction=fraction, seed=seed, max_held_out_seconds=cap,
                          baselines=not args.no_baselines, n_classes=args.classes, scale=ck.scale)
        out.say(f"{args.checkpoint} (step {ck.step}) on {dataset.description}")
        out.say(report.summary())
        if args.json:
            write_json(args.json, report.to_dict())
            out.say(f"Wrote {args.json}")
        return 0


def print_comparison(ck: Checkpoint, audio: Any, spec: str, out: Output) -> None:
    """Print generated-vs-real statistics of ``audio`` (model units) against the held-out clips of ``spec``."""
    dataset = load_data(spec, ck)
    fraction, seed = _split_settings(ck, None, None)
    _, held = dataset.split(fraction, seed)
    real = [c.audio for c in (held or dataset.clips)]
    source = dataset.source
    truth = (source.a, source.b) if isinstance(source, AR2) else None
    result = compare_generated([np.asarray(audio, dtype=np.float64) * ck.scale], real, dataset.sample_rate,
                               ar2=truth is not None, ar2_truth=truth)
    which = "held-out" if held else "all"
    out.say(f"Compared with {which} clips of {dataset.description} ({len(real)} clips):")
    out.say(result.summary())
