"""Held-out bits/sample per validation, with the library's baselines drawn as the lines to beat."""
from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt

__all__ = ["HeldOutPlot"]

BASELINE_PENS = {
    "linear predictor (order 32)": pg.mkPen("#2e7d32", width=2, style=Qt.PenStyle.DashLine),
    "same class": pg.mkPen("#757575", width=1.5, style=Qt.PenStyle.DotLine),
}


class HeldOutPlot(pg.PlotWidget):
    """Validation points in bits/sample (lower is better) and one horizontal line per baseline.

    The figures come from the library's validation events (``TrainEvent.bits_per_sample``
    and ``TrainEvent.baselines``); nothing is computed here.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setMinimumHeight(60)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("left", "bits/sample")  # short: the plot may be 100 px tall
        self.setLabel("bottom", "step")
        self.addLegend(offset=(-10, 10), labelTextColor="#333333", brush=pg.mkBrush(255, 255, 255, 210))
        self.setToolTip("Bits per sample on whole held-out clips (at the model's mu-law classes; lower is "
                        "better). Dashed: the order-32 linear predictor on the same samples — the line to "
                        "beat; dotted: 'same class as the previous sample'.")
        self.curve = self.plot([], [], pen=pg.mkPen("#c62828", width=2), symbol="o", symbolSize=5,
                               symbolBrush="#c62828", name="held-out (model)")
        self.steps: list[int] = []
        self.bits: list[float] = []
        self.lines: dict[str, pg.InfiniteLine] = {}
        self.baselines: dict[str, float] = {}

    def clear_points(self) -> None:
        """Forget every point and baseline (a new run)."""
        self.steps.clear()
        self.bits.clear()
        self.curve.setData([], [])
        for line in self.lines.values():
            self.removeItem(line)
        self.lines.clear()
        self.baselines.clear()

    def add_validation(self, step: int, bits: float | None, baselines: dict[str, float | None] | None) -> None:
        """One validation: its bits/sample and (once known) the baselines' on the same targets."""
        if bits is not None:
            self.steps.append(int(step))
            self.bits.append(float(bits))
            self.curve.setData(self.steps, self.bits)
        for name, value in (baselines or {}).items():
            if value is None or name in self.lines:
                continue
            pen = BASELINE_PENS.get(name, pg.mkPen("#1565c0", width=1.5, style=Qt.PenStyle.DashLine))
            line = pg.InfiniteLine(pos=float(value), angle=0, pen=pen,
                                   label=f"{name}: {value:.3f}", labelOpts={"position": 0.02, "color": "#333333",
                                                                             "anchors": [(0, 1), (0, 1)]})
            self.addItem(line)
            self.lines[name] = line
            self.baselines[name] = float(value)
        self._place_labels()

    def _place_labels(self) -> None:
        """Labels above their lines, but the highest line's below it: the view ends just above that line."""
        top = max(self.baselines, key=self.baselines.get, default=None)
        for name, line in self.lines.items():
            anchor = (0, 0) if name == top and len(self.lines) > 1 else (0, 1)
            line.label.anchors = [anchor, anchor]
            line.label.updatePosition()

    def label_inside_view(self, name: str) -> bool:
        """Whether the baseline ``name``'s label lies wholly inside the plot area (what the user can read)."""
        label = self.lines[name].label
        view = self.getPlotItem().vb
        box = view.mapSceneToView(label.sceneBoundingRect()).boundingRect()  # in the plot's units
        shown = view.viewRect()
        return shown.top() <= box.top() and box.bottom() <= shown.bottom()

    def set_history(self, history: list[dict[str, Any]]) -> None:
        """Redraw from a run's history (the baselines are not stored there: they return with the next validation)."""
        self.clear_points()
        for h in history:
            if h.get("kind") == "validation" and h.get("val_bits_per_sample") is not None:
                self.add_validation(h["step"], h["val_bits_per_sample"], None)

    def to_beat(self) -> str:
        """A sentence for the readout: the last figure against the strongest baseline."""
        if not self.bits:
            return ""
        text = f"held-out {self.bits[-1]:.3f} bits/sample"
        if self.baselines:
            name, value = min(self.baselines.items(), key=lambda kv: kv[1])
            verdict = "beats" if self.bits[-1] < value else "still above"
            text += f" — {verdict} the {name} ({value:.3f})"
        return text
