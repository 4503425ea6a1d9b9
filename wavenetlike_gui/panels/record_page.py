"""The "Record" dataset source: record clips from the microphone into a folder, one label at a time.

Each clip is saved as ``<folder>/<label>/<label>_NNN.wav`` (32-bit float, the
samples exactly as recorded), so the folder loads as a dataset with labels
from the sub-folder names (step 3 can then condition on them). The flow per
clip: Record → a countdown ("Recording in 3… 2… 1…") → recording, with a
level meter in dB re full scale → saved and listed.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QLabel, QLineEdit, QListWidget, QProgressBar,
                               QVBoxLayout, QWidget)

from ..recorder import ClipRecorder, RecordingUnavailable, peak_dbfs
from ..widgets.controls import button, folder_row, row, spin
from ..widgets.message_bar import MessageBar

__all__ = ["RecordPage", "next_clip_path"]

log = logging.getLogger(__name__)

POLL_MS = 30
METER_FLOOR_DB = -60


def next_clip_path(folder: str | Path, label: str) -> Path:
    """The next free ``<folder>/<label>/<label>_NNN.wav``."""
    sub = Path(folder) / label
    taken = {int(m.group(1)) for p in sub.glob(f"{label}_*.wav") if (m := re.fullmatch(
        re.escape(label) + r"_(\d+)\.wav", p.name))}
    n = 1
    while n in taken:
        n += 1
    return sub / f"{label}_{n:03d}.wav"


class RecordPage(QWidget):
    """Folder, label, length, countdown, rate; Record / Stop; level meter; the clips recorded so far.

    Signals: ``clip_saved(str)`` with the new file's path, ``failed(str)`` with the reason in words.
    """

    clip_saved = Signal(str)
    failed = Signal(str)

    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.recorder: ClipRecorder | None = None
        self._countdown_left = 0

        self.folder_edit = QLineEdit(settings.last_folder("recordings", "") if settings is not None else "")
        self.folder_edit.setPlaceholderText("folder to save the recordings in")
        self.folder_edit.setToolTip("Each clip is saved in a sub-folder named after its label.")
        self.label_edit = QLineEdit("yes")
        self.label_edit.setToolTip("What you are about to say; the clip is saved under this label.")
        self.seconds_spin = spin(0.1, 30.0, 1.0, "Length of each clip.", decimals=2, suffix=" s")
        self.countdown_spin = spin(0, 10, 3, "Seconds to get ready after pressing Record.", suffix=" s")
        self.rate_combo = QComboBox()
        for r in (8000, 16000, 22050, 44100, 48000):
            self.rate_combo.addItem(f"{r} Hz", r)
        self.rate_combo.setCurrentIndex(1)
        self.record_button = button("● Record", "Count down, then record one clip with this label.", self.record)
        self.stop_button = button("■ Stop", "Stop early; what was recorded is saved.", self.stop, enabled=False)
        self.meter = QProgressBar()
        self.meter.setRange(METER_FLOOR_DB, 0)
        self.meter.setValue(METER_FLOOR_DB)
        self.meter.setFormat("level: — dB")
        self.meter.setToolTip("Input level in dB re full scale: keep the peaks below about −3 dB.")
        self.messages = MessageBar()
        self.clip_list = QListWidget()
        self.clip_list.setToolTip("The clips recorded in this session.")
        self.clip_list.setMaximumHeight(90)

        form = QFormLayout()
        form.addRow("folder", folder_row(self.folder_edit, self._browse, "Choose the folder for the recordings."))
        form.addRow("label", self.label_edit)
        form.addRow("clip length", self.seconds_spin)
        form.addRow("countdown", self.countdown_spin)
        form.addRow("sample rate", self.rate_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(row(self.record_button, self.stop_button, stretch=True))
        layout.addWidget(self.meter)
        layout.addWidget(self.messages)
        layout.addWidget(self.clip_list)
        layout.addWidget(QLabel("Press Load to use the folder's recordings as the dataset."))

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setInterval(1000)
        self.countdown_timer.timeout.connect(self._tick)

    @property
    def status(self) -> QLabel:
        """The message bar's line a user reads now (the error line while an error is shown)."""
        return self.messages.shown_line()

    # ------------------------------------------------------------- actions
    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def label(self) -> str:
        return self.label_edit.text().strip()

    def is_busy(self) -> bool:
        return self.recorder is not None or self.countdown_timer.isActive()

    def record(self) -> bool:
        """Check the folder and label, then count down and record; False (with a message) when it cannot."""
        if self.is_busy():
            return False
        if not self.folder():
            return self._fail("Choose the folder to save the recordings in first.")
        label = self.label()
        if not label or not re.fullmatch(r"[\w\- ]+", label):
            return self._fail("Enter a label made of letters, digits, spaces, - or _ (it names a sub-folder).")
        try:
            Path(self.folder()).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._fail(f"The folder {self.folder()} cannot be created ({exc.strerror or 'not allowed'}).")
        if self.settings is not None:
            self.settings.set_last_folder("recordings", self.folder())
        self.record_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self._countdown_left = self.countdown_spin.value()
        if self._countdown_left > 0:
            self.messages.say(f"Recording “{label}” in {self._countdown_left}…")
            self.countdown_timer.start()
        else:
            self._start_recording()
        return True

    def stop(self) -> None:
        """Stop the countdown, or end the recording early (and save it)."""
        if self.countdown_timer.isActive():
            self.countdown_timer.stop()
            self.messages.say("Cancelled before recording.")
            self._idle()
        elif self.recorder is not None:
            self.recorder.stop()
            self._poll()

    # ------------------------------------------------------------- plumbing
    def _tick(self) -> None:
        self._countdown_left -= 1
        if self._countdown_left > 0:
            self.messages.say(f"Recording “{self.label()}” in {self._countdown_left}…")
            return
        self.countdown_timer.stop()
        self._start_recording()

    def _start_recording(self) -> None:
        recorder = ClipRecorder(self.seconds_spin.value(), int(self.rate_combo.currentData()))
        try:
            recorder.start()
        except RecordingUnavailable as exc:
            self._idle()
            self._fail(str(exc))
            return
        self.recorder = recorder
        self.messages.say(f"Recording “{self.label()}”… speak now.")
        self.timer.start()

    def _poll(self) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        self._show_level(recorder.level_db)
        if not recorder.finished:
            return
        self.timer.stop()
        recorder.stop()
        self.recorder = None
        audio = recorder.audio()
        if audio.size:
            recorder_peak = peak_dbfs(audio)
            self._show_level(recorder_peak)
            path = next_clip_path(self.folder(), self.label())
            try:
                from wavenetlike.data.audio_io import write_wav
                write_wav(path, audio, recorder.sample_rate, subtype="FLOAT", overwrite=False)
            except (OSError, ValueError) as exc:
                self._idle()
                self._fail(f"The clip could not be saved to {path}: {getattr(exc, 'strerror', None) or exc}.")
                return
            self.clip_list.addItem(f"{path.parent.name}/{path.name}  ({len(audio) / recorder.sample_rate:.2f} s, "
                                   f"peak {recorder_peak:.1f} dB)")
            self.messages.say(f"Saved {path.name} in {path.parent}. Record another, or press Load.")
            self.clip_saved.emit(str(path))
        else:
            self.messages.say("Nothing was recorded.")
        self._idle()

    def _show_level(self, db: float) -> None:
        self.meter.setValue(int(max(METER_FLOOR_DB, min(0.0, db))))
        self.meter.setFormat(f"level: {db:.1f} dB" if db > -120 else "level: silence")

    def _idle(self) -> None:
        self.record_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the recordings", self.folder())
        if folder:
            self.folder_edit.setText(folder)

    def _fail(self, text: str) -> bool:
        self.messages.say(text, error=True)
        self.failed.emit(text)
        return False

    def shutdown(self) -> None:
        self.countdown_timer.stop()
        self.timer.stop()
        if self.recorder is not None:
            self.recorder.stop()
            self.recorder = None
