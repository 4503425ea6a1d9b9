"""The Dataset step's source choice: one radio button and one page of settings per kind of source.

:class:`SourceChooser` turns what its pages show into a dataset spec
(:mod:`wavenetlike_gui.sources`) and shows a spec back (recent datasets, undo,
an opened project). Loading is the :class:`~wavenetlike_gui.panels.dataset_panel.DatasetPanel`'s.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QRadioButton, QSizePolicy, QSpinBox,
                               QStackedWidget, QVBoxLayout, QWidget)

from wavenetlike.data.ar2 import stationarity_message

from ..settings import Settings
from ..sources import BUNDLED_SPEC, ar2_spec, files_spec, speech_commands_spec
from ..widgets.controls import button, folder_row, row
from .record_page import RecordPage
from .speech_download import SpeechCommandsDownload

__all__ = ["SourceChooser", "SOURCE_KINDS", "AUDIO_FILTER"]

AUDIO_FILTER = "Audio files (*.wav *.flac *.ogg *.mp3 *.aiff *.aif);;All files (*)"
SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000]
SOURCE_KINDS = ["bundled", "ar2", "speech_commands", "files", "record"]


def _rate_combo(default: int = 16000) -> QComboBox:
    combo = QComboBox()
    for r in SAMPLE_RATES:
        combo.addItem(f"{r} Hz", r)
    combo.setCurrentIndex(SAMPLE_RATES.index(default))
    combo.setToolTip("Every clip is resampled to this rate and mixed down to mono.")
    return combo


class SourceChooser(QWidget):
    """The kinds of source as radio buttons, each with its page of settings below.

    ``start_worker`` is the panel's (the Speech Commands download runs in a worker it owns).
    """

    def __init__(self, settings: Settings, start_worker: Callable[[Any], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._start_worker = start_worker
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(radios)
        layout.addWidget(self.pages)

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
        self.sc_words = QLineEdit()
        self.sc_words.setPlaceholderText("all words (or e.g. yes, no, up)")
        self.sc_words.setToolTip("Comma-separated words to load; empty loads every word.")
        self.sc_cap = QSpinBox()
        self.sc_cap.setRange(0, 1_000_000)
        self.sc_cap.setSpecialValueText("all")
        self.sc_cap.setValue(100)
        self.sc_cap.setToolTip("At most this many clips per word (0 = all).")
        self.sc_rate = _rate_combo()
        form.addRow("folder", folder_row(self.sc_root, self._browse_speech_root, "Choose the Speech Commands folder."))
        form.addRow("words", self.sc_words)
        form.addRow("clips per word", self.sc_cap)
        form.addRow("sample rate", self.sc_rate)
        self.sc_download = SpeechCommandsDownload(self.sc_root.text, self._start_worker)
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
        file_buttons = row(button("Add files…", "Add audio files to load.", self.choose_files),
                           button("Add folder…", "Add a folder (searched recursively).", self.choose_folder),
                           button("Clear", "Empty the list.", self.file_list.clear))
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
        v.addLayout(file_buttons)
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

    def show_spec(self, spec: dict[str, Any]) -> None:
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
