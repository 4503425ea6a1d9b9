"""The Architecture step's readout cards: Δ, parameters, γ, depth, compute, training memory, conditioning.

Every figure is a field of the library's
:class:`~wavenetlike.analysis.model_report.ModelReport`; this module only words and formats it.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from wavenetlike.train_config import TrainConfig

from .readout_card import ReadoutGrid

__all__ = ["ModelReadouts"]


def _human(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.4g}"


def _bytes(n: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


class ModelReadouts(ReadoutGrid):
    """The model report as cards (``readouts["delta"]`` …), four to a row so the grid fits a 1024-px window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(columns=4, parent=parent)
        self.add("delta", "Receptive field Δ (samples)",
                 "How many past samples (including the current one) each prediction can see.")
        self.add("parameters", "Parameters", "Trainable weights in the model.")
        # γ above Conditioning and Depth last: the narrow cards share columns, so the grid fits 1024 px
        self.add("gamma", "γ = parameters / depth",
                 "Parameters divided by depth (the convolutions on the longest path, not the number "
                 "of layers): how wide the model is for how deep it is.")
        self.add("depth", "Depth", "Convolutions on the longest path from input to output.")
        self.add("macs", "Compute per sample",
                 "Multiply-accumulates to generate one sample with the fast cached method.")
        quick = TrainConfig.quick()
        self.add("memory", "Training memory",
                 "Rough activation memory for one training step, forward and backward, at the "
                 f"default training settings: a batch of {quick.batch_size} windows, each Δ−1 samples "
                 f"of context plus {quick.target_length} scored targets (TrainConfig.quick()).")
        self.add("conditioning", "Conditioning",
                 "Parameters of the conditioning networks (label embedding, feature upsampler and "
                 "their 1×1 convolutions into every layer); included in the parameter count.")

    def show_report(self, rep: Any) -> None:
        """Show a :class:`~wavenetlike.analysis.model_report.ModelReport`."""
        # the unit goes in the caption, so the card stays narrow enough for a 1024-px window
        self["delta"].set_value(f"{rep.receptive_field:,}",
                                f"{rep.receptive_field_ms:.2f} ms at {rep.sample_rate:,} Hz")
        self["parameters"].set_value(f"{rep.parameters:,}", f"about {_human(rep.parameters)}")
        self["depth"].set_value(f"{rep.depth}", f"{rep.n_layers} dilated layers")
        self["gamma"].set_value(f"{rep.gamma:,.1f}", "parameters per unit of depth")
        self["macs"].set_value(_human(rep.macs_per_sample),
                               f"{rep.macs_per_sample:,} multiply-adds")
        self["memory"].set_value(_bytes(rep.training_memory_bytes),
                                 f"batch {rep.memory_batch_size} × (Δ−1 + "
                                 f"{rep.memory_window - rep.receptive_field + 1:,})")
        parts = rep.parameter_breakdown or {}
        cond = {"labels": int(parts.get("global_condition", 0)), "features": int(parts.get("local_condition", 0))}
        if any(cond.values()):
            detail = ", ".join(f"{k}: {v:,}" for k, v in cond.items() if v)
            self["conditioning"].set_value(f"{sum(cond.values()):,}", f"parameters ({detail})")
        else:
            self["conditioning"].set_value("off", "")
