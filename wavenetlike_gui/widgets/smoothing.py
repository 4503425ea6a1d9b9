"""TensorBoard's curve smoothing: a debiased exponential moving average, and its slider.

Display only (like TensorBoard's front end): the raw values stay in the
history and are drawn faintly under the smoothed curve.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

__all__ = ["ema_smooth", "SmoothingControl"]


def ema_smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """Debiased EMA of ``values`` (shape ``(n,)``) with smoothing ``weight`` in [0, 1); 0 returns them unchanged.

    ``s_t = w·s_{t−1} + (1−w)·x_t`` from ``s_0 = 0``, divided by ``1 − w^(t+1)`` so the
    first points are not pulled towards zero (TensorBoard's scalar dashboard). Non-finite
    values are skipped (they keep the previous smoothed value).
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if weight <= 0 or x.size == 0:
        return x.copy()
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    out = np.empty_like(x)
    last, debias_n = 0.0, 0
    for i, v in enumerate(x):
        if np.isfinite(v):
            last = weight * last + (1 - weight) * v
            debias_n += 1
        out[i] = last / (1 - weight ** debias_n) if debias_n else np.nan
    return out


class SmoothingControl(QWidget):
    """"Smoothing" slider from 0 to 0.99 (TensorBoard's default 0.6); ``changed(float)``."""

    changed = Signal(float)

    def __init__(self, value: float = 0.6, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 99)
        self.slider.setValue(int(round(value * 100)))
        self.slider.setToolTip("Smooth the training curve with an exponential moving average (as TensorBoard "
                               "does): 0 shows the raw values, higher is smoother. The raw curve stays faint "
                               "behind it.")
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(32)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Smoothing"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.value_label)
        self.slider.valueChanged.connect(self._on_slider)
        self._on_slider(self.slider.value())

    def value(self) -> float:
        return self.slider.value() / 100.0

    def _on_slider(self, v: int) -> None:
        self.value_label.setText(f"{v / 100:.2f}")
        self.changed.emit(v / 100.0)
