"""Step 4: train the chosen architecture on the dataset, with live curves.

Every Start makes a new run folder in the session (:mod:`wavenetlike.session`:
model config, TrainConfig, dataset spec, last and best checkpoints, history and
TensorBoard event files); Continue continues the run on screen only while its
architecture and dataset equal what is on screen. The run itself is the
library's ``Trainer.steps()`` inside a :class:`~wavenetlike_gui.run_job.RunWorker` thread
(not the panel's cancel-and-supersede task: a run is paused, resumed and stopped,
never superseded). Its events reach this panel through the worker's queued
``item`` signal and are only queued here; a GUI-side timer turns what has
arrived into curves, readouts and log lines a few times a second, so a fast run
cannot flood the event loop. The settings form is
:class:`~wavenetlike_gui.widgets.training_settings.TrainingSettingsForm`, the
main area :class:`~wavenetlike_gui.widgets.training_curves.TrainingCurves`.

Above ~450 lines for now: Start / Continue / resume-from-file / open-run and the
event folding still live here; the run choices are the next part to move out (issue 11).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QGridLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from wavenetlike.train_config import TrainConfig

from ..project import Project
from ..run_job import RunJob, RunWorker
from ..settings import Settings
from ..widgets.training_curves import TrainingCurves
from ..widgets.training_settings import TrainingSettingsForm, default_threads, detect_devices, format_duration
from .base import StepPanel, StepState

__all__ = ["TrainingPanel", "detect_devices", "default_threads", "format_duration"]

log = logging.getLogger(__name__)

REDRAW_MS = 200
FORM_CONTROLS = ("device_combo", "batch_spin", "window_spin", "lr_spin", "stop_combo", "stop_spin", "val_spin",
                 "ckpt_every_spin", "runs_edit")
CURVE_PARTS = ("readouts", "loss_plot", "acc_plot", "loss_curves", "acc_curves", "heldout_plot", "smoothing",
               "log_view", "runs_table", "overlays", "bottom_tabs")


class TrainingPanel(StepPanel):
    """Settings, Start / Pause / Resume / Stop, live curves, readouts and the step log.

    Signals: ``run_started``; ``run_finished(str)`` with the closing message
    (also after errors); ``event_received(object)`` for every TrainEvent
    (emitted in the GUI thread, after the panel queued it). The form's controls
    and the curves' parts are reachable on the panel under their own names.
    """

    title = "Training"
    hint = "Train the chosen architecture on the dataset; watch the loss fall."
    settings_key = "training"
    settings_version = 1
    remembered_settings = {"device": "device_combo", "batch_size": "batch_spin", "window": "window_spin",
                           "lr": "lr_spin", "stop_by": "stop_combo", "stop_after": "stop_spin",
                           "validate_every": "val_spin", "checkpoint_every": "ckpt_every_spin"}
    run_started = Signal()
    run_finished = Signal(str)
    event_received = Signal(object)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self.worker: RunWorker | None = None
        self.job: RunJob | None = None
        self.history: list[dict[str, Any]] = []
        self._pending: list[Any] = []
        self._stop_asked = False
        self._stopped_early = False  # the last run ended on Stop, before its 'Stop after'
        self.build()
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self.redraw)
        project.changed.connect(self._on_project_changed)
        project.runs_changed.connect(self._refresh_runs)
        note = self.restore_settings()
        self._show_output_kind()
        self._update_controls()
        if note:
            self.messages.warning(note)
        self._refresh_runs()
        self.refresh_state()

    def build_controls(self, layout: QVBoxLayout) -> None:
        self.form = TrainingSettingsForm(str(self.project.runs_dir))
        self.form.runs_folder_chosen.connect(self._runs_folder_chosen)
        for name in FORM_CONTROLS:
            setattr(self, name, getattr(self.form, name))
        self.start_button = QPushButton("Start")
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Continue the run on screen from its last checkpoint for another "
                                        "'Stop after' (only while its architecture and dataset are the ones "
                                        "on screen).")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current step; nothing is lost.")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the paused run.")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and write a checkpoint.")
        self.resume_file_button = QPushButton("Resume from checkpoint file…")
        self.resume_file_button.setToolTip("Continue the training saved in a checkpoint file (.safetensors), "
                                           "with its curves, on the loaded dataset, in a new run.")
        buttons = QGridLayout()
        for button, slot, row, col in ((self.start_button, self.start, 0, 0),
                                       (self.continue_button, self.continue_run, 0, 1),
                                       (self.pause_button, self.pause, 1, 0), (self.resume_button, self.resume, 1, 0),
                                       (self.stop_button, self.stop, 1, 1)):
            button.clicked.connect(slot)
            buttons.addWidget(button, row, col)
        self.resume_file_button.clicked.connect(self._choose_resume_file)
        buttons.addWidget(self.resume_file_button, 2, 0, 1, 2)
        layout.addWidget(self.form)
        layout.addLayout(buttons)

    def build_main(self, layout: QVBoxLayout) -> None:
        self.curves = TrainingCurves()
        self.curves.runs_table.open_requested.connect(self.open_run)
        for name in CURVE_PARTS:
            setattr(self, name, getattr(self.curves, name))
        layout.addWidget(self.curves)

    @property
    def last_error(self) -> str:
        """The error on screen ('' when none)."""
        return self.messages.error_text()

    @property
    def last_event(self) -> Any:
        """The last step event drawn."""
        return self.curves.last_event

    # ------------------------------------------------------------ settings
    def _runs_folder_chosen(self, folder: str) -> None:
        if not self.is_training():
            self.project.set_runs_dir(folder)

    def train_config(self) -> TrainConfig:
        """The settings in the form as the library's TrainConfig (the stop condition counts from step 0)."""
        return self.form.train_config()

    def set_train_config(self, config: TrainConfig) -> None:
        """Show ``config`` in the form (an unknown device falls back to auto)."""
        self.form.set_train_config(config)

    # ------------------------------------------------------------- control
    def is_training(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _start_problem(self) -> str:
        """'' when a run can start, else what to do first (in words)."""
        if self.project.config_problem:
            return f"Fix the architecture first (step 3): {self.project.config_problem}"
        if self.project.config is None or self.project.dataset is None:
            return "Choose a dataset (step 1) and an architecture (step 3) first."
        return self._runs_folder_problem(self.form.runs_folder())

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
        self.project.set_runs_dir(self.form.runs_folder())
        try:
            from wavenetlike import build_wavenetlike
            config = self.train_config()
            model = build_wavenetlike(self.project.config)
            run = self.project.new_run(config)
        except (ValueError, TypeError, OSError) as exc:  # a bad value or folder is shown, not raised
            self._show_error(exc, "Training cannot start")
            return False
        self._clear_curves()
        return self._launch(RunJob(run, self.project.dataset, model, threads=config.threads))

    def _clear_curves(self) -> None:
        self.history = []
        self.curves.clear()

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
        return self._launch(RunJob(run, self.project.dataset, **self.form.more(), threads=default_threads()))

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
            self._show_error(exc, f"The checkpoint file {path} cannot be continued")
            return False
        self.project.runs_changed.emit()
        self.history = self._history_in(path)
        self._plot_history(self.history)
        # the job builds its trainer from the file, writing into the new run's folder
        return self._launch(RunJob(run, self.project.dataset, threads=default_threads(), resume_from=path,
                                   **self.form.more()))

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
        self.messages.clear_error()
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
        self.messages.info(f"{what} run {job.run.number:03d} for {job.stop_text()} on "
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
            self._show_error(exc, "The runs folder cannot be read")
            runs = []
        self.curves.show_runs(runs, self.project.current_run, str(self.project.runs_dir))
        if self.form.runs_folder() != str(self.project.runs_dir) and not self.runs_edit.hasFocus():
            self.runs_edit.setText(str(self.project.runs_dir))

    def open_run(self, run: Any) -> bool:
        """Make ``run`` the one on screen: its curves, its model for the Generate step, and Continue's target."""
        if self.is_training() or run.checkpoint is None:
            if run.checkpoint is None:
                self._show_error(f"Run {run.number:03d} has no checkpoint yet: there is no model to open.")
            return False
        try:
            model = run.load_model()
        except Exception as exc:  # noqa: BLE001 - an unreadable checkpoint is said in words
            self._show_error(exc, f"Run {run.number:03d} cannot be opened")
            return False
        self._clear_curves()
        self.history = run.history
        self._plot_history(self.history)
        self.project.set_current_run(run)
        self.project.set_model(model)
        self._stopped_early = run.status == "cancelled"
        self.messages.info(f"Run {run.number:03d} ({run.name}) is on screen: {run.status} at step {run.steps}.")
        self._update_controls()
        self.refresh_state()
        return True

    def pause(self) -> None:
        if self.job is not None and self.is_training():
            self.job.pause()
            self.messages.info("Paused after the current step. Resume to continue.")
            self._update_controls()
            self.refresh_state()

    def resume(self) -> None:
        if self.job is not None and self.is_training():
            self.job.resume()
            self.messages.info("Training…")
            self._update_controls()
            self.refresh_state()

    def stop(self) -> None:
        """Stop after the current step; the trainer writes its final checkpoint."""
        if self.job is not None and self.is_training():
            self._stop_asked = True
            self.job.cancel()
            self.messages.info("Stopping after the current step and writing the checkpoint…")
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
        self.curves.validation_on_loss = self._validation_on_loss_plot()
        for ev in events:
            kind = ev.kind
            if kind == "step":
                lines.append(self.curves.add_step(ev))
            elif kind == "validation":
                lines.append(self.curves.add_validation(ev))
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
        self.curves.show_added(lines)

    def _finish(self, message: str, checkpoint: str | None) -> None:
        if self.job is not None:
            self.project.set_current_run(self.job.run)
        if checkpoint:
            self.project.set_checkpoint(checkpoint)
        where = f"\nRun {self.job.run.number:03d}: {self.job.run.folder}" if self.job is not None else ""
        self.messages.info(message + where)

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
        text = self.last_error or self.message.text()
        self._stopped_early = self._stop_asked
        self.worker = None
        self._refresh_runs()
        self._update_controls()
        self.refresh_state()
        self.run_finished.emit(text)

    def _show_error(self, problem: str | BaseException, what: str = "") -> None:
        """Show an error (a text, or ``what`` and an exception in words); the news line says training stopped."""
        if isinstance(problem, BaseException):
            self.messages.failure(what, problem)
        else:
            self.messages.error(problem)
        self.messages.info("Training stopped." if self.job is not None else "")

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
        self.curves.validation_on_loss = self._validation_on_loss_plot()
        self.curves.plot_history(history)

    def set_history(self, history: list[dict[str, Any]]) -> None:
        """Show a saved run's history (used when a project is opened)."""
        self.history = list(history)
        self._plot_history(self.history)
        self.curves.show_last_step(self.history)
        self.refresh_state()

    def curve_point_counts(self) -> dict[str, int]:
        """Points drawn per curve (for tests and screen readers)."""
        return self.curves.curve_point_counts()

    # ------------------------------------------------------------ plumbing
    def _show_output_kind(self) -> None:
        """Loss axis in the loss's unit; no accuracy plot for models that have no classes to be right about."""
        from wavenetlike.train.losses import Losses, loss_for_config
        config = self.project.config
        loss = loss_for_config(config) if config is not None else Losses.cross_entropy
        unit = ("mean squared error" if loss is Losses.mse else
                "nats per sample, 16-bit" if loss is Losses.logistic_mixture else "nats per sample")
        self.curves.show_loss_kind(unit, loss is Losses.cross_entropy)

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
        for w in self.form.editors():
            w.setEnabled(not running)
        if not running and problem:
            self.messages.info(f"Start is blocked until the architecture is valid (step 3): {problem}")
        elif not running and not can_start and not self.last_error:
            self.messages.info("Choose a dataset (step 1) and an architecture (step 3) to train.")
        elif not running and can_start and not self.message.text().strip():
            self.messages.info("Ready: press Start.")
        elif not running and can_start and self.message.text().startswith(("Choose a dataset", "Start is blocked")):
            self.messages.info("Ready: press Start.")

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
