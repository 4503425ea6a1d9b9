"""What every step panel has: a title, a state, and a clean shutdown.

To add a step to the main window, subclass :class:`StepPanel`, set
``title`` and ``hint``, implement :meth:`StepPanel.state` and call
:meth:`StepPanel.refresh_state` whenever it may have changed; then list the
class in :data:`wavenetlike_gui.main_window.STEP_CLASSES`.
"""
from __future__ import annotations

import enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ..project import Project
from ..settings import Settings
from ..workers import Worker

__all__ = ["StepState", "StepPanel"]


def _bind(fn, *args):
    """A slot that calls ``fn(*args)`` and ignores the signal's own arguments."""
    return lambda *_: fn(*args)


class StepState(enum.Enum):
    """Where a step stands, as shown in the step list."""

    NEEDS_PREVIOUS = "needs previous step"
    READY = "ready"
    BUSY = "working…"
    DONE = "done"


class StepPanel(QWidget):
    """Base class of the step panels.

    ``state_changed`` is emitted by :meth:`refresh_state` when the state
    differs from the last one shown. ``status_message`` asks the main window
    to show a line in its status bar. ``workers`` lists the panel's workers
    so :meth:`shutdown` can stop and join them. Panels are built as
    ``PanelClass(project, settings)``.
    """

    title = "Step"
    hint = ""
    state_changed = Signal(object)
    status_message = Signal(str)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.settings = settings
        self._last_state: StepState | None = None
        self._workers: list[Worker] = []

    def state(self) -> StepState:
        """The step's current state; subclasses override."""
        return StepState.READY

    def refresh_state(self) -> None:
        """Recompute the state and emit ``state_changed`` if it moved."""
        s = self.state()
        if s != self._last_state:
            self._last_state = s
            self.state_changed.emit(s)

    # ------------------------------------------------------------ workers
    def start_worker(self, worker: Worker) -> Worker:
        """Own ``worker`` (kept until it ends) and start it."""
        self._workers.append(worker)
        worker.finished.connect(_bind(self._forget, worker))
        worker.start()
        return worker

    def _forget(self, worker: Worker) -> None:
        worker.wait()
        if worker in self._workers:
            self._workers.remove(worker)
        worker.deleteLater()

    def is_busy(self) -> bool:
        """True while one of the panel's workers runs."""
        return any(w.isRunning() for w in self._workers)

    def confirm_close(self) -> bool:
        """Asked before the window closes; return False to keep it open (e.g. training runs)."""
        return True

    def shutdown(self) -> None:
        """Stop and join every worker; called before the window goes away."""
        for w in list(self._workers):
            w.stop()
