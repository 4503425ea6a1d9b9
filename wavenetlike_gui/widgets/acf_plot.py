"""The dataset's autocorrelation, with the correlation length (and optionally Δ) marked."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .plot_style import DELTA, LINE, MARK, add_long_curve, new_plot

__all__ = ["AcfPlot"]


class AcfPlot(QWidget):
    """ACF against lag in samples; vertical lines for the correlation length and Δ."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot("lag (samples into the past)", "autocorrelation")
        self.plot.addLegend(offset=(-10, -10))  # bottom right: the ACF has died out there
        self.curve = add_long_curve(self.plot, pen=LINE, name="autocorrelation")
        self.corr_key = pg.PlotDataItem(pen=MARK, name="correlation length")  # legend entry only
        self.plot.addItem(self.corr_key)
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#999", width=1))
        self.plot.addItem(self.zero)
        self.corr_line = pg.InfiniteLine(angle=90, pen=MARK, movable=False,
                                         label="", labelOpts={"position": 0.88, "color": "#c62828",
                                                              "fill": (255, 255, 255, 220)})
        self.delta_line = pg.InfiniteLine(angle=90, pen=DELTA, movable=False,
                                          label="", labelOpts={"position": 0.70, "color": "#2e7d32",
                                                               "fill": (255, 255, 255, 220)})
        self.corr_line.setVisible(False)
        self.delta_line.setVisible(False)
        self.plot.addItem(self.corr_line)
        self.plot.addItem(self.delta_line)
        self.corr_label_text = ""
        self.delta_label_text = ""
        self._max_lag = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_acf(self, acf: np.ndarray | None, correlation_length: int | None = None,
                correlation_length_ms: float | None = None, definition: str = "") -> None:
        """Show the ACF (lags 0…len−1) and mark the correlation length."""
        if acf is None or len(acf) == 0:
            self.curve.setData([], [])
            self.corr_line.setVisible(False)
            self._max_lag = 0
            return
        acf = np.asarray(acf, dtype=np.float64)
        self._max_lag = len(acf) - 1
        self.curve.setData(np.arange(len(acf)), acf)
        if correlation_length is not None:
            ms = f" = {correlation_length_ms:.2f} ms" if correlation_length_ms is not None else ""
            self.corr_label_text = f"correlation length {correlation_length} samples{ms}"
            self.corr_line.setVisible(True)  # before setFormat: hidden labels ignore new text
            self.corr_line.setPos(correlation_length)
            # on the plot only the figure (the legend names the line), beside the line on the roomier side
            self.corr_line.label.setFormat(f"{correlation_length} samples{ms}")
            self.corr_line.setToolTip(self.corr_label_text + (f"\n\n{definition}" if definition else ""))
        else:
            self.corr_line.setVisible(False)
        self._fit()

    def set_delta(self, delta: int | None, delta_ms: float | None = None) -> None:
        """Mark the model's receptive field Δ (None hides the mark)."""
        if delta is None:
            self.delta_line.setVisible(False)
            self.delta_label_text = ""
            return
        ms = f" = {delta_ms:.2f} ms" if delta_ms is not None else ""
        self.delta_label_text = f"model sees Δ = {delta} samples{ms}"
        self.delta_line.setVisible(True)
        self.delta_line.setPos(delta)
        self.delta_line.label.setFormat(self.delta_label_text)
        self._fit()

    def _fit(self) -> None:
        """Show the interesting part: a few correlation lengths of the ACF, and Δ when marked."""
        right = 50.0
        if self.corr_line.isVisible():
            right = max(right, 8.0 * self.corr_line.value())
        if self._max_lag:
            right = min(right, float(self._max_lag))
        if self.delta_line.isVisible():
            right = max(right, 1.25 * self.delta_line.value())
        self.plot.setXRange(0, right, padding=0.02)
        self.plot.setYRange(-1.0, 1.05, padding=0)
        for line in (self.corr_line, self.delta_line):  # each label beside its line, on the roomier side
            side = (1.0, 0.5) if line.value() > 0.5 * right else (0.0, 0.5)
            line.label.anchors = [side, side]
            line.label.updatePosition()
