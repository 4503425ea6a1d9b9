"""Timing helpers and machine information shared by the benchmarks."""
from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch


@dataclass
class Figure:
    """One measured figure: the median of ``repeats`` and the spread."""

    name: str
    value: float | None
    unit: str
    repeats: list[float] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit, "repeats": self.repeats,
                "params": self.params, "note": self.note}


def median_rate(fn: Callable[[], float], repeats: int, warmup: int = 1) -> tuple[float, list[float]]:
    """Call ``fn`` (returns a rate) ``warmup`` + ``repeats`` times; the median of the timed calls."""
    for _ in range(warmup):
        fn()
    values = [float(fn()) for _ in range(repeats)]
    return statistics.median(values), values


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    """The machine the figures ran on."""
    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads_default": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "load_average_at_start": load_average(),
    }
    try:
        import numba
        info["numba"] = numba.__version__
    except Exception:
        info["numba"] = None
    import numpy
    info["numpy"] = numpy.__version__
    return info
