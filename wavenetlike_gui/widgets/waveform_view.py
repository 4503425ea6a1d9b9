"""A waveform plot that stays smooth on long clips.

The curve is created with ``autoDownsample=True``, ``downsampleMethod="peak"``
and ``clipToView=True`` so a 10-minute file pans and zooms without drawing
millions of points.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .plot_style import LINE, add_long_curve, new_plot

__all__ = ["WaveformView"]


class WaveformView(QWidget):
    """Plot one waveform against time in seconds."""

    def __init__(self, parent: QWidget | None = None, y_label: str = "amplitude") -> None:
        super().__init__(parent)
        self.plot = new_plot("time", y_label, x_units="s")
        self.curve = add_long_curve(self.plot, pen=LINE)
        self.title = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_waveform(self, audio: np.ndarray | None, sample_rate: int, title: str = "",
                     y_label: str | None = None) -> None:
        """Show ``audio`` (1-D) sampled at ``sample_rate``; None clears the plot."""
        if y_label:
            self.plot.setLabel("left", y_label)
        self.title = title
        self.plot.setTitle(title, size="10pt")
        if audio is None or len(audio) == 0:
            self.curve.setData([], [])
            return
        audio = np.asarray(audio, dtype=np.float32)
        t = np.arange(len(audio), dtype=np.float64) / float(sample_rate)
        self.curve.setData(t, audio)
        self.plot.enableAutoRange()

    def point_count(self) -> int:
        """Number of samples currently held by the curve."""
        x = self.curve.xData
        return 0 if x is None else len(x)
