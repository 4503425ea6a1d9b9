"""The predictability curve: held-out bits/sample against context length (log x), context needed marked."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .plot_style import DELTA, LINE, MARK, new_plot

__all__ = ["PredictabilityPlot"]

PITCH = pg.mkPen("#ef6c00", width=1.2, style=pg.QtCore.Qt.PenStyle.DotLine)
THRESHOLD = pg.mkPen("#777777", width=1, style=pg.QtCore.Qt.PenStyle.DashLine)


class PredictabilityPlot(QWidget):
    """Bits/sample of a linear and a pitch predictor against the past they see; the context needed,
    the threshold band above the best value, and optionally the model's Δ, as lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot("context L (samples, log scale)", "held-out bits/sample")
        self.plot.setLogMode(x=True, y=False)
        self.plot.addLegend(offset=(-5, 5))  # top right: the curve has fallen to its floor there
        self.best_curve = pg.PlotDataItem(pen=LINE, symbol="o", symbolSize=4, symbolBrush="#1f5fbf",
                                          name="best")
        self.linear_curve = pg.PlotDataItem(pen=pg.mkPen("#90a4ae", width=1), name="linear")
        self.pitch_curve = pg.PlotDataItem(pen=PITCH, name="+ pitch")
        for item in (self.linear_curve, self.pitch_curve, self.best_curve):
            self.plot.addItem(item)
        self.threshold_line = pg.InfiniteLine(angle=0, pen=THRESHOLD, movable=False)
        self.threshold_key = pg.PlotDataItem(pen=THRESHOLD, name="best + threshold")  # legend entry only
        self.plot.addItem(self.threshold_key)
        self.needed_line = pg.InfiniteLine(angle=90, pen=MARK, movable=False, label="",
                                           labelOpts={"position": 0.22, "color": "#c62828",
                                                      "fill": (255, 255, 255, 220)})
        self.delta_line = pg.InfiniteLine(angle=90, pen=DELTA, movable=False, label="",
                                          labelOpts={"position": 0.36, "color": "#2e7d32",
                                                     "fill": (255, 255, 255, 220)})
        for line in (self.threshold_line, self.needed_line, self.delta_line):
            line.setVisible(False)
            self.plot.addItem(line)
        self.needed_label_text = ""
        self.threshold_label_text = ""
        self.delta_label_text = ""
        self.curve: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_curve(self, curve: Any) -> None:
        """Show a :class:`~wavenetlike.analysis.predictability.PredictabilityCurve` (None clears)."""
        self.curve = curve
        if curve is None:
            for item in (self.best_curve, self.linear_curve, self.pitch_curve):
                item.setData([], [])
            for line in (self.threshold_line, self.needed_line):
                line.setVisible(False)
            self.needed_label_text = self.threshold_label_text = ""
            return
        contexts = np.asarray(curve.contexts, dtype=float)
        self.best_curve.setData(contexts, np.asarray(curve.bits, dtype=float))
        self.linear_curve.setData(contexts, np.asarray(curve.linear_bits, dtype=float))
        # the pitch predictor from the first context where it is competitive (below that it has too little
        # room for a short-term predictor and sits far off the scale)
        pitch = [(c, b) for c, b, lin in zip(curve.contexts, curve.pitch_bits, curve.linear_bits)
                 if b is not None and b <= lin + curve.threshold]
        if pitch:
            pitch = [(c, b) for c, b in zip(curve.contexts, curve.pitch_bits) if b is not None and c >= pitch[0][0]]
        if pitch:
            self.pitch_curve.setData([c for c, _ in pitch], [b for _, b in pitch])
        else:
            self.pitch_curve.setData([], [])
        level = min(curve.bits) + curve.threshold
        self.threshold_label_text = f"best + {curve.threshold:g}"
        self.threshold_line.setVisible(True)
        self.threshold_line.setPos(level)
        self.threshold_line.setToolTip(self.threshold_label_text)
        self.plot.getPlotItem().legend.getLabel(self.threshold_key).setText(self.threshold_label_text)
        self.needed_label_text = f"L = {curve.context_needed} ({curve.context_needed_ms:.1f} ms)"
        self.needed_line.setVisible(True)
        self.needed_line.setPos(math.log10(curve.context_needed))  # log-x: lines sit at log10 of the value
        self.needed_line.label.setFormat(self.needed_label_text)
        right_half = math.log10(curve.context_needed) > 0.5 * math.log10(max(contexts.max(), 2))
        side = (1.0, 0.5) if right_half else (0.0, 0.5)  # the text beside the line, on the roomier side
        self.needed_line.label.anchors = [side, side]
        self.needed_line.label.updatePosition()
        self.needed_line.setToolTip(curve.definition)
        finite = [b for b in curve.bits if math.isfinite(b)]
        if finite:
            self.plot.setYRange(min(finite) - 0.05, max(finite) + 0.05, padding=0.05)
        self.plot.setXRange(0, math.log10(max(contexts.max(), 2)), padding=0.02)

    def set_delta(self, delta: int | None, delta_ms: float | None = None) -> None:
        """Mark the past a model with receptive field Δ sees when it predicts a sample (None hides it)."""
        if delta is None or delta < 1:
            self.delta_line.setVisible(False)
            self.delta_label_text = ""
            return
        ms = f" = {delta_ms:.2f} ms" if delta_ms is not None else ""
        self.delta_label_text = f"model sees Δ = {delta} samples{ms}"
        self.delta_line.setVisible(True)
        self.delta_line.setPos(math.log10(delta))
        self.delta_line.label.setFormat(self.delta_label_text)
