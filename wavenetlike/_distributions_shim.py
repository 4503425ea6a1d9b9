"""TEMPORARY stand-in for ``wavenetlike.model.distributions`` (being written on main, issue 10).

Same names and signatures as the real module, for today's models only:
categorical (mu-law classes in, logits out). Delete this file when main has
``wavenetlike/model/distributions.py``; :mod:`wavenetlike.scoring` imports the
real module first and falls back to this one.
"""
from __future__ import annotations

from typing import Any

import torch
from torch.nn import functional as F

from .data.mulaw import mu_law_encode

__all__ = ["model_inputs", "class_log_probs"]


def model_inputs(config: Any, audio: torch.Tensor) -> torch.Tensor:
    """What ``model(...)`` takes for these samples: (B, T) audio in [−1, 1] → (B, T) classes (long) or values."""
    if config.continuous:
        return audio.float()
    return mu_law_encode(audio.float(), config.quantization_channels)


def class_log_probs(config: Any, outputs: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Log-probabilities (B, n_classes, T) of each mu-law class of the next sample, from outputs (B, out_dim, T)."""
    if config.continuous:
        raise ValueError("this model outputs only a predicted value (MSE training), not a distribution: "
                         "it has no bits/sample (ModelConfig.continuous = True)")
    if n_classes != config.quantization_channels:
        raise ValueError(f"n_classes = {n_classes}: a categorical model is scored at its own "
                         f"{config.quantization_channels} classes (ModelConfig.quantization_channels)")
    return F.log_softmax(outputs.float(), dim=1)
