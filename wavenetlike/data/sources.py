"""Loading path sources into a Dataset: files, folders, Speech Commands, the bundled set.

Every input that cannot be used becomes a ``LoadError`` (name and reason in
words) in ``dataset.errors`` and loading goes on with the rest. What was
changed on the way (channels mixed, rates converted, silence trimmed) is
summarised in ``dataset.notes``.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..progress import CancelFn, Cancelled, ProgressFn
from .audio_io import AUDIO_EXTENSIONS, AudioReadError, probe, read_audio
from .clip import Clip, LoadError
from .silence import DEFAULT_THRESHOLD_DB, trim_bounds
from .speech_commands import SpeechCommands, bundled_root, scan_speech_commands

__all__ = ["load_into", "find_audio_files", "KNOWN_OPTIONS"]

KNOWN_OPTIONS = {
    "labels_from_folders": "take each clip's label from its top sub-folder under the given folder",
    "trim_silence": "cut leading and trailing silence from every clip",
    "trim_threshold_db": "silence threshold relative to the clip's loudest 10 ms frame (default -40)",
    "allow_truncated": "keep the readable part of truncated WAV files instead of rejecting them",
}

_Item = tuple[Path, str, "str | None", "str | None"]  # (path, name, label, split)


def find_audio_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """Audio files under ``folder`` (recursive, sorted) and the other files that were skipped."""
    audio, other = [], []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            p = Path(dirpath) / fn
            (audio if p.suffix.lower() in AUDIO_EXTENSIONS else other).append(p)
    return audio, other


def load_into(dataset: Any, source: Any, sample_rate: int | None, progress: ProgressFn | None = None,
              cancel: CancelFn | None = None, **options: Any) -> None:
    """Fill ``dataset`` (clips, errors, notes, kind, description, sample_rate) from a path source.

    ``source``: a file path, a folder (searched recursively), a list of
    paths, a :class:`SpeechCommands` spec, or None / "bundled". Options:
    see :data:`KNOWN_OPTIONS`.
    """
    unknown = sorted(set(options) - set(KNOWN_OPTIONS))
    if unknown:
        raise ValueError(f"unknown Dataset option(s): {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_OPTIONS))}")
    dataset.scale = 1.0
    items: list[_Item]
    if source is None or (isinstance(source, str) and source == "bundled"):
        root = bundled_root()
        if not root.is_dir():
            dataset.kind, dataset.description = "bundled", "the bundled sample speech set"
            dataset.errors.append(LoadError(str(root), "the bundled sample set is missing from this installation "
                                                       "(regenerate it with scripts/make_sample_set.py)"))
            return
        items = _speech_commands_items(dataset, SpeechCommands(root))
        dataset.kind = "bundled"
        dataset.description = f"bundled sample speech ({len({i[2] for i in items})} words)"
        default_rate = 16000
    elif isinstance(source, SpeechCommands):
        items = _speech_commands_items(dataset, source)
        dataset.kind = "speech_commands"
        default_rate = 16000
    elif isinstance(source, (str, os.PathLike)):
        items = _path_items(dataset, [Path(source)], bool(options.get("labels_from_folders")))
        p = Path(source)
        dataset.kind = "folder" if p.is_dir() else "files"
        dataset.description = f"audio {'folder' if p.is_dir() else 'file'} {p}"
        default_rate = None
    elif isinstance(source, (list, tuple)) and all(isinstance(s, (str, os.PathLike)) for s in source):
        items = _path_items(dataset, [Path(s) for s in source], bool(options.get("labels_from_folders")))
        dataset.kind = "files"
        dataset.description = f"{len(source)} audio path(s)"
        default_rate = None
    else:
        raise TypeError(f"Dataset source of type {type(source).__name__} is not supported: give a path, a list of "
                        "paths, AR2(...), SpeechCommands(...), numpy arrays, or None for the bundled set")

    rate = int(sample_rate) if sample_rate else (default_rate or _common_rate(items, dataset))
    dataset.sample_rate = rate
    _read_items(dataset, items, rate, progress, cancel, bool(options.get("allow_truncated")))
    if options.get("trim_silence"):
        _trim(dataset, float(options.get("trim_threshold_db", DEFAULT_THRESHOLD_DB)))


# ----------------------------------------------------------------- listing
def printable(name: str) -> str:
    """A file name for messages: bytes that are not UTF-8 (kept as surrogates by Python) shown as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _path_items(dataset: Any, paths: Sequence[Path], labels_from_folders: bool) -> list[_Item]:
    items: list[_Item] = []
    skipped: list[Path] = []
    for p in paths:
        if p.is_dir():
            files, other = find_audio_files(p)
            skipped += other
            if not files:
                dataset.errors.append(LoadError(str(p), "the folder holds no audio files "
                                                        f"({', '.join(AUDIO_EXTENSIONS)})"))
            for f in files:
                rel = f.relative_to(p)
                label = rel.parts[0] if labels_from_folders and len(rel.parts) > 1 else None
                shown = rel.as_posix() if len(paths) == 1 else f"{p.name}/{rel.as_posix()}"
                items.append((f, printable(shown), label, None))
        elif p.is_file():
            label = p.parent.name if labels_from_folders else None
            items.append((p, printable(p.name), label, None))
        elif p.exists():
            dataset.errors.append(LoadError(printable(str(p)), "not a regular file or folder (a FIFO, device or "
                                                               "socket); not read"))
        else:
            dataset.errors.append(LoadError(str(p), "no such file or folder"))
    if skipped:
        names = ", ".join(s.name for s in skipped[:5]) + (" …" if len(skipped) > 5 else "")
        dataset.notes.append(f"skipped {len(skipped)} file(s) whose names do not end in an audio extension: {names}")
    return items


def _speech_commands_items(dataset: Any, spec: SpeechCommands) -> list[_Item]:
    scan = scan_speech_commands(spec)
    for name, reason in scan.problems:
        dataset.errors.append(LoadError(name, reason))
    dataset.notes.extend(scan.notes)
    counts = Counter(e.split for e in scan.entries)
    dataset.description = (f"Speech Commands {scan.version or ''} at {spec.root}: {len(scan.words)} word(s)"
                           + (f", at most {spec.max_per_word} per word" if spec.max_per_word else "")
                           + " (" + ", ".join(f"{counts[s]} {s}" for s in spec.splits) + ")")
    dataset.speech_commands_version = scan.version
    return [(e.path, e.relative, e.word, e.split) for e in scan.entries]


def _common_rate(items: list[_Item], dataset: Any) -> int:
    """The most common sample rate among the files (16000 when none can be read)."""
    rates: Counter[int] = Counter()
    for path, _, _, _ in items[:2000]:
        try:
            rates[probe(path).sample_rate] += 1
        except (AudioReadError, MemoryError):
            pass
    if not rates:
        return 16000
    rate = rates.most_common(1)[0][0]
    if len(rates) > 1:
        dataset.notes.append(f"files have {len(rates)} different sample rates; using the most common, {rate} Hz "
                             "(pass sample_rate=… to choose)")
    return rate


# ----------------------------------------------------------------- reading
def _names(names: list[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _read_items(dataset: Any, items: list[_Item], rate: int, progress: ProgressFn | None,
                cancel: CancelFn | None, allow_truncated: bool) -> None:
    resampled: dict[int, list[str]] = {}
    mixed: dict[int, list[str]] = {}
    coarse: list[str] = []
    other_notes: list[str] = []
    total = len(items)
    for i, (path, name, label, split) in enumerate(items):
        if cancel is not None and cancel():
            raise Cancelled(f"loading cancelled after {i} of {total} files")
        try:
            loaded = read_audio(path, rate, allow_truncated=allow_truncated)
        except AudioReadError as e:
            dataset.errors.append(LoadError(name, str(e)))
        except MemoryError:  # one file too large for this machine never loses the others
            dataset.errors.append(LoadError(name, "too large to load in the memory available (MemoryError)"))
        except Exception as e:  # noqa: BLE001 - a decoder's surprise is this file's problem only
            dataset.errors.append(LoadError(name, f"could not be read ({type(e).__name__}: {e})"))
        else:
            dataset.clips.append(Clip(name, loaded.audio, rate, label, str(path), loaded.original_sample_rate,
                                      loaded.original_channels, split))
            if loaded.original_sample_rate != rate:
                resampled.setdefault(loaded.original_sample_rate, []).append(name)
            if loaded.original_channels > 1:
                mixed.setdefault(loaded.original_channels, []).append(name)
            if loaded.subtype in ("PCM_U8", "PCM_S8"):
                coarse.append(name)
            other_notes += [f"{name}: {n}" for n in loaded.notes if n.startswith(("truncated", "absurd"))]
        if progress is not None:
            progress(i + 1, total, name)
    for r, names in sorted(resampled.items()):
        dataset.notes.append(f"resampled {len(names)} clip(s) from {r} Hz to {rate} Hz: {_names(names)}")
    for c, names in sorted(mixed.items()):
        dataset.notes.append(f"mixed {len(names)} clip(s) with {c} channels to mono: {_names(names)}")
    if coarse:
        dataset.notes.append(f"{len(coarse)} clip(s) have 8-bit samples (256 levels, about 48 dB of dynamic "
                             f"range; loaded as they are): {_names(coarse)}")
    dataset.notes.extend(other_notes)


def _trim(dataset: Any, threshold_db: float) -> None:
    kept: list[Clip] = []
    before = after = 0
    silent = 0
    for c in dataset.clips:
        bounds = trim_bounds(c.audio, c.sample_rate, threshold_db=threshold_db)
        if bounds is None:
            silent += 1
            dataset.errors.append(LoadError(c.name, "entirely silent (every 10 ms frame below the silence "
                                                    "threshold), left out by trim_silence"))
            continue
        s, e = bounds
        before += len(c)
        if (s, e) != (0, len(c)):
            c.audio = np.ascontiguousarray(c.audio[s:e])
        after += len(c)
        kept.append(c)
    dataset.clips = kept
    sr = dataset.sample_rate
    pct = 100.0 * (before - after) / before if before else 0.0
    note = (f"trim_silence ({threshold_db:g} dB re the loudest frame): removed {(before - after) / sr:.2f} s "
            f"of {before / sr:.2f} s ({pct:.0f}%) of leading and trailing silence from {len(kept)} clip(s)")
    if silent:
        note += f"; {silent} entirely silent clip(s) left out (listed in errors)"
    dataset.notes.append(note)
