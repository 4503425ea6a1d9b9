"""``Session``: the whole workflow without a window — data, report, architecture, checks and runs.

A session lives in a folder: ``session.json`` (written by :meth:`Session.save`)
and ``runs/`` (one folder per training run, see :mod:`.run`). It holds the
dataset spec, the loaded dataset (never saved: it is reloaded from the spec),
the dataset report, the current :class:`~wavenetlike.ModelConfig` and its
checks against the report. The app's project is a thin view of one, and a
project file is a saved session.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from ..config import ModelConfig
from ..data.dataset import Dataset
from ..progress import CancelFn, ProgressFn
from ..safe_io import atomic_write_bytes
from ..train_config import TrainConfig
from .checks import architecture_checks
from .dataset_spec import DatasetSpec
from .recorder import json_safe
from .run import Run, config_differences, list_runs, read_json

__all__ = ["Session", "ContinueRefused", "SESSION_FILE", "FORMAT", "VERSION"]

SESSION_FILE = "session.json"
FORMAT = "wavenetlike-session"
VERSION = 1


class ContinueRefused(ValueError):
    """A run cannot be continued with what the session holds now; ``reasons`` says why, in words."""

    def __init__(self, run: Run, reasons: list[str]) -> None:
        super().__init__(f"run {run.folder.name} cannot be continued: {'; '.join(reasons)}. "
                         "Start a new run instead.")
        self.reasons = list(reasons)


def _as_spec(spec: DatasetSpec | dict[str, Any] | None) -> DatasetSpec | None:
    if spec is None or isinstance(spec, DatasetSpec):
        return spec
    return DatasetSpec.from_dict(spec)


def _as_config(config: ModelConfig | dict[str, Any] | None) -> ModelConfig | None:
    if config is None or isinstance(config, ModelConfig):
        return config
    if isinstance(config, dict):
        return ModelConfig.from_dict(config)
    raise TypeError(f"model_config must be a ModelConfig or a dict of its fields, not {type(config).__name__}")


class Session:
    """Data, report, architecture and training runs, in the folder ``root`` (runs in ``root/runs``).

    ``dataset_spec`` says what data to use (``load_dataset()`` loads it);
    or give a loaded ``dataset`` (its spec is taken from it when it has one).
    ``report`` is the dataset's ``DatasetReport`` (``analyze()`` makes it).
    """

    def __init__(self, root: str | os.PathLike, dataset_spec: DatasetSpec | dict[str, Any] | None = None,
                 model_config: ModelConfig | dict[str, Any] | None = None, *, dataset: Dataset | None = None,
                 report: Any = None, runs_dir: str | os.PathLike | None = None) -> None:
        self.root = Path(root)
        self.runs_dir = Path(runs_dir) if runs_dir is not None else self.root / "runs"
        self._spec: DatasetSpec | None = None
        self._dataset: Dataset | None = None
        self.report: Any = None
        self.set_dataset(dataset_spec, dataset, report)
        self._model_config = _as_config(model_config)
        self.suggestion: ModelConfig | None = None
        self.suggestion_warnings: list[str] = []

    # ------------------------------------------------------------ the data
    @property
    def dataset_spec(self) -> DatasetSpec | None:
        return self._spec

    @property
    def dataset(self) -> Dataset | None:
        """The loaded dataset, or None (``load_dataset()`` loads it from the spec)."""
        return self._dataset

    def set_dataset(self, spec: DatasetSpec | dict[str, Any] | None = None, dataset: Dataset | None = None,
                    report: Any = None) -> None:
        """Choose the data: a spec, a loaded dataset, or both; a different choice drops the old dataset and report."""
        spec = _as_spec(spec)
        if dataset is not None and spec is None:
            spec = getattr(dataset, "spec", None) or DatasetSpec.from_reference(dataset.reference())
        if spec != self._spec or dataset is not None:
            self._dataset, self.report = None, None
        self._spec = spec
        if dataset is not None:
            self._dataset = dataset
        if report is not None:
            self.report = report

    def load_dataset(self, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Dataset:
        """Load the dataset the spec describes (slow: run it in a worker) and keep it."""
        if self._spec is None:
            raise ValueError("the session has no dataset spec: choose the data first")
        self._dataset = self._spec.load(progress=progress, cancel=cancel)
        return self._dataset

    def analyze(self, progress: ProgressFn | None = None, cancel: CancelFn | None = None, **options: Any) -> Any:
        """The dataset's report (``wavenetlike.analyze``), kept in ``report``; loads the dataset if needed."""
        from ..analysis import analyze
        dataset = self._dataset if self._dataset is not None else self.load_dataset(progress, cancel)
        self.report = analyze(dataset, progress=progress, cancel=cancel, **options)
        return self.report

    def _training_dataset(self) -> Dataset:
        if self._dataset is None:
            if self._spec is None:
                raise ValueError("the session has no dataset: choose the data first")
            self.load_dataset()
        assert self._dataset is not None
        return self._dataset

    # ---------------------------------------------------------- the model
    @property
    def model_config(self) -> ModelConfig | None:
        return self._model_config

    @model_config.setter
    def model_config(self, config: ModelConfig | dict[str, Any] | None) -> None:
        self._model_config = _as_config(config)

    def suggest(self, budget: Any = None) -> ModelConfig:
        """The library's suggestion for the report (``analyze()`` first if needed), made the current config."""
        from ..analysis.suggest import suggest
        report = self.report if self.report is not None else self.analyze()
        config = suggest(report, budget)
        self.suggestion, self.suggestion_warnings = config, list(getattr(config, "warnings", None) or [])
        self._model_config = config
        return config

    def checks(self) -> list[str]:
        """Warnings about the current architecture for this data, in words (empty: nothing to say)."""
        if self._model_config is None:
            return []
        labels = list(self._dataset.labels) if self._dataset is not None else None
        return architecture_checks(self._model_config, self.report, labels, self.suggestion,
                                   self.suggestion_warnings)

    # ------------------------------------------------------------- the runs
    def _attach(self, run: Run) -> Run:
        run.dataset_provider = self._training_dataset
        return run

    @property
    def runs(self) -> list[Run]:
        """The session's runs, read from ``runs_dir`` (oldest first); see ``unreadable_runs`` for the others."""
        return [self._attach(r) for r in list_runs(self.runs_dir)[0]]

    @property
    def unreadable_runs(self) -> list[str]:
        """One message per folder in ``runs_dir`` that looks like a run but cannot be read."""
        return list_runs(self.runs_dir)[1]

    def new_run(self, train_config: TrainConfig | dict[str, Any], name: str | None = None) -> Run:
        """A new run folder for the current architecture, data and ``train_config`` (``run.trainer()`` trains it)."""
        if self._model_config is None:
            raise ValueError("the session has no architecture (model_config): choose one before a run")
        if isinstance(train_config, dict):
            train_config = TrainConfig.from_dict(train_config)
        return self._attach(Run.create(self.runs_dir, self._model_config, train_config, self._spec, name))

    def continue_check(self, run: Run) -> list[str]:
        """Why ``run`` cannot be continued with this session's architecture and data (empty: it can)."""
        reasons = []
        if self._model_config is None:
            reasons.append("no architecture is chosen")
        else:
            diff = config_differences(run.model_config, self._model_config)
            if diff:
                reasons.append("the architecture differs: " + "; ".join(diff))
        if run.dataset_spec is None and self._spec is None:
            reasons.append("the dataset cannot be compared: in-memory data has no spec")
        elif run.dataset_spec is None or self._spec is None:
            old = run.dataset_spec.describe() if run.dataset_spec is not None else "in-memory data"
            new = self._spec.describe() if self._spec is not None else "in-memory data"
            reasons.append(f"the dataset differs: {old} vs {new}")
        else:
            diff = run.dataset_spec.differences(self._spec)
            if diff:
                reasons.append("the dataset differs: " + "; ".join(diff))
        if run.checkpoint is None:
            reasons.append("the run has no checkpoint to continue from")
        return reasons

    def resume(self, run: Run, more_steps: int | None = None, more_seconds: float | None = None) -> Any:
        """A Trainer continuing ``run`` (train it with :meth:`train`); :class:`ContinueRefused` says why not."""
        reasons = self.continue_check(run)
        if reasons:
            raise ContinueRefused(run, reasons)
        self._attach(run)
        return run.resume_trainer(None, more_steps=more_steps, more_seconds=more_seconds)

    def train(self, run: Run, on_event: Callable[[Any], None] | None = None, trainer: Any = None) -> Any:
        """Train ``run`` to its end, recording every event; returns the last ("done" or "error").

        ``trainer``: the one ``run.trainer()`` or :meth:`resume` made (default:
        that one, else a new ``run.trainer()``). ``on_event(event)`` sees every
        event after it is recorded; ``run.cancel()`` stops the run (its last
        checkpoint is written).
        """
        self._attach(run)
        if trainer is None:
            trainer = run.active_trainer if run.active_trainer is not None else run.trainer()
        elif trainer is not run.active_trainer:
            run.adopt(trainer)
        last = None
        try:
            for last in trainer.steps():
                run.record(last)
                if on_event is not None:
                    on_event(last)
        except BaseException as e:
            run.interrupted(f"{type(e).__name__}: {e}")
            raise
        finally:
            run.close()
        return last

    # ------------------------------------------------------------- saving
    def to_dict(self, folder: str | os.PathLike) -> dict[str, Any]:
        """The JSON form, with the runs folder relative to ``folder`` (where the file goes)."""
        folder = Path(folder).resolve()
        runs = Path(os.path.relpath(self.runs_dir.resolve(), folder))
        if runs.is_absolute() or ".." in runs.parts:
            raise ValueError(f"the session's runs folder {self.runs_dir} is not inside {folder}: save the "
                             f"session in {self.root} (or a folder above it)")
        report = self.report.to_dict() if self.report is not None and hasattr(self.report, "to_dict") else None
        suggestion = None
        if self.suggestion is not None:
            suggestion = {"config": self.suggestion.to_dict(), "warnings": self.suggestion_warnings}
        return json_safe({
            "format": FORMAT, "version": VERSION, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "dataset_spec": self._spec.to_dict() if self._spec is not None else None,
            "model_config": self._model_config.to_dict() if self._model_config is not None else None,
            "report": report, "suggestion": suggestion, "runs": runs.as_posix(),
        })

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the session as JSON (default ``root/session.json``; a folder gets ``session.json`` in it)."""
        path = Path(path) if path is not None else self.root / SESSION_FILE
        if path.is_dir():
            path = path / SESSION_FILE
        data = self.to_dict(path.parent)
        atomic_write_bytes(path, (json.dumps(data, indent=1, allow_nan=False) + "\n").encode("utf-8"),
                           what="session file")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Session":
        """Read a session file (or the ``session.json`` in a folder); the dataset is not loaded yet.

        A ``ValueError`` names the file and the field that is wrong.
        """
        path = Path(path)
        if path.is_dir():
            path = path / SESSION_FILE
        d = read_json(path, "session file")
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ValueError(f"{path} is not a wavenetlike session file (no format = {FORMAT!r})")
        version = d.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
            raise ValueError(f"{path}: version = {version!r}; this wavenetlike reads session files up to "
                             f"version {VERSION}")
        spec = None if d.get("dataset_spec") is None else DatasetSpec.from_dict(d["dataset_spec"],
                                                                                 f"{path}: dataset_spec")
        config = _read_field(path, "model_config", d.get("model_config"), ModelConfig.from_dict)
        report = _read_field(path, "report", d.get("report"), _report_from_dict)
        runs = d.get("runs", "runs")
        parts = Path(runs).parts if isinstance(runs, str) else ()
        if not isinstance(runs, str) or not runs or Path(runs).is_absolute() or ".." in parts:
            raise ValueError(f"{path}: runs = {runs!r} must be a folder name inside {path.parent}")
        session = cls(path.parent, spec, config, report=report, runs_dir=path.parent / runs)
        suggestion = d.get("suggestion")
        if isinstance(suggestion, dict):
            session.suggestion = _read_field(path, "suggestion.config", suggestion.get("config"),
                                             ModelConfig.from_dict)
            warnings = suggestion.get("warnings") or []
            if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
                raise ValueError(f"{path}: suggestion.warnings must be a list of sentences")
            session.suggestion_warnings = list(warnings)
        return session


def _report_from_dict(d: dict[str, Any]) -> Any:
    from ..analysis.dataset_report import DatasetReport
    return DatasetReport.from_dict(d)


def _read_field(path: Path, name: str, value: Any, build: Callable[[Any], Any]) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{path}: {name} must be an object, not {type(value).__name__}")
    try:
        return build(value)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: {name} is not valid ({e})") from None
