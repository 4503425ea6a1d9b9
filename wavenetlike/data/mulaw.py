"""Mu-law companding and quantization (ITU-T G.711 style, any number of classes)."""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["mu_law_encode", "mu_law_decode", "mu_law_encode_np", "mu_law_decode_np"]


def mu_law_encode(x: torch.Tensor, classes: int = 256) -> torch.Tensor:
    """Map values in [−1, 1] (clipped) to integer classes 0 … classes−1."""
    mu = classes - 1
    x = x.clamp(-1.0, 1.0)
    y = torch.sign(x) * torch.log1p(mu * x.abs()) / np.log1p(mu)
    return ((y + 1) / 2 * mu + 0.5).floor().long().clamp(0, mu)


def mu_law_decode(q: torch.Tensor, classes: int = 256) -> torch.Tensor:
    """Inverse of :func:`mu_law_encode`: classes -> values in [−1, 1]."""
    mu = classes - 1
    y = 2 * q.float() / mu - 1
    return torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu


def mu_law_encode_np(x: np.ndarray, classes: int = 256) -> np.ndarray:
    """NumPy version of :func:`mu_law_encode` (int64 classes)."""
    mu = classes - 1
    x = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.clip(np.floor((y + 1) / 2 * mu + 0.5), 0, mu).astype(np.int64)


def mu_law_decode_np(q: np.ndarray, classes: int = 256) -> np.ndarray:
    """NumPy version of :func:`mu_law_decode` (float32 values)."""
    mu = classes - 1
    y = 2 * np.asarray(q, dtype=np.float64) / mu - 1
    return (np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu).astype(np.float32)
