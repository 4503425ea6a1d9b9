"""The open project: a thin Qt wrapper over the library's headless :class:`wavenetlike.Session`.

The session holds the workflow (dataset spec, dataset, report, architecture,
and the training runs in their folders); this QObject adds what a window
needs around it: a signal for every change so that the other panels (and the
main window's step list) can follow, the model on screen, the current run
and its checkpoint, and the unsaved-changes flag. Setting an upstream item
clears what was derived from it: a new dataset drops the old dataset report;
the config, model and checkpoint stay, because a user may well want to train
the same architecture on new data — but the steps that used them say they
are stale (:meth:`Project.stale_reasons`).
"""
from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from wavenetlike.session import DatasetSpec, Run, Session

__all__ = ["Project", "default_runs_dir"]

_SESSION_NUMBERS = itertools.count(1)


def default_runs_dir() -> str:
    """A fresh runs folder for a new window's session, under the user's data folder."""
    from platformdirs import user_data_dir
    root = os.environ.get("WAVENETLIKE_SESSIONS_DIR") or str(Path(user_data_dir("wavenetlike", "wavenetlike"))
                                                             / "sessions")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return str(Path(root) / f"session-{stamp}-{os.getpid()}-{next(_SESSION_NUMBERS)}" / "runs")


def _spec_of(spec: Any, dataset: Any) -> DatasetSpec | None:
    """The library's DatasetSpec for the app's spec dict (or the dataset's own spec); None if neither says."""
    if isinstance(spec, DatasetSpec):
        return spec
    if isinstance(spec, dict):
        try:
            return DatasetSpec.from_dict(spec)
        except (TypeError, ValueError):
            return None
    return getattr(dataset, "spec", None)


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
    run_changed = Signal(object)
    runs_changed = Signal()
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
        self._run: Run | None = None
        self._config_problem = ""
        self._modified = False
        runs = Path(default_runs_dir())
        self.session = Session(runs.parent, runs_dir=runs)

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
        self.session.set_dataset(_spec_of(spec, dataset), dataset, report)
        self._announce("dataset", self.dataset_changed, dataset)
        self.dataset_spec_changed.emit(spec)
        if had_report or report is not None:
            self._announce("report", self.report_changed, report)

    def set_report(self, report: Any) -> None:
        """Install the dataset report (or None to clear it)."""
        self._report = report
        self.session.report = report
        self._announce("report", self.report_changed, report)

    def set_config(self, config: Any) -> None:
        """Install the model configuration; no signal when it equals the current one."""
        if config is not None and self._config is not None and config == self._config:
            return
        self._config = config
        self.session.model_config = config
        self._announce("config", self.config_changed, config)

    def set_model(self, model: Any) -> None:
        """Install a built or trained model (or None)."""
        self._model = model
        self._announce("model", self.model_changed, model)

    def set_checkpoint(self, path: str | None) -> None:
        """Record the latest checkpoint file (or None)."""
        self._checkpoint = None if path is None else str(path)
        self._announce("checkpoint", self.checkpoint_changed, self._checkpoint)

    @property
    def config_problem(self) -> str:
        """What is wrong with the architecture being edited ('' when it is valid); it blocks training."""
        return self._config_problem

    def set_config_problem(self, problem: str) -> None:
        """Say that the architecture on screen is invalid (``problem``, in words) or valid again ('')."""
        if problem == self._config_problem:
            return
        self._config_problem = problem
        self.changed.emit("config_problem")

    # ----------------------------------------------------------------- runs
    @property
    def runs_dir(self) -> Path:
        """The folder where every Start makes a new run folder (see :mod:`wavenetlike.session`)."""
        return Path(self.session.runs_dir)

    def set_runs_dir(self, folder: str | os.PathLike) -> None:
        """Put the session's runs in ``folder`` (the runs already there are listed)."""
        folder = Path(folder).expanduser()
        if folder == self.runs_dir:
            return
        self.session.root = folder.parent
        self.session.runs_dir = folder
        self.runs_changed.emit()

    @property
    def runs(self) -> list[Run]:
        """The session's runs, oldest first."""
        return self.session.runs

    @property
    def current_run(self) -> Run | None:
        """The run whose model is on screen (trained last, or reopened), or None."""
        return self._run

    def set_current_run(self, run: Run | None) -> None:
        """Make ``run`` the one on screen; its last checkpoint becomes the project's checkpoint."""
        self._run = run
        self.runs_changed.emit()
        self._announce("run", self.run_changed, run)
        if run is not None and run.checkpoint is not None:
            self.set_checkpoint(str(run.checkpoint))

    def new_run(self, train_config: Any) -> Run:
        """A new run folder for the architecture and dataset on screen (never an old run's folder)."""
        run = self.session.new_run(train_config)
        self._run = run
        self.runs_changed.emit()
        self._announce("run", self.run_changed, run)
        return run

    def continue_reasons(self, run: Run | None = None) -> list[str]:
        """Why ``run`` (default: the current one) cannot be continued with what is on screen; empty if it can."""
        run = run if run is not None else self._run
        if run is None:
            return ["no run has been trained in this session"]
        return self.session.continue_check(run)

    def stale_reasons(self) -> list[str]:
        """Why the current run's model no longer matches the dataset and architecture on screen (empty: it does)."""
        if self._run is None:
            return []
        return [r for r in self.session.continue_check(self._run) if "checkpoint" not in r]

    def _announce(self, name: str, signal: Any, value: Any) -> None:
        self.modified = True
        signal.emit(value)
        self.changed.emit(name)
