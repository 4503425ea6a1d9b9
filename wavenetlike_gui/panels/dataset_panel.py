"""Step 1: choose and load a dataset, look at and listen to its clips."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QProgressBar, QPushButton, QRadioButton, QSizePolicy,
                               QSpinBox, QSplitter, QStackedWidget, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from wavenetlike.data.ar2 import stationarity_message

from ..audio_player import PlaybackUnavailable, StreamPlayer, output_problem
from ..project import Project
from ..settings import Settings
from ..sources import (BUNDLED_SPEC, ar2_spec, describe_spec, files_spec, load_dataset,
                       speech_commands_spec)
from ..widgets.spectrogram_view import SpectrogramView
from ..widgets.waveform_view import WaveformView
from ..workers import Worker
from .base import StepPanel, StepState
from .record_page import RecordPage
from .speech_download import SpeechCommandsDownload

__all__ = ["DatasetPanel", "ClipTableModel"]

log = logging.getLogger(__name__)

AUDIO_FILTER = "Audio files (*.wav *.flac *.ogg *.mp3 *.aiff *.aif);;All files (*)"
SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000]
SOURCE_KINDS = ["bundled", "ar2", "speech_commands", "files", "record"]


class ClipTableModel(QAbstractTableModel):
    """The clips of a dataset as rows: name, label, duration, sample rate."""

    HEADERS = ["Name", "Label", "Duration (s)", "Sample rate (Hz)"]

    def __init__(self) -> None:
        super().__init__()
        self.clips: list[Any] = []

    def set_clips(self, clips: list[Any]) -> None:
        self.beginResetModel()
        self.clips = list(clips)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.clips)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        clip = self.clips[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return [clip.name, clip.label or "—", f"{clip.duration:.3f}", str(clip.sample_rate)][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [clip.path or clip.name]
            if clip.original_sample_rate and clip.original_sample_rate != clip.sample_rate:
                parts.append(f"resampled from {clip.original_sample_rate} Hz")
            if clip.original_channels and clip.original_channels > 1:
                parts.append(f"mixed down from {clip.original_channels} channels")
            return "\n".join(parts)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


def _rate_combo(default: int = 16000) -> QComboBox:
    combo = QComboBox()
    for r in SAMPLE_RATES:
        combo.addItem(f"{r} Hz", r)
    combo.setCurrentIndex(SAMPLE_RATES.index(default))
    combo.setToolTip("Every clip is resampled to this rate and mixed down to mono.")
    return combo


class DatasetPanel(StepPanel):
    """Source choice, background loading, clip list, waveform, playback, unreadable files."""

    title = "Dataset"
    hint = "Pick the audio to learn from. The bundled speech samples are loaded to start with."
    loaded = Signal(object)
    load_failed = Signal(str)
    load_cancelled = Signal()

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self.worker: Worker | None = None
        self.player: StreamPlayer | None = None
        self._outcome_delivered = False  # the running worker has already reported its outcome
        self._loading_spec: dict[str, Any] | None = None
        self.setAcceptDrops(True)

        # ---- source choice
        self.source_buttons = QButtonGroup(self)
        self.source_radios: dict[str, QRadioButton] = {}
        radio_texts = {
            "bundled": "Bundled sample speech (a few spoken words, works offline)",
            "ar2": "AR(2) process: synthetic data with known structure",
            "speech_commands": "Speech Commands folder (Google's spoken-word corpus)",
            "files": "My own audio files or folders",
            "record": "Record my own voice (microphone)",
        }
        self.pages = QStackedWidget()
        radios = QVBoxLayout()
        for i, kind in enumerate(SOURCE_KINDS):
            rb = QRadioButton(radio_texts[kind])
            self.source_buttons.addButton(rb, i)
            self.source_radios[kind] = rb
            radios.addWidget(rb)
        self.pages.addWidget(self._bundled_page())
        self.pages.addWidget(self._ar2_page())
        self.pages.addWidget(self._speech_page())
        self.pages.addWidget(self._files_page())
        self.record_page = RecordPage(settings)
        self.pages.addWidget(self.record_page)
        self.source_buttons.idToggled.connect(self._on_source_toggled)
        self.source_radios["bundled"].setChecked(True)

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
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        source_box = QGroupBox("Source")
        sb = QVBoxLayout(source_box)
        sb.addLayout(radios)
        sb.addWidget(self.pages)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        sb.addLayout(buttons)
        sb.addWidget(self.progress)
        sb.addWidget(self.progress_label)
        sb.addWidget(self.message)
        sb.addStretch(1)

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
        self._sound_problem = output_problem()  # '' when there is a sound output
        if self._sound_problem:
            self.play_button.setToolTip(self._sound_problem)
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

        outer = QHBoxLayout(self)
        source_box.setMinimumWidth(380)
        source_box.setMaximumWidth(460)
        outer.addWidget(source_box)
        outer.addWidget(right, 1)

        project.dataset_changed.connect(self._show_dataset)
        project.dataset_spec_changed.connect(self._follow_spec)
        self.refresh_state()

    def _on_source_toggled(self, index: int, checked: bool) -> None:
        if checked:
            self.pages.setCurrentIndex(index)
            # the stack takes the height of the shown page only (not the tallest), so a short
            # page's text sits right under the choices instead of far below them
            for i in range(self.pages.count()):
                policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
                self.pages.widget(i).setSizePolicy(policy, policy)
            self.pages.adjustSize()

    # ------------------------------------------------------------- pages
    def _bundled_page(self) -> QWidget:
        w = QLabel("A small set of spoken words in several synthetic voices, 16 kHz, shipped with "
                   "wavenetlike so you can try every step without your own data.")
        w.setWordWrap(True)
        return w

    def _ar2_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)

        def dspin(value: float, lo: float, hi: float, step: float, tip: str) -> QDoubleSpinBox:
            s = QDoubleSpinBox()
            s.setRange(lo, hi)
            s.setDecimals(3)
            s.setSingleStep(step)
            s.setValue(value)
            s.setToolTip(tip)
            return s

        def ispin(value: int, lo: int, hi: int, tip: str) -> QSpinBox:
            s = QSpinBox()
            s.setRange(lo, hi)
            s.setValue(value)
            s.setToolTip(tip)
            s.setGroupSeparatorShown(True)
            return s

        self.ar2_a = dspin(0.6, -5, 5, 0.05, "Weight of the previous value X(t−1).")
        self.ar2_b = dspin(-0.3, -5, 5, 0.05, "Weight of the value before it, X(t−2).")
        self.ar2_c = dspin(0.0, -1000, 1000, 0.1, "Constant added at every step (shifts the mean).")
        self.ar2_noise = dspin(1.0, 0, 1000, 0.1, "Standard deviation of the random kick ε added at every step.")
        self.ar2_length = ispin(16000, 3, 100_000_000, "Samples in each realisation (clip).")
        self.ar2_count = ispin(8, 1, 100_000, "Number of independent realisations (clips).")
        self.ar2_seed = ispin(0, 0, 2**31 - 1, "Random seed: the same seed gives the same data.")
        self.ar2_rate = ispin(16000, 1, 1_000_000, "Samples per second, used to show times in ms.")
        self.ar2_allow = QCheckBox("Use it even if it is not stationary")
        formula = QLabel("X(t) = c + a·X(t−1) + b·X(t−2) + ε(t)")
        formula.setStyleSheet("font-style: italic;")
        form.addRow(formula)
        form.addRow("a", self.ar2_a)
        form.addRow("b", self.ar2_b)
        form.addRow("c", self.ar2_c)
        form.addRow("noise (σ of ε)", self.ar2_noise)
        form.addRow("length (samples)", self.ar2_length)
        form.addRow("clips", self.ar2_count)
        form.addRow("seed", self.ar2_seed)
        form.addRow("sample rate (Hz)", self.ar2_rate)
        self.ar2_note = QLabel("")
        self.ar2_note.setWordWrap(True)
        form.addRow(self.ar2_note)
        form.addRow(self.ar2_allow)
        self.ar2_a.valueChanged.connect(self._update_ar2_note)
        self.ar2_b.valueChanged.connect(self._update_ar2_note)
        self._update_ar2_note()
        return page

    def _update_ar2_note(self) -> None:
        msg = stationarity_message(self.ar2_a.value(), self.ar2_b.value())
        if msg:
            self.ar2_note.setText("⚠ " + msg)
            self.ar2_note.setStyleSheet("color: #b71c1c;")
        else:
            self.ar2_note.setText("✓ Stationary: the process settles and its statistics do not drift.")
            self.ar2_note.setStyleSheet("color: #2e7d32;")
        self.ar2_allow.setVisible(bool(msg))

    def _speech_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.sc_root = QLineEdit()
        self.sc_root.setPlaceholderText("folder holding yes/, no/, … sub-folders")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_speech_root)
        row = QHBoxLayout()
        row.addWidget(self.sc_root, 1)
        row.addWidget(browse)
        self.sc_words = QLineEdit()
        self.sc_words.setPlaceholderText("all words (or e.g. yes, no, up)")
        self.sc_words.setToolTip("Comma-separated words to load; empty loads every word.")
        self.sc_cap = QSpinBox()
        self.sc_cap.setRange(0, 1_000_000)
        self.sc_cap.setSpecialValueText("all")
        self.sc_cap.setValue(100)
        self.sc_cap.setToolTip("At most this many clips per word (0 = all).")
        self.sc_rate = _rate_combo()
        form.addRow("folder", row)
        form.addRow("words", self.sc_words)
        form.addRow("clips per word", self.sc_cap)
        form.addRow("sample rate", self.sc_rate)
        self.sc_download = SpeechCommandsDownload(self.sc_root.text, self.start_worker)
        self.sc_download.downloaded.connect(self._speech_downloaded)
        form.addRow(self.sc_download)
        return page

    def _speech_downloaded(self, root: str) -> None:
        self.sc_root.setText(root)
        self.settings.set_last_folder("speech_commands", root)

    def _files_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.file_list = QListWidget()
        self.file_list.setToolTip("Files and folders to load; folders are searched recursively.")
        add_files = QPushButton("Add files…")
        add_files.clicked.connect(self.choose_files)
        add_folder = QPushButton("Add folder…")
        add_folder.clicked.connect(self.choose_folder)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.file_list.clear)
        row = QHBoxLayout()
        for b in (add_files, add_folder, clear):
            row.addWidget(b)
        self.files_rate = _rate_combo()
        rate_row = QHBoxLayout()
        rate_row.addWidget(QLabel("sample rate"))
        rate_row.addWidget(self.files_rate, 1)
        self.files_labels_check = QCheckBox("Labels from sub-folder names")
        self.files_labels_check.setToolTip(
            "Label each clip by the sub-folder it sits in under a chosen folder (e.g. speech/yes/1.wav "
            "gets the label “yes”); a model can then be conditioned on the labels (step 3).")
        hint = QLabel("WAV, FLAC, OGG or MP3. You can also drop files and folders onto this window.")
        hint.setWordWrap(True)
        v.addWidget(self.file_list, 1)
        v.addLayout(row)
        v.addLayout(rate_row)
        v.addWidget(self.files_labels_check)
        v.addWidget(hint)
        return page

    # ---------------------------------------------------------- choosing
    def selected_kind(self) -> str:
        return SOURCE_KINDS[self.source_buttons.checkedId()]

    def select_kind(self, kind: str) -> None:
        self.source_radios[kind].setChecked(True)

    def current_spec(self) -> dict[str, Any]:
        """The spec for what the source controls show now."""
        kind = self.selected_kind()
        if kind == "bundled":
            return dict(BUNDLED_SPEC)
        if kind == "ar2":
            return ar2_spec(a=self.ar2_a.value(), b=self.ar2_b.value(), c=self.ar2_c.value(),
                            noise=self.ar2_noise.value(), length=self.ar2_length.value(),
                            count=self.ar2_count.value(), seed=self.ar2_seed.value(),
                            sample_rate=self.ar2_rate.value(),
                            allow_nonstationary=self.ar2_allow.isChecked())
        if kind == "speech_commands":
            words = [w.strip() for w in self.sc_words.text().replace(";", ",").split(",") if w.strip()]
            return speech_commands_spec(self.sc_root.text().strip(), words, self.sc_cap.value() or None,
                                        self.sc_rate.currentData())
        if kind == "record":  # the recordings folder, labelled by its sub-folders
            folder = self.record_page.folder()
            return files_spec([folder] if folder else [], self.record_page.rate_combo.currentData(), True)
        paths = [self.file_list.item(i).text() for i in range(self.file_list.count())]
        return files_spec(paths, self.files_rate.currentData(), self.files_labels_check.isChecked())

    def _remember_folder(self, path: str) -> None:
        p = Path(path)
        self.settings.set_last_folder("dataset", str(p if p.is_dir() else p.parent))

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Choose audio files", self.settings.last_folder("dataset"),
                                                AUDIO_FILTER)
        if files:
            self.add_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of audio files",
                                                  self.settings.last_folder("dataset"))
        if folder:
            self.add_paths([folder])

    def _browse_speech_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the Speech Commands folder",
                                                  self.settings.last_folder("speech_commands"))
        if folder:
            self.sc_root.setText(folder)
            self.settings.set_last_folder("speech_commands", folder)

    def add_paths(self, paths: list[str]) -> None:
        """Add files/folders to the custom source and select it."""
        present = {self.file_list.item(i).text() for i in range(self.file_list.count())}
        for p in paths:
            if p not in present:
                self.file_list.addItem(p)
        if paths:
            self._remember_folder(paths[0])
        self.select_kind("files")

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
        """Start loading ``spec`` in the background; False when a load is already running."""
        if self.worker is not None and self.worker.isRunning():
            if not self._outcome_delivered or not self.worker.wait(5000):
                self._say("A dataset is still loading: wait for it or press Cancel first.", error=True)
                return False
            self._on_worker_finished(self.worker)  # it had already reported and was only ending
        self._outcome_delivered = False
        self._show_spec(spec)
        self._loading_spec = spec
        self._say(f"Loading {describe_spec(spec)}…")
        self.progress.setRange(0, 0)
        self.progress.setFormat("")
        self.progress.setVisible(True)
        self.progress_label.setText("")
        self.load_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        worker = Worker(load_dataset, spec, name=f"load {describe_spec(spec)}")
        worker.progress.connect(self._on_progress)
        worker.result.connect(self._on_loaded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._finished_slot(worker))
        self.worker = worker
        self.start_worker(worker)
        self.refresh_state()
        return True

    def _finished_slot(self, worker: Worker):
        return lambda *_: self._on_worker_finished(worker)

    def cancel_loading(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self._say("Cancelling…")

    def _show_spec(self, spec: dict[str, Any]) -> None:
        """Put a spec's values into the source controls (for recent datasets)."""
        kind = spec.get("kind", "bundled")
        if kind not in SOURCE_KINDS:
            return
        self.select_kind(kind)
        if kind == "ar2":
            for key, widget in (("a", self.ar2_a), ("b", self.ar2_b), ("c", self.ar2_c),
                                ("noise", self.ar2_noise), ("length", self.ar2_length),
                                ("count", self.ar2_count), ("seed", self.ar2_seed),
                                ("sample_rate", self.ar2_rate)):
                if spec.get(key) is not None:
                    widget.setValue(spec[key])
            self.ar2_allow.setChecked(bool(spec.get("allow_nonstationary")))
        elif kind == "files":
            self.file_list.clear()
            for p in spec.get("paths") or []:
                self.file_list.addItem(p)
            self.files_labels_check.setChecked(bool(spec.get("labels_from_folders")))
        elif kind == "speech_commands":
            self.sc_root.setText(spec.get("root", ""))
            self.sc_words.setText(", ".join(spec.get("words") or []))
            self.sc_cap.setValue(int(spec.get("clips_per_word") or 0))

    def _follow_spec(self, spec: Any) -> None:
        """A dataset installed from outside (undo/redo, a project): show how it was chosen."""
        if spec and not (self.worker is not None and self.worker.isRunning()):
            self._show_spec(spec)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{done} / {total}")
        self.progress_label.setText(what)

    def _on_loaded(self, dataset: Any) -> None:
        self._outcome_delivered = True
        spec = self._loading_spec or {}
        self.settings.add_recent_dataset(spec)
        self.project.set_dataset(dataset, spec)
        text = f"Loaded {dataset.summary()}."
        if dataset.errors:
            text += f" {len(dataset.errors)} file(s) could not be read: see the list below."
        self._say(text)
        self.status_message.emit(text)
        self.loaded.emit(dataset)

    def _on_failed(self, message: str, _details: str) -> None:
        self._outcome_delivered = True
        spec = self._loading_spec or {}
        if spec.get("kind") == "bundled":
            text = ("The bundled sample set could not be loaded: " + message + ". It should be in "
                    "resources/sample_speech/ next to the program. Choose another source above "
                    "(for example AR(2), which needs no files) and press Load.")
        else:
            text = f"Could not load {describe_spec(spec)}: {message}"
        self._say(text, error=True)
        self.status_message.emit("Loading failed.")
        self.load_failed.emit(text)

    def _on_cancelled(self) -> None:
        self._outcome_delivered = True
        self._say("Loading cancelled; the previous dataset is kept.")
        self.load_cancelled.emit()

    def _on_worker_finished(self, worker: Worker | None) -> None:
        if worker is None or worker is not self.worker:
            return  # a previous load ending late
        self.progress.setVisible(False)
        self.progress_label.setText("")
        self.load_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.worker = None
        self.refresh_state()

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b71c1c;" if error else "")

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
        self.playback_message.setText(problem)
        self.playback_message.setStyleSheet("color: #b71c1c;")

    def stop_playback(self) -> None:
        """Stop the clip that is playing, if any."""
        if self.player is not None:
            self.player.stop()
            self.player = None

    # -------------------------------------------------------------- state
    def state(self) -> StepState:
        if self.worker is not None and self.worker.isRunning():
            return StepState.BUSY
        return StepState.DONE if self.project.dataset is not None else StepState.READY

    def shutdown(self) -> None:
        self.stop_playback()
        self.record_page.shutdown()
        super().shutdown()
