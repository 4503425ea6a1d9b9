"""The Training step's main area: readouts, live loss / accuracy / held-out curves, the step log and the runs.

:class:`TrainingCurves` draws what the Training panel hands it (TrainEvents,
or a saved history); it decides nothing about runs.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QGridLayout, QLabel, QPlainTextEdit, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from .heldout_plot import HeldOutPlot
from .runs_table import RunOverlays, RunsTable
from .smoothing import SmoothingControl, ema_smooth
from .training_settings import format_duration

__all__ = ["TrainingCurves", "LOG_LINES"]

LOG_LINES = 3000
TRAIN_PEN = pg.mkPen("#1f5fbf", width=1.2)
RAW_PEN = pg.mkPen(31, 95, 191, 60, width=1)
VAL_PEN = pg.mkPen("#c62828", width=2)
READOUTS = [("step", "Step"), ("loss", "Loss"), ("accuracy", "Accuracy"), ("val", "Validation loss / acc"),
            ("steps_s", "Steps/s"), ("samples_s", "Samples/s"), ("elapsed", "Elapsed"), ("eta", "ETA")]


class _Curves:
    """Train and validation series of one quantity, as growing arrays; the train curve EMA-smoothed."""

    def __init__(self, plot: pg.PlotWidget, name: str) -> None:
        plot.addLegend(offset=(-10, 10), labelTextColor="#333333", brush=pg.mkBrush(255, 255, 255, 210))
        self.raw = plot.plot([], [], pen=RAW_PEN)  # faint, behind the smoothed curve (TensorBoard's look)
        self.raw.setDownsampling(auto=True, method="peak")
        self.raw.setClipToView(True)
        self.train = plot.plot([], [], pen=TRAIN_PEN, name=f"train {name}")
        self.train.setDownsampling(auto=True, method="peak")
        self.train.setClipToView(True)
        self.val = plot.plot([], [], pen=VAL_PEN, symbol="o", symbolSize=5, symbolBrush="#c62828",
                             name=f"validation {name}")
        self.smoothing = 0.0
        self.tx: list[float] = []
        self.ty: list[float] = []
        self.vx: list[float] = []
        self.vy: list[float] = []

    def clear(self) -> None:
        self.tx, self.ty, self.vx, self.vy = [], [], [], []
        self.redraw()

    def redraw(self) -> None:
        x, y = np.asarray(self.tx, float), np.asarray(self.ty, float)
        self.raw.setData(x, y)
        self.raw.setVisible(self.smoothing > 0)
        self.train.setData(x, ema_smooth(y, self.smoothing))
        self.val.setData(np.asarray(self.vx, float), np.asarray(self.vy, float))


def _plot(y_label: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setLabel("bottom", "step")
    w.setLabel("left", y_label)
    for side in ("left", "bottom"):  # plain numbers: no "(x0.001)" scaling of accuracies or step counts
        w.getAxis(side).enableAutoSIPrefix(False)
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumHeight(80)  # four plots and the log share the height of a 700-px window
    return w


class TrainingCurves(QWidget):
    """Readouts over the loss, accuracy and held-out plots, with the Log and Runs tabs below.

    ``validation_on_loss``: whether held-out loss shares the loss plot (only where the units
    agree: categorical models); the panel sets it from the model config.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.validation_on_loss = True
        self.last_event: Any = None
        self.readouts: dict[str, QLabel] = {}
        readout_grid = QGridLayout()
        for i, (key, caption) in enumerate(READOUTS):
            cap = QLabel(caption)
            cap.setStyleSheet("color: #555;")
            val = QLabel("—")
            val.setStyleSheet("font-size: 13pt; font-weight: 600;")
            readout_grid.addWidget(cap, (i // 4) * 2, i % 4)
            if key == "accuracy":
                self._accuracy_caption = cap
            readout_grid.addWidget(val, (i // 4) * 2 + 1, i % 4)
            self.readouts[key] = val

        self.loss_plot = _plot("loss")
        self.acc_plot = _plot("accuracy")
        self.loss_curves = _Curves(self.loss_plot, "loss")
        self.acc_curves = _Curves(self.acc_plot, "accuracy")
        self.acc_plot.setXLink(self.loss_plot)
        self.heldout_plot = HeldOutPlot()
        self.heldout_plot.setXLink(self.loss_plot)
        self.smoothing = SmoothingControl(0.6)
        self.smoothing.changed.connect(self._set_smoothing)
        self._set_smoothing(self.smoothing.value())
        self.log_view = QPlainTextEdit()
        self.log_view.setMinimumHeight(40)  # the plots need the height more than the log
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setPlaceholderText("The step log appears here.")
        font = self.log_view.font()
        font.setFamily("monospace")
        self.log_view.setFont(font)
        self.runs_table = RunsTable()
        self.runs_table.overlays_changed.connect(self._show_overlays)
        self.overlays = RunOverlays(self.loss_plot, self.heldout_plot)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.log_view, "Log")
        self.bottom_tabs.addTab(self.runs_table, "Runs")
        self.bottom_tabs.setTabToolTip(1, "This session's runs: overlay their curves, reopen one for generation")
        for arrow in self.bottom_tabs.tabBar().findChildren(QAbstractButton):
            arrow.setToolTip("Scroll the tabs")
        splitter = QSplitter(Qt.Orientation.Vertical)
        for w in (self.loss_plot, self.acc_plot, self.heldout_plot, self.bottom_tabs):
            splitter.addWidget(w)
        splitter.setSizes([260, 180, 180, 120])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(readout_grid)
        layout.addWidget(self.smoothing)
        layout.addWidget(splitter, 1)

    # ------------------------------------------------------------ curves
    def _set_smoothing(self, weight: float) -> None:
        for curves in (self.loss_curves, self.acc_curves):
            curves.smoothing = weight
            curves.redraw()

    def _show_overlays(self, runs: list[Any]) -> None:
        self.overlays.smoothing = self.smoothing.value()
        self.overlays.show(runs)

    def clear(self) -> None:
        """Empty curves, held-out points and log (a new run)."""
        self.loss_curves.clear()
        self.acc_curves.clear()
        self.heldout_plot.clear_points()
        self.log_view.clear()

    def add_step(self, ev: Any) -> str:
        """Add a step event to the curves; returns its log line."""
        self.loss_curves.tx.append(ev.step)
        self.loss_curves.ty.append(ev.loss)
        if ev.accuracy is not None:
            self.acc_curves.tx.append(ev.step)
            self.acc_curves.ty.append(ev.accuracy)
        self.last_event = ev
        acc = f"  acc {ev.accuracy:.3f}" if ev.accuracy is not None else ""
        return f"step {ev.step:>7}  loss {ev.loss:.5g}{acc}  {ev.steps_per_second or 0:.1f} steps/s"

    def add_validation(self, ev: Any) -> str:
        """Add a validation event to the curves and the held-out plot; returns its log line."""
        if self.validation_on_loss:
            self.loss_curves.vx.append(ev.step)
            self.loss_curves.vy.append(ev.val_loss)
        self.heldout_plot.add_validation(ev.step, ev.bits_per_sample, ev.baselines)
        if ev.val_accuracy is not None:
            self.acc_curves.vx.append(ev.step)
            self.acc_curves.vy.append(ev.val_accuracy)
        acc = f"  acc {ev.val_accuracy:.3f}" if ev.val_accuracy is not None else ""
        self.readouts["val"].setText(f"{ev.val_loss:.4g}" + (f" / {ev.val_accuracy:.3f}"
                                                             if ev.val_accuracy is not None else ""))
        return f"validation at step {ev.step}: loss {ev.val_loss:.5g}{acc}; {self.heldout_plot.to_beat()}"

    def show_added(self, lines: list[str]) -> None:
        """Redraw after adding events, update the readouts and append ``lines`` to the log."""
        self.loss_curves.redraw()
        self.acc_curves.redraw()
        self._show_readouts()
        if len(lines) > LOG_LINES:
            lines = [f"… {len(lines) - LOG_LINES} lines skipped"] + lines[-LOG_LINES:]
        self.log_view.appendPlainText("\n".join(lines))

    def _show_readouts(self) -> None:
        ev = self.last_event
        if ev is None:
            return
        r = self.readouts
        r["step"].setText(f"{ev.step:,}")
        r["loss"].setText(f"{ev.loss:.4g}")
        r["accuracy"].setText("—" if ev.accuracy is None else f"{ev.accuracy:.3f}")
        r["steps_s"].setText(f"{ev.steps_per_second:.1f}" if ev.steps_per_second else "—")
        r["samples_s"].setText(f"{ev.samples_per_second:,.0f}" if ev.samples_per_second else "—")
        r["elapsed"].setText(format_duration(ev.elapsed))
        r["eta"].setText(format_duration(ev.eta))

    def plot_history(self, history: list[dict[str, Any]]) -> None:
        """Rebuild the curves from a history list (a checkpoint's, a run's or a project's)."""
        self.heldout_plot.set_history(history)
        self.loss_curves.clear()
        self.acc_curves.clear()
        for h in history:
            if h.get("kind") == "step" and h.get("loss") is not None:
                self.loss_curves.tx.append(h["step"])
                self.loss_curves.ty.append(h["loss"])
                if h.get("accuracy") is not None:
                    self.acc_curves.tx.append(h["step"])
                    self.acc_curves.ty.append(h["accuracy"])
            elif h.get("kind") == "validation" and h.get("val_loss") is not None:
                if self.validation_on_loss:
                    self.loss_curves.vx.append(h["step"])
                    self.loss_curves.vy.append(h["val_loss"])
                if h.get("val_accuracy") is not None:
                    self.acc_curves.vx.append(h["step"])
                    self.acc_curves.vy.append(h["val_accuracy"])
        self.loss_curves.redraw()
        self.acc_curves.redraw()

    def show_last_step(self, history: list[dict[str, Any]]) -> None:
        """Step and loss readouts from a saved history's last step."""
        steps = [h for h in history if h.get("kind") == "step"]
        if steps:
            self.readouts["step"].setText(f"{steps[-1]['step']:,}")
            self.readouts["loss"].setText(f"{steps[-1]['loss']:.4g}")

    def show_loss_kind(self, unit: str, has_accuracy: bool) -> None:
        """Loss axis in the loss's unit; accuracy plot and readout only for models with classes."""
        # the unit alone: "loss (nats per sample, 16-bit)" did not fit beside a 150-px plot at 1024×700
        self.loss_plot.setLabel("left", unit)
        self.loss_plot.setToolTip(f"Training loss (light: every step; dark: smoothed) and validation loss, in {unit} "
                                  "(lower is better).")
        self.acc_plot.setVisible(has_accuracy)
        self.readouts["accuracy"].setVisible(has_accuracy)
        self._accuracy_caption.setVisible(has_accuracy)

    def curve_point_counts(self) -> dict[str, int]:
        """Points drawn per curve (for tests and screen readers)."""
        def n(item: Any) -> int:
            x = item.xData
            return 0 if x is None else len(x)
        return {"train_loss": n(self.loss_curves.train), "val_loss": n(self.loss_curves.val),
                "train_accuracy": n(self.acc_curves.train), "val_accuracy": n(self.acc_curves.val)}

    # -------------------------------------------------------------- runs
    def show_runs(self, runs: list[Any], current: Any, folder: str) -> None:
        """List the session's runs in the Runs tab (its title counts them)."""
        self.runs_table.set_runs(runs, current, folder)
        self.bottom_tabs.setTabText(1, f"Runs ({len(runs)})")
