"""The Training step's settings form: device, batch, window, learning rate, stop condition, runs folder.

:class:`TrainingSettingsForm` reads and shows the library's
:class:`~wavenetlike.train_config.TrainConfig`; the Training panel owns the run.
"""
from __future__ import annotations

import math
import os
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QGroupBox, QLineEdit, QWidget

from wavenetlike.train_config import LINEAR_TERM_LR, TrainConfig

from .controls import button, row, spin

AUTO_LR = "auto (the model's recipe)"
"""What the learning-rate box shows at 0: TrainConfig.quick_for(the model)'s rate is used."""

__all__ = ["TrainingSettingsForm", "detect_devices", "default_threads", "format_duration"]


def detect_devices() -> list[tuple[str, str]]:
    """``(value, label)`` pairs for the device choice: auto first, then CPU and every CUDA device."""
    import torch
    cuda = torch.cuda.is_available()
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    auto = f"auto (CUDA: {names[0]})" if names else "auto (CPU: no CUDA device found)"
    out = [("auto", auto), ("cpu", "CPU")]
    out += [(f"cuda:{i}", f"cuda:{i} — {n}") for i, n in enumerate(names)]
    return out


def default_threads() -> int:
    """Torch threads for training: all cores but one (the GUI's), at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


def format_duration(seconds: float | None) -> str:
    """``1 h 02 min``, ``3 min 05 s``, ``12 s``; ``—`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


class TrainingSettingsForm(QGroupBox):
    """The settings of the next run. ``runs_folder_chosen(str)`` when the user edits or browses the runs folder."""

    runs_folder_chosen = Signal(str)

    def __init__(self, runs_dir: str, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        quick = TrainConfig.quick()
        self.device_combo = QComboBox()
        for value, label in detect_devices():
            self.device_combo.addItem(label, value)
        self.device_combo.setToolTip("Where to train. auto: the first CUDA GPU when there is one, else the CPU.")
        self.batch_spin = spin(1, 4096, quick.batch_size, "Training windows per step.")
        self.window_spin = spin(1, 1_000_000, quick.target_length, "Target length: scored samples per window (each "
                                "window also holds Δ−1 samples of context, Δ = the receptive field).",
                                suffix=" samples")
        self.lr_spin = spin(0.0, 1.0, 0.0, "Adam's learning rate. auto: the library's recipe for the model "
                            f"(TrainConfig.quick_for): {LINEAR_TERM_LR:g} for a model with an adaptive scale (the "
                            f"suggestion for audio), {quick.lr:g} for any other. Lower it if the loss jumps or "
                            "becomes NaN.", decimals=6, step=0.0001, special=AUTO_LR)
        self.stop_combo = QComboBox()
        self.stop_combo.addItem("steps", "steps")
        self.stop_combo.addItem("minutes", "minutes")
        self.stop_combo.setToolTip("Stop after a number of training steps, or after a time in minutes.")
        self.stop_spin = spin(1, 10_000_000, 1000, "How many steps (or minutes) to train before stopping; a "
                              "checkpoint is written at the end.", decimals=0)
        self._stop_values = {"steps": 1000.0, "minutes": 5.0}
        self.stop_combo.currentIndexChanged.connect(self._stop_unit_changed)
        self.val_spin = spin(0, 1_000_000, 100, "Validate on held-out clips every this many steps (and at the end).",
                             special="never")
        self.ckpt_every_spin = spin(0, 1_000_000, 200, "Write a checkpoint every this many steps; one is always "
                                    "written on stop.", special="only at the end")
        self.runs_edit = QLineEdit(runs_dir)
        self.runs_edit.setToolTip("The folder of this session's runs: every Start makes a new run folder in it "
                                  "(configs, last and best checkpoints, history, TensorBoard event files); "
                                  "no run overwrites another. Open it with: tensorboard --logdir <folder>")
        self.runs_edit.editingFinished.connect(self._runs_folder_edited)
        browse = button("…", "Choose the folder where the runs are kept.", self._browse_runs_folder)
        browse.setFixedWidth(32)
        runs_row = row((self.runs_edit, 1), browse)

        form = QFormLayout(self)
        form.addRow("Device", self.device_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Window", self.window_spin)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Stop after", row((self.stop_spin, 1), self.stop_combo))
        form.addRow("Validate every", self.val_spin)
        form.addRow("Checkpoint every", self.ckpt_every_spin)
        form.addRow("Runs folder", runs_row)

    def editors(self) -> list[QWidget]:
        """Every control of the form (disabled together while a run trains)."""
        return [self.device_combo, self.batch_spin, self.window_spin, self.lr_spin, self.stop_combo,
                self.stop_spin, self.val_spin, self.ckpt_every_spin, self.runs_edit]

    def runs_folder(self) -> str:
        """The runs folder as typed (stripped)."""
        return self.runs_edit.text().strip()

    def _stop_unit_changed(self) -> None:
        """Switch the unit; each unit keeps its own value (1000 steps ↔ 5 minutes, or what was typed)."""
        minutes = self.stop_combo.currentData() == "minutes"
        previous = "steps" if minutes else "minutes"
        self._stop_values[previous] = self.stop_spin.value()
        self.stop_spin.setDecimals(1 if minutes else 0)
        self.stop_spin.setValue(self._stop_values["minutes" if minutes else "steps"])

    def _browse_runs_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Runs folder", self.runs_edit.text())
        if folder:
            self.runs_edit.setText(folder)
            self._runs_folder_edited()

    def _runs_folder_edited(self) -> None:
        if self.runs_folder():
            self.runs_folder_chosen.emit(self.runs_folder())

    def train_config(self, model_config: Any = None) -> TrainConfig:
        """The settings in the form as the library's TrainConfig (the stop condition counts from step 0).

        A learning rate left at auto is ``TrainConfig.quick_for(model_config)``'s.
        """
        by_minutes = self.stop_combo.currentData() == "minutes"
        return TrainConfig.quick(
            device=self.device_combo.currentData(), batch_size=self.batch_spin.value(),
            target_length=self.window_spin.value(),
            lr=self.lr_spin.value() or TrainConfig.quick_for(model_config).lr,
            max_steps=None if by_minutes else int(self.stop_spin.value()),
            max_seconds=float(self.stop_spin.value()) * 60.0 if by_minutes else None,
            validation_every=self.val_spin.value() or None, checkpoint_every=self.ckpt_every_spin.value() or None,
            threads=default_threads())

    def set_train_config(self, config: TrainConfig) -> None:
        """Show ``config`` in the form (an unknown device falls back to auto)."""
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(config.device)))
        self.batch_spin.setValue(int(config.batch_size))
        self.window_spin.setValue(int(config.target_length))
        self.lr_spin.setValue(float(config.lr))
        if config.max_seconds is not None and config.max_steps is None:
            self.stop_combo.setCurrentIndex(max(0, self.stop_combo.findData("minutes")))
            self.stop_spin.setValue(config.max_seconds / 60.0)
        elif config.max_steps is not None:
            self.stop_combo.setCurrentIndex(max(0, self.stop_combo.findData("steps")))
            self.stop_spin.setValue(float(config.max_steps))
        self.val_spin.setValue(int(config.validation_every or 0))
        self.ckpt_every_spin.setValue(int(config.checkpoint_every or 0))

    def more(self) -> dict[str, Any]:
        """The 'Stop after' value as the amount to continue a run by (``more_steps`` or ``more_seconds``)."""
        value = self.stop_spin.value()
        if self.stop_combo.currentData() == "minutes":
            return {"more_seconds": float(value) * 60.0}
        return {"more_steps": int(value)}
