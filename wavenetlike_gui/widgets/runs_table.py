"""The session's training runs as a table, and their curves overlaid on the Training step's plots.

Each row is one run folder (:class:`wavenetlike.session.Run`): number and
name, status, steps, best held-out bits/sample, Δ and parameters. Ticking a
row's "Show" box overlays that run's training loss (EMA-smoothed like the live
curve) and held-out bits/sample on the plots, in the row's colour; "Open"
makes the selected run the one on screen (its model goes to the Generate
step). Everything shown is read from the run folders; nothing is computed here.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .smoothing import ema_smooth

__all__ = ["RunsTable", "RunOverlays", "run_colour"]

COLUMNS = ("Show", "Run", "Status", "Steps", "Held-out bits", "Δ", "Params")
PALETTE = ("#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#558b2f", "#4e342e", "#283593", "#f9a825")


def run_colour(number: int) -> str:
    """The colour of run ``number``'s overlaid curves (and its row's marker)."""
    return PALETTE[(int(number) - 1) % len(PALETTE)]


class RunsTable(QWidget):
    """The runs of a session; ``overlays_changed(list)`` with the ticked runs, ``open_requested(run)``."""

    overlays_changed = Signal(list)
    open_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[Any] = []
        self.current_folder: str | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)  # one line a run: the full name is in the tooltip
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Every Start makes a new run folder; earlier runs are kept. Tick 'Show' to "
                              "overlay a run's curves; select a run and press Open to generate with it.")
        self.table.setCornerButtonEnabled(False)
        for corner in self.table.findChildren(QAbstractButton):
            corner.setToolTip("The runs of this session")
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.cellDoubleClicked.connect(lambda row, _col: self._open_row(row))
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Make the selected run the one on screen: its model goes to the "
                                    "Generate step, and Continue continues it.")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: self._open_row(self.table.currentRow()))
        self.folder_label = QLabel("")
        self.folder_label.setStyleSheet("color: #555;")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long runs folder must not widen the window (seen: 1,220 px at "1024x700"); the tooltip has it all
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self._filling = False

    # ------------------------------------------------------------------ data
    def set_runs(self, runs: list[Any], current: Any = None, folder: str = "") -> None:
        """Show ``runs`` (oldest first); ``current`` is marked bold; ticks of runs still listed are kept."""
        ticked = {r.folder for r in self.ticked_runs()}
        self.runs = list(runs)
        self.current_folder = str(current.folder) if current is not None else None
        self.folder_label.setText(f"Runs in {folder}" if folder else "")
        self.folder_label.setToolTip(f"Runs in {folder}\nOpen them in TensorBoard with: tensorboard --logdir {folder}"
                                     if folder else "")
        self._filling = True
        try:
            self.table.setRowCount(len(self.runs))
            for i, run in enumerate(self.runs):
                self._fill_row(i, run, run.folder in ticked)
        finally:
            self._filling = False
        self.open_button.setEnabled(self.table.currentRow() >= 0)

    def _fill_row(self, i: int, run: Any, ticked: bool) -> None:
        show = QTableWidgetItem("")
        show.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        show.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        show.setBackground(QColor(run_colour(run.number)))
        show.setToolTip("Overlay this run's curves on the plots")
        best = run.best_bits
        cfg = run.model_config
        cells = [show, QTableWidgetItem(f"{run.number:03d} {run.name}"), QTableWidgetItem(run.status),
                 QTableWidgetItem(str(run.steps)), QTableWidgetItem("—" if best is None else f"{best:.3f}"),
                 QTableWidgetItem(str(cfg.receptive_field)), QTableWidgetItem(_short_count(_parameters(cfg)))]
        cells[1].setToolTip(f"{run.folder}\n{run.message}" if run.message else str(run.folder))
        cells[4].setToolTip("Best held-out bits per sample (lower is better), on whole held-out clips")
        cells[6].setToolTip(f"{_parameters(cfg):,} parameters")
        current = str(run.folder) == self.current_folder
        for col, item in enumerate(cells):
            if current:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.table.setItem(i, col, item)

    def ticked_runs(self) -> list[Any]:
        """The runs whose "Show" box is ticked."""
        out = []
        for i, run in enumerate(self.runs):
            item = self.table.item(i, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(run)
        return out

    def set_ticked(self, run: Any, ticked: bool) -> None:
        """Tick or untick ``run``'s "Show" box (as a click would)."""
        for i, r in enumerate(self.runs):
            if r.folder == run.folder:
                self.table.item(i, 0).setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    # --------------------------------------------------------------- signals
    def _item_changed(self, item: QTableWidgetItem) -> None:
        if not self._filling and item.column() == 0:
            self.overlays_changed.emit(self.ticked_runs())

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(self.table.currentRow() >= 0)

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.runs):
            self.open_requested.emit(self.runs[row])


def _short_count(n: int) -> str:
    """125568 -> "126k", 2_400_000 -> "2.4M": a narrow column's figure (the tooltip has it whole)."""
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    return f"{n / 1e3:.0f}k" if n >= 10_000 else f"{n:,}"


def _parameters(config: Any) -> int:
    from wavenetlike.config import parameter_count
    return int(parameter_count(config))


class RunOverlays:
    """Earlier runs' curves on the loss and held-out plots: training loss (EMA-smoothed) and held-out bits."""

    def __init__(self, loss_plot: pg.PlotWidget, heldout_plot: pg.PlotWidget) -> None:
        self.loss_plot = loss_plot
        self.heldout_plot = heldout_plot
        self.items: dict[str, tuple[Any, Any]] = {}
        self.smoothing = 0.6

    def show(self, runs: list[Any]) -> None:
        """Draw exactly ``runs`` (each read from its history file)."""
        self.clear()
        for run in runs:
            colour = run_colour(run.number)
            steps, losses, vsteps, vbits = _curves(run.history)
            label = f"run {run.number:03d}"
            loss = self.loss_plot.plot(steps, ema_smooth(losses, self.smoothing),
                                       pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                                       name=f"{label} train")
            held = self.heldout_plot.plot(vsteps, vbits, pen=pg.mkPen(colour, width=1.5), symbol="t",
                                          symbolSize=6, symbolBrush=colour, name=f"{label} held-out")
            self.items[str(run.folder)] = (loss, held)

    def clear(self) -> None:
        for loss, held in self.items.values():
            self.loss_plot.removeItem(loss)
            self.heldout_plot.removeItem(held)
        self.items = {}

    def point_counts(self) -> dict[str, tuple[int, int]]:
        """(training points, held-out points) drawn per run folder (for tests and readouts)."""
        return {k: (len(a.getData()[0] if a.getData()[0] is not None else []),
                    len(b.getData()[0] if b.getData()[0] is not None else []))
                for k, (a, b) in self.items.items()}


def _curves(history: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    steps = [h["step"] for h in history if h.get("kind") == "step" and h.get("loss") is not None]
    losses = [h["loss"] for h in history if h.get("kind") == "step" and h.get("loss") is not None]
    val = [(h["step"], h.get("bits_per_sample") if h.get("bits_per_sample") is not None
            else h.get("val_bits_per_sample"))
           for h in history if h.get("kind") == "validation"]
    val = [(s, b) for s, b in val if b is not None]
    return (np.asarray(steps, float), np.asarray(losses, float),
            np.asarray([s for s, _ in val], float), np.asarray([b for _, b in val], float))
