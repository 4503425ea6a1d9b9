"""The Training panel's run choices: Start a new run, Continue the run on screen, resume from a checkpoint file, open a run.

:class:`RunChoices` is a mixin of :class:`~wavenetlike_gui.panels.training_panel.TrainingPanel`:
it decides *which* run trains (or is shown) and with what, then hands a
:class:`~wavenetlike_gui.run_job.RunJob` to the panel's ``_launch``; running,
pausing, stopping and drawing the events stay in the panel. The rules
(continue only a run whose architecture and dataset equal what is on screen,
every Start a new run folder) are the library's session's
(:mod:`wavenetlike.session`); this module only asks and shows.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from ..run_job import RunJob
from ..widgets.training_settings import default_threads

if TYPE_CHECKING:
    from wavenetlike.train_config import TrainConfig

    from ..project import Project
    from ..settings import Settings
    from ..widgets.message_bar import MessageBar
    from ..widgets.training_curves import TrainingCurves
    from ..widgets.training_settings import TrainingSettingsForm

__all__ = ["RunChoices", "runs_folder_problem", "history_in"]


def runs_folder_problem(folder: str) -> str:
    """'' when ``folder`` can hold run folders (it is created if missing), else what is wrong with it (in words)."""
    if not folder:
        return "Enter a runs folder: every run is kept in a folder of its own inside it."
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        return f"The runs folder {folder} is not a folder (a file of another kind is there); choose a folder."
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"The runs folder {folder} cannot be created ({exc.strerror or 'not allowed'}); choose another."
    return ""


def history_in(path: str) -> list[dict[str, Any]]:
    """The training history stored in a checkpoint's metadata (no tensors are read; [] if unreadable)."""
    from wavenetlike.train.checkpoint_checks import read_training_state
    try:
        return list(read_training_state(path).get("history", []))
    except Exception:  # noqa: BLE001 - the trainer reports unreadable files properly
        return []


class RunChoices:
    """Start / Continue / Resume from checkpoint file… / open a run, for the Training panel.

    The panel provides what is declared below (its project, form, curves,
    message bar, history) and ``_launch(job)``, ``_show_error``,
    ``_plot_history``, ``_clear_curves``, ``_update_controls``, ``refresh_state``
    and ``is_training``.
    """

    project: Project
    settings: Settings
    messages: MessageBar
    form: TrainingSettingsForm
    curves: TrainingCurves
    history: list[dict[str, Any]]
    _stopped_early: bool

    def _run_buttons(self) -> tuple[QPushButton, QPushButton]:
        """The Continue and Resume-from-file buttons (kept as ``continue_button``, ``resume_file_button``)."""
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Continue the run on screen from its last checkpoint for another "
                                        "'Stop after' (only while its architecture and dataset are the ones "
                                        "on screen).")
        self.continue_button.clicked.connect(self.continue_run)
        self.resume_file_button = QPushButton("Resume from checkpoint file…")
        self.resume_file_button.setToolTip("Continue the training saved in a checkpoint file (.safetensors), "
                                           "with its curves, on the loaded dataset, in a new run.")
        self.resume_file_button.clicked.connect(self._choose_resume_file)
        return self.continue_button, self.resume_file_button

    # ------------------------------------------------------------- new run
    def _runs_folder_chosen(self, folder: str) -> None:
        if not self.is_training():
            self.project.set_runs_dir(folder)

    def _start_problem(self) -> str:
        """'' when a run can start, else what to do first (in words)."""
        if self.project.config_problem:
            return f"Fix the architecture first (step 3): {self.project.config_problem}"
        if self.project.config is None or self.project.dataset is None:
            return "Choose a dataset (step 1) and an architecture (step 3) first."
        return runs_folder_problem(self.form.runs_folder())

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

    # ------------------------------------------------------------ continue
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
        folder = self.form.runs_folder()
        problem = runs_folder_problem(folder)
        if problem:
            self._show_error(problem)
            return False
        self.project.set_runs_dir(folder)
        from wavenetlike.session import Run
        from wavenetlike.train.checkpoint import load_checkpoint
        try:
            ck = load_checkpoint(path)
            run = Run.create(self.project.runs_dir, ck.model.config, self.train_config(ck.model.config),
                             self.project.session.dataset_spec, name=f"continued {Path(path).stem}")
        except Exception as exc:  # noqa: BLE001 - an unreadable file is said in words
            self._show_error(exc, f"The checkpoint file {path} cannot be continued")
            return False
        self.project.runs_changed.emit()
        self.history = history_in(path)
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

    # ---------------------------------------------------------------- runs
    def _refresh_runs(self) -> None:
        try:
            runs = self.project.runs
        except OSError as exc:
            self._show_error(exc, "The runs folder cannot be read")
            runs = []
        self.curves.show_runs(runs, self.project.current_run, str(self.project.runs_dir))
        runs_edit = self.form.runs_edit
        if self.form.runs_folder() != str(self.project.runs_dir) and not runs_edit.hasFocus():
            runs_edit.setText(str(self.project.runs_dir))

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

    # the panel's, declared for the type checker
    if TYPE_CHECKING:
        def is_training(self) -> bool: ...
        def train_config(self, model_config: Any = None) -> TrainConfig: ...
        def _launch(self, job: RunJob) -> bool: ...
        def _show_error(self, problem: str | BaseException, what: str = "") -> None: ...
        def _plot_history(self, history: list[dict[str, Any]]) -> None: ...
        def _clear_curves(self) -> None: ...
        def _update_controls(self) -> None: ...
        def refresh_state(self) -> None: ...
