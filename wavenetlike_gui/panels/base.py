"""What every step panel has: a title, a state, two areas, a message bar, one current task, remembered settings.

The anatomy follows orange-widget-base's ``OWBaseWidget`` and Orange's
``ConcurrentWidgetMixin`` (ideas, not code):

- **two areas**: :meth:`StepPanel.build_controls` fills the controls column,
  :meth:`StepPanel.build_main` the main area; :meth:`StepPanel.build` calls both
  and puts :attr:`StepPanel.messages` (a :class:`~wavenetlike_gui.widgets.message_bar.MessageBar`)
  at the foot of the controls unless the panel placed it itself;
- **one current task**: :meth:`StepPanel.start_task` runs a callable in a
  :class:`~wavenetlike_gui.workers.Worker` through the panel's
  :class:`~wavenetlike_gui.tasks.TaskRunner`; starting another cancels and
  supersedes it, and whatever a superseded task reports later is dropped
  (parts of a panel that work beside its task have a runner of their own);
- **declared remembered settings**: ``remembered_settings`` maps a settings key
  to the attribute holding the control, ``settings_version`` is their version
  (see :mod:`wavenetlike_gui.panels.remembered`).

To add a step to the main window, subclass :class:`StepPanel`, set
``title`` and ``hint``, implement :meth:`StepPanel.state` and call
:meth:`StepPanel.refresh_state` whenever it may have changed; then list the
class in :data:`wavenetlike_gui.main_window.STEP_CLASSES`.
"""
from __future__ import annotations

import enum
from typing import Any, Callable, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from ..project import Project
from ..settings import Settings
from ..tasks import TaskRunner
from ..widgets.message_bar import MessageBar
from ..workers import Worker
from .remembered import RememberedControls

__all__ = ["StepState", "StepPanel", "RememberedControls"]  # RememberedControls: from .remembered


def _bind(fn: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    """A slot that calls ``fn(*args)`` and ignores the signal's own arguments."""
    return lambda *_: fn(*args)


class StepState(enum.Enum):
    """Where a step stands, as shown in the step list."""

    NEEDS_PREVIOUS = "needs previous step"
    READY = "ready"
    BUSY = "working…"
    PAUSED = "paused"
    STOPPED = "stopped early"
    DONE = "done"
    STALE = "stale"
    INVALID = "needs a fix"


class StepPanel(QWidget):
    """Base class of the step panels.

    ``state_changed`` is emitted by :meth:`refresh_state` when the state
    differs from the last one shown. ``status_message`` asks the main window
    to show a line in its status bar (every error of the message bar goes
    there too). Every worker the panel starts is kept until it ends, so
    :meth:`shutdown` can stop and join it. Panels are built as
    ``PanelClass(project, settings)``.
    """

    title = "Step"
    hint = ""
    settings_key = ""  # where remembered_settings are kept ('' : nothing remembered)
    settings_version = 1  # raise when a remembered key changes meaning
    remembered_settings: ClassVar[dict[str, str]] = {}  # settings key -> attribute holding the control
    controls_width: tuple[int, int | None] = (0, 400)  # min, max width of the controls column (None: no max)
    areas_in_splitter = False  # True: the user can drag the border between the two areas
    state_changed = Signal(object)
    status_message = Signal(str)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.settings = settings
        self._last_state: tuple[StepState, str] | None = None
        self._workers: list[Worker] = []
        self.tasks = TaskRunner(self, self.start_worker)
        self.remembered: RememberedControls | None = None
        self.messages = MessageBar()
        self.messages.error_shown.connect(self.status_message)

    # -------------------------------------------------------------- areas
    @property
    def message(self) -> QLabel:
        """The message bar's news line."""
        return self.messages.message

    @property
    def error_label(self) -> QLabel:
        """The message bar's error line."""
        return self.messages.error_label

    def build(self) -> None:
        """Lay the panel out: the controls column (then the message bar) beside the main area."""
        self.control_area = QWidget()
        controls = QVBoxLayout(self.control_area)
        self.build_controls(controls)
        if self.messages.parent() is None:
            controls.addWidget(self.messages)
            controls.addStretch(1)
        low, high = self.controls_width
        self.control_area.setMinimumWidth(low)
        if high is not None:
            self.control_area.setMaximumWidth(high)
        self.main_area = QWidget()
        main = QVBoxLayout(self.main_area)
        main.setContentsMargins(0, 0, 0, 0)
        self.build_main(main)
        if self.areas_in_splitter:
            splitter = QSplitter(Qt.Orientation.Horizontal)
            splitter.addWidget(self.control_area)
            splitter.addWidget(self.main_area)
            splitter.setStretchFactor(0, 0)
            splitter.setStretchFactor(1, 1)
            outer = QVBoxLayout(self)
            outer.addWidget(splitter)
            self.splitter = splitter
        else:
            outer = QHBoxLayout(self)
            outer.addWidget(self.control_area)
            outer.addWidget(self.main_area, 1)

    def build_controls(self, layout: QVBoxLayout) -> None:
        """Fill the controls column (settings, buttons); subclasses override."""

    def build_main(self, layout: QVBoxLayout) -> None:
        """Fill the main area (plots, tables, views); subclasses override."""

    # ----------------------------------------------------------- settings
    def restore_settings(self) -> str:
        """Restore the declared remembered controls; returns what could not be used, in words ('' if all)."""
        if not self.settings_key or not self.remembered_settings:
            return ""
        controls = {key: getattr(self, attr) for key, attr in self.remembered_settings.items()}
        self.remembered = RememberedControls(self.settings, self.settings_key, controls, self.settings_version)
        self.remembered.restore()
        return self.remembered.note()

    # -------------------------------------------------------------- state
    def state(self) -> StepState:
        """The step's current state; subclasses override."""
        return StepState.READY

    def state_reason(self) -> str:
        """Why the step is in its state, in words, when that needs saying (stale, needs a fix); else ''."""
        return ""

    def refresh_state(self) -> None:
        """Recompute the state and emit ``state_changed`` if it moved."""
        s = self.state()
        reason = self.state_reason() if s in (StepState.STALE, StepState.INVALID) else ""
        if (s, reason) != self._last_state:
            self._last_state = (s, reason)
            self.state_changed.emit(s)

    # ------------------------------------------------------ current task
    def start_task(self, fn: Callable[..., Any] | Worker, *args: Any, **kwargs: Any) -> Worker:
        """Run ``fn(*args, progress=…, cancel=…, **kwargs)`` (or a ready ``Worker``) as the panel's one current task.

        A task still running is cancelled and superseded first: whatever it reports
        afterwards is dropped. The callbacks run in the GUI thread, for the current
        task only: ``on_item`` per streamed item, ``on_progress(done, total, what)``,
        then one of ``on_done(result)``, ``on_error(message, details)`` or
        ``on_cancelled()``, and last ``on_finished()`` (after any outcome); see
        :class:`~wavenetlike_gui.tasks.TaskRunner`.
        """
        return self.tasks.start(fn, *args, **kwargs)

    def cancel_task(self) -> None:
        """Ask the current task to stop; it still reports its end (``on_cancelled``, ``on_finished``)."""
        self.tasks.cancel()

    @property
    def task_running(self) -> bool:
        """True from :meth:`start_task` until the current task's end has been handled."""
        return self.tasks.running

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
        """Stop and join every worker (the current task, superseded ones, helpers); called before the window goes away."""
        self.tasks.shutdown()
        for w in list(self._workers):
            w.stop()
