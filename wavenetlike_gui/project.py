"""The open project: one QObject holding dataset, reports, config, model and checkpoint.

Panels read from it and write to it; every change is announced by a signal
so that the other panels (and the main window's step list) can follow.
Setting an upstream item clears what was derived from it: a new dataset
drops the old dataset report; the config, model and checkpoint stay, because
a user may well want to train the same architecture on new data.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

__all__ = ["Project"]


class Project(QObject):
    """Holds the state shared between the steps and emits a signal when each part changes.

    Signals carry the new value (``None`` when cleared). ``changed`` is
    emitted after any of them, with the name of the part that changed, so a
    listener that only cares that *something* moved (step states, the
    "unsaved changes" flag) needs one connection.
    """

    dataset_changed = Signal(object)
    dataset_spec_changed = Signal(object)
    report_changed = Signal(object)
    config_changed = Signal(object)
    model_changed = Signal(object)
    checkpoint_changed = Signal(object)
    changed = Signal(str)
    modified_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dataset: Any = None
        self._dataset_spec: dict[str, Any] | None = None
        self._report: Any = None
        self._config: Any = None
        self._model: Any = None
        self._checkpoint: str | None = None
        self._modified = False

    @property
    def modified(self) -> bool:
        """True when the project has changes that are not saved (the window title shows a ``*``)."""
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._modified = bool(value)
        self.modified_changed.emit(self._modified)  # also when it stays True: what is worth saving may have grown

    # ----------------------------------------------------------------- read
    @property
    def dataset(self) -> Any:
        """The loaded :class:`wavenetlike.Dataset`, or None."""
        return self._dataset

    @property
    def dataset_spec(self) -> dict[str, Any] | None:
        """How the dataset was chosen (see :mod:`wavenetlike_gui.sources`), JSON-safe."""
        return self._dataset_spec

    @property
    def report(self) -> Any:
        """The dataset's ``DatasetReport`` (from ``analyze(dataset)``), or None."""
        return self._report

    @property
    def config(self) -> Any:
        """The chosen :class:`wavenetlike.ModelConfig`, or None."""
        return self._config

    @property
    def model(self) -> Any:
        """A built (maybe trained) model, or None."""
        return self._model

    @property
    def checkpoint(self) -> str | None:
        """Path of the latest checkpoint file, or None."""
        return self._checkpoint

    @property
    def sample_rate(self) -> int | None:
        """The dataset's sample rate, or None when no dataset is loaded."""
        return int(self._dataset.sample_rate) if self._dataset is not None else None

    # ---------------------------------------------------------------- write
    def set_dataset(self, dataset: Any, spec: dict[str, Any] | None = None, report: Any = None) -> None:
        """Install a new dataset (and how it was chosen), with its report when one is known.

        The old report is dropped. ``report`` (e.g. restored from a project file)
        is in place before ``dataset_changed`` is emitted, so listeners see a
        dataset that is already analysed and need not analyse it again.
        """
        had_report = self._report is not None
        self._dataset = dataset
        self._dataset_spec = spec
        self._report = report
        self._announce("dataset", self.dataset_changed, dataset)
        self.dataset_spec_changed.emit(spec)
        if had_report or report is not None:
            self._announce("report", self.report_changed, report)

    def set_report(self, report: Any) -> None:
        """Install the dataset report (or None to clear it)."""
        self._report = report
        self._announce("report", self.report_changed, report)

    def set_config(self, config: Any) -> None:
        """Install the model configuration; no signal when it equals the current one."""
        if config is not None and self._config is not None and config == self._config:
            return
        self._config = config
        self._announce("config", self.config_changed, config)

    def set_model(self, model: Any) -> None:
        """Install a built or trained model (or None)."""
        self._model = model
        self._announce("model", self.model_changed, model)

    def set_checkpoint(self, path: str | None) -> None:
        """Record the latest checkpoint file (or None)."""
        self._checkpoint = None if path is None else str(path)
        self._announce("checkpoint", self.checkpoint_changed, self._checkpoint)

    def _announce(self, name: str, signal: Any, value: Any) -> None:
        self.modified = True
        signal.emit(value)
        self.changed.emit(name)
