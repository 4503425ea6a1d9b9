"""Project files: the whole project as a folder, a JSON manifest plus safetensors and WAV files.

Layout of ``<name>.wnlproj/``::

    project.json            the manifest (format, version, dataset spec and reference,
                            analysis report, architecture config, training settings and
                            history, the list of generated takes)
    checkpoint.safetensors  the trained model (the library's checkpoint format)
    generated/take-01.wav   generated takes, 32-bit float WAV

No pickle anywhere: JSON, safetensors and WAV only. The folder is a sandbox
(:mod:`wavenetlike_gui.project_manifest`): every path in a manifest stays
inside it, only regular files are opened, and every wrong entry is a
:class:`ProjectFileError` naming it. A folder is written to a
temporary sibling first and swapped into place, so an interrupted save leaves
the previous version intact. This module holds no widgets: the app's File
menu (:mod:`wavenetlike_gui.project_actions`) gathers the parts from the
panels and hands them here.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["GeneratedClip", "ProjectData", "ProjectFileError", "save_project", "load_project",
           "spec_from_reference", "FORMAT", "VERSION", "MANIFEST", "SUFFIX"]

FORMAT = "wavenetlike-project"
VERSION = 1
MANIFEST = "project.json"
CHECKPOINT = "checkpoint.safetensors"
SUFFIX = ".wnlproj"


from .project_manifest import (MAX_MANIFEST_BYTES, ProjectFileError, check_manifest, inside_project,
                               regular_file, relative_in_project)


@dataclass
class GeneratedClip:
    """One generated take: the audio (model units) and how it was made (JSON-safe settings)."""

    audio: np.ndarray
    sample_rate: int
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return len(self.audio) / float(self.sample_rate)


@dataclass
class ProjectData:
    """Everything a project file holds, as plain data."""

    dataset_spec: dict[str, Any] | None = None
    dataset_reference: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    checkpoint: str | None = None
    training_settings: dict[str, Any] | None = None
    training_history: list[dict[str, Any]] = field(default_factory=list)
    runs_dir: str | None = None  # the session's runs folder (its runs stay where they were trained)
    current_run: str | None = None  # the run on screen: its folder's name inside runs_dir
    takes: list[GeneratedClip] = field(default_factory=list)
    saved_at: str = ""


def spec_from_reference(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """An app dataset spec (see :mod:`wavenetlike_gui.sources`) rebuilt from ``Dataset.reference()``.

    None when the reference names no source (in-memory data) or cannot be read.
    """
    from wavenetlike import DatasetSpec
    try:
        spec = DatasetSpec.from_reference(ref)
    except ValueError:
        return None
    return spec.to_dict() if spec is not None else None


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON-safe")


def save_project(folder: str | os.PathLike, data: ProjectData) -> Path:
    """Write ``data`` as a project folder (created or replaced); returns its path."""
    import soundfile as sf
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        settings = dict(data.training_settings) if data.training_settings else None
        if settings and "checkpoint_path" in settings:  # only a path inside the project is kept
            settings["checkpoint_path"] = relative_in_project(settings["checkpoint_path"], folder)
        manifest: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "dataset": {"spec": data.dataset_spec, "reference": data.dataset_reference},
            "report": data.report, "config": data.config, "checkpoint": None,
            "training": {"settings": settings, "history": data.training_history},
            "session": {"runs_dir": data.runs_dir, "current_run": data.current_run},
            "generated": [],
        }
        if data.checkpoint:
            src = Path(data.checkpoint)
            if not src.is_file():
                raise ProjectFileError(f"The checkpoint {src} does not exist any more; train again or "
                                       "resume from another file before saving.")
            shutil.copy2(src, tmp / CHECKPOINT)
            manifest["checkpoint"] = CHECKPOINT
        if data.takes:
            (tmp / "generated").mkdir()
        for i, take in enumerate(data.takes, 1):
            name = f"generated/take-{i:02d}.wav"
            sf.write(str(tmp / name), np.asarray(take.audio, np.float32), int(take.sample_rate), subtype="FLOAT")
            manifest["generated"].append({"file": name, "sample_rate": int(take.sample_rate),
                                          "samples": int(len(take.audio)), "settings": take.settings})
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, default=_json_default), encoding="utf-8")
        _swap_into_place(tmp, folder)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        from wavenetlike.safe_io import disk_full_message, is_disk_full
        if is_disk_full(exc):
            raise ProjectFileError(disk_full_message(folder, exc)) from None
        raise
    return folder


def _swap_into_place(new: Path, folder: Path) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ProjectFileError(f"{folder} exists and is not a project folder (a file or a link): choose another name.")
    if not folder.exists():
        new.rename(folder)
        return
    if not (folder / MANIFEST).is_file() and any(folder.iterdir()):
        raise ProjectFileError(f"{folder} exists and is not a wavenetlike project: choose another name.")
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def load_project(folder: str | os.PathLike) -> ProjectData:
    """Read a project folder (or its ``project.json``); raises :class:`ProjectFileError` with the reason.

    Every path in the manifest must stay inside the folder and name a regular
    file; every field must have the right JSON type; the error names the entry.
    """
    from wavenetlike.data.audio_io import AudioReadError, check_decoded_length, open_regular, probe
    from wavenetlike.train.checkpoint_checks import json_depth
    import soundfile as sf
    folder = Path(folder)
    if folder.name == MANIFEST:
        folder = folder.parent
    path = folder / MANIFEST
    if not path.exists():
        raise ProjectFileError(f"{folder} is not a wavenetlike project: it has no {MANIFEST}.")
    path = regular_file(inside_project(folder, MANIFEST, MANIFEST, str(folder)), MANIFEST, str(folder))
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ProjectFileError(f"{path} is larger than {MAX_MANIFEST_BYTES // 2 ** 20} MB; not a manifest.")
        text = path.read_text(encoding="utf-8")
        if json_depth(text) > 64:
            raise ProjectFileError(f"{path} is nested deeper than 64 levels; not a manifest.")
        manifest = json.loads(text)
    except (OSError, ValueError, RecursionError) as exc:
        if isinstance(exc, ProjectFileError):
            raise
        raise ProjectFileError(f"{path} cannot be read: {exc}") from exc
    where = str(path)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectFileError(f"{path} is not a wavenetlike project manifest.")
    check_manifest(manifest, where)
    if int(manifest.get("version", 0)) > VERSION:
        raise ProjectFileError(f"{path} was written by a newer wavenetlike (project version "
                               f"{manifest.get('version')}); this one reads version {VERSION}.")
    dataset = manifest.get("dataset") or {}
    training = manifest.get("training") or {}
    settings = dict(training["settings"]) if training.get("settings") else None
    if settings and settings.get("checkpoint_path"):
        settings["checkpoint_path"] = str(inside_project(folder, settings["checkpoint_path"],
                                                         "training.settings.checkpoint_path", where))
    checkpoint = None
    session = manifest.get("session") or {}
    if manifest.get("checkpoint"):
        ck = inside_project(folder, manifest["checkpoint"], "checkpoint", where)
        checkpoint = str(regular_file(ck, "checkpoint", where))
    takes = []
    for i, entry in enumerate(manifest.get("generated") or []):
        wav = regular_file(inside_project(folder, entry["file"], f"generated[{i}].file", where),
                           f"generated[{i}].file", where)
        try:
            check_decoded_length(probe(wav), None)
            with open_regular(wav) as f:
                audio, rate = sf.read(f, dtype="float32", always_2d=False)
        except (AudioReadError, MemoryError, Exception) as exc:  # noqa: BLE001 - one damaged take does not sink the project
            import logging
            logging.getLogger(__name__).warning("skipping generated take %s: %s", wav, exc)
            continue
        takes.append(GeneratedClip(np.asarray(audio, np.float32), int(rate), dict(entry.get("settings") or {})))
    return ProjectData(dataset_spec=dataset.get("spec"), dataset_reference=dataset.get("reference"),
                       report=manifest.get("report"), config=manifest.get("config"), checkpoint=checkpoint,
                       training_settings=settings,
                       training_history=list(training.get("history") or []),
                       runs_dir=session.get("runs_dir"), current_run=session.get("current_run"),
                       takes=takes, saved_at=str(manifest.get("saved_at", "")))
