"""Model analysis: Δ, parameters, depth, γ, compute and memory, from a config alone."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..config import (ModelConfig, depth, dilation_list, macs_per_sample, memory_batch_and_window,
                      parameter_breakdown, parameter_count, receptive_field, training_memory_bytes)

__all__ = ["ModelReport", "model_report"]


@dataclass
class ModelReport:
    """Figures that describe a model's shape; all are pure functions of its config."""

    receptive_field: int
    receptive_field_ms: float
    sample_rate: int
    parameters: int
    depth: int
    gamma: float
    macs_per_sample: int
    training_memory_bytes: int
    memory_batch_size: int
    memory_window: int
    n_layers: int
    dilations: list[int]
    parameter_breakdown: dict[str, int] = field(default_factory=dict)
    output: str = "categorical"

    def summary(self) -> str:
        """A few lines a person reads."""
        mem_mb = self.training_memory_bytes / 2**20
        lines = [
            f"Receptive field Δ: {self.receptive_field} samples "
            f"({self.receptive_field_ms:.1f} ms at {self.sample_rate} Hz)",
            f"Parameters: {self.parameters:,}",
            f"Depth: {self.depth} convolutions on the longest path ({self.n_layers} dilated layers)",
            f"γ = parameters / depth: {self.gamma:,.1f}",
            f"Compute: {self.macs_per_sample:,} multiply-accumulates per generated sample",
            f"Training memory (activations, batch {self.memory_batch_size} × "
            f"window {self.memory_window}): about {mem_mb:,.1f} MiB",
            f"Output: {self.output}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def model_report(config: ModelConfig, sample_rate: int | None = None, batch_size: int | None = None,
                 window: int | None = None) -> ModelReport:
    """The :class:`ModelReport` of a config.

    The memory estimate is for ``batch_size`` windows of ``window`` input
    samples; by default ``TrainConfig.quick()``'s batch and windows of Δ − 1
    context plus its ``target_length`` targets (what the app and CLI train with).
    """
    sr = int(sample_rate or config.sample_rate)
    delta = receptive_field(config)
    batch_size, win = memory_batch_and_window(config, batch_size, window)
    params = parameter_count(config)
    d = depth(config)
    return ModelReport(
        receptive_field=delta,
        receptive_field_ms=1000.0 * delta / sr,
        sample_rate=sr,
        parameters=params,
        depth=d,
        gamma=params / d,
        macs_per_sample=macs_per_sample(config),
        training_memory_bytes=training_memory_bytes(config, batch_size, win),
        memory_batch_size=batch_size,
        memory_window=win,
        n_layers=len(dilation_list(config)),
        dilations=dilation_list(config),
        parameter_breakdown=parameter_breakdown(config),
        output=(f"mixture of {config.mixture_components} logistic{'s' if config.mixture_components > 1 else ''} "
                f"over 16-bit audio" if config.continuous else f"{config.quantization_channels} mu-law classes"),
    )
