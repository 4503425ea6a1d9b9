"""Optuna storage and the trial bookkeeping that lets several workers share one study.

Storage: ``None`` → an SQLite file in the user data folder
(:func:`default_storage_path`); a path ending in ``.db``/``.sqlite``/``.sqlite3``
→ that SQLite file; ``journal:PATH`` or a path ending in ``.log``/``.journal``
→ Optuna's journal file storage (safe for several processes on one machine or
a shared file system, where SQLite may lock); any other URL
(``postgresql://…``, ``mysql://…``, ``sqlite:///…``) → Optuna's RDB storage.

Each candidate is enqueued once as a WAITING trial with the parameter
``candidate``. The rules that keep workers from repeating a candidate:

* a trial is *live* when it is WAITING, RUNNING, COMPLETE or PRUNED and not
  marked ``duplicate``; FAIL trials (interrupted, cancelled) do not count, so
  their candidate is enqueued again;
* of two live trials of one candidate, only the one with the smaller number
  runs: the other is marked ``duplicate`` and failed without training;
* a RUNNING trial whose worker is gone (same host and its process no longer
  exists, or no sign of life for ``stale_after`` seconds) is failed, so that
  its candidate is enqueued again.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

__all__ = ["open_storage", "default_storage_path", "worker_id", "candidate_of", "is_live", "live_trials",
           "fail_stale_trials", "enqueue_missing", "is_duplicate", "LIVE_STATES"]

LIVE_STATES = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)


def default_storage_path() -> Path:
    """The SQLite file that holds selections when no storage is given."""
    import platformdirs
    return Path(platformdirs.user_data_dir("wavenetlike", appauthor=False)) / "selections.sqlite3"


def open_storage(storage: str | os.PathLike | None) -> tuple[Any, str]:
    """(an Optuna storage, a description of it) for a storage URL or path (see the module docstring)."""
    if storage is None:
        storage = default_storage_path()
    text = str(storage)
    if text.startswith("journal:") or text.endswith((".log", ".journal")):
        from optuna.storages.journal import JournalFileBackend, JournalStorage
        path = Path(text[len("journal:"):] if text.startswith("journal:") else text).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path))), f"journal file {path}"
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        if path.suffix not in (".db", ".sqlite", ".sqlite3"):
            raise ValueError(f"storage {text!r}: give a .db/.sqlite/.sqlite3 file, journal:PATH (or a .log file), "
                             "or a database URL such as postgresql://user@host/db")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{path}"
    engine: dict[str, Any] = {}
    if text.startswith("sqlite"):
        engine = {"connect_args": {"timeout": 60}}  # wait for another worker's write instead of failing
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(text, engine_kwargs=engine), text
        except Exception as exc:  # noqa: BLE001 - a bad URL is the user's input: say which
            if "UNIQUE constraint failed: alembic_version" in str(exc) and attempt < 4:
                time.sleep(0.5)  # two workers created the same new SQLite file at once: the other one won
                continue
            raise ValueError(f"storage {text!r} could not be opened: {exc}") from exc
    raise AssertionError("unreachable")


def worker_id() -> str:
    """host:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def candidate_of(trial: FrozenTrial) -> str | None:
    """The candidate name a trial runs (enqueued or already suggested), or None."""
    fixed = trial.system_attrs.get("fixed_params") or {}
    return fixed.get("candidate", trial.params.get("candidate"))


def is_live(trial: FrozenTrial) -> bool:
    return trial.state in LIVE_STATES and not trial.user_attrs.get("duplicate")


def live_trials(study: optuna.Study) -> list[FrozenTrial]:
    return [t for t in study.get_trials(deepcopy=False) if is_live(t)]


def is_duplicate(study: optuna.Study, trial_number: int, candidate: str) -> bool:
    """True when a live trial with a smaller number already holds ``candidate``."""
    return any(t.number < trial_number and candidate_of(t) == candidate for t in live_trials(study))


def _process_gone(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def fail_stale_trials(study: optuna.Study, stale_after: float) -> list[int]:
    """Fail RUNNING trials whose worker is gone; returns their numbers."""
    failed = []
    now = time.time()
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(t.user_attrs.get("worker", ""))
        if worker == worker_id():
            continue
        alive_at = float(t.user_attrs.get("alive_at", t.datetime_start.timestamp() if t.datetime_start else now))
        if (worker and _process_gone(worker)) or now - alive_at > stale_after:
            try:
                study._storage.set_trial_user_attr(t._trial_id, "stale", True)
                study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
                failed.append(t.number)
            except Exception:  # noqa: BLE001 - another worker finished or failed it meanwhile
                continue
    return failed


def enqueue_missing(study: optuna.Study, names: list[str]) -> list[str]:
    """Enqueue every candidate without a live trial; returns the names enqueued."""
    held = {candidate_of(t) for t in live_trials(study)}
    missing = [n for n in names if n not in held]
    for name in missing:
        study.enqueue_trial({"candidate": name})
    return missing
