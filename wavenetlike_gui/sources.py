"""Dataset choices as JSON-safe dict specs: a thin layer over the library's :class:`wavenetlike.DatasetSpec`.

A *spec* is the dict form of a ``DatasetSpec``, e.g.
``{"kind": "ar2", "a": 0.6, "b": -0.3, ...}``: what the app remembers (recent
datasets, project files). The constructors below only assemble dicts (an
invalid value is reported when the spec is loaded, in the worker);
:func:`load_dataset` and :func:`describe_spec` hand the dict to the library.

Kinds: ``bundled``; ``ar2`` (the :class:`wavenetlike.AR2` fields);
``files`` (``paths``: files and/or folders, ``sample_rate``, ``labels_from_folders``);
``speech_commands`` (``root``, ``words``, ``clips_per_word``, ``sample_rate``).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from wavenetlike import AR2, Dataset, DatasetSpec

__all__ = ["load_dataset", "describe_spec", "ar2_spec", "files_spec", "speech_commands_spec",
           "BUNDLED_SPEC"]

BUNDLED_SPEC: dict[str, Any] = {"kind": "bundled"}
_KIND_LABELS = {"bundled": "Bundled sample speech", "ar2": "AR(2)", "files": "Files",
                "speech_commands": "Speech Commands"}


def ar2_spec(**fields: Any) -> dict[str, Any]:
    """A spec for an AR(2) dataset; unknown or invalid fields are rejected on load."""
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
    """A short human label for menus (Recent datasets); never raises for a bad spec."""
    try:
        return DatasetSpec.from_dict(spec).describe()
    except ValueError:
        kind = spec.get("kind") if isinstance(spec, dict) else None
        return _KIND_LABELS.get(kind, str(kind)) if isinstance(kind, str) else str(kind)


def load_dataset(spec: dict[str, Any], progress: Any = None, cancel: Any = None) -> Dataset:
    """Build the :class:`wavenetlike.Dataset` a spec describes (slow: run it in a worker)."""
    return DatasetSpec.from_dict(spec).load(progress=progress, cancel=cancel)


def ar2_fields(ar2: AR2) -> dict[str, Any]:
    """The fields of an :class:`AR2` as a spec body."""
    return asdict(ar2)
