"""Step 4: train the chosen architecture on the dataset, with live curves.

Every Start makes a new run folder in the session (:mod:`wavenetlike.session`:
model config, TrainConfig, dataset spec, last and best checkpoints, history and
TensorBoard event files); Continue continues the run on screen only while its
architecture and dataset equal what is on screen. The run itself is the
library's ``Trainer.steps()`` inside a :class:`~wavenetlike_gui.run_job.RunWorker` thread. Its events reach
this panel through the worker's queued ``item`` signal and are only queued
here; a GUI-side timer turns what has arrived into curves, readouts and log
lines a few times a second, so a fast run cannot flood the event loop.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPlainTextEdit,
                               QPushButton, QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from wavenetlike.train_config import TrainConfig

from ..project import Project
from ..settings import Settings
from ..widgets.heldout_plot import HeldOutPlot
from ..widgets.smoothing import SmoothingControl, ema_smooth
from ..run_job import RunJob, RunWorker
from ..widgets.runs_table import RunOverlays, RunsTable
from .base import RememberedControls, StepPanel, StepState

__all__ = ["TrainingPanel", "detect_devices", "default_threads", "format_duration"]

log = logging.getLogger(__name__)

REDRAW_MS = 200
LOG_LINES = 3000
TRAIN_PEN = pg.mkPen("#1f5fbf", width=1.2)
RAW_PEN = pg.mkPen(31, 95, 191, 60, width=1)
VAL_PEN = pg.mkPen("#c62828", width=2)


def detect_devices() -> list[tuple[str, str]]:
    """``(value, label)`` pairs for the device choice: auto first, then CPU and every CUDA device."""
    import torch
    cuda = torch.cuda.is_available()
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    auto = f"auto (CUDA: {names[0]})" if names else "auto (CPU: no CUDA device found)"
    out = [("auto", auto), ("cpu", "CPU")]
    out += [(f"cuda:{i}", f"cuda:{i} — {n}") for i, n in enumerate(names)]
    return out


def default_threads() -> int:
    """Torch threads for training: all cores but one (the GUI's), at least one."""
    import os
    return max(1, (os.cpu_count() or 2) - 1)


def format_duration(seconds: float | None) -> str:
    """``1 h 02 min``, ``3 min 05 s``, ``12 s``; ``—`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


class _Curves:
    """Train and validation series of one quantity, as growing arrays; the train curve EMA-smoothed."""

    def __init__(self, plot: pg.PlotWidget, name: str) -> None:
        plot.addLegend(offset=(-10, 10), labelTextColor="#333333", brush=pg.mkBrush(255, 255, 255, 210))
        self.raw = plot.plot([], [], pen=RAW_PEN)  # faint, behind the smoothed curve (TensorBoard's look)
        self.raw.setDownsampling(auto=True, method="peak")
        self.raw.setClipToView(True)
        self.train = plot.plot([], [], pen=TRAIN_PEN, name=f"train {name}")
        self.train.setDownsampling(auto=True, method="peak")
        self.train.setClipToView(True)
        self.val = plot.plot([], [], pen=VAL_PEN, symbol="o", symbolSize=5, symbolBrush="#c62828",
                             name=f"validation {name}")
        self.smoothing = 0.0
        self.tx: list[float] = []
        self.ty: list[float] = []
        self.vx: list[float] = []
        self.vy: list[float] = []

    def clear(self) -> None:
        self.tx, self.ty, self.vx, self.vy = [], [], [], []
        self.redraw()

    def redraw(self) -> None:
        x, y = np.asarray(self.tx, float), np.asarray(self.ty, float)
        self.raw.setData(x, y)
        self.raw.setVisible(self.smoothing > 0)
        self.train.setData(x, ema_smooth(y, self.smoothing))
        self.val.setData(np.asarray(self.vx, float), np.asarray(self.vy, float))


def _plot(y_label: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setLabel("bottom", "step")
    w.setLabel("left", y_label)
    for side in ("left", "bottom"):  # plain numbers: no "(x0.001)" scaling of accuracies or step counts
        w.getAxis(side).enableAutoSIPrefix(False)
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumHeight(80)  # four plots and the log share the height of a 700-px window
    return w


class TrainingPanel(StepPanel):
    """Settings, Start / Pause / Resume / Stop, live curves, readouts and the step log.

    Signals: ``run_started``; ``run_finished(str)`` with the closing message
    (also after errors); ``event_received(object)`` for every TrainEvent
    (emitted in the GUI thread, after the panel queued it).
    """

    title = "Training"
    hint = "Train the chosen architecture on the dataset; watch the loss fall."
    run_started = Signal()
    run_finished = Signal(str)
    event_received = Signal(object)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self.worker: RunWorker | None = None
        self.job: RunJob | None = None
        self.history: list[dict[str, Any]] = []
        self.last_error = ""
        self.last_event: Any = None
        self._pending: list[Any] = []
        self._log_pending: list[str] = []
        self._stop_asked = False
        self._stopped_early = False  # the last run ended on Stop, before its 'Stop after'

        # ---- settings
        self.device_combo = QComboBox()
        for value, label in detect_devices():
            self.device_combo.addItem(label, value)
        self.device_combo.setToolTip("Where to train. auto: the first CUDA GPU when there is one, else the CPU.")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 4096)
        self.batch_spin.setValue(TrainConfig.quick().batch_size)
        self.batch_spin.setToolTip("Training windows per step.")
        self.window_spin = QSpinBox()
        self.window_spin.setRange(1, 1_000_000)
        self.window_spin.setValue(TrainConfig.quick().target_length)
        self.window_spin.setSuffix(" samples")
        self.window_spin.setToolTip("Target length: scored samples per window (each window also holds Δ−1 "
                                    "samples of context, Δ = the receptive field).")
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(0.000001, 1.0)
        self.lr_spin.setSingleStep(0.0001)
        self.lr_spin.setValue(TrainConfig.quick().lr)
        self.lr_spin.setToolTip("Adam's learning rate. Lower it if the loss jumps or becomes NaN.")
        self.stop_combo = QComboBox()
        self.stop_combo.addItem("steps", "steps")
        self.stop_combo.addItem("minutes", "minutes")
        self.stop_combo.setToolTip("Stop after a number of training steps, or after a time in minutes.")
        self.stop_spin = QDoubleSpinBox()
        self.stop_spin.setDecimals(0)
        self.stop_spin.setRange(1, 10_000_000)
        self.stop_spin.setValue(1000)
        self.stop_spin.setToolTip("How many steps (or minutes) to train before stopping; a checkpoint is "
                                  "written at the end.")
        self._stop_values = {"steps": 1000.0, "minutes": 5.0}
        self.stop_combo.currentIndexChanged.connect(self._stop_unit_changed)
        self.val_spin = QSpinBox()
        self.val_spin.setRange(0, 1_000_000)
        self.val_spin.setValue(100)
        self.val_spin.setSpecialValueText("never")
        self.val_spin.setToolTip("Validate on held-out clips every this many steps (and at the end).")
        self.ckpt_every_spin = QSpinBox()
        self.ckpt_every_spin.setRange(0, 1_000_000)
        self.ckpt_every_spin.setValue(200)
        self.ckpt_every_spin.setSpecialValueText("only at the end")
        self.ckpt_every_spin.setToolTip("Write a checkpoint every this many steps; one is always written on stop.")
        self.runs_edit = QLineEdit(str(project.runs_dir))
        self.runs_edit.setToolTip("The folder of this session's runs: every Start makes a new run folder in it "
                                  "(configs, last and best checkpoints, history, TensorBoard event files); "
                                  "no run overwrites another. Open it with: tensorboard --logdir <folder>")
        self.runs_edit.editingFinished.connect(self._runs_folder_edited)
        browse = QPushButton("…")
        browse.setFixedWidth(32)
        browse.setToolTip("Choose the folder where the runs are kept.")
        browse.clicked.connect(self._browse_runs_folder)
        ckpt_row = QHBoxLayout()
        ckpt_row.addWidget(self.runs_edit, 1)
        ckpt_row.addWidget(browse)
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.stop_spin, 1)
        stop_row.addWidget(self.stop_combo)

        form = QFormLayout()
        form.addRow("Device", self.device_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Window", self.window_spin)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Stop after", stop_row)
        form.addRow("Validate every", self.val_spin)
        form.addRow("Checkpoint every", self.ckpt_every_spin)
        form.addRow("Runs folder", ckpt_row)
        settings_box = QGroupBox("Settings")
        settings_box.setLayout(form)

        # ---- controls
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train a freshly initialised model with these settings, in a new run.")
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Continue the run on screen from its last checkpoint for another "
                                        "'Stop after' (only while its architecture and dataset are the ones "
                                        "on screen).")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and write a checkpoint.")
        self.resume_file_button = QPushButton("Resume from checkpoint file…")
        self.resume_file_button.setToolTip("Continue the training saved in a checkpoint file (.safetensors), "
                                           "with its curves, on the loaded dataset, in a new run.")
        self.pause_button.setToolTip("Pause after the current step; nothing is lost.")
        self.resume_button.setToolTip("Continue the paused run.")
        self.start_button.clicked.connect(self.start)
        self.continue_button.clicked.connect(self.continue_run)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.stop_button.clicked.connect(self.stop)
        self.resume_file_button.clicked.connect(self._choose_resume_file)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.continue_button, 0, 1)
        buttons.addWidget(self.pause_button, 1, 0)
        buttons.addWidget(self.resume_button, 1, 0)
        buttons.addWidget(self.stop_button, 1, 1)
        buttons.addWidget(self.resume_file_button, 2, 0, 1, 2)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel("")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        # ---- readouts
        self.readouts: dict[str, QLabel] = {}
        readout_grid = QGridLayout()
        for i, (key, caption) in enumerate([("step", "Step"), ("loss", "Loss"), ("accuracy", "Accuracy"),
                                            ("val", "Validation loss / acc"), ("steps_s", "Steps/s"),
                                            ("samples_s", "Samples/s"), ("elapsed", "Elapsed"),
                                            ("eta", "ETA")]):
            cap = QLabel(caption)
            cap.setStyleSheet("color: #555;")
            val = QLabel("—")
            val.setStyleSheet("font-size: 13pt; font-weight: 600;")
            readout_grid.addWidget(cap, (i // 4) * 2, i % 4)
            if key == "accuracy":
                self._accuracy_caption = cap
            readout_grid.addWidget(val, (i // 4) * 2 + 1, i % 4)
            self.readouts[key] = val

        left = QVBoxLayout()
        left.addWidget(settings_box)
        left.addLayout(buttons)
        left.addWidget(self.message)
        left.addWidget(self.error_label)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setMaximumWidth(400)

        # ---- plots and log
        self.loss_plot = _plot("loss")
        self.acc_plot = _plot("accuracy")
        self.loss_curves = _Curves(self.loss_plot, "loss")
        self.acc_curves = _Curves(self.acc_plot, "accuracy")
        self.acc_plot.setXLink(self.loss_plot)
        self.heldout_plot = HeldOutPlot()
        self.heldout_plot.setXLink(self.loss_plot)
        self.smoothing = SmoothingControl(0.6)
        self.smoothing.changed.connect(self._set_smoothing)
        self._set_smoothing(self.smoothing.value())
        self.log_view = QPlainTextEdit()
        self.log_view.setMinimumHeight(40)  # the plots need the height more than the log
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setPlaceholderText("The step log appears here.")
        font = self.log_view.font()
        font.setFamily("monospace")
        self.log_view.setFont(font)
        self.runs_table = RunsTable()
        self.runs_table.overlays_changed.connect(self._show_overlays)
        self.runs_table.open_requested.connect(self.open_run)
        self.overlays = RunOverlays(self.loss_plot, self.heldout_plot)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.log_view, "Log")
        self.bottom_tabs.addTab(self.runs_table, "Runs")
        self.bottom_tabs.setTabToolTip(1, "This session's runs: overlay their curves, reopen one for generation")
        for arrow in self.bottom_tabs.tabBar().findChildren(QAbstractButton):
            arrow.setToolTip("Scroll the tabs")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.loss_plot)
        splitter.addWidget(self.acc_plot)
        splitter.addWidget(self.heldout_plot)
        splitter.addWidget(self.bottom_tabs)
        splitter.setSizes([260, 180, 180, 120])
        right = QVBoxLayout()
        right.addLayout(readout_grid)
        right.addWidget(self.smoothing)
        right.addWidget(splitter, 1)

        outer = QHBoxLayout(self)
        outer.addWidget(left_widget)
        outer.addLayout(right, 1)

        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self.redraw)

        project.changed.connect(self._on_project_changed)
        project.runs_changed.connect(self._refresh_runs)
        self.remembered = RememberedControls(settings, "training", {
            "device": self.device_combo, "batch_size": self.batch_spin, "window": self.window_spin,
            "lr": self.lr_spin, "stop_by": self.stop_combo, "stop_after": self.stop_spin,
            "validate_every": self.val_spin, "checkpoint_every": self.ckpt_every_spin})
        refused = self.remembered.restore()
        self._show_output_kind()
        self._update_controls()
        if refused:
            self.message.setText("Some remembered settings could not be used, so the defaults are shown: "
                                 + ", ".join(refused) + ".")
        self._refresh_runs()
        self.refresh_state()

    # ------------------------------------------------------------ settings
    def _stop_unit_changed(self) -> None:
        """Switch the unit; each unit keeps its own value (1000 steps ↔ 5 minutes, or what was typed)."""
        minutes = self.stop_combo.currentData() == "minutes"
        previous = "steps" if minutes else "minutes"
        self._stop_values[previous] = self.stop_spin.value()
        self.stop_spin.setDecimals(1 if minutes else 0)
        self.stop_spin.setValue(self._stop_values["minutes" if minutes else "steps"])

    def _set_smoothing(self, weight: float) -> None:
        for curves in (self.loss_curves, self.acc_curves):
            curves.smoothing = weight
            curves.redraw()

    def _browse_runs_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Runs folder", self.runs_edit.text())
        if folder:
            self.runs_edit.setText(folder)
            self._runs_folder_edited()

    def _runs_folder_edited(self) -> None:
        text = self.runs_edit.text().strip()
        if text and not self.is_training():
            self.project.set_runs_dir(text)

    def train_config(self) -> TrainConfig:
        """The settings in the form as the library's TrainConfig (the stop condition counts from step 0)."""
        by_minutes = self.stop_combo.currentData() == "minutes"
        return TrainConfig.quick(
            device=self.device_combo.currentData(), batch_size=self.batch_spin.value(),
            target_length=self.window_spin.value(), lr=self.lr_spin.value(),
            max_steps=None if by_minutes else int(self.stop_spin.value()),
            max_seconds=float(self.stop_spin.value()) * 60.0 if by_minutes else None,
            validation_every=self.val_spin.value() or None, checkpoint_every=self.ckpt_every_spin.value() or None,
            threads=default_threads())

    def set_train_config(self, config: TrainConfig) -> None:
        """Show ``config`` in the form (an unknown device falls back to auto)."""
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(config.device)))
        self.batch_spin.setValue(int(config.batch_size))
        self.window_spin.setValue(int(config.target_length))
        self.lr_spin.setValue(float(config.lr))
        if config.max_seconds is not None and config.max_steps is None:
            self.stop_combo.setCurrentIndex(max(0, self.stop_combo.findData("minutes")))
            self.stop_spin.setValue(config.max_seconds / 60.0)
        elif config.max_steps is not None:
            self.stop_combo.setCurrentIndex(max(0, self.stop_combo.findData("steps")))
            self.stop_spin.setValue(float(config.max_steps))
        self.val_spin.setValue(int(config.validation_every or 0))
        self.ckpt_every_spin.setValue(int(config.checkpoint_every or 0))

    # ------------------------------------------------------------- control
    def is_training(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _start_problem(self) -> str:
        """'' when a run can start, else what to do first (in words)."""
        if self.project.config_problem:
            return f"Fix the architecture first (step 3): {self.project.config_problem}"
        if self.project.config is None or self.project.dataset is None:
            return "Choose a dataset (step 1) and an architecture (step 3) first."
        return self._runs_folder_problem(self.runs_edit.text().strip())

    @staticmethod
    def _runs_folder_problem(folder: str) -> str:
        """'' when ``folder`` can hold run folders, else what is wrong with it (in words)."""
        if not folder:
            return "Enter a runs folder: every run is kept in a folder of its own inside it."
        target = Path(folder).expanduser()
        if target.exists() and not target.is_dir():
            return f"The runs folder {folder} is not a folder (a file of another kind is there); choose a folder."
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"The runs folder {folder} cannot be created ({exc.strerror or exc}); choose another."
        return ""

    def start(self) -> bool:
        """Train a fresh model built from the project's config, in a new run. False (with a message) when not possible."""
        if self.is_training():
            return False
        problem = self._start_problem()
        if problem:
            self._show_error(problem)
            return False
        self.project.set_runs_dir(self.runs_edit.text().strip())
        try:
            from wavenetlike import build_wavenetlike
            config = self.train_config()
            model = build_wavenetlike(self.project.config)
            run = self.project.new_run(config)
        except (ValueError, TypeError, OSError) as exc:  # a bad value or folder is shown, not raised
            self._show_error(f"Training cannot start: {exc}")
            return False
        self._clear_curves()
        return self._launch(RunJob(run, self.project.dataset, model, threads=config.threads))

    def _clear_curves(self) -> None:
        self.history = []
        self.loss_curves.clear()
        self.acc_curves.clear()
        self.heldout_plot.clear_points()
        self.log_view.clear()

    def _more(self) -> dict[str, Any]:
        """The 'Stop after' value as the amount to continue by."""
        value = self.stop_spin.value()
        if self.stop_combo.currentData() == "minutes":
            return {"more_seconds": float(value) * 60.0}
        return {"more_steps": int(value)}

    def continue_run(self) -> bool:
        """Continue the run on screen for another 'Stop after' — only if it is the model on screen.

        When the architecture or the dataset changed since the run, say which
        and offer a new run instead (never resume the old model silently).
        """
        run = self.project.current_run
        if self.is_training() or run is None:
            return False
        if self.project.dataset is None:
            self._show_error("Load the dataset to train on (step 1) before continuing.")
            return False
        reasons = self.project.continue_reasons(run)
        if reasons:
            text = (f"Run {run.number:03d} cannot be continued: " + "; ".join(reasons) + ".")
            self._show_error(text + " Start a new run to train what is on screen.")
            if self.offer_new_run(text):
                return self.start()
            return False
        if not self.history:
            self.history = run.history
            self._plot_history(self.history)
        return self._launch(RunJob(run, self.project.dataset, **self._more(), threads=default_threads()))

    def offer_new_run(self, text: str) -> bool:
        """Ask whether to start a new run instead of continuing one that no longer matches the screen."""
        answer = QMessageBox.question(
            self, "Start a new run?", text + "\n\nStart a new run with the architecture and dataset on screen?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def resume_from_checkpoint(self, path: str | None) -> bool:
        """Continue the training saved in the checkpoint file ``path`` for another 'Stop after', in a new run."""
        if self.is_training() or not path:
            return False
        if self.project.dataset is None:
            self._show_error("Load the dataset to train on (step 1) before resuming.")
            return False
        if not Path(path).is_file():
            self._show_error(f"The checkpoint file {path} does not exist.")
            return False
        problem = self._runs_folder_problem(self.runs_edit.text().strip())
        if problem:
            self._show_error(problem)
            return False
        self.project.set_runs_dir(self.runs_edit.text().strip())
        from wavenetlike.session import Run
        from wavenetlike.train.checkpoint import load_checkpoint
        try:
            ck = load_checkpoint(path)
            run = Run.create(self.project.runs_dir, ck.model.config, self.train_config(), self.project.session.dataset_spec,
                             name=f"continued {Path(path).stem}")
        except Exception as exc:  # noqa: BLE001 - an unreadable file is said in words
            self._show_error(f"The checkpoint file {path} cannot be continued: {exc}")
            return False
        self.project.runs_changed.emit()
        self.history = self._history_in(path)
        self._plot_history(self.history)
        # the job builds its trainer from the file, writing into the new run's folder
        return self._launch(RunJob(run, self.project.dataset, threads=default_threads(), resume_from=path,
                                   **self._more()))

    def _choose_resume_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Resume from checkpoint", self.settings.last_folder("checkpoint"),
                                              "Checkpoints (*.safetensors)")
        if path:
            self.settings.set_last_folder("checkpoint", str(Path(path).parent))
            self.history = []
            self.resume_from_checkpoint(path)

    @staticmethod
    def _history_in(path: str) -> list[dict[str, Any]]:
        """The training history stored in a checkpoint's metadata (no tensors are read)."""
        from wavenetlike.train.checkpoint_checks import read_training_state
        try:
            return list(read_training_state(path).get("history", []))
        except Exception:  # noqa: BLE001 - the trainer reports unreadable files properly
            return []

    def _launch(self, job: RunJob) -> bool:
        self._hide_error()
        self.job = job
        self._stop_asked = False
        self._stopped_early = False
        self._pending.clear()
        worker = RunWorker(job)
        worker.item.connect(self._queue_event)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_worker_finished)
        self.worker = worker
        self.start_worker(worker)
        self.redraw_timer.start()
        what = "Continuing" if job.continues else "Training"
        self.message.setText(f"{what} run {job.run.number:03d} for {job.stop_text()} on "
                             f"{self.device_combo.currentText()}…")
        self._update_controls()
        self.refresh_state()
        self.run_started.emit()
        return True

    # ---------------------------------------------------------------- runs
    def _refresh_runs(self) -> None:
        try:
            runs = self.project.runs
        except OSError as exc:
            self._show_error(f"The runs folder cannot be read: {exc}")
            runs = []
        self.runs_table.set_runs(runs, self.project.current_run, str(self.project.runs_dir))
        if self.runs_edit.text().strip() != str(self.project.runs_dir) and not self.runs_edit.hasFocus():
            self.runs_edit.setText(str(self.project.runs_dir))
        self.bottom_tabs.setTabText(1, f"Runs ({len(runs)})")

    def _show_overlays(self, runs: list[Any]) -> None:
        self.overlays.smoothing = self.smoothing.value()
        self.overlays.show(runs)

    def open_run(self, run: Any) -> bool:
        """Make ``run`` the one on screen: its curves, its model for the Generate step, and Continue's target."""
        if self.is_training() or run.checkpoint is None:
            if run.checkpoint is None:
                self._show_error(f"Run {run.number:03d} has no checkpoint yet: there is no model to open.")
            return False
        try:
            model = run.load_model()
        except Exception as exc:  # noqa: BLE001 - an unreadable checkpoint is said in words
            self._show_error(f"Run {run.number:03d} cannot be opened: {exc}")
            return False
        self._clear_curves()
        self.history = run.history
        self._plot_history(self.history)
        self.project.set_current_run(run)
        self.project.set_model(model)
        self._stopped_early = run.status == "cancelled"
        self.message.setText(f"Run {run.number:03d} ({run.name}) is on screen: {run.status} at step {run.steps}.")
        self._update_controls()
        self.refresh_state()
        return True

    def pause(self) -> None:
        if self.job is not None and self.is_training():
            self.job.pause()
            self.message.setText("Paused after the current step. Resume to continue.")
            self._update_controls()
            self.refresh_state()

    def resume(self) -> None:
        if self.job is not None and self.is_training():
            self.job.resume()
            self.message.setText("Training…")
            self._update_controls()
            self.refresh_state()

    def stop(self) -> None:
        """Stop after the current step; the trainer writes its final checkpoint."""
        if self.job is not None and self.is_training():
            self._stop_asked = True
            self.job.cancel()
            self.message.setText("Stopping after the current step and writing the checkpoint…")
            self._update_controls()

    # -------------------------------------------------------------- events
    def _queue_event(self, event: Any) -> None:
        """Runs in the GUI thread for each TrainEvent; cheap: only queues."""
        self._pending.append(event)
        self.event_received.emit(event)

    def redraw(self) -> None:
        """Fold the queued events into curves, readouts and the log (GUI timer)."""
        events, self._pending = self._pending, []
        if not events:
            return
        lines: list[str] = []
        for ev in events:
            kind = ev.kind
            if kind == "step":
                self.loss_curves.tx.append(ev.step)
                self.loss_curves.ty.append(ev.loss)
                if ev.accuracy is not None:
                    self.acc_curves.tx.append(ev.step)
                    self.acc_curves.ty.append(ev.accuracy)
                self.last_event = ev
                acc = f"  acc {ev.accuracy:.3f}" if ev.accuracy is not None else ""
                lines.append(f"step {ev.step:>7}  loss {ev.loss:.5g}{acc}  {ev.steps_per_second or 0:.1f} steps/s")
            elif kind == "validation":
                if self._validation_on_loss_plot():
                    self.loss_curves.vx.append(ev.step)
                    self.loss_curves.vy.append(ev.val_loss)
                self.heldout_plot.add_validation(ev.step, ev.bits_per_sample, ev.baselines)
                if ev.val_accuracy is not None:
                    self.acc_curves.vx.append(ev.step)
                    self.acc_curves.vy.append(ev.val_accuracy)
                acc = f"  acc {ev.val_accuracy:.3f}" if ev.val_accuracy is not None else ""
                self.readouts["val"].setText(f"{ev.val_loss:.4g}" + (f" / {ev.val_accuracy:.3f}"
                                                                     if ev.val_accuracy is not None else ""))
                lines.append(f"validation at step {ev.step}: loss {ev.val_loss:.5g}{acc}; "
                             f"{self.heldout_plot.to_beat()}")
            elif kind == "checkpoint":
                lines.append(ev.message or f"checkpoint at step {ev.step}")
                if ev.checkpoint_path and not ev.checkpoint_path.endswith(".best.safetensors"):
                    self.project.set_checkpoint(ev.checkpoint_path)  # the run's last; the best stays beside it
            elif kind == "done":
                lines.append(ev.message)
                self._finish(ev.message, ev.checkpoint_path)
            elif kind == "error":
                lines.append("ERROR: " + ev.message)
                self._finish_error(ev.message, ev.checkpoint_path)
        self.loss_curves.redraw()
        self.acc_curves.redraw()
        self._show_readouts()
        if len(lines) > LOG_LINES:
            lines = [f"… {len(lines) - LOG_LINES} lines skipped"] + lines[-LOG_LINES:]
        self.log_view.appendPlainText("\n".join(lines))

    def _show_readouts(self) -> None:
        ev = self.last_event
        if ev is None:
            return
        r = self.readouts
        r["step"].setText(f"{ev.step:,}")
        r["loss"].setText(f"{ev.loss:.4g}")
        r["accuracy"].setText("—" if ev.accuracy is None else f"{ev.accuracy:.3f}")
        r["steps_s"].setText(f"{ev.steps_per_second:.1f}" if ev.steps_per_second else "—")
        r["samples_s"].setText(f"{ev.samples_per_second:,.0f}" if ev.samples_per_second else "—")
        r["elapsed"].setText(format_duration(ev.elapsed))
        r["eta"].setText(format_duration(ev.eta))

    def _finish(self, message: str, checkpoint: str | None) -> None:
        if self.job is not None:
            self.project.set_current_run(self.job.run)
        if checkpoint:
            self.project.set_checkpoint(checkpoint)
        where = f"\nRun {self.job.run.number:03d}: {self.job.run.folder}" if self.job is not None else ""
        self.message.setText(message + where)

    def _finish_error(self, message: str, checkpoint: str | None) -> None:
        self._show_error(message)
        if self.job is not None:
            self.project.set_current_run(self.job.run)
        if checkpoint:
            self.project.set_checkpoint(checkpoint)

    def _on_failed(self, message: str, _details: str) -> None:
        kept = f" The last checkpoint ({self.project.checkpoint}) is kept." if self.project.checkpoint else ""
        self._show_error(f"Training could not run: {message}.{kept} Check the settings on the left "
                         "(batch size, window, learning rate) and the dataset.")

    def _on_worker_finished(self) -> None:
        if self.worker is None:
            return
        self.redraw()  # whatever arrived last
        self.redraw_timer.stop()
        job = self.job
        if job is not None and job.trainer is not None:
            self.history = list(job.trainer.history)
            self.project.set_model(job.trainer.model)
        text = self.message.text() if not self.last_error else self.last_error
        self._stopped_early = self._stop_asked
        self.worker = None
        self._refresh_runs()
        self._update_controls()
        self.refresh_state()
        self.run_finished.emit(text)

    def _show_error(self, text: str) -> None:
        self.last_error = text
        self.error_label.setText(text)
        self.error_label.show()
        self.message.setText("Training stopped." if self.job is not None else "")
        self.status_message.emit(text)

    def _hide_error(self) -> None:
        self.last_error = ""
        self.error_label.clear()
        self.error_label.hide()

    # ------------------------------------------------------------- history
    def _validation_on_loss_plot(self) -> bool:
        """Held-out loss shares the loss plot only where the units agree (categorical models).

        A mixture's training loss is its 16-bit likelihood, while validation
        scores it at the mu-law classes: that figure lives on the held-out plot.
        """
        config = self.project.config
        return config is None or not config.continuous

    def _plot_history(self, history: list[dict[str, Any]]) -> None:
        """Rebuild the curves from a history list (a checkpoint's or a project's)."""
        self.heldout_plot.set_history(history)
        self.loss_curves.clear()
        self.acc_curves.clear()
        for h in history:
            if h.get("kind") == "step" and h.get("loss") is not None:
                self.loss_curves.tx.append(h["step"])
                self.loss_curves.ty.append(h["loss"])
                if h.get("accuracy") is not None:
                    self.acc_curves.tx.append(h["step"])
                    self.acc_curves.ty.append(h["accuracy"])
            elif h.get("kind") == "validation" and h.get("val_loss") is not None:
                if self._validation_on_loss_plot():
                    self.loss_curves.vx.append(h["step"])
                    self.loss_curves.vy.append(h["val_loss"])
                if h.get("val_accuracy") is not None:
                    self.acc_curves.vx.append(h["step"])
                    self.acc_curves.vy.append(h["val_accuracy"])
        self.loss_curves.redraw()
        self.acc_curves.redraw()

    def set_history(self, history: list[dict[str, Any]]) -> None:
        """Show a saved run's history (used when a project is opened)."""
        self.history = list(history)
        self._plot_history(self.history)
        steps = [h for h in self.history if h.get("kind") == "step"]
        if steps:
            self.readouts["step"].setText(f"{steps[-1]['step']:,}")
            self.readouts["loss"].setText(f"{steps[-1]['loss']:.4g}")
        self.refresh_state()

    def curve_point_counts(self) -> dict[str, int]:
        """Points drawn per curve (for tests and screen readers)."""
        def n(item: Any) -> int:
            x = item.xData
            return 0 if x is None else len(x)
        return {"train_loss": n(self.loss_curves.train), "val_loss": n(self.loss_curves.val),
                "train_accuracy": n(self.acc_curves.train), "val_accuracy": n(self.acc_curves.val)}

    # ------------------------------------------------------------ plumbing
    def _show_output_kind(self) -> None:
        """Loss axis in the loss's unit; no accuracy plot for models that have no classes to be right about."""
        from wavenetlike.train.losses import Losses, loss_for_config
        config = self.project.config
        loss = loss_for_config(config) if config is not None else Losses.cross_entropy
        unit = ("mean squared error" if loss is Losses.mse else
                "nats per sample, 16-bit" if loss is Losses.logistic_mixture else "nats per sample")
        self.loss_plot.setLabel("left", f"loss ({unit})")
        self.acc_plot.setVisible(loss is Losses.cross_entropy)
        self.readouts["accuracy"].setVisible(loss is Losses.cross_entropy)
        self._accuracy_caption.setVisible(loss is Losses.cross_entropy)

    def _on_project_changed(self, name: str) -> None:
        if name == "config":
            self._show_output_kind()
        if name in ("config", "dataset", "checkpoint", "config_problem", "run"):
            self._update_controls()
            self.refresh_state()

    def _update_controls(self) -> None:
        running = self.is_training()
        paused = running and self.job is not None and self.job.paused
        problem = self.project.config_problem
        can_start = self.project.config is not None and self.project.dataset is not None and not problem
        self.start_button.setEnabled(can_start and not running)
        self.start_button.setToolTip(f"Fix the architecture first (step 3): {problem}" if problem else
                                     "Train a freshly initialised model with these settings, in a new run.")
        run = self.project.current_run
        self.continue_button.setEnabled(not running and run is not None and run.checkpoint is not None
                                        and self.project.dataset is not None)
        self.resume_file_button.setEnabled(not running)
        self.pause_button.setVisible(not paused)
        self.pause_button.setEnabled(running and not self._stop_asked)
        self.resume_button.setVisible(paused)
        self.resume_button.setEnabled(paused and not self._stop_asked)
        self.stop_button.setEnabled(running and not self._stop_asked)
        for w in (self.device_combo, self.batch_spin, self.window_spin, self.lr_spin, self.stop_combo,
                  self.stop_spin, self.val_spin, self.ckpt_every_spin, self.runs_edit):
            w.setEnabled(not running)
        if not running and problem:
            self.message.setText(f"Start is blocked until the architecture is valid (step 3): {problem}")
        elif not running and not can_start and not self.last_error:
            self.message.setText("Choose a dataset (step 1) and an architecture (step 3) to train.")
        elif not running and can_start and not self.message.text().strip():
            self.message.setText("Ready: press Start.")
        elif not running and can_start and self.message.text().startswith(("Choose a dataset", "Start is blocked")):
            self.message.setText("Ready: press Start.")

    def state(self) -> StepState:
        if self.is_training():
            return StepState.PAUSED if self.job is not None and self.job.paused else StepState.BUSY
        if self.project.config is None or self.project.dataset is None:
            return StepState.NEEDS_PREVIOUS
        if self.project.stale_reasons():
            return StepState.STALE  # the run on screen trained another architecture or dataset
        if self._stopped_early and self.project.checkpoint is not None:
            return StepState.STOPPED  # a checkpoint to generate from, but not the run that was asked for
        if self.project.checkpoint is not None and self.history:
            return StepState.DONE
        return StepState.READY

    def state_reason(self) -> str:
        run = self.project.current_run
        reasons = self.project.stale_reasons()
        if run is None or not reasons:
            return ""
        return f"run {run.number:03d} was trained on something else: " + "; ".join(reasons)

    def confirm_close(self) -> bool:
        """Ask before closing while training; yes stops the run and keeps its checkpoint."""
        if not self.is_training():
            return True
        answer = QMessageBox.question(
            self, "Training is running",
            "Training is still running. Stop it now? The model is saved to its run folder "
            f"{self.job.run.folder if self.job is not None else self.project.runs_dir} before the window closes.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def shutdown(self) -> None:
        """Stop the run cleanly (final checkpoint written), join the thread, then the base shutdown."""
        worker = self.worker
        if worker is not None and worker.isRunning():
            self.stop()
            if not worker.wait(120_000):
                log.error("training did not stop within 120 s")
            QApplication.processEvents()  # deliver the last queued events (final checkpoint, "done")
            if self.worker is worker:
                self._on_worker_finished()
        self.redraw_timer.stop()
        super().shutdown()
