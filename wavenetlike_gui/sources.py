"""Dataset choices as JSON-safe specs, and how each becomes a library ``Dataset``.

A *spec* is a small dict that says what the user picked, e.g.
``{"kind": "ar2", "a": 0.6, "b": -0.3, ...}``. Specs are what the app
remembers (recent datasets, project files); :func:`load_dataset` turns one
into a :class:`wavenetlike.Dataset` by calling the library, in a worker thread.

Kinds: ``bundled``; ``ar2`` (the :class:`wavenetlike.AR2` fields);
``files`` (``paths``: files and/or folders, ``sample_rate``, ``labels_from_folders``);
``speech_commands`` (``root``, ``words``, ``clips_per_word``, ``sample_rate``).
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from wavenetlike import AR2, Dataset

__all__ = ["load_dataset", "describe_spec", "ar2_spec", "files_spec", "speech_commands_spec",
           "BUNDLED_SPEC"]

BUNDLED_SPEC: dict[str, Any] = {"kind": "bundled"}


def ar2_spec(**fields: Any) -> dict[str, Any]:
    """A spec for an AR(2) dataset; unknown fields are rejected by :class:`AR2` on load."""
    return {"kind": "ar2", **fields}


def files_spec(paths: list[str], sample_rate: int | None = None,
               labels_from_folders: bool = False) -> dict[str, Any]:
    """A spec for audio files and/or folders (searched recursively).

    ``labels_from_folders``: label each clip by its top sub-folder under a
    chosen folder (``speech/yes/1.wav`` → ``yes``), for global conditioning.
    """
    return {"kind": "files", "paths": [str(p) for p in paths], "sample_rate": sample_rate,
            "labels_from_folders": bool(labels_from_folders)}


def speech_commands_spec(root: str, words: list[str] | None = None, clips_per_word: int | None = None,
                         sample_rate: int | None = None) -> dict[str, Any]:
    """A spec for a Speech Commands folder (a subset of words, a cap on clips per word)."""
    return {"kind": "speech_commands", "root": str(root), "words": list(words or []),
            "clips_per_word": clips_per_word or None, "sample_rate": sample_rate}


def describe_spec(spec: dict[str, Any]) -> str:
    """A short human label for menus (Recent datasets)."""
    kind = spec.get("kind")
    if kind == "bundled":
        return "Bundled sample speech"
    if kind == "ar2":
        return f"AR(2) a={spec.get('a', 0.6):g} b={spec.get('b', -0.3):g}"
    if kind == "files":
        paths = spec.get("paths") or []
        if len(paths) == 1:
            return f"Files: {Path(paths[0]).name or paths[0]}"
        return f"Files: {len(paths)} items"
    if kind == "speech_commands":
        words = spec.get("words") or []
        name = Path(spec.get("root") or "").name
        return ("Speech Commands" + (f" in {name}" if name else "")
                + (f" ({', '.join(words)})" if words else ""))
    return str(kind)


def _speech_commands_source(spec: dict[str, Any]) -> Any:
    """The library's :class:`~wavenetlike.data.speech_commands.SpeechCommands` source for ``spec``."""
    from wavenetlike.data.speech_commands import SPLITS, SpeechCommands
    return SpeechCommands(spec["root"], words=spec.get("words") or None,
                          max_per_word=spec.get("clips_per_word") or None,
                          splits=tuple(spec.get("splits") or SPLITS), version=spec.get("version") or None)


def load_dataset(spec: dict[str, Any], progress: Any = None, cancel: Any = None) -> Dataset:
    """Build the :class:`wavenetlike.Dataset` a spec describes (slow: run it in a worker)."""
    kind = spec.get("kind")
    if kind == "bundled":
        return Dataset(None, progress=progress, cancel=cancel)
    if kind == "ar2":
        fields = {k: v for k, v in spec.items() if k != "kind"}
        return Dataset(AR2(**fields), progress=progress, cancel=cancel)
    if kind == "files":
        paths = list(spec.get("paths") or [])
        if not paths:
            raise ValueError("No files or folders were chosen.")
        source: Any = paths[0] if len(paths) == 1 else paths
        return Dataset(source, spec.get("sample_rate") or None, progress=progress, cancel=cancel,
                       labels_from_folders=bool(spec.get("labels_from_folders")))
    if kind == "speech_commands":
        if not spec.get("root"):
            raise ValueError("Choose the Speech Commands folder first.")
        return Dataset(_speech_commands_source(spec), spec.get("sample_rate") or None, progress=progress,
                       cancel=cancel)
    raise ValueError(f"Unknown dataset kind {kind!r}")


def ar2_fields(ar2: AR2) -> dict[str, Any]:
    """The fields of an :class:`AR2` as a spec body."""
    return asdict(ar2)
