"""What the commands share: the command protocol, errors, argument checks, data, reports and JSON.

- :class:`Command`: a sub-command's ``name``, ``help``, ``add_arguments(parser)``
  and ``run(args, out) -> int``; :class:`CLIError`: one line to report, with
  an exit status (2: bad arguments, 1: failed work).
- Argument checks, before any work: every number a user types has an upper
  bound (:data:`LIMITS`) that keeps the run finite and its memory bounded;
  the message names the argument (argparse prefixes it: ``argument
  --seconds: 1e+09 is more than 3600``). Output paths are checked before a
  dataset is loaded or a step trained: a folder, a device, a FIFO, a wrong
  file ending, or (without ``--overwrite``) an existing file is refused.
- The dataset named by a command's arguments (PATH, ``bundled`` or
  ``--ar2``), its analysis and suggestion, checkpoints, JSON output.
"""
from __future__ import annotations

import abc
import argparse
import json
import math
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..analysis.dataset_report import DatasetReport, analyze_dataset
from ..data.ar2 import AR2
from ..data.dataset import Dataset, DatasetEmptyError
from ..safe_io import TargetExistsError, WriteRefusedError, atomic_write_bytes, check_target
from ..train.checkpoint import Checkpoint, load_checkpoint
from .output import Output

__all__ = ["Command", "CLIError", "LIMITS", "bounded_int", "bounded_float", "output_problem", "check_output",
           "add_source", "load_dataset", "analyze_data", "load_ckpt", "write_json", "json_default", "fmt"]


class CLIError(Exception):
    """A problem to report in one line, with an exit status (2: bad arguments, 1: failed work)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class Command(abc.ABC):
    """One sub-command of ``wavenetlike``: registered in :data:`wavenetlike.cli.COMMANDS`."""

    name: str = ""
    help: str = ""

    @abc.abstractmethod
    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's arguments to its sub-parser."""

    @abc.abstractmethod
    def run(self, args: argparse.Namespace, out: Output) -> int:
        """Do the work; return the exit status, or raise :class:`CLIError`."""


# -------------------------------------------------------- argument checks
#: Upper bounds of the numeric arguments (inclusive), with why.
LIMITS: dict[str, float] = {
    "seconds": 3600.0,          # generate: one hour of audio (57.6 M samples at 16 kHz)
    "sample_rate": 384_000,     # the highest rate audio interfaces record
    "ar2_count": 10_000,        # AR(2) clips
    "ar2_length": 10_000_000,   # samples per AR(2) clip
    "ar2_total": 50_000_000,    # count × length: 200 MB of float32
    "threads": 256,             # torch CPU threads
    "steps": 1_000_000_000,
    "minutes": 14_400.0,        # ten days
    "batch": 4096,
    "window": 1_000_000,
    "lr": 10.0,
    "grad_clip": 1e6,
    "max_lag": 1_000_000,
    "local_features": 1024,     # ModelConfig.local_condition_channels
    "hop": 65_536,              # ModelConfig.local_condition_hop
    "noise": 1e6,
    "temperature": 100.0,
    "train_seconds": 86_400.0,
    "validation_every": 1_000_000_000,
    "checkpoint_every": 1_000_000_000,
    "early_stopping": 1_000_000,
    "validation_samples": 100_000_000,
    "deadline_minutes": 10_080.0,  # download: a week
    "min_rate": 1e9,               # download: bytes/s
}


def bounded_int(name: str, low: int = 1) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``LIMITS[name]``."""
    high = int(LIMITS[name])

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
            if not math.isfinite(f) or f != int(f):
                raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
            v = int(f)
        if v < low:
            raise argparse.ArgumentTypeError(f"{text!r} must be ≥ {low}")
        if v > high:
            raise argparse.ArgumentTypeError(f"{text!r} is more than the limit of {high:,}")
        return v
    parse.__name__ = "whole number"
    return parse


def bounded_float(name: str, low: float = 0.0, low_inclusive: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number above ``low`` (or from it) up to ``LIMITS[name]``."""
    high = float(LIMITS[name])

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if v < low or (v == low and not low_inclusive):
            raise argparse.ArgumentTypeError(f"{text!r} must be {'≥' if low_inclusive else '>'} {low:g}")
        if v > high:
            raise argparse.ArgumentTypeError(f"{text!r} is more than the limit of {high:g}")
        return v
    parse.__name__ = "number"
    return parse


def output_problem(path: str | None, option: str, *, overwrite: bool, suffixes: Sequence[str] = (),
                   own: Sequence[str] = ()) -> str:
    """'' when ``path`` may be written by this run, else the reason in one line naming ``option``.

    ``own``: files this run may replace without ``--overwrite`` (the
    checkpoint a resumed run continues).
    """
    if not path:
        return ""
    p = Path(path).expanduser()
    if p.is_dir():
        return f"{option} {path} is a folder; give a file name" + (f" ending in {suffixes[0]}" if suffixes else "")
    if suffixes and p.suffix.lower() not in suffixes:
        return f"{option} {path}: the file name must end in {' or '.join(suffixes)}"
    mine = any(p.resolve() == Path(o).expanduser().resolve() for o in own)
    try:
        check_target(p, overwrite=overwrite or mine, what=option)
    except TargetExistsError:
        return f"{option} {path} already exists; pass --overwrite to replace it, or choose another name"
    except WriteRefusedError as e:
        return str(e)
    parent = p.parent if str(p.parent) else Path(".")
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        return f"{option} {path}: {probe} is a file, not a folder"
    return ""


def check_output(path: str | None, option: str, args: argparse.Namespace, suffixes: Sequence[str] = (),
                 own: Sequence[str] = ()) -> None:
    """Refuse a bad output path before any work (exit status 2); ``--overwrite`` is read from ``args``."""
    problem = output_problem(path, option, overwrite=getattr(args, "overwrite", False), suffixes=suffixes, own=own)
    if problem:
        raise CLIError(problem, 2)


# ------------------------------------------------------------------ data
def add_source(p: argparse.ArgumentParser, required_path: bool = False) -> None:
    """The dataset arguments: PATH (or 'bundled'), or ``--ar2`` and its clip count and length; ``--seed``."""
    p.add_argument("path", nargs=None if required_path else "?",
                   help="audio file or folder, or 'bundled' for the sample speech set")
    p.add_argument("--ar2", metavar="A,B[,C]", help="use an AR(2) process X_t = c + a·X_{t-1} + b·X_{t-2} + ε")
    p.add_argument("--ar2-length", type=bounded_int("ar2_length"), default=16000, help="samples per AR(2) clip")
    p.add_argument("--ar2-count", type=bounded_int("ar2_count"), default=8, help="number of AR(2) clips")
    p.add_argument("--noise", type=bounded_float("noise", 0.0, True), default=1.0,
                   help="AR(2) noise standard deviation")
    p.add_argument("--sample-rate", type=bounded_int("sample_rate"), default=None, help="resample audio to this rate")
    p.add_argument("--seed", type=int, default=0, help="random seed")


def _parse_ar2(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) not in (2, 3):
        raise CLIError(f"--ar2 {text!r}: expected 'a,b' or 'a,b,c' (numbers), e.g. --ar2 0.6,-0.3", 2)
    return values


def load_dataset(args: argparse.Namespace, out: Output) -> Dataset:
    """The Dataset named by the :func:`add_source` arguments, with a progress bar while loading."""
    ar2 = getattr(args, "ar2", None)
    path = getattr(args, "path", None)
    if ar2 and path:
        raise CLIError("give either a dataset PATH or --ar2, not both", 2)
    if ar2:
        a, b, *c = _parse_ar2(ar2)
        if args.ar2_count * args.ar2_length > LIMITS["ar2_total"]:
            raise CLIError(f"--ar2-count {args.ar2_count} × --ar2-length {args.ar2_length} = "
                           f"{args.ar2_count * args.ar2_length:,} samples is more than the limit of "
                           f"{int(LIMITS['ar2_total']):,}", 2)
        try:
            spec = AR2(a=a, b=b, c=c[0] if c else 0.0, noise=args.noise, length=args.ar2_length,
                       count=args.ar2_count, seed=args.seed)
        except ValueError as e:
            raise CLIError(f"--ar2 {ar2}: {e}", 2) from None
        return Dataset(spec)
    if not path:
        raise CLIError("give a dataset PATH (an audio file or folder, or 'bundled'), or --ar2 a,b", 2)
    source: Any = None if path == "bundled" else path
    if source is not None and not Path(source).exists():
        raise CLIError(f"{path}: no such file or folder", 2)
    with out.progress("loading", "file") as bar:
        try:
            return Dataset(source, sample_rate=getattr(args, "sample_rate", None), progress=bar)
        except DatasetEmptyError as e:
            raise CLIError(str(e)) from None


def analyze_data(dataset: Dataset, out: Output, max_lag: int | None = None) -> DatasetReport:
    """The dataset's report, with a progress bar."""
    with out.progress("analysing") as bar:
        return analyze_dataset(dataset, max_lag=max_lag, progress=bar)


def load_ckpt(path: str, allow_non_finite: bool = False) -> Checkpoint:
    """A checkpoint, or a CLIError naming the file (2: missing, 1: unreadable or refused)."""
    try:
        return load_checkpoint(path, allow_non_finite=allow_non_finite)
    except FileNotFoundError as e:
        raise CLIError(str(e), 2) from None
    except ValueError as e:
        raise CLIError(str(e)) from None


# ----------------------------------------------------------------- output
def write_json(path: str, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (numpy values as numbers and lists)."""
    atomic_write_bytes(path, json.dumps(data, indent=2, default=json_default).encode("utf-8"))


def json_default(v: Any) -> Any:
    """``json.dumps(default=...)``: numpy arrays and numbers as JSON, anything else as its text."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    return str(v)


def fmt(v: Any, spec: str = ".4g") -> str:
    """``v`` formatted, or a dash for None."""
    return "—" if v is None else format(v, spec)
