"""What every step panel has: a title, a state, and a clean shutdown.

To add a step to the main window, subclass :class:`StepPanel`, set
``title`` and ``hint``, implement :meth:`StepPanel.state` and call
:meth:`StepPanel.refresh_state` whenever it may have changed; then list the
class in :data:`wavenetlike_gui.main_window.STEP_CLASSES`.
"""
from __future__ import annotations

import enum
import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from ..project import Project
from ..settings import Settings
from ..workers import Worker

__all__ = ["StepState", "StepPanel", "RememberedControls"]


def _bind(fn, *args):
    """A slot that calls ``fn(*args)`` and ignores the signal's own arguments."""
    return lambda *_: fn(*args)


class RememberedControls:
    """A panel's controls whose values are remembered in the settings between sessions.

    ``controls`` maps a key to a spin box, combo box (its item data is stored)
    or check box, in the order they are restored (a combo that resets another
    control comes first). Every change is written at once, so nothing is lost
    if the app is killed. A remembered value of the wrong type, out of the
    control's range, or no longer offered is refused: the default stays and
    :attr:`refused` names it, for the panel to say so.
    """

    def __init__(self, settings: Any, panel: str, controls: dict[str, QWidget]) -> None:
        self.settings = settings
        self.panel = panel
        self.controls = controls
        self.refused: list[str] = []
        self._restoring = False

    def restore(self) -> list[str]:
        """Put the remembered values into the controls; returns the refused ones as ``key=value``."""
        values = self.settings.panel_values(self.panel)
        self.refused = []
        self._restoring = True
        try:
            for key, widget in self.controls.items():
                if key in values and not _set_control(widget, values[key]):
                    self.refused.append(f"{key}={values[key]!r}")
        finally:
            self._restoring = False
        for widget in self.controls.values():
            _changed_signal(widget).connect(self.save)
        if self.refused:
            self.save()  # replace the unusable values by what is shown
        return self.refused

    def values(self) -> dict[str, Any]:
        """The controls' current values, JSON-safe."""
        return {key: _control_value(w) for key, w in self.controls.items()}

    def save(self, *_: Any) -> None:
        if not self._restoring:
            self.settings.set_panel_values(self.panel, self.values())


def _changed_signal(widget: QWidget) -> Any:
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    return widget.toggled


def _control_value(widget: QWidget) -> Any:
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    return widget.isChecked()


def _set_control(widget: QWidget, value: Any) -> bool:
    """Show ``value`` in ``widget``; False (nothing changed) when it cannot hold it."""
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if not widget.minimum() <= value <= widget.maximum():
            return False
        if isinstance(widget, QSpinBox) and value != int(value):
            return False
        widget.setValue(int(value) if isinstance(widget, QSpinBox) else float(value))
        return True
    if isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index < 0:
            return False
        widget.setCurrentIndex(index)
        return True
    if isinstance(widget, QCheckBox):
        if not isinstance(value, bool):
            return False
        widget.setChecked(value)
        return True
    return False


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
        self._last_state: tuple[StepState, str] | None = None
        self._workers: list[Worker] = []

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
