"""The main window: the five steps Dataset → Analysis → Architecture → Training → Generate.

The steps sit in a list on the left, each with its state (ready, needs the
previous step, working, done); the selected step's panel fills the rest.
To add or replace a step, change :data:`STEP_CLASSES` (or pass
``step_classes=`` to :class:`MainWindow`): each entry is a
:class:`~wavenetlike_gui.panels.StepPanel` subclass built as
``cls(project, settings)``.
"""
from __future__ import annotations

import logging
from typing import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QMainWindow, QMenu, QMessageBox, QPushButton, QStackedWidget,
                               QVBoxLayout, QWidget)

from .panels.base import StepPanel, StepState
from .project import Project
from .settings import Settings

__all__ = ["MainWindow", "STEP_CLASSES", "default_step_classes"]

log = logging.getLogger(__name__)

STATE_COLOURS = {
    StepState.NEEDS_PREVIOUS: QColor("#888888"),
    StepState.READY: QColor("#1f5fbf"),
    StepState.BUSY: QColor("#b36b00"),
    StepState.PAUSED: QColor("#b36b00"),
    StepState.STOPPED: QColor("#1f5fbf"),
    StepState.DONE: QColor("#2e7d32"),
    StepState.STALE: QColor("#b36b00"),
    StepState.INVALID: QColor("#b00020"),
}
STATE_MARKS = {
    StepState.NEEDS_PREVIOUS: "○",
    StepState.READY: "●",
    StepState.BUSY: "…",
    StepState.PAUSED: "‖",
    StepState.STOPPED: "■",
    StepState.DONE: "✓",
    StepState.STALE: "⚠",
    StepState.INVALID: "✗",
}


def default_step_classes() -> list[type[StepPanel]]:
    """The five steps, in order."""
    from .panels.analysis_panel import AnalysisPanel
    from .panels.architecture_panel import ArchitecturePanel
    from .panels.dataset_panel import DatasetPanel
    from .panels.generate_panel import GeneratePanel
    from .panels.training_panel import TrainingPanel
    return [DatasetPanel, AnalysisPanel, ArchitecturePanel, TrainingPanel, GeneratePanel]


STEP_CLASSES: list[type[StepPanel]] | None = None
"""Override the steps for the whole app (None: :func:`default_step_classes`)."""


class MainWindow(QMainWindow):
    """The app's window: step list, step panels, menus and status bar."""

    closing = Signal()

    def __init__(self, project: Project | None = None, settings: Settings | None = None,
                 step_classes: Sequence[type[StepPanel]] | None = None, load_bundled: bool = True) -> None:
        super().__init__()
        self.project = project or Project(self)
        self.settings = settings or Settings()
        classes = list(step_classes or STEP_CLASSES or default_step_classes())

        self.steps = QListWidget()
        self.steps.setObjectName("stepList")
        self.steps.setIconSize(QSize(0, 0))
        self.steps.setSpacing(2)
        self.steps.setFixedWidth(170)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.panels: list[StepPanel] = []
        for cls in classes:
            self.add_step(cls(self.project, self.settings))

        self.back_button = QPushButton("← Back")
        self.next_button = QPushButton("Next →")
        self.back_button.clicked.connect(lambda: self.go_to(self.steps.currentRow() - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.steps.currentRow() + 1))
        self.step_hint = QLabel()
        self.step_hint.setWordWrap(True)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addWidget(self.step_hint, 1)
        nav.addWidget(self.next_button)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.stack, 1)
        right.addLayout(nav)
        central = QWidget()
        outer = QHBoxLayout(central)
        outer.addWidget(self.steps)
        outer.addLayout(right, 1)
        self.setCentralWidget(central)

        self.steps.currentRowChanged.connect(self._show_step)
        self._build_menus()
        from .project_actions import ProjectActions
        self.project_actions = ProjectActions(self)
        self.dataset_label = QLabel("No dataset")
        self.statusBar().addPermanentWidget(self.dataset_label)
        self.project.dataset_changed.connect(self._show_dataset_in_status)
        self.project.modified_changed.connect(self._show_modified)
        self.project.changed.connect(self._show_modified)
        self.project_actions.saved.connect(lambda *_: self.update_title())
        self.project_actions.opened.connect(lambda *_: self.update_title())
        self.update_title()
        self.steps.setCurrentRow(0)

        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.fit_to_screen()
        else:
            self.fit_to_screen(keep_size=True)
        if load_bundled and self.dataset_panel is not None:
            self.dataset_panel.load_bundled()

    # ------------------------------------------------------------- geometry
    PREFERRED_SIZE = QSize(1200, 780)

    def fit_to_screen(self, keep_size: bool = False) -> None:
        """Size the window to its screen's available geometry (without the task bar).

        First start (``keep_size=False``): the preferred 1200×780, shrunk to what the
        screen offers, centred. A restored size (``keep_size=True``) is only shrunk
        and moved back when it no longer fits (e.g. a smaller monitor now).
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(self.PREFERRED_SIZE)
            return
        avail = screen.availableGeometry()
        # the frame (title bar, borders) is outside the client size; allow for it
        frame_w = max(0, self.frameGeometry().width() - self.geometry().width()) or 8
        frame_h = max(0, self.frameGeometry().height() - self.geometry().height()) or 32
        max_w, max_h = avail.width() - frame_w, avail.height() - frame_h
        want = self.size() if keep_size else self.PREFERRED_SIZE
        w, h = min(want.width(), max_w), min(want.height(), max_h)
        self.resize(max(w, 1), max(h, 1))
        if not keep_size or not avail.contains(self.frameGeometry()):
            self.move(avail.x() + max(0, (avail.width() - w - frame_w) // 2),
                      avail.y() + max(0, (avail.height() - h - frame_h) // 2))

    # --------------------------------------------------------------- steps
    def add_step(self, panel: StepPanel) -> None:
        """Append a step panel to the list and the stack."""
        index = len(self.panels)
        self.panels.append(panel)
        self.stack.addWidget(panel)
        item = QListWidgetItem()
        item.setSizeHint(QSize(160, 52))
        item.setToolTip(panel.hint)
        self.steps.addItem(item)
        panel.state_changed.connect(self._state_slot(index))
        panel.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self._show_state(index, panel.state())

    # Slots are closures without default arguments: PySide inspects a slot's
    # defaults, and closures keep that path out of the picture.
    def _state_slot(self, index: int):
        return lambda state: self._show_state(index, state)

    def _go_slot(self, index: int):
        return lambda *_: self.go_to(index)

    def _recent_slot(self, spec: dict):
        return lambda *_: self._load_recent(spec)

    def panel(self, title: str) -> StepPanel | None:
        """The step panel with this title, or None."""
        return next((p for p in self.panels if p.title == title), None)

    @property
    def dataset_panel(self):  # -> DatasetPanel | None
        return self.panel("Dataset")

    def go_to(self, index: int) -> None:
        """Show step ``index`` (0-based); out-of-range indexes are ignored."""
        if 0 <= index < len(self.panels):
            self.steps.setCurrentRow(index)

    def _show_step(self, index: int) -> None:
        if index < 0:
            return
        self.stack.setCurrentIndex(index)
        panel = self.panels[index]
        self.step_hint.setText(panel.hint)
        self.back_button.setEnabled(index > 0)
        has_next = index + 1 < len(self.panels)
        self.next_button.setEnabled(has_next)
        self.next_button.setText(f"Next: {self.panels[index + 1].title} →" if has_next else "Next →")

    def _show_state(self, index: int, state: StepState) -> None:
        item = self.steps.item(index)
        if item is None:
            return
        panel = self.panels[index]
        item.setText(f"{index + 1}. {panel.title}\n   {STATE_MARKS[state]} {state.value}")
        item.setForeground(STATE_COLOURS[state])
        reason = panel.state_reason() if state in (StepState.STALE, StepState.INVALID) else ""
        item.setToolTip(f"{panel.hint}\n\n{state.value.capitalize()}: {reason}" if reason else panel.hint)
        item.setData(Qt.ItemDataRole.UserRole, state.name)

    def step_state_text(self, index: int) -> str:
        """The state shown for step ``index`` (for tests and screen readers)."""
        return self.steps.item(index).text()

    # ---------------------------------------------------------------- menus
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_files_action = QAction("&Open audio files…", self)
        self.open_files_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_files_action.triggered.connect(lambda: self._dataset_dialog("files"))
        self.open_folder_action = QAction("Open audio &folder…", self)
        self.open_folder_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_folder_action.triggered.connect(lambda: self._dataset_dialog("folder"))
        self.bundled_action = QAction("Load the &bundled sample set", self)
        self.bundled_action.triggered.connect(self._load_bundled)
        self.recent_menu = QMenu("&Recent datasets", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        for a in (self.open_files_action, self.open_folder_action, self.bundled_action):
            file_menu.addAction(a)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        go_menu = self.menuBar().addMenu("&Go")
        for i, panel in enumerate(self.panels):
            action = QAction(f"&{i + 1}. {panel.title}", self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(self._go_slot(i))
            go_menu.addAction(action)
        go_menu.addSeparator()
        prev_action = QAction("Previous step", self)
        prev_action.setShortcut(QKeySequence("Ctrl+PgUp"))
        prev_action.triggered.connect(lambda: self.go_to(self.steps.currentRow() - 1))
        next_action = QAction("Next step", self)
        next_action.setShortcut(QKeySequence("Ctrl+PgDown"))
        next_action.triggered.connect(lambda: self.go_to(self.steps.currentRow() + 1))
        go_menu.addAction(prev_action)
        go_menu.addAction(next_action)
        self.go_menu = go_menu

        self._build_edit_menu()
        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction("&About wavenetlike", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        log_action = QAction("Where is the &log file?", self)
        log_action.triggered.connect(self._show_log_location)
        help_menu.addAction(self.about_action)
        help_menu.addAction(log_action)
        self.help_menu = help_menu

    def _build_edit_menu(self) -> None:
        """Edit → Undo / Redo (Ctrl+Z, Ctrl+Shift+Z) over architecture edits, "Use" and dataset switches."""
        from .undo import ProjectHistory
        arch = self.panel("Architecture")

        def automatic(config) -> bool:  # the app's own suggestion, not a user's edit
            return arch is not None and (getattr(arch, "filling_in", False)
                                         or config == getattr(arch, "auto_config", None))

        self.history = ProjectHistory(self.project, automatic, self)
        self.undo_stack = self.history.stack
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        # Ctrl+Z in a spin box undoes its typing; elsewhere in the window it undoes project changes
        for a in (self.undo_action, self.redo_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.edit_menu = self.menuBar().addMenu("&Edit")
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)

    def update_title(self) -> None:
        """``<project name>[*] — wavenetlike``; the ``*`` shows while there are unsaved changes."""
        path = getattr(getattr(self, "project_actions", None), "path", None)
        name = path.name.removesuffix(".wnlproj") if path is not None else "Untitled project"
        self.setWindowTitle(f"{name}[*] — wavenetlike")
        self._show_modified()

    def _show_modified(self, *_: object) -> None:
        """The title's ``*``: unsaved changes worth saving (a freshly loaded bundled set is not)."""
        actions = getattr(self, "project_actions", None)
        self.setWindowModified(bool(self.project.modified and actions is not None and actions.worth_saving()))

    def _dataset_dialog(self, kind: str) -> None:
        panel = self.dataset_panel
        if panel is None:
            return
        self.go_to(self.panels.index(panel))
        panel.choose_files() if kind == "files" else panel.choose_folder()

    def _load_bundled(self) -> None:
        panel = self.dataset_panel
        if panel is not None:
            self.go_to(self.panels.index(panel))
            panel.load_bundled()

    def _fill_recent_menu(self) -> None:
        from .sources import describe_spec
        self.recent_menu.clear()
        recent = self.settings.recent_datasets()
        if not recent:
            a = self.recent_menu.addAction("(none yet)")
            a.setEnabled(False)
            return
        for spec in recent:
            a = self.recent_menu.addAction(describe_spec(spec))
            a.triggered.connect(self._recent_slot(spec))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the list", self.settings.clear_recent_datasets)

    def _load_recent(self, spec: dict) -> None:
        panel = self.dataset_panel
        if panel is not None:
            self.go_to(self.panels.index(panel))
            panel.load_spec(spec)

    def show_about(self) -> None:
        import wavenetlike
        QMessageBox.about(
            self, "About wavenetlike",
            f"<h3>wavenetlike {wavenetlike.__version__}</h3>"
            "<p>Build, analyse, train and listen to WaveNet-like models: stacks of dilated "
            "causal convolutions that predict audio one sample at a time.</p>"
            "<p>Work through the steps on the left: load a dataset, analyse it, pick an "
            "architecture whose receptive field Δ (how many past samples the model sees) "
            "matches how far the data's samples stay correlated, train it, and generate.</p>"
            "<p>The app is a face over the <code>wavenetlike</code> Python library; everything "
            "it shows is computed there. MIT licence.</p>")

    def _show_log_location(self) -> None:
        from .app_logging import log_file_path
        QMessageBox.information(self, "Log file", f"The app writes its log to:\n{log_file_path()}")

    # --------------------------------------------------------------- status
    def _show_dataset_in_status(self, dataset) -> None:
        self.dataset_label.setText(dataset.summary() if dataset is not None else "No dataset")

    # ---------------------------------------------------------------- close
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        for panel in self.panels:
            if not panel.confirm_close():
                event.ignore()
                return
        if not self.project_actions.confirm_close():
            event.ignore()
            return
        self.shutdown()
        self.settings.set_geometry(self.saveGeometry())
        self.settings.sync()
        self.closing.emit()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop and join every panel's workers."""
        for panel in self.panels:
            panel.shutdown()
        QApplication.processEvents()
