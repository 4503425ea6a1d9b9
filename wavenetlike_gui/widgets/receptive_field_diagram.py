"""How the receptive field grows layer by layer, against the data's correlation length.

One horizontal bar per dilated layer (output at the top): the bar's length
is the receptive field Δ of the stack up to and including that layer, in
samples into the past. Every row is labelled: the plot is given a height of
:data:`ROW_PX` per row and scrolls inside its tab when the rows do not fit.
Every Δ comes from the library
(:func:`wavenetlike.config.receptive_field` of the stack cut after that layer),
so the picture agrees with the readouts by construction.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from wavenetlike.config import ModelConfig, receptive_field

from .plot_style import MARK, new_plot

__all__ = ["ReceptiveFieldDiagram", "partial_receptive_fields"]

MAX_ROWS = 256
ROW_PX = 16  # enough for one line of tick text: pyqtgraph drops labels that would overlap
PLOT_MARGIN_PX = 70  # title, bottom axis and its label


def partial_receptive_fields(config: ModelConfig) -> tuple[list[str], list[int]]:
    """Row labels and Δ of the stack cut after each layer (after each block when there are many layers)."""
    dils = config.dilation_list
    cuts = list(range(1, len(dils) + 1))
    per_block = config.dilations is None and len(dils) > MAX_ROWS
    if per_block:
        cuts = [b * config.layers_per_block for b in range(1, config.n_blocks + 1)]
    labels, deltas = [], []
    for n in cuts:
        partial = config.replace(dilations=dils[:n], global_condition_classes=0, labels=[])
        deltas.append(receptive_field(partial))
        labels.append(f"block {n // config.layers_per_block}" if per_block else f"layer {n} (dilation {dils[n - 1]})")
    return labels, deltas


class ReceptiveFieldDiagram(QWidget):
    """Bars of the receptive field after each layer, with the correlation length drawn across."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot("samples into the past that the output can see", "")
        self.plot.getAxis("left").setWidth(130)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=[], width=[], brush="#8fb3e8", pen="#1f5fbf")
        self.plot.addItem(self.bars)
        self.corr_line = pg.InfiniteLine(angle=90, pen=MARK, label="",
                                         labelOpts={"position": 0.06, "color": "#c62828",
                                                    "fill": (255, 255, 255, 220)})
        self.corr_line.setVisible(False)
        self.plot.addItem(self.corr_line)
        self.deltas: list[int] = []
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.plot)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.plot.setMinimumHeight(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    def set_config(self, config: ModelConfig | None, correlation_length: int | None = None) -> None:
        """Draw the bars for ``config``; mark ``correlation_length`` when known."""
        if config is None:
            self.bars.setOpts(x0=[], y=[], height=[], width=[])
            self.deltas = []
            return
        labels, deltas = partial_receptive_fields(config)
        self.deltas = deltas
        n = len(deltas)
        y = np.arange(n, dtype=float)
        self.bars.setOpts(x0=np.zeros(n), y=y, height=np.full(n, 0.7), width=np.asarray(deltas, float))
        axis = self.plot.getAxis("left")
        axis.setTicks([[(i, labels[i]) for i in range(n)], []])
        # pyqtgraph drops a tick label wider than its axis: make the axis as wide as the longest one
        metrics = QFontMetrics(axis.style.get("tickFont") or self.plot.font())
        axis.setWidth(max(metrics.horizontalAdvance(t) for t in labels) + 16)
        self.plot.setMinimumHeight(max(120, n * ROW_PX + PLOT_MARGIN_PX))
        right = max(deltas)
        if correlation_length:
            self.corr_line.setVisible(True)  # before setFormat: hidden labels ignore new text
            self.corr_line.setPos(correlation_length)
            self.corr_line.label.setFormat(f"correlation length {correlation_length} samples")
            right = max(right, correlation_length)
        else:
            self.corr_line.setVisible(False)
        self.plot.setXRange(0, right * 1.05, padding=0)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)

    def drawn_row_labels(self) -> list[str]:
        """The row labels pyqtgraph actually draws at the plot's current size (overlapping ones are dropped)."""
        axis = self.plot.getAxis("left")
        image = QImage(max(1, int(axis.width())), max(1, int(axis.height())), QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            specs = axis.generateDrawSpecs(painter)
        finally:
            painter.end()
        return [] if specs is None else [text for _rect, _flags, text in specs[2]]
