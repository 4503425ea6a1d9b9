"""Generated audio above a real clip, as waveforms or spectrograms, on shared scales.

Both waveforms are drawn in model units (±1 = full scale): the generated take
as the model made it, the dataset clip divided by *its own dataset's* scale
(what a model trained on it hears). The two waveform plots share time and
amplitude axes; the two spectrograms share time, frequency and colour (dB)
scales, so louder, longer or brighter is visible at a glance.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSplitter, QTabWidget, QToolButton, QWidget
from PySide6.QtCore import Qt

from .spectrogram_view import SpectrogramView

__all__ = ["CompareView"]

GEN_PEN = pg.mkPen("#1f5fbf", width=1)
REF_PEN = pg.mkPen("#2e7d32", width=1)


def _wave_plot(title: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setLabel("bottom", "time", units="s")
    w.setLabel("left", "amplitude")
    w.getAxis("left").enableAutoSIPrefix(False)
    w.setTitle(title, size="10pt")
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumHeight(110)
    return w


class CompareView(QTabWidget):
    """Tabs "Waveforms" and "Spectrograms", each with the generated take above the dataset clip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gen_plot = _wave_plot("generated")
        self.gen_curve = pg.PlotDataItem(pen=GEN_PEN, autoDownsample=True, downsampleMethod="peak",
                                         clipToView=True)
        self.gen_plot.addItem(self.gen_curve)
        self.ref_plot = _wave_plot("dataset clip")
        self.ref_curve = pg.PlotDataItem(pen=REF_PEN, autoDownsample=True, downsampleMethod="peak",
                                         clipToView=True)
        self.ref_plot.addItem(self.ref_curve)
        self.ref_plot.setXLink(self.gen_plot)
        self.ref_plot.setYLink(self.gen_plot)
        waves = QSplitter(Qt.Orientation.Vertical)
        waves.addWidget(self.gen_plot)
        waves.addWidget(self.ref_plot)

        self.gen_spec = SpectrogramView("generated")
        self.ref_spec = SpectrogramView("dataset clip")
        self.ref_spec.link_to(self.gen_spec)
        specs = QSplitter(Qt.Orientation.Vertical)
        specs.addWidget(self.gen_spec)
        specs.addWidget(self.ref_spec)

        self.addTab(waves, "Waveforms")
        self.addTab(specs, "Spectrograms")
        self.setTabToolTip(1, "Frequencies (kHz) over time, brighter is louder (dB); both on the same scales.")
        for button in self.tabBar().findChildren(QToolButton):  # the tab bar's scroll arrows
            button.setToolTip("Show the other tabs.")
        self._gen: tuple[np.ndarray, int] | None = None
        self._ref: tuple[np.ndarray, int] | None = None
        self.currentChanged.connect(lambda *_: self._refresh_spectrograms())

    # ------------------------------------------------------------- data
    def set_generated(self, audio: np.ndarray | None, sample_rate: int) -> None:
        """Show a take (model units); None clears it."""
        self._gen = None if audio is None or len(audio) == 0 else (np.asarray(audio, np.float32), int(sample_rate))
        if self._gen is None:
            self.gen_curve.setData([], [])
        else:
            a, sr = self._gen
            self.gen_curve.setData(np.arange(len(a), dtype=np.float64) / sr, a)
        self._fit_waveforms()
        self._refresh_spectrograms()

    def set_reference(self, audio: np.ndarray | None, sample_rate: int, title: str = "dataset clip") -> None:
        """Show a dataset clip, already in model units; None clears it."""
        self._ref = None if audio is None or len(audio) == 0 else (np.asarray(audio, np.float32), int(sample_rate))
        self.ref_plot.setTitle(title, size="10pt")
        self.ref_spec.set_title(title)
        if self._ref is None:
            self.ref_curve.setData([], [])
        else:
            a, sr = self._ref
            self.ref_curve.setData(np.arange(len(a), dtype=np.float64) / sr, a)
        self._fit_waveforms()
        self._refresh_spectrograms()

    def _fit_waveforms(self) -> None:
        """One time range (the longer clip) and one symmetric amplitude range (the louder clip) for both."""
        shown = [x for x in (self._gen, self._ref) if x is not None]
        if not shown:
            return
        peak = max(float(np.max(np.abs(a))) if a.size else 0.0 for a, _ in shown)
        peak = max(peak, 1e-3) * 1.05
        longest = max(len(a) / sr for a, sr in shown)
        self.gen_plot.setYRange(-peak, peak, padding=0)
        self.gen_plot.setXRange(0.0, longest, padding=0)

    def _refresh_spectrograms(self) -> None:
        """Compute spectrograms only while their tab is shown (a long take costs a moment)."""
        if self.currentIndex() != 1:
            return
        for view, data in ((self.gen_spec, self._gen), (self.ref_spec, self._ref)):
            view.set_audio(None if data is None else data[0], 16000 if data is None else data[1])
        self.gen_spec.fit_shared()

    def y_ranges(self) -> tuple[list[float], list[float]]:
        """The amplitude ranges shown by the generated and the reference plots."""
        return (list(self.gen_plot.getViewBox().viewRange()[1]), list(self.ref_plot.getViewBox().viewRange()[1]))
