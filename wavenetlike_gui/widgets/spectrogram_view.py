"""A spectrogram: pyqtgraph ``ImageItem`` with a colour bar, time in s, frequency in kHz.

The magnitudes come from the library (:func:`wavenetlike.analysis.spectrogram.spectrogram`);
this widget only draws them. Two views can share their scales
(:meth:`SpectrogramView.link_to`): time and frequency axes move together and
one colour range (dB) applies to both, so a dataset clip and a generated take
compare at a glance.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from wavenetlike.analysis.spectrogram import Spectrogram, spectrogram

from .plot_style import new_plot

__all__ = ["SpectrogramView", "DB_RANGE"]

DB_RANGE = (-100.0, 0.0)
"""Default colour range in dB re full scale (0 dB: a full-scale sine)."""
COLORBAR_AXIS_PX = 42


def _let_label_shrink(label: pg.LabelItem) -> None:
    """Stop a pyqtgraph LabelItem from asking for its text's width as its minimum.

    LabelItem.updateMin (run on every setText *and* every resize of the label)
    sets the minimum and preferred widths to the text's; a title that is
    (elided but) wider than the plot area then widens the plot past its view
    and cuts off the colour bar. Heights are kept.
    """
    if getattr(label, "_shrinks", False):
        return
    original = label.updateMin

    def update_min() -> None:
        original()
        label.setMinimumWidth(0)
        for hint in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
            label._sizeHint[hint] = (0, label._sizeHint[hint][1])
        label.updateGeometry()

    label.updateMin = update_min
    label._shrinks = True
    update_min()


class SpectrogramView(QWidget):
    """Draw the spectrogram of one clip; ``spec`` holds what is shown (None when empty)."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot("time", "frequency (kHz)", x_units="s")
        self.plot.setMinimumHeight(120)
        self._title = ""
        self.set_title(title)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=DB_RANGE, colorMap=pg.colormap.get("viridis"), label="dB",
                                        interactive=True, width=12)
        self.colorbar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        # a fixed axis width: two views stacked keep equal plot widths, so their time axes line up
        self.colorbar.axis.setWidth(COLORBAR_AXIS_PX)
        self.spec: Spectrogram | None = None
        self._partners: list[SpectrogramView] = []
        self._syncing = False
        self.colorbar.sigLevelsChanged.connect(self._levels_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_title(self, title: str) -> None:
        """Show ``title`` above the plot, elided in the middle to the view's width.

        A title label wider than the view (a long file name) would widen the
        plot's layout past the view's right edge and cut off the colour bar's
        labels.
        """
        self._title = title
        self._show_title()

    def title(self) -> str:
        """The whole title (what is shown may be elided)."""
        return self._title

    def _show_title(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(10.0)
        room = max(40, self.width() - COLORBAR_AXIS_PX - 110)  # the title sits above the plot area alone: less the
        # frequency axis (~60 px) and the colour bar (its 12-px bar and 42-px axis)
        box = self.plot.getPlotItem().vb.width()
        if box > 40:  # once laid out: the plot area itself
            room = min(room, int(box) - 4)
        shown = QFontMetrics(font).elidedText(self._title, Qt.TextElideMode.ElideMiddle, room)
        self.plot.setTitle(shown, size="10pt")
        _let_label_shrink(self.plot.getPlotItem().titleLabel)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_title()

    def set_audio(self, audio: np.ndarray | None, sample_rate: int) -> Spectrogram | None:
        """Compute (library) and draw the spectrogram of ``audio``; None or empty clears the view."""
        if audio is None or len(audio) == 0:
            self.spec = None
            self.image.clear()
            return None
        self.spec = spectrogram(np.asarray(audio, np.float32), int(sample_rate))
        self.image.setImage(self.spec.db, autoLevels=False)
        self.image.setRect(QRectF(0.0, 0.0, self.spec.duration, float(self.spec.freqs[-1]) / 1000.0))
        self.image.setLevels(self.colorbar.levels())
        self.plot.setYRange(0.0, float(self.spec.freqs[-1]) / 1000.0, padding=0)
        if not self._partners:
            self.plot.setXRange(0.0, self.spec.duration, padding=0)
        return self.spec

    # ------------------------------------------------------------- sharing
    def link_to(self, other: "SpectrogramView") -> None:
        """Share time and frequency axes and the colour range with ``other``."""
        self.plot.setXLink(other.plot)
        self.plot.setYLink(other.plot)
        self._partners.append(other)
        other._partners.append(self)
        other.colorbar.setLevels(self.colorbar.levels())

    def fit_shared(self) -> None:
        """Show the longest of the linked clips in full (both views move together)."""
        views = [self, *self._partners]
        longest = max((v.spec.duration for v in views if v.spec is not None), default=0.0)
        top = max((float(v.spec.freqs[-1]) / 1000.0 for v in views if v.spec is not None), default=0.0)
        if longest > 0:
            self.plot.setXRange(0.0, longest, padding=0)
            self.plot.setYRange(0.0, top, padding=0)

    def set_levels(self, levels: tuple[float, float]) -> None:
        """Set the colour range (dB) of this view and of the views linked to it."""
        self.colorbar.setLevels(tuple(levels))
        self._levels_changed()

    def _levels_changed(self, *_: object) -> None:
        if self._syncing:
            return
        levels = self.colorbar.levels()
        for other in self._partners:
            other._syncing = True
            try:
                other.colorbar.setLevels(levels)
            finally:
                other._syncing = False

    # ----------------------------------------------------------- reading
    def drawn_peak_frequencies_khz(self, count: int = 2, min_separation_khz: float = 0.05) -> list[float]:
        """The ``count`` brightest rows of the drawn image, in kHz on the plot's axis (for tests, readers)."""
        data = self.image.image
        if data is None:
            return []
        rect = self.image.mapRectToParent(self.image.boundingRect())
        rows = data.shape[0]
        power = np.mean(10.0 ** (np.asarray(data, float) / 10.0), axis=1)
        centres = rect.top() + (np.arange(rows) + 0.5) * rect.height() / rows
        peaks: list[float] = []
        for i in np.argsort(power)[::-1]:
            if all(abs(centres[i] - p) >= min_separation_khz for p in peaks):
                peaks.append(float(centres[i]))
            if len(peaks) == count:
                break
        return sorted(peaks)
