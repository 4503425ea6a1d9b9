"""Step 1: choose and load a dataset, look at and listen to its clips.

The source choice (one page per kind of source) is :class:`~wavenetlike_gui.panels.dataset_sources.SourceChooser`
in the controls column; loading is the panel's current task (a new load supersedes one still running).
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget,
                               QProgressBar, QPushButton, QSplitter, QTableView, QTabWidget, QVBoxLayout,
                               QWidget)

from ..audio_player import PlaybackUnavailable, StreamPlayer, output_problem
from ..project import Project
from ..settings import Settings
from ..sources import BUNDLED_SPEC, describe_spec, load_dataset
from ..widgets.clip_table import ClipTableModel
from ..widgets.spectrogram_view import SpectrogramView
from ..widgets.waveform_view import WaveformView
from .base import StepPanel, StepState
from .dataset_sources import SOURCE_KINDS, SourceChooser

__all__ = ["DatasetPanel", "ClipTableModel", "SOURCE_KINDS"]

log = logging.getLogger(__name__)

# the source chooser's controls, reachable on the panel under the same names
SOURCE_CONTROLS = ("source_buttons", "source_radios", "pages", "record_page", "ar2_a", "ar2_b", "ar2_c",
                   "ar2_noise", "ar2_length", "ar2_count", "ar2_seed", "ar2_rate", "ar2_allow", "ar2_note",
                   "sc_root", "sc_words", "sc_cap", "sc_rate", "sc_download", "file_list", "files_rate",
                   "files_labels_check")


class DatasetPanel(StepPanel):
    """Source choice, background loading, clip list, waveform, playback, unreadable files."""

    title = "Dataset"
    hint = "Pick the audio to learn from. The bundled speech samples are loaded to start with."
    controls_width = (380, 460)
    loaded = Signal(object)
    load_failed = Signal(str)
    load_cancelled = Signal()

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self.player: StreamPlayer | None = None
        self._loading_spec: dict[str, Any] | None = None
        self._sound_problem = output_problem()  # '' when there is a sound output
        self.setAcceptDrops(True)
        self.build()
        project.dataset_changed.connect(self._show_dataset)
        project.dataset_spec_changed.connect(self._follow_spec)
        self.refresh_state()

    def build_controls(self, layout: QVBoxLayout) -> None:
        self.sources = SourceChooser(self.settings, self.start_worker)
        for name in SOURCE_CONTROLS:
            setattr(self, name, getattr(self.sources, name))
        self.load_button = QPushButton("Load")
        self.load_button.setDefault(True)
        self.load_button.setToolTip("Load the chosen source in the background.")
        self.load_button.clicked.connect(self.load_current)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_loading)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress_label = QLabel("")

        source_box = QGroupBox("Source")
        sb = QVBoxLayout(source_box)
        sb.addWidget(self.sources)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        sb.addLayout(buttons)
        sb.addWidget(self.progress)
        sb.addWidget(self.progress_label)
        sb.addWidget(self.messages)
        sb.addStretch(1)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(source_box)

    def build_main(self, layout: QVBoxLayout) -> None:
        # ---- clips
        self.clip_model = ClipTableModel()
        self.clip_table = QTableView()
        self.clip_table.setModel(self.clip_model)
        self.clip_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.clip_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.clip_table.verticalHeader().setVisible(False)
        # one line per clip, long names cut in the middle (the tooltip has the full path): more rows fit
        self.clip_table.setWordWrap(False)
        self.clip_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.clip_table.verticalHeader().setDefaultSectionSize(self.clip_table.fontMetrics().height() + 8)
        header = self.clip_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.clip_table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.show_clip(cur.row()))
        self.summary_label = QLabel("No dataset loaded yet.")
        self.summary_label.setWordWrap(True)

        self.waveform = WaveformView()
        self.play_button = QPushButton("▶ Play clip")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.play_selected)
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.clicked.connect(self.stop_playback)
        self.play_button.setToolTip("Play the selected clip.")
        self.stop_button.setToolTip("Stop playing.")
        if self._sound_problem:
            self.play_button.setToolTip(self._sound_problem)
            self.stop_button.setEnabled(False)  # nothing can be playing
            self.stop_button.setToolTip(self._sound_problem)
        self.playback_message = QLabel("")
        self.playback_message.setWordWrap(True)
        play_row = QHBoxLayout()
        play_row.addWidget(self.play_button)
        play_row.addWidget(self.stop_button)
        play_row.addWidget(self.playback_message, 1)

        self.error_list = QListWidget()
        self.notes_list = QListWidget()
        self.info_tabs = QTabWidget()
        self.info_tabs.addTab(self.error_list, "Unreadable files (0)")
        self.info_tabs.addTab(self.notes_list, "Notes (0)")

        clips_box = QWidget()
        cb = QVBoxLayout(clips_box)
        cb.setContentsMargins(0, 0, 0, 0)
        cb.addWidget(self.summary_label)
        cb.addWidget(self.clip_table, 1)
        wave_box = QWidget()
        wb = QVBoxLayout(wave_box)
        wb.setContentsMargins(0, 0, 0, 0)
        self.spectrogram = SpectrogramView()
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.waveform, "Waveform")
        self.view_tabs.addTab(self.spectrogram, "Spectrogram")
        self.view_tabs.setTabToolTip(1, "How the clip's frequencies (kHz) change over time; brighter is louder (dB).")
        self.view_tabs.currentChanged.connect(lambda *_: self._show_spectrogram())
        wb.addWidget(self.view_tabs, 1)
        wb.addLayout(play_row)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(clips_box)
        right.addWidget(wave_box)
        right.addWidget(self.info_tabs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 3)
        right.setStretchFactor(2, 1)
        right.setSizes([220, 330, 70])  # the lists of unreadable files and notes are usually short

        layout.addWidget(right, 1)

    # ---------------------------------------------------------- choosing
    def selected_kind(self) -> str:
        return self.sources.selected_kind()

    def select_kind(self, kind: str) -> None:
        self.sources.select_kind(kind)

    def current_spec(self) -> dict[str, Any]:
        """The spec for what the source controls show now."""
        return self.sources.current_spec()

    def add_paths(self, paths: list[str]) -> None:
        """Add files/folders to the custom source and select it."""
        self.sources.add_paths(paths)

    def choose_files(self) -> None:
        self.sources.choose_files()

    def choose_folder(self) -> None:
        self.sources.choose_folder()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.file_list.clear()
        self.add_paths(paths)
        self.load_current()

    # ----------------------------------------------------------- loading
    def load_bundled(self) -> None:
        """Select and load the bundled sample set."""
        self.select_kind("bundled")
        self.load_spec(dict(BUNDLED_SPEC))

    def load_current(self) -> None:
        """Load what the source controls show."""
        self.load_spec(self.current_spec())

    def load_spec(self, spec: dict[str, Any]) -> bool:
        """Start loading ``spec`` in the background; a load still running is cancelled and superseded."""
        self.sources.show_spec(spec)
        self._loading_spec = spec
        self.messages.clear_error()
        self.messages.info(f"Loading {describe_spec(spec)}…")
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.progress.setVisible(True)
        self.progress_label.setText("")
        self.load_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.start_task(load_dataset, spec, name=f"load {describe_spec(spec)}", on_progress=self._on_progress,
                        on_done=self._on_loaded, on_error=self._on_failed, on_cancelled=self._on_cancelled,
                        on_finished=self._on_load_ended)
        self.refresh_state()
        return True

    def cancel_loading(self) -> None:
        if self.task_running:
            self.cancel_task()
            self.messages.info("Cancelling…")

    def _follow_spec(self, spec: Any) -> None:
        """A dataset installed from outside (undo/redo, a project): show how it was chosen."""
        if spec and not self.task_running:
            self.sources.show_spec(spec)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{done} / {total}")
        self.progress_label.setText(what)

    def _on_loaded(self, dataset: Any) -> None:
        spec = self._loading_spec or {}
        self.settings.add_recent_dataset(spec)
        self.project.set_dataset(dataset, spec)
        text = f"Loaded {dataset.summary()}."
        if dataset.errors:
            text += f" {len(dataset.errors)} file(s) could not be read: see the list below."
        self.messages.info(text)
        self.status_message.emit(text)
        self.loaded.emit(dataset)

    def _on_failed(self, message: str, _details: str) -> None:
        spec = self._loading_spec or {}
        if spec.get("kind") == "bundled":
            text = ("The bundled sample set could not be loaded: " + message + ". It should be in "
                    "resources/sample_speech/ next to the program. Choose another source above "
                    "(for example AR(2), which needs no files) and press Load.")
        else:
            text = f"Could not load {describe_spec(spec)}: {message}"
        self.messages.info("Loading failed.")
        self.messages.error(text)
        self.load_failed.emit(text)

    def _on_cancelled(self) -> None:
        self.messages.info("Loading cancelled; the previous dataset is kept.")
        self.load_cancelled.emit()

    def _on_load_ended(self) -> None:
        self.progress.setVisible(False)
        self.progress_label.setText("")
        self.load_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.refresh_state()

    # ------------------------------------------------------------ showing
    def _show_dataset(self, dataset: Any) -> None:
        self.clip_model.set_clips(dataset.clips if dataset is not None else [])
        self.error_list.clear()
        self.notes_list.clear()
        if dataset is None:
            self.summary_label.setText("No dataset loaded yet.")
            self.waveform.set_waveform(None, 1)
            self.play_button.setEnabled(False)
            self.refresh_state()
            return
        labels = dataset.labels
        label_text = f"; labels: {', '.join(labels)}" if labels else ""
        self.summary_label.setText(f"<b>{dataset.description or 'Dataset'}</b> — {len(dataset.clips)} clips, "
                                   f"{dataset.duration:.1f} s in all at {dataset.sample_rate} Hz{label_text}")
        for err in dataset.errors:
            self.error_list.addItem(f"{err.name}: {err.reason}")
        for note in dataset.notes:
            self.notes_list.addItem(note)
        self.info_tabs.setTabText(0, f"Unreadable files ({len(dataset.errors)})")
        self.info_tabs.setTabText(1, f"Notes ({len(dataset.notes)})")
        if dataset.errors:
            self.info_tabs.setCurrentIndex(0)
        if dataset.clips:
            self.clip_table.selectRow(0)
            self.show_clip(0)
        self.refresh_state()

    def show_clip(self, row: int) -> None:
        """Plot clip ``row`` of the dataset."""
        ds = self.project.dataset
        if ds is None or not 0 <= row < len(ds.clips):
            return
        clip = ds.clips[row]
        y_label = "value" if ds.kind == "ar2" else "amplitude"
        self.waveform.set_waveform(clip.audio, clip.sample_rate, f"{clip.name} ({clip.duration:.2f} s)", y_label)
        self._spectrogram_row = row
        self.spectrogram.set_title(f"{clip.name} ({clip.duration:.2f} s)")
        self._show_spectrogram()
        self.play_button.setEnabled(not self._sound_problem)
        self.playback_message.setText(self._sound_problem)

    def _show_spectrogram(self) -> None:
        """Draw the shown clip's spectrogram (computed only while its tab is shown)."""
        ds = self.project.dataset
        row = getattr(self, "_spectrogram_row", -1)
        if self.view_tabs.currentWidget() is not self.spectrogram or ds is None or not 0 <= row < len(ds.clips):
            return
        clip = ds.clips[row]
        # in model units (÷ the dataset's scale), like playback: AR(2) values become ±1
        self.spectrogram.set_audio(np.asarray(clip.audio, np.float32) / float(ds.scale or 1.0), clip.sample_rate)

    def selected_row(self) -> int:
        idx = self.clip_table.currentIndex()
        return idx.row() if idx.isValid() else 0

    def play_selected(self) -> None:
        """Play the selected clip; say why not when there is no sound output."""
        ds = self.project.dataset
        if ds is None or not ds.clips:
            return
        clip = ds.clips[self.selected_row()]
        self.stop_playback()
        player = StreamPlayer(int(clip.sample_rate))
        try:
            player.play(clip.audio / float(ds.scale or 1.0))
        except PlaybackUnavailable as exc:
            self._no_output(str(exc))
            return
        self.player = player
        self.playback_message.setStyleSheet("")
        self.playback_message.setText(f"Playing {clip.name}…")

    def _no_output(self, problem: str) -> None:
        """No sound output: Play is disabled and its tooltip (and the note beside it) says why."""
        self._sound_problem = problem
        self.play_button.setEnabled(False)
        self.play_button.setToolTip(problem)
        self.stop_button.setEnabled(False)
        self.stop_button.setToolTip(problem)
        self.playback_message.setText(problem)
        self.playback_message.setStyleSheet("color: #b71c1c;")

    def stop_playback(self) -> None:
        """Stop the clip that is playing, if any."""
        if self.player is not None:
            self.player.stop()
            self.player = None

    # -------------------------------------------------------------- state
    def state(self) -> StepState:
        if self.task_running:
            return StepState.BUSY
        return StepState.DONE if self.project.dataset is not None else StepState.READY

    def shutdown(self) -> None:
        self.stop_playback()
        self.record_page.shutdown()
        super().shutdown()
