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
main area :class:`~wavenetlike_gui.widgets.training_curves.TrainingCurves`; the run
choices (Start, Continue, resume from a checkpoint file, open a run) are
:class:`~wavenetlike_gui.panels.training_runs.RunChoices`.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from wavenetlike.train_config import TrainConfig

from ..project import Project
from ..run_job import RunJob, RunWorker
from ..settings import Settings
from ..widgets.training_curves import TrainingCurves
from ..widgets.training_settings import TrainingSettingsForm, default_threads, detect_devices, format_duration
from .base import StepPanel, StepState
from .training_runs import RunChoices

__all__ = ["TrainingPanel", "detect_devices", "default_threads", "format_duration"]

log = logging.getLogger(__name__)

REDRAW_MS = 200
FORM_CONTROLS = ("device_combo", "batch_spin", "window_spin", "lr_spin", "stop_combo", "stop_spin", "val_spin",
                 "ckpt_every_spin", "runs_edit")
CURVE_PARTS = ("readouts", "loss_plot", "acc_plot", "loss_curves", "acc_curves", "heldout_plot", "smoothing",
               "log_view", "runs_table", "overlays", "bottom_tabs")


class TrainingPanel(StepPanel, RunChoices):
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
        continue_button, resume_file_button = self._run_buttons()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current step; nothing is lost.")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the paused run.")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and write a checkpoint.")
        for button, slot in ((self.start_button, self.start), (self.pause_button, self.pause),
                             (self.resume_button, self.resume), (self.stop_button, self.stop)):
            button.clicked.connect(slot)
        buttons = QGridLayout()
        for button, row, col in ((self.start_button, 0, 0), (continue_button, 0, 1), (self.pause_button, 1, 0),
                                 (self.resume_button, 1, 0), (self.stop_button, 1, 1)):
            buttons.addWidget(button, row, col)
        buttons.addWidget(resume_file_button, 2, 0, 1, 2)
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
    def train_config(self, model_config: Any = None) -> TrainConfig:
        """The settings in the form as the library's TrainConfig (the stop condition counts from step 0); a
        learning rate left at auto is the recipe's for ``model_config`` (default: the project's config)."""
        return self.form.train_config(model_config if model_config is not None else self.project.config)

    def set_train_config(self, config: TrainConfig) -> None:
        """Show ``config`` in the form (an unknown device falls back to auto)."""
        self.form.set_train_config(config)

    # ------------------------------------------------------------- control
    def is_training(self) -> bool:
        return self.task_running

    def _clear_curves(self) -> None:
        self.history = []
        self.curves.clear()

    def _launch(self, job: RunJob) -> bool:
        self.messages.clear_error()
        self.job = job
        self._stop_asked = False
        self._stopped_early = False
        self._pending.clear()
        self.start_task(RunWorker(job), on_item=self._queue_event, on_error=self._on_failed,
                        on_finished=self._on_run_end)
        self.redraw_timer.start()
        what = "Continuing" if job.continues else "Training"
        self.messages.info(f"{what} run {job.run.number:03d} for {job.stop_text()} on "
                           f"{self.device_combo.currentText()}…")
        self._update_controls()
        self.refresh_state()
        self.run_started.emit()
        return True

    def pause(self) -> None:
        self._pause(True)

    def resume(self) -> None:
        self._pause(False)

    def _pause(self, paused: bool) -> None:
        """Pause after the current step, or go on (nothing is lost either way)."""
        if self.job is not None and self.is_training():
            self.job.pause() if paused else self.job.resume()
            self.messages.info("Paused after the current step. Resume to continue." if paused else "Training…")
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
        where = (f"\nRun {self.job.run.number:03d} is kept in the Runs folder as {self.job.run.folder.name}."
                 if self.job is not None else "")
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

    def _on_run_end(self) -> None:
        self.redraw()  # whatever arrived last
        self.redraw_timer.stop()
        job = self.job
        if job is not None and job.trainer is not None:
            self.history = list(job.trainer.history)
            self.project.set_model(job.trainer.model)
        text = self.last_error or self.message.text()
        self._stopped_early = self._stop_asked
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
                "nats/sample, 16-bit" if loss is Losses.logistic_mixture else "nats/sample")
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
        stale = self.state_reason() if not running else ""
        if not running and problem:
            self.messages.info(f"Start is blocked until the architecture is valid (step 3): {problem}")
        elif stale:
            self.messages.warning(f"Stale: {stale}. Start trains a new run of what is on screen.")
        elif not running and not can_start and not self.last_error:
            self.messages.info("Choose a dataset (step 1) and an architecture (step 3) to train.")
        elif not running and can_start and not self.message.text().strip():
            self.messages.info("Ready: press Start.")
        elif not running and can_start and self.message.text().startswith(("Choose a dataset", "Start is blocked",
                                                                             "Stale:")):
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
        """Stop the run cleanly (final checkpoint written, its last events shown), then the base shutdown."""
        if self.is_training():
            self.stop()
            if not self.tasks.shutdown(timeout_ms=120_000, deliver=True):
                log.error("training did not stop within 120 s")
        self.redraw_timer.stop()
        super().shutdown()
