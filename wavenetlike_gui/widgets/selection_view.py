"""“Find the best model”: runs the library's ``select`` in the background with a live leaderboard.

A sortable table (one row per candidate: Δ, parameters, compute, held-out
bits/sample, training seconds, state, and a “Use” button) and a scatter of
bits/sample against compute per sample fill as trials are scored. Cancel stops
the run between training steps (the interrupted trial is redone when the same
study is resumed). Nothing here computes a score: the rows are the library's
:class:`~wavenetlike.selection.LeaderboardRow` values.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..tasks import TaskRunner
from .controls import button
from ..workers import Worker
from .plot_style import new_plot

__all__ = ["SelectionView", "COLUMNS"]

log = logging.getLogger(__name__)

COLUMNS = ["Candidate", "Δ", "Params", "MACs/sample", "Bits/sample", "Train s", "State", ""]


class _SelectionRun:
    """The library's Selection, created and driven inside the worker thread."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.selection: Any = None
        self._cancelled = False

    def events(self) -> Iterator[Any]:
        from wavenetlike.selection import Selection
        self.selection = Selection(**self.kwargs)
        if self._cancelled:
            self.selection.cancel()
        yield from self.selection.events()
        yield self.selection.result()

    def cancel(self) -> None:
        self._cancelled = True
        if self.selection is not None:
            self.selection.cancel()


class _SortItem(QTableWidgetItem):
    def __lt__(self, other: QTableWidgetItem) -> bool:  # numeric columns sort by their UserRole number
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if a is not None and b is not None:
            return float(a) < float(b)
        return super().__lt__(other)


class SelectionView(QWidget):
    """Budget, study file, Start / Cancel, the live leaderboard and the bits-vs-compute scatter.

    ``start_worker``: the owning panel's (so its shutdown joins the thread); the
    search is the one task of :attr:`tasks`.
    ``selection_options``: extra keyword arguments for the library's
    ``Selection`` (tests use tiny trials through it).
    """

    use_requested = Signal(object)      # a ModelConfig
    run_finished = Signal(object)       # the SelectionResult, or None when cancelled / failed

    def __init__(self, project: Any, start_worker: Callable[[Worker], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.tasks = TaskRunner(self, start_worker)
        self.run: _SelectionRun | None = None
        self.rows: list[Any] = []
        self.result: Any = None
        self.selection_options: dict[str, Any] = {}

        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.1, 24 * 60)
        self.minutes.setValue(10.0)
        self.minutes.setSuffix(" min")
        self.minutes.setToolTip("How long to search: candidates are trained and scored within this time.")
        self.storage_edit = QLineEdit()
        self.storage_edit.setPlaceholderText("default study file (in the user data folder)")
        self.storage_edit.setToolTip("Optuna storage: a .db file, journal:FILE, or a database URL. The same data "
                                     "and settings resume the same study; other machines can join it.")
        self.start_button = button("Find the best model", "Train candidates around the suggestion briefly and rank "
                                   "them by held-out bits/sample (successive halving stops poor ones early).", self.start)
        self.cancel_button = button("Cancel", "Stop the search at the next training step.", self.cancel, enabled=False)
        self.status = QLabel("Analyse a dataset, then search for the best model around the suggestion.")
        self.status.setWordWrap(True)
        top = QHBoxLayout()  # two rows: the tab must fit beside the form in a 1000-px window
        top.addWidget(QLabel("Budget:"))
        top.addWidget(self.minutes)
        top.addWidget(self.start_button)
        top.addWidget(self.cancel_button)
        top.addStretch(1)
        study_row = QHBoxLayout()
        study_row.addWidget(QLabel("Study:"))
        study_row.addWidget(self.storage_edit, 1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("Bits/sample"), Qt.SortOrder.AscendingOrder)

        self.plot = new_plot("compute per sample (MACs)", "held-out bits/sample")
        self.scatter = pg.ScatterPlotItem(size=9, brush="#1f5fbf", pen=None, hoverable=True)
        self.winner_dot = pg.ScatterPlotItem(size=15, brush=None, pen=pg.mkPen("#c62828", width=2))
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.winner_dot)

        self.rationale = QLabel("")
        self.rationale.setWordWrap(True)
        self.rationale.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 250])
        rationale_scroll = QScrollArea()  # a long rationale scrolls instead of squeezing the leaderboard
        rationale_scroll.setWidget(self.rationale)
        rationale_scroll.setWidgetResizable(True)
        rationale_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        rationale_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rationale_scroll.setMaximumHeight(70)
        rationale_scroll.setMinimumHeight(30)
        self.plot.setMinimumHeight(60)  # the table and plot share what a 700-px window leaves
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(study_row)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(rationale_scroll)

    # ------------------------------------------------------------ running
    def is_running(self) -> bool:
        return self.tasks.running

    def start(self) -> None:
        """Start a selection on the project's dataset (its report gives the suggestion and the ladder)."""
        dataset, report = self.project.dataset, self.project.report
        if dataset is None or report is None:
            self.status.setText("Load and analyse a dataset first (steps 1 and 2).")
            return
        if self.is_running():
            return
        storage = self.storage_edit.text().strip() or None
        options = {"threads": 1, "device": "auto", **self.selection_options}
        self.run = _SelectionRun(dataset=dataset, budget=60.0 * self.minutes.value(), report=report,
                                 storage=storage, **options)
        self.result = None
        self.rationale.setText("")
        self.status.setText("Starting: opening the study …")
        self.tasks.start(Worker(self.run.events, pass_callbacks=False, on_cancel=self.run.cancel,
                                name="find the best model"),
                         on_item=self._on_item, on_error=self._on_failed, on_cancelled=self._on_cancelled,
                         on_finished=self._on_finished)
        self._update_buttons()

    def cancel(self) -> None:
        """Stop the search at the next training step."""
        if self.is_running():
            self.status.setText("Cancelling …")
            self.tasks.cancel()

    def _update_buttons(self) -> None:
        running = self.is_running()
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_item(self, item: Any) -> None:
        from wavenetlike.selection import SelectionEvent, SelectionResult
        if isinstance(item, SelectionEvent):
            self.show_rows(item.leaderboard)
            if item.kind == "trial":
                self.status.setText(f"Training {item.name}: {item.message} ({item.elapsed:.0f} s)")
            elif item.kind in ("rung", "trial_end"):
                self.status.setText(f"{item.name}: {item.message}")
            elif item.kind == "wait":
                self.status.setText(item.message)
        elif isinstance(item, SelectionResult):
            self.result = item
            self.show_rows(item.leaderboard, winner=item.winner)
            self.rationale.setText(item.rationale)
            self.status.setText(f"Done: {item.winner or 'no winner'} (study {item.study_name}).")

    def _on_failed(self, message: str, _details: str) -> None:
        self.status.setText(f"The search failed: {message}")

    def _on_cancelled(self) -> None:
        self.status.setText("Cancelled. Start again with the same study to resume where it stopped.")

    def _on_finished(self) -> None:
        self._update_buttons()
        self.run_finished.emit(self.result)

    # ------------------------------------------------------------ showing
    def show_rows(self, rows: list[Any], winner: str | None = None) -> None:
        """Fill the table and the scatter from leaderboard rows."""
        self.rows = list(rows)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        for row in self.rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            name = QTableWidgetItem(row.name + ("  ★" if row.name == winner else ""))
            name.setToolTip(row.change)
            name.setData(Qt.ItemDataRole.UserRole + 1, row.name)
            self.table.setItem(r, 0, name)
            bits = None if row.bits_per_sample is None else f"{row.bits_per_sample:.3f}"
            values = [(row.delta, f"{row.delta:,}"), (row.parameters, f"{row.parameters:,}"),
                      (row.macs_per_sample, f"{row.macs_per_sample:,}"), (row.bits_per_sample, bits or "—"),
                      (row.train_seconds, f"{row.train_seconds:.1f}")]
            for c, (value, text) in enumerate(values, start=1):
                item = _SortItem(text)
                item.setData(Qt.ItemDataRole.UserRole, float("inf") if value is None else float(value))
                self.table.setItem(r, c, item)
            self.table.setItem(r, 6, QTableWidgetItem(row.state))
            use = QPushButton("Use")
            use.setToolTip(f"Put {row.name} into the editors: {row.change}")
            use.setProperty("candidate", row.name)
            use.clicked.connect(lambda _=False, n=row.name: self.use(n))
            self.table.setItem(r, 7, QTableWidgetItem(""))
            self.table.setCellWidget(r, 7, use)
        self.table.setSortingEnabled(True)
        scored = [r for r in self.rows if r.bits_per_sample is not None]
        self.scatter.setData([r.macs_per_sample for r in scored], [r.bits_per_sample for r in scored],
                             data=[r.name for r in scored])
        best = [r for r in scored if r.name == winner]
        self.winner_dot.setData([r.macs_per_sample for r in best], [r.bits_per_sample for r in best])

    def row_names(self) -> list[str]:
        """Candidate names in the table's current (sorted) order."""
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole + 1) for r in range(self.table.rowCount())]

    def use_button(self, name: str) -> QPushButton:
        """The “Use” button of candidate ``name``'s row."""
        for r in range(self.table.rowCount()):
            widget = self.table.cellWidget(r, 7)
            if widget is not None and widget.property("candidate") == name:
                return widget
        raise KeyError(name)

    def use(self, name: str) -> None:
        """Install candidate ``name``'s config (emits :attr:`use_requested`)."""
        from wavenetlike import ModelConfig
        row = next(r for r in self.rows if r.name == name)
        self.use_requested.emit(ModelConfig.from_dict(row.config))
        self.status.setText(f"Using {name}: {row.change}.")

    def scatter_points(self) -> np.ndarray:
        """(n, 2) the scatter's (MACs, bits) points, for tests and screenshots."""
        x, y = self.scatter.getData()
        return np.column_stack([x, y]) if x is not None else np.zeros((0, 2))
