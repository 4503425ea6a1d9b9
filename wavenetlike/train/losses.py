"""Losses and per-step metrics for teacher-forced next-sample prediction.

Model outputs are ``(B, out_dim, T)``: the output at t predicts sample t+1.
Only positions ``t ≥ first_scored`` (those with a full receptive field) are
scored.
"""
from __future__ import annotations

import math
from enum import Enum
from typing import Any

import torch
from torch.nn import functional as F

from ..model.distributions import mixture_nll

__all__ = ["Losses", "loss_for_config", "compute_loss", "next_sample_accuracy",
           "bits_per_sample", "scored"]

LN2 = math.log(2.0)


class Losses(str, Enum):
    """Training losses: cross-entropy over mu-law classes, the negative log-likelihood of a
    discretized mixture of logistics (continuous models), or mean squared error (the seed's ``Block``)."""

    mse = "mse"
    cross_entropy = "cross_entropy"
    logistic_mixture = "logistic_mixture"

    @classmethod
    def parse(cls, value: "Losses | str") -> "Losses":
        """A Losses member from itself or its name; ValueError naming the allowed names otherwise."""
        if isinstance(value, Losses):
            return value
        try:
            return cls(str(value))
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(f"loss_type = {value!r} is not a known loss: use one of {allowed}") from None


def loss_for_config(config: Any) -> Losses:
    """The loss that fits a ModelConfig: the mixture's NLL for continuous output, cross-entropy otherwise."""
    return Losses.logistic_mixture if getattr(config, "continuous", False) else Losses.cross_entropy


def scored(outputs: torch.Tensor, targets: torch.Tensor, first_scored: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The scored part: outputs ``(B, C, T)`` -> ``(B, C, T')``, targets ``(B, T)`` -> ``(B, T')``."""
    if outputs.dim() != 3 or targets.dim() != 2:
        raise ValueError(f"expected outputs (B, C, T) and targets (B, T); got {tuple(outputs.shape)} "
                         f"and {tuple(targets.shape)}")
    if outputs.shape[2] != targets.shape[1]:
        raise ValueError(f"outputs have {outputs.shape[2]} positions but targets {targets.shape[1]}")
    if not 0 <= first_scored < targets.shape[1]:
        raise ValueError(f"first_scored = {first_scored} leaves no position to score "
                         f"(the window has {targets.shape[1]})")
    return outputs[:, :, first_scored:], targets[:, first_scored:]


def compute_loss(outputs: torch.Tensor, targets: torch.Tensor, loss_type: Losses | str,
                 first_scored: int = 0) -> torch.Tensor:
    """Mean loss over the scored positions (cross-entropy or mixture NLL in nats, or MSE), in float32."""
    loss_type = Losses.parse(loss_type)
    out, tgt = scored(outputs, targets, first_scored)
    out = out.float()
    if loss_type is Losses.cross_entropy:
        if tgt.dtype.is_floating_point:
            raise ValueError("cross-entropy needs class targets (long); this model's targets are values — use Losses.mse")
        return F.cross_entropy(out, tgt.long())
    if loss_type is Losses.logistic_mixture:
        if not tgt.dtype.is_floating_point or out.shape[1] % 3:
            raise ValueError("the mixture loss needs value targets (float) and 3 outputs per component")
        return mixture_nll(out, tgt)
    if out.shape[1] != 1:
        raise ValueError(f"MSE needs one output channel; the model has {out.shape[1]} — use Losses.cross_entropy")
    return F.mse_loss(out[:, 0], tgt.float())


@torch.no_grad()
def next_sample_accuracy(outputs: torch.Tensor, targets: torch.Tensor, first_scored: int = 0) -> float:
    """Fraction of scored positions where the most likely class is the next sample's class."""
    out, tgt = scored(outputs, targets, first_scored)
    return float((out.argmax(dim=1) == tgt.long()).float().mean())


def bits_per_sample(cross_entropy_nats: float) -> float:
    """Cross-entropy in bits per sample (nats / ln 2)."""
    return float(cross_entropy_nats) / LN2
