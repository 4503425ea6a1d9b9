"""The AR(2) process X_t = c + a·X_{t−1} + b·X_{t−2} + ε_t."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

__all__ = ["ar2_process", "AR2", "is_stationary", "stationarity_message", "ar2_theoretical_acf"]


def is_stationary(a: float, b: float) -> bool:
    """True when the AR(2) process is (weakly) stationary: the roots of 1 − a·z − b·z² lie outside the unit circle.

    Equivalent to the triangle |b| < 1, a + b < 1, b − a < 1.
    """
    return abs(b) < 1 and a + b < 1 and b - a < 1


def stationarity_message(a: float, b: float) -> str:
    """Empty when stationary; otherwise a sentence saying which condition fails."""
    if is_stationary(a, b):
        return ""
    failed = []
    if not abs(b) < 1:
        failed.append(f"|b| < 1 (b = {b:g})")
    if not a + b < 1:
        failed.append(f"a + b < 1 (a + b = {a + b:g})")
    if not b - a < 1:
        failed.append(f"b − a < 1 (b − a = {b - a:g})")
    return ("AR(2) with a = %g, b = %g is not stationary: it needs %s. "
            "Its values grow without bound or never settle, so its statistics "
            "(and a model trained on it) depend on where you stop." % (a, b, " and ".join(failed)))


def ar2_process(a: float, b: float, x0: float, x1: float, c: float = 0.0, noise: float = 1.0,
                seed: int | None = None) -> Iterator[float]:
    """Yield x0, x1, then X_t = c + a·X_{t−1} + b·X_{t−2} + ε_t forever (ε ~ N(0, noise²))."""
    rng = np.random.default_rng(seed)
    prev2, prev1 = float(x0), float(x1)
    yield prev2
    yield prev1
    while True:
        x = c + a * prev1 + b * prev2 + (noise * rng.standard_normal() if noise else 0.0)
        yield x
        prev2, prev1 = prev1, x


def ar2_theoretical_acf(a: float, b: float, max_lag: int) -> np.ndarray:
    """ρ_0 … ρ_max_lag of a stationary AR(2): ρ1 = a/(1−b), ρk = a·ρ(k−1) + b·ρ(k−2)."""
    rho = np.empty(max_lag + 1)
    rho[0] = 1.0
    if max_lag >= 1:
        rho[1] = a / (1 - b)
    for k in range(2, max_lag + 1):
        rho[k] = a * rho[k - 1] + b * rho[k - 2]
    return rho


@dataclass
class AR2:
    """A dataset source: ``count`` realisations of an AR(2) process, ``length`` samples each."""

    a: float = 0.6
    b: float = -0.3
    c: float = 0.0
    noise: float = 1.0
    x0: float = 0.0
    x1: float = 0.0
    length: int = 16000
    count: int = 8
    seed: int | None = 0
    allow_nonstationary: bool = False
    sample_rate: int = 16000

    def __post_init__(self) -> None:
        if not isinstance(self.length, int) or self.length < 3:
            raise ValueError(f"AR2.length = {self.length!r} must be an integer ≥ 3")
        if not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"AR2.count = {self.count!r} must be an integer ≥ 1")
        if self.noise < 0:
            raise ValueError(f"AR2.noise = {self.noise!r} must be ≥ 0")
        if not self.allow_nonstationary and not is_stationary(self.a, self.b):
            raise ValueError(stationarity_message(self.a, self.b) + " Pass allow_nonstationary=True to use it anyway.")

    @property
    def stationary(self) -> bool:
        return is_stationary(self.a, self.b)

    def generate(self) -> list[np.ndarray]:
        """The realisations, as float32 arrays (deterministic for a given seed)."""
        seq = np.random.SeedSequence(self.seed)
        out = []
        for child in seq.spawn(self.count):
            rng = np.random.default_rng(child)
            eps = self.noise * rng.standard_normal(self.length) if self.noise else np.zeros(self.length)
            x = np.empty(self.length)
            x[0], x[1] = self.x0, self.x1
            for t in range(2, self.length):
                x[t] = self.c + self.a * x[t - 1] + self.b * x[t - 2] + eps[t]
            out.append(x.astype(np.float32))
        return out

    def describe(self) -> str:
        return (f"AR(2) a={self.a:g} b={self.b:g} c={self.c:g} noise={self.noise:g}, "
                f"{self.count} × {self.length} samples")
