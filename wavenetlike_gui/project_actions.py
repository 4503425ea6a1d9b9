"""File menu: Save project, Save project as…, Open project…, Recent projects, and the unsaved-changes prompt.

Gathers the parts of a project from the :class:`~wavenetlike_gui.project.Project`
and the Training / Generate panels, and hands them to
:mod:`wavenetlike_gui.project_file`. Opening reads the manifest at once, then
reloads the dataset and the model in a worker thread and installs everything
in the order the panels expect: dataset, report, config, model, checkpoint,
history, takes.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from .project_file import SUFFIX, ProjectData, ProjectFileError, load_project, save_project, spec_from_reference
from .project_manifest import ignored_training_settings, train_config_from_saved
from .tasks import TaskRunner
from .workers import user_message

__all__ = ["ProjectActions", "MAX_RECENT_PROJECTS"]

log = logging.getLogger(__name__)
MAX_RECENT_PROJECTS = 8
RECENT_KEY = "recent/projects"


def _reopen(data: ProjectData, spec: dict[str, Any] | None, progress: Any = None,
            cancel: Any = None) -> tuple[Any, Any]:
    """Load the dataset (from its spec) and the model (from the checkpoint); runs in a worker."""
    dataset = model = None
    if spec is not None:
        from .sources import load_dataset
        dataset = load_dataset(spec, progress=progress, cancel=cancel)
    if data.checkpoint:
        from wavenetlike.train import load
        model = load(data.checkpoint).eval()
    return dataset, model


class ProjectActions(QObject):
    """The project items of a :class:`~wavenetlike_gui.main_window.MainWindow`'s File menu."""

    saved = Signal(str)
    opened = Signal(str)
    open_failed = Signal(str)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.path: Path | None = None
        # reopening a project's dataset and model: a panel owns the thread, so the window's shutdown joins it
        self.tasks = TaskRunner(self, lambda w: window.panels[0].start_worker(w) if window.panels else w.start())
        self.last_error = ""

        menu = window.file_menu
        before = window.quit_action
        self.open_action = QAction("Open &project…", self)
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.open_action.triggered.connect(self.open_dialog)
        self.save_action = QAction("&Save project", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.save_as_action = QAction("Save project &as…", self)
        self.save_as_action.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.save_as_action.triggered.connect(self.save_as)
        self.recent_menu = QMenu("Recent pro&jects", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menu.insertSeparator(before)
        for a in (self.open_action, self.save_action, self.save_as_action):
            menu.insertAction(before, a)
        menu.insertMenu(before, self.recent_menu)
        menu.insertSeparator(before)

    # ----------------------------------------------------------------- parts
    def _panel(self, title: str) -> Any:
        return self.window.panel(title)

    def gather(self) -> ProjectData:
        """The project's parts as :class:`ProjectData`."""
        p = self.project
        reference = None
        if p.dataset is not None:
            try:
                reference = p.dataset.reference()
            except Exception:  # noqa: BLE001 - in-memory data has no reference; the spec may still do
                log.exception("dataset reference")
        spec = p.dataset_spec or spec_from_reference(reference)
        report = p.report.to_dict() if p.report is not None and hasattr(p.report, "to_dict") else None
        config = p.config.to_dict() if p.config is not None else None
        data = ProjectData(dataset_spec=spec, dataset_reference=reference, report=report, config=config,
                           checkpoint=p.checkpoint)
        training = self._panel("Training")
        if training is not None:
            data.training_settings = training.train_config().to_dict()
            data.training_history = list(training.history)
        data.runs_dir = str(p.runs_dir)
        data.current_run = p.current_run.folder.name if p.current_run is not None else None
        generate = self._panel("Generate")
        if generate is not None:
            data.takes = list(generate.takes)
        return data

    def worth_saving(self) -> bool:
        """True when the project holds more than a freshly loaded dataset."""
        p = self.project
        gen = self._panel("Generate")
        arch = self._panel("Architecture")
        # A config the app filled in by itself (the suggestion) is not work that could be lost.
        edited = p.config is not None and (arch is None or arch.user_edited())
        return bool(edited or p.checkpoint or (gen is not None and gen.takes) or self.path is not None)

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        """Save to the current folder (asks for one the first time)."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = self.window.settings.last_folder("project", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", str(Path(start) / f"project{SUFFIX}"),
                                              f"wavenetlike projects (*{SUFFIX})")
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, folder: str | Path) -> bool:
        """Write the project to ``folder``; False (with a message) on failure."""
        try:
            path = save_project(folder, self.gather())
        except (ProjectFileError, OSError, ValueError) as exc:
            self._fail(f"The project could not be saved: {user_message(exc)}")
            return False
        self.path = Path(path)
        self.project.modified = False
        self._remember(self.path)
        self.window.settings.set_last_folder("project", str(self.path.parent))
        self.window.statusBar().showMessage(f"Project saved to {self.path}", 8000)
        self.saved.emit(str(self.path))
        return True

    # ------------------------------------------------------------------ open
    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        start = self.window.settings.last_folder("project", str(Path.home()))
        folder = QFileDialog.getExistingDirectory(self.window, "Open project (a .wnlproj folder)", start)
        if folder:
            self.open(folder)

    def open(self, folder: str | Path) -> bool:
        """Read ``folder`` and restore it (dataset and model load in the background; ``opened`` when done)."""
        if self.tasks.running:
            return False
        try:
            data = load_project(folder)
        except ProjectFileError as exc:
            self._fail(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - never a silent failure on Open
            log.exception("opening %s", folder)
            self._fail(f"The project {folder} could not be opened: {user_message(exc)}")
            return False
        spec = data.dataset_spec or spec_from_reference(data.dataset_reference)
        folder = Path(folder)
        if folder.name == "project.json":
            folder = folder.parent
        self.window.statusBar().showMessage(f"Opening {folder}…")
        self.tasks.start(_reopen, data, spec, name="open project",
                         on_done=lambda res: self._install(folder, data, spec, *res),
                         on_error=lambda msg, _details: self._fail(f"The project {folder} could not be opened: {msg}"))
        return True

    def _install(self, folder: Path, data: ProjectData, spec: Any, dataset: Any, model: Any) -> None:
        p = self.project
        report = None
        if data.report is not None:
            try:
                from wavenetlike.analysis.dataset_report import DatasetReport
                report = DatasetReport.from_dict(data.report)
            except Exception:  # noqa: BLE001 - the analysis can be run again
                log.exception("restoring the analysis report")
        if dataset is not None:
            # With its saved report, so the Analysis step does not analyse again and the
            # Architecture step keeps the saved config instead of a fresh suggestion.
            p.set_dataset(dataset, spec, report=report)
        elif report is not None:
            p.set_report(report)
        if data.config is not None:
            from wavenetlike import ModelConfig
            p.set_config(ModelConfig.from_dict(data.config))
        p.set_model(model)
        p.set_checkpoint(data.checkpoint)
        training = self._panel("Training")
        if training is not None:
            if data.training_settings:
                training.set_train_config(train_config_from_saved(data.training_settings, str(folder)))
                ignored = ignored_training_settings(data.training_settings)
                if ignored:
                    training.messages.warning("The project's training settings " + ", ".join(ignored) + " are not "
                                              "settings of this version of the app and were ignored; the others "
                                              "are shown.")
            training.set_history(data.training_history)
        self._reopen_runs(data)
        generate = self._panel("Generate")
        if generate is not None:
            generate.set_takes(data.takes)
        self.path = folder
        p.modified = False
        self._remember(folder)
        self.window.statusBar().showMessage(f"Opened {folder}", 8000)
        self.opened.emit(str(folder))

    def _reopen_runs(self, data: ProjectData) -> None:
        """List the project's runs again, and make its current run the one on screen (when still there)."""
        p = self.project
        if not data.runs_dir or not Path(data.runs_dir).is_dir():
            return
        p.set_runs_dir(data.runs_dir)
        for run in p.runs:
            if run.folder.name == data.current_run:
                p.set_current_run(run)
                if data.checkpoint:
                    p.set_checkpoint(data.checkpoint)  # the model the project saved stays the one on screen

    # ------------------------------------------------------------ recent list
    def recent(self) -> list[str]:
        raw = self.window.settings.q.value(RECENT_KEY)
        try:
            items = json.loads(str(raw)) if raw else []
        except ValueError:
            return []
        return [i for i in items if isinstance(i, str)]

    def _remember(self, folder: Path) -> None:
        items = [i for i in self.recent() if i != str(folder)]
        items.insert(0, str(folder))
        self.window.settings.q.setValue(RECENT_KEY, json.dumps(items[:MAX_RECENT_PROJECTS]))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent()
        if not items:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
            return
        for item in items:
            a = self.recent_menu.addAction(Path(item).name)
            a.setToolTip(item)
            a.triggered.connect(lambda _=False, f=item: self.confirm_discard() and self.open(f))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the list", lambda: self.window.settings.q.remove(RECENT_KEY))

    # ---------------------------------------------------------------- prompts
    def confirm_discard(self) -> bool:
        """Before replacing the project: Save / Discard / Cancel when it has unsaved changes."""
        if not (self.project.modified and self.worth_saving()):
            return True
        answer = QMessageBox.warning(
            self.window, "Unsaved changes", "The project has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def confirm_close(self) -> bool:
        """The close prompt: like :meth:`confirm_discard`, but training is stopped before saving."""
        if not (self.project.modified and self.worth_saving()):
            return True
        answer = QMessageBox.warning(
            self.window, "Unsaved changes", "The project has changes that are not saved. Save before closing?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            self.window.shutdown()  # the final checkpoint is written before it is copied
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _fail(self, message: str) -> None:
        self.last_error = message
        log.warning(message)
        self.window.statusBar().showMessage(message, 15000)
        self.open_failed.emit(message)
        if self.window.isVisible():
            QMessageBox.warning(self.window, "Project", message)
