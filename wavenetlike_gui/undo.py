"""Undo / redo of architecture edits, "Use" and dataset switches, on Qt's ``QUndoStack``.

:class:`ProjectHistory` watches the :class:`~wavenetlike_gui.project.Project`:
every config or dataset change made by the user becomes a command on the
stack, already applied (Qt calls ``redo`` when a command is pushed; the first
call is skipped). Undo and redo re-install the previous or next value through
the project's own setters, so every panel follows as it does for any change.
A config the app fills in by itself right after a dataset switch (the
suggestion for the new data) is merged into that switch: one Ctrl+Z goes back
to the old data *and* its architecture.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

__all__ = ["ProjectHistory", "ConfigCommand", "DatasetCommand"]

MERGE_ID = 13


class _Applied(QUndoCommand):
    """A command whose change has already happened when it is pushed."""

    def __init__(self, history: "ProjectHistory", text: str) -> None:
        super().__init__(text)
        self.history = history
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.history.replaying(self.apply_new)

    def undo(self) -> None:
        self.history.replaying(self.apply_old)

    def apply_new(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def apply_old(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ConfigCommand(_Applied):
    """The model config went from ``old`` to ``new``."""

    def __init__(self, history: "ProjectHistory", old: Any, new: Any, text: str = "Architecture change") -> None:
        super().__init__(history, text)
        self.old, self.new = old, new

    def apply_new(self) -> None:
        self.history.project.set_config(self.new)

    def apply_old(self) -> None:
        self.history.project.set_config(self.old)


class DatasetCommand(_Applied):
    """The dataset (with its spec and report) was switched; an automatic config change may ride along."""

    def __init__(self, history: "ProjectHistory", old: tuple, new: tuple, config_before: Any) -> None:
        super().__init__(history, "Dataset switch")
        self.old, self.new = old, new
        self.config_before = config_before
        self.config_after = config_before

    def id(self) -> int:  # noqa: A003 - Qt API
        return MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if isinstance(other, ConfigCommand) and getattr(other, "automatic", False):
            self.config_after = other.new
            return True
        return False

    def apply_new(self) -> None:
        dataset, spec, report = self.new
        self.history.project.set_dataset(dataset, spec, report=report)
        if self.config_after is not None:
            self.history.project.set_config(self.config_after)

    def apply_old(self) -> None:
        dataset, spec, report = self.old
        self.history.project.set_dataset(dataset, spec, report=report)
        if self.config_before is not None:
            self.history.project.set_config(self.config_before)


class _AutomaticConfig(ConfigCommand):
    automatic = True

    def id(self) -> int:  # noqa: A003 - Qt API
        return MERGE_ID


class ProjectHistory(QObject):
    """Records the project's config and dataset changes on :attr:`stack`.

    ``is_automatic(config)`` tells a config the app chose by itself (the
    Architecture panel's suggestion) from one the user made.
    """

    def __init__(self, project: Any, is_automatic: Callable[[Any], bool] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.stack = QUndoStack(self)
        self._is_automatic = is_automatic or (lambda _config: False)
        self._replaying = False
        self._config = project.config
        self._dataset = (project.dataset, project.dataset_spec, project.report)
        project.config_changed.connect(self._on_config)
        project.dataset_changed.connect(self._on_dataset)
        project.report_changed.connect(self._on_report)

    def replaying(self, fn: Callable[[], None]) -> None:
        """Run an undo/redo step without recording the changes it makes."""
        self._replaying = True
        try:
            fn()
        finally:
            self._replaying = False
            self._config = self.project.config
            self._dataset = (self.project.dataset, self.project.dataset_spec, self.project.report)

    def _on_config(self, config: Any) -> None:
        old, self._config = self._config, config
        if self._replaying or old is None or config is None or old == config:
            return
        if self._is_automatic(config):
            self.stack.push(_AutomaticConfig(self, old, config, "Suggested architecture"))
        else:
            self.stack.push(ConfigCommand(self, old, config))

    def _on_dataset(self, dataset: Any) -> None:
        old = self._dataset
        self._dataset = (dataset, self.project.dataset_spec, self.project.report)
        if self._replaying or old[0] is None or dataset is old[0]:
            return
        self.stack.push(DatasetCommand(self, old, self._dataset, self._config))

    def _on_report(self, report: Any) -> None:
        """The analysis of the current dataset arrived: keep it with the dataset (undo will not re-analyse)."""
        dataset, spec, _ = self._dataset
        if dataset is self.project.dataset:
            self._dataset = (dataset, spec, report)
            command = self.stack.command(self.stack.index() - 1) if self.stack.index() > 0 else None
            if isinstance(command, DatasetCommand) and command.new[0] is dataset:
                command.new = self._dataset
