"""Checks of a project manifest: a project folder is a sandbox.

Every path a manifest names (the checkpoint, the generated takes, the
training settings' checkpoint file) must be relative, normalised (no ``..``,
not absolute) and, with symbolic links resolved, stay inside the project
folder; files are opened only when they are regular files (a FIFO, device or
folder is refused, never opened). Every field has the JSON type its reader
expects. Anything else raises :class:`ProjectFileError` naming the manifest
and the entry (``generated[0].file``, ``training.settings.checkpoint_path``…).

The dataset spec's audio paths are the exception: they name the user's own
data wherever it lives, are only read, and the library's loaders refuse
non-regular files there themselves.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["ProjectFileError", "MAX_MANIFEST_BYTES", "inside_project", "regular_file", "check_manifest",
           "relative_in_project"]

MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""The largest project.json read."""


class ProjectFileError(ValueError):
    """A folder that is not a readable project; the message names the file and the problem."""


def inside_project(folder: Path, rel: Any, entry: str, where: str) -> Path:
    """``folder / rel`` when ``rel`` is a relative, normalised path staying inside ``folder`` (links resolved)."""
    if not isinstance(rel, str) or not rel.strip() or "\x00" in rel:
        raise ProjectFileError(f"{where}: {entry} must be a relative file name, not {rel!r}")
    posix = rel.replace("\\", "/")
    pure = PurePosixPath(posix)
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", posix) or posix.startswith("~"):
        raise ProjectFileError(f"{where}: {entry} = {rel!r} is an absolute path; only files inside the "
                               "project folder are allowed")
    if any(part == ".." for part in pure.parts):
        raise ProjectFileError(f"{where}: {entry} = {rel!r} climbs out of the project folder with '..'; refused")
    root = os.path.realpath(folder)
    target = folder.joinpath(*[p for p in pure.parts if p not in ("", ".")])
    real = os.path.realpath(target)
    if os.path.commonpath([root, real]) != root:
        raise ProjectFileError(f"{where}: {entry} = {rel!r} leads outside the project folder (through a symbolic "
                               "link); refused")
    return target


def regular_file(path: Path, entry: str, where: str) -> Path:
    """``path`` when it is an existing regular file; else ProjectFileError naming the entry (never opens it)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ProjectFileError(f"{where}: {entry} names {path.name}, which is missing") from None
    except OSError as e:
        raise ProjectFileError(f"{where}: {entry} ({path.name}) cannot be checked ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ProjectFileError(f"{where}: {entry} ({path.name}) is not a regular file (a folder, FIFO or device); "
                               "refused")
    return path


def relative_in_project(path: str | None, folder: Path) -> str:
    """``path`` relative to ``folder`` when it lies inside it, else '' (what a saved manifest may hold)."""
    if not path:
        return ""
    try:
        rel = Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return ""
    return rel.as_posix()


def _need(ok: bool, where: str, entry: str, allowed: str, value: Any) -> None:
    if not ok:
        text = repr(value)
        raise ProjectFileError(f"{where}: {entry} must be {allowed}, not {text[:60]}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_manifest(manifest: dict[str, Any], where: str) -> None:
    """Raise ProjectFileError naming the entry for every field of the wrong JSON type."""
    _need(_is_int(manifest.get("version", 1)), where, "version", "a whole number", manifest.get("version"))
    for key in ("dataset", "report", "config", "training"):
        v = manifest.get(key)
        _need(v is None or isinstance(v, dict), where, key, "an object or null", v)
    dataset = manifest.get("dataset") or {}
    for key in ("spec", "reference"):
        v = dataset.get(key)
        _need(v is None or isinstance(v, dict), where, f"dataset.{key}", "an object or null", v)
    spec = dataset.get("spec") or {}
    if "paths" in spec:
        paths = spec["paths"]
        _need(isinstance(paths, list) and all(isinstance(p, str) for p in paths), where, "dataset.spec.paths",
              "a list of file names", paths)
    if "kind" in spec:
        _need(isinstance(spec["kind"], str), where, "dataset.spec.kind", "a string", spec["kind"])
    ck = manifest.get("checkpoint")
    _need(ck is None or isinstance(ck, str), where, "checkpoint", "a file name or null", ck)
    _need(isinstance(manifest.get("saved_at", ""), str), where, "saved_at", "a string", manifest.get("saved_at"))
    if manifest.get("config") is not None:
        from wavenetlike import ModelConfig
        try:
            ModelConfig.from_dict(manifest["config"])
        except (TypeError, ValueError) as e:
            raise ProjectFileError(f"{where}: config is not a valid model config ({e})") from None
    training = manifest.get("training") or {}
    settings = training.get("settings")
    _need(settings is None or isinstance(settings, dict), where, "training.settings", "an object or null", settings)
    history = training.get("history", [])
    _need(history is None or (isinstance(history, list) and all(isinstance(h, dict) for h in history)),
          where, "training.history", "a list of objects", history)
    if settings:
        _check_settings(settings, where)
    session = manifest.get("session") or {}
    _need(isinstance(session, dict), where, "session", "an object or null", session)
    runs_dir, current = session.get("runs_dir"), session.get("current_run")
    _need(runs_dir is None or (isinstance(runs_dir, str) and 0 < len(runs_dir) < 4096 and "\0" not in runs_dir),
          where, "session.runs_dir", "a folder path or null", runs_dir)
    _need(current is None or (isinstance(current, str) and 0 < len(current) < 256
                              and not any(c in current for c in "/\\\0") and current not in (".", "..")),
          where, "session.current_run", "a run folder's name or null", current)
    generated = manifest.get("generated") or []
    _need(isinstance(generated, list), where, "generated", "a list", generated)
    for i, entry in enumerate(generated):
        _need(isinstance(entry, dict), where, f"generated[{i}]", "an object", entry)
        _need(isinstance(entry.get("file"), str), where, f"generated[{i}].file", "a file name", entry.get("file"))
        s = entry.get("settings")
        _need(s is None or isinstance(s, dict), where, f"generated[{i}].settings", "an object or null", s)


#: The app's training settings before they were the library's TrainConfig (older project files).
_LEGACY_SETTINGS = ("stop_by", "max_minutes", "checkpoint_path")


def ignored_training_settings(settings: dict[str, Any]) -> list[str]:
    """The keys of a project file's ``training.settings`` that are neither TrainConfig fields nor older app
    settings this version maps (read with :func:`train_config_from_saved`, they are ignored)."""
    from wavenetlike.train_config import LEGACY_KEYS, TrainConfig
    known = set(TrainConfig.field_names()) | set(_LEGACY_SETTINGS) | set(LEGACY_KEYS)
    return sorted(k for k in settings if k not in known)


def train_config_from_saved(settings: dict[str, Any], where: str) -> Any:
    """The TrainConfig a project file's ``training.settings`` describe; older files' app settings are mapped.

    Older files stored the app's own settings (``stop_by`` steps/minutes,
    ``max_minutes``, a checkpoint file): the stop condition becomes
    ``max_steps`` / ``max_seconds``, the checkpoint file is dropped (every run
    now has its own folder). Keys that fit no TrainConfig field are ignored
    (:func:`ignored_training_settings` names them, for a note). A value out of
    range is a :class:`ProjectFileError` naming the field.
    """
    from wavenetlike.train_config import TrainConfig
    d = dict(settings)
    if any(k in d for k in _LEGACY_SETTINGS):
        by_minutes = d.pop("stop_by", "steps") == "minutes"
        minutes = d.pop("max_minutes", None)
        d.pop("checkpoint_path", None)
        if by_minutes:
            d["max_steps"] = None
            d["max_seconds"] = None if minutes is None else (minutes * 60.0 if isinstance(minutes, (int, float))
                                                             and not isinstance(minutes, bool) else minutes)
        for key in ("validation_every", "checkpoint_every", "threads"):
            if d.get(key) == 0:
                d[key] = None
    known = set(TrainConfig.field_names())
    try:
        return TrainConfig.quick().replace(**{k: v for k, v in d.items() if k in known})
    except (TypeError, ValueError) as e:
        text = str(e)  # "TrainConfig.lr = 'fast' is out of range: …" names the entry as the manifest does
        entry = text.replace("TrainConfig.", "training.settings.", 1) if text.startswith("TrainConfig.") \
            else f"training.settings: {text}"
        raise ProjectFileError(f"{where}: {entry}") from None


def _check_settings(settings: dict[str, Any], where: str) -> None:
    train_config_from_saved(settings, where)
