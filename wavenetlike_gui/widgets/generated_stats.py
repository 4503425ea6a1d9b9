"""Generated-vs-real statistics as a small table: what the library's compare_generated measured."""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QAbstractButton, QHeaderView, QTableWidget, QTableWidgetItem

from ..generation import take_statistics
from ..workers import user_message

__all__ = ["GeneratedStatsTable"]


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.0f} %"


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.3g}"


class GeneratedStatsTable(QTableWidget):
    """Rows: silent frames, non-silent RMS, voiced share, spectral-shape distance (and the AR(2) fit)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["generated", "real (held out)"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setMinimumHeight(80)
        self.setToolTip("The take against the dataset's held-out clips, 20 ms frames. Silent: frame RMS 40 dB "
                        "under the real clips' level; voiced: autocorrelation peak > 0.5 at a 2.5–12.5 ms lag; "
                        "spectral shape: RMS dB difference of the level-normalised long-term spectra, 0–5 kHz.")
        self.comparison: Any = None
        for button in self.findChildren(QAbstractButton):  # the corner button
            button.setToolTip("Select the whole table (to copy it).")

    def show_take(self, audio: np.ndarray | None, dataset: Any, checkpoint: str | None) -> None:
        """A take against ``dataset``'s held-out clips (the split ``checkpoint`` trained with); empty without one.

        Statistics are a view: when they cannot be computed the table is empty and its tooltip says why.
        """
        if audio is None or dataset is None or not len(getattr(dataset, "clips", [])):
            self.setRowCount(0)
            return
        try:
            result = take_statistics(audio, dataset, checkpoint)
        except Exception as exc:  # noqa: BLE001 - statistics are a view: say why, never crash the panel
            self.setRowCount(0)
            self.setToolTip(f"No statistics for this take: {user_message(exc)}")
            return
        self.show_comparison(result)

    def show_comparison(self, comparison: Any) -> None:
        """Fill the table from a :class:`wavenetlike.analysis.audio_stats.GeneratedVsReal`."""
        self.comparison = comparison
        g, r = comparison.generated, comparison.real
        rows = [("silent frames", _pct(g.silent_fraction), _pct(r.silent_fraction)),
                ("RMS of non-silent frames", _num(g.nonsilent_rms), _num(r.nonsilent_rms)),
                ("voiced share (non-silent)", _pct(g.voiced_share), _pct(r.voiced_share)),
                ("spectral-shape distance", "—" if comparison.spectral_distance_db is None
                 else f"{comparison.spectral_distance_db:.1f} dB", "0 dB")]
        if comparison.ar2_generated is not None:
            truth = comparison.ar2_truth or comparison.ar2_real or {}
            rows.append(("AR(2) fit a, b", f"{comparison.ar2_generated['a']:.3f}, {comparison.ar2_generated['b']:.3f}",
                         f"{truth.get('a', float('nan')):.3f}, {truth.get('b', float('nan')):.3f}"
                         + (" (truth)" if comparison.ar2_truth else "")))
        self.setRowCount(len(rows))
        self.setVerticalHeaderLabels([r[0] for r in rows])
        for i, (_, gen, real) in enumerate(rows):
            self.setItem(i, 0, QTableWidgetItem(gen))
            self.setItem(i, 1, QTableWidgetItem(real))

    def cell_text(self, row_name: str, column: int) -> str:
        """The text a user sees in a row (by its header) and column (0 generated, 1 real)."""
        for i in range(self.rowCount()):
            if self.verticalHeaderItem(i).text() == row_name:
                return self.item(i, column).text()
        raise KeyError(row_name)
