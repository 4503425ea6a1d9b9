"""Step 2: analyse the dataset (``analyze(dataset)``) and show what it found."""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget,
                               QProgressBar, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from wavenetlike import analyze

from ..project import Project
from ..settings import Settings
from ..widgets.acf_plot import AcfPlot
from ..widgets.controls import button, caption
from ..widgets.plot_style import LINE, new_plot
from ..widgets.predictability_plot import PredictabilityPlot
from .base import StepPanel, StepState

__all__ = ["AnalysisPanel", "summary_rows"]

log = logging.getLogger(__name__)


def _fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def summary_rows(report: Any) -> list[tuple[str, str, str]]:
    """(figure, value, what it means) rows for the summary table, from a DatasetReport."""
    ls = report.length_stats or {}
    rows = [
        ("Clips", f"{report.n_clips}", "number of usable clips"),
        ("Total duration", _fmt_seconds(report.total_duration), "all clips together"),
        ("Sample rate", f"{report.sample_rate} Hz", "after resampling"),
        ("Shortest clip", _fmt_seconds(ls["min"]) if "min" in ls else "—", "length of the shortest clip"),
        ("Median clip", _fmt_seconds(ls["median"]) if "median" in ls else "—",
         "half the clips are shorter than this"),
        ("Longest clip", _fmt_seconds(ls["max"]) if "max" in ls else "—", "length of the longest clip"),
        ("Original sample rates", ", ".join(f"{r} Hz × {n}" for r, n in report.original_sample_rates.items()),
         "as stored in the files"),
        ("Original channels", ", ".join(f"{c} ch × {n}" for c, n in report.channel_counts.items()),
         "more than 1 is mixed down to mono"),
        ("RMS level", f"{report.rms:.4g}", "root-mean-square amplitude"),
        ("Peak", f"{report.peak:.4g}", "largest absolute sample"),
        ("Clipping", f"{100 * report.clipping_fraction:.3g} %", "samples stuck at full scale"),
        ("DC offset", f"{report.dc_offset:.3g}", "mean value; should be near 0"),
        ("Silence", f"{100 * report.silence_fraction:.3g} %", "share of near-silent samples"),
        ("Correlation length", f"{report.correlation_length} samples = {report.correlation_length_ms:.2f} ms",
         report.correlation_length_definition),
        ("Integrated correlation time", f"{report.integrated_correlation_time:.4g} samples",
         "sum of the autocorrelation: how many samples act as one independent sample"),
        ("Dominant frequencies", ", ".join(f"{f:.0f} Hz" for f in report.dominant_frequencies) or "—",
         "strongest peaks of the spectrum"),
    ]
    curve = getattr(report, "predictability", None)
    if curve is not None:
        rows.append(("Context needed", f"{curve.context_needed} samples = {curve.context_needed_ms:.2f} ms",
                     curve.definition + f" (threshold {curve.threshold:g} bits/sample, {curve.n_classes} classes)"))
    if report.labels:
        rows.append(("Labels", ", ".join(f"{k} × {v}" for k, v in report.labels.items()), "clips per label"))
    return rows


class AnalysisPanel(StepPanel):
    """Runs the dataset analysis as the panel's current task and shows ACF, lengths, spectrum and figures."""

    title = "Analysis"
    hint = "See how far the data's samples stay correlated: the model must look at least that far back."
    analysed = Signal(object)
    analysis_failed = Signal(str)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self.run_button = button("Analyse dataset", "Analyse the loaded dataset in the background.", self.run_analysis)
        self.cancel_button = button("Cancel", "Stop the analysis.", self.cancel_analysis, enabled=False)
        self.auto_check = QCheckBox("Analyse automatically when a dataset is loaded")
        self.auto_check.setChecked(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setVisible(False)
        self.progress_label = QLabel("")
        self.messages.info("Load a dataset first (step 1).")
        top = QHBoxLayout()
        for w in (self.run_button, self.cancel_button, self.progress):
            top.addWidget(w)
        top.addWidget(self.progress_label, 1)
        top.addWidget(self.auto_check)

        self.acf = AcfPlot()
        self.acf.setToolTip("Autocorrelation: how similar the signal is to itself shifted by a lag. "
                            "Where it has died down, samples no longer tell much about each other.")
        self.acf_caption = caption()
        acf_box = QGroupBox("Autocorrelation")
        acf_box.setToolTip("Autocorrelation averaged over the clips.")
        ab = QVBoxLayout(acf_box)
        ab.addWidget(self.acf, 1)
        ab.addWidget(self.acf_caption)

        self.predictability = PredictabilityPlot()
        self.predictability.setToolTip("How well the past predicts the next sample (held-out bits/sample, lower is "
                                       "better) as a predictor sees more of it. Where the curve flattens, more "
                                       "past stops helping: that is the context the model needs.")
        self.predictability_caption = caption()
        predictability_box = QGroupBox("Past needed")
        predictability_box.setToolTip("How much past the data needs: held-out bits/sample of predictors that "
                                      "see the last L samples.")
        pb = QVBoxLayout(predictability_box)
        pb.addWidget(self.predictability, 1)
        pb.addWidget(self.predictability_caption)

        self.hist_plot = new_plot("clip length", "clips", x_units="s")
        self.hist_bars = pg.BarGraphItem(x0=[], width=[], height=[], brush="#8fb3e8", pen="#1f5fbf")
        self.hist_plot.addItem(self.hist_bars)
        hist_box = QGroupBox("Clip lengths")
        QVBoxLayout(hist_box).addWidget(self.hist_plot)

        self.spec_plot = new_plot("frequency", "power", x_units="Hz", y_units="dB")
        self.spec_curve = pg.PlotDataItem(pen=LINE)
        self.spec_peaks = pg.ScatterPlotItem(size=8, brush="#c62828", pen=None)
        self.spec_plot.addItem(self.spec_curve)
        self.spec_plot.addItem(self.spec_peaks)
        spec_box = QGroupBox("Power spectrum")
        spec_box.setToolTip("Power spectrum of the clips; red dots: the dominant frequencies.")
        QVBoxLayout(spec_box).addWidget(self.spec_plot)

        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Figure", "Value"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table_box = QGroupBox("Summary")
        table_box.setToolTip("The dataset's figures; hover a row for what it means.")
        QVBoxLayout(table_box).addWidget(self.table)

        self.issues = QListWidget()
        self.issues.setWordWrap(True)
        issues_box = QGroupBox("Warnings")
        issues_box.setToolTip("Warnings about the data, and the files that could not be read (with why).")
        QVBoxLayout(issues_box).addWidget(self.issues)

        grid = QGridLayout()
        for box in (acf_box, predictability_box):  # side by side: their titles must not widen the window
            box.setMinimumWidth(160)
        grid.addWidget(acf_box, 0, 0)
        grid.addWidget(predictability_box, 0, 1)
        grid.addWidget(hist_box, 1, 0)
        grid.addWidget(spec_box, 1, 1)
        grid.addWidget(table_box, 0, 2)
        grid.addWidget(issues_box, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 3)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.messages)
        layout.addLayout(grid, 1)

        project.dataset_changed.connect(self._on_dataset_changed)
        project.report_changed.connect(self.show_report)
        self._update_buttons()
        self.refresh_state()

    # --------------------------------------------------------------- work
    def _on_dataset_changed(self, dataset: Any) -> None:
        self.show_report(None)
        if dataset is None:
            self.messages.info("Load a dataset first (step 1).")
        elif self.project.report is not None:  # it came with its report (an opened project)
            self.cancel_analysis()
            self.messages.info("The analysis saved with the project is shown; press “Analyse dataset” "
                               "to run it again.")
        elif self.auto_check.isChecked():
            self.run_analysis()
        else:
            self.messages.info("A new dataset is loaded: press “Analyse dataset”.")
        self._update_buttons()
        self.refresh_state()

    def run_analysis(self) -> None:
        """Analyse the project's dataset in the background (an analysis still running is superseded)."""
        dataset = self.project.dataset
        if dataset is None:
            return
        self.messages.clear_error()
        self.messages.info(f"Analysing {len(dataset.clips)} clips…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.start_task(analyze, dataset, name="analyse dataset", on_progress=self._on_progress,
                        on_done=lambda report: self._on_result(dataset, report), on_error=self._on_failed,
                        on_cancelled=lambda: self.messages.info("Analysis cancelled."),
                        on_finished=self._on_finished)
        self._update_buttons()
        self.refresh_state()

    def cancel_analysis(self) -> None:
        self.cancel_task()

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress_label.setText(what)

    def _on_result(self, dataset: Any, report: Any) -> None:
        if dataset is not self.project.dataset:
            return  # the dataset changed meanwhile; a new run follows
        self.project.set_report(report)
        self.messages.info(f"Analysed {report.n_clips} clips ({report.total_duration:.1f} s).")
        self.status_message.emit("Analysis done.")
        self.analysed.emit(report)

    def _on_failed(self, message: str, _details: str) -> None:
        text = f"The analysis failed: {message}"
        self.messages.info("")
        self.messages.error(text)
        self.analysis_failed.emit(text)

    def _on_finished(self) -> None:
        self.progress.setVisible(False)
        self.progress_label.setText("")
        self._update_buttons()
        self.refresh_state()

    def _update_buttons(self) -> None:
        running = self.task_running
        self.run_button.setEnabled(self.project.dataset is not None and not running)
        self.cancel_button.setEnabled(running)

    # ------------------------------------------------------------ showing
    def show_report(self, report: Any) -> None:
        """Fill the plots and tables from a DatasetReport (None clears them)."""
        self.issues.clear()
        self.table.setRowCount(0)
        if report is None:
            self.acf.set_acf(None)
            self.acf_caption.setText("")
            self.predictability.set_curve(None)
            self.predictability_caption.setText("")
            self.hist_bars.setOpts(x0=[], width=[], height=[])
            self.spec_curve.setData([], [])
            self.spec_peaks.setData([], [])
            return
        self.messages.clear_error()
        self.acf.set_acf(report.acf, report.correlation_length, report.correlation_length_ms,
                         report.correlation_length_definition)
        self.acf_caption.setText(
            f"Correlation length: {report.correlation_length} samples = {report.correlation_length_ms:.2f} ms, "
            "the lag after which the autocorrelation stays small (below 1/e). The model's receptive field Δ "
            "should reach at least this far back. (Hover for the exact definition.)")
        self.acf_caption.setToolTip(report.correlation_length_definition)
        self._show_predictability(report)
        self._show_lengths(report)
        self._show_spectrum(report)
        for name, value, meaning in summary_rows(report):
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, text in enumerate((name, value)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{name}: {value}\n{meaning}")  # the full value, also when a cell is narrow
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        for w in report.warnings:
            self.issues.addItem("⚠ " + w)
        for e in report.errors:
            self.issues.addItem(f"✗ {e.name}: {e.reason}")
        if not report.warnings and not report.errors:
            self.issues.addItem("No warnings; every file was read.")

    def _show_predictability(self, report: Any) -> None:
        curve = getattr(report, "predictability", None)
        self.predictability.set_curve(curve)
        if curve is None:
            self.predictability_caption.setText("Not measured for this analysis (re-analyse to see it).")
            return
        self.predictability_caption.setText(
            f"Context needed: {curve.context_needed} samples = {curve.context_needed_ms:.2f} ms. Seeing more past "
            f"improves held-out prediction by less than {curve.threshold:g} bits/sample (dashed line: the best "
            "value plus that threshold)" + ("; the pitch predictor finds periodic structure" if curve.pitch_helps
                                           else "") + ". Hover for the exact definition.")
        self.predictability_caption.setToolTip(curve.definition)

    def _show_lengths(self, report: Any) -> None:
        seconds = np.asarray(report.lengths, dtype=float) / float(report.sample_rate)
        if seconds.size == 0:
            return
        bins = min(30, max(1, int(np.sqrt(seconds.size)) + 1))
        lo, hi = float(seconds.min()), float(seconds.max())
        if hi - lo < 1e-9:
            lo, hi = lo * 0.95, hi * 1.05 + 1e-3
        counts, edges = np.histogram(seconds, bins=bins, range=(lo, hi))
        self.hist_bars.setOpts(x0=edges[:-1], width=np.diff(edges), height=counts)
        self.hist_plot.setXRange(edges[0], edges[-1], padding=0.05)
        self.hist_plot.setYRange(0, max(1, counts.max()) * 1.1, padding=0)

    def _show_spectrum(self, report: Any) -> None:
        f = np.asarray(report.spectrum_freqs, dtype=float)
        p = np.asarray(report.spectrum_power, dtype=float)
        if f.size == 0:
            return
        floor = max(float(p.max()) * 1e-12, 1e-30)
        db = 10 * np.log10(np.maximum(p, floor))
        self.spec_curve.setData(f, db)
        peaks = [x for x in report.dominant_frequencies if f[0] <= x <= f[-1]]
        if peaks:
            self.spec_peaks.setData(peaks, np.interp(peaks, f, db))
        else:
            self.spec_peaks.setData([], [])

    # -------------------------------------------------------------- state
    def state(self) -> StepState:
        if self.project.dataset is None:
            return StepState.NEEDS_PREVIOUS
        if self.task_running:
            return StepState.BUSY
        return StepState.DONE if self.project.report is not None else StepState.READY
