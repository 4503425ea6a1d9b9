"""One look for every plot: white background, dark axes, readable labels."""
from __future__ import annotations

import pyqtgraph as pg

pg.setConfigOptions(antialias=True, background="w", foreground="#333333")

LINE = pg.mkPen("#1f5fbf", width=1.2)
MARK = pg.mkPen("#c62828", width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
DELTA = pg.mkPen("#2e7d32", width=2)


def new_plot(x_label: str, y_label: str, x_units: str | None = None, y_units: str | None = None) -> pg.PlotWidget:
    """A PlotWidget with labelled axes and a light grid."""
    w = pg.PlotWidget()
    w.setLabel("bottom", x_label, units=x_units)
    w.setLabel("left", y_label, units=y_units)
    if y_units is None:  # plain numbers: no "(x0.001)" rescaling of amplitudes or correlations
        w.getAxis("left").enableAutoSIPrefix(False)
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumHeight(160)
    return w


def add_long_curve(plot: pg.PlotWidget, **kwargs) -> pg.PlotDataItem:
    """Add a curve for long data: peak auto-downsampling and clip-to-view, set on creation.

    The PlotItem imposes its own downsampling and clipping settings on every
    curve added to it, so they are set on the plot too.
    """
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    curve = pg.PlotDataItem(autoDownsample=True, downsampleMethod="peak", clipToView=True, **kwargs)
    plot.addItem(curve)
    return curve
