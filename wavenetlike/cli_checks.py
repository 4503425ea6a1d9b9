"""Argument checks for the command line: bounded numbers and output paths, checked before any work.

Every number a user types has an upper bound that keeps the run finite and
its memory bounded; the message names the argument (argparse prefixes it:
``argument --seconds: 1e+09 is more than 3600``). Output paths are checked
before a dataset is loaded or a step trained: a folder, a device, a FIFO, a
wrong file ending, or (without ``--overwrite``) an existing file is refused.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Callable, Sequence

__all__ = ["LIMITS", "bounded_int", "bounded_float", "output_problem"]

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
    from .safe_io import TargetExistsError, WriteRefusedError, check_target
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
