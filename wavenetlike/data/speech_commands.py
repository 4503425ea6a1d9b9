"""The Speech Commands layout (Warden 2018, v0.01 and v0.02) and the bundled sample set.

A root folder holds one folder per word with clips named
``<speaker>_nohash_<n>.wav``, plus ``validation_list.txt`` and
``testing_list.txt`` (paths relative to the root); every clip in neither
list is a training clip. ``_background_noise_`` (long noise recordings) is
not a word and is left out.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .download import OFFICIAL_SHA256, OFFICIAL_URLS, download_speech_commands

# OFFICIAL_URLS and OFFICIAL_SHA256 are defined in .download and re-exported here.
__all__ = ["SpeechCommands", "SPLITS", "OFFICIAL_URLS", "OFFICIAL_SHA256", "bundled_root", "SpeechCommandsEntry",
           "scan_speech_commands"]

SPLITS = ("train", "validation", "test")

# Words that only v0.02 has: how the version is told apart when not given.
_V2_ONLY = {"backward", "forward", "follow", "learn", "visual"}
NOISE_FOLDER = "_background_noise_"


def bundled_root() -> Path:
    """Folder of the bundled sample speech set (``resources/sample_speech``).

    Looked up in ``$WAVENETLIKE_RESOURCES``, next to the package (installed
    data), then in the source tree.
    """
    candidates = []
    env = os.environ.get("WAVENETLIKE_RESOURCES")
    if env:
        candidates.append(Path(env) / "sample_speech")
    here = Path(__file__).resolve().parent
    candidates += [here.parent / "resources" / "sample_speech", here.parents[1] / "resources" / "sample_speech"]
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[-1]


@dataclass
class SpeechCommands:
    """A Speech Commands source: which words, how many clips per word, which splits.

    ``root``: the folder holding the word folders (as extracted from the
    official archive). ``words``: a subset of words (None: all).
    ``max_per_word``: a cap on clips per word (the seed's ``cutoff``); the
    kept clips are a fixed pseudo-random choice (ordered by a CRC of their
    path) so the cap spreads over speakers. ``splits``: which of "train",
    "validation", "test" to load. ``version``: "v0.01", "v0.02" or None
    (detected from the words present); used for download and reported.

    Clips are held in memory as float32 (64 kB per 1 s clip): the whole of
    v0.02 (about 105,000 clips) needs about 7 GB, so cap it with
    ``max_per_word`` or choose ``words`` on a small machine.
    """

    root: str | os.PathLike
    words: list[str] | tuple[str, ...] | None = None
    max_per_word: int | None = None
    splits: tuple[str, ...] | list[str] = SPLITS
    version: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.words, str):
            self.words = [self.words]
        if self.words is not None:
            self.words = [str(w) for w in self.words]
        if isinstance(self.splits, str):
            self.splits = (self.splits,)
        self.splits = tuple(self.splits)
        bad = [s for s in self.splits if s not in SPLITS]
        if bad or not self.splits:
            raise ValueError(f"SpeechCommands.splits = {self.splits!r}: each must be one of {', '.join(SPLITS)}")
        if self.max_per_word is not None and (not isinstance(self.max_per_word, int) or self.max_per_word < 1):
            raise ValueError(f"SpeechCommands.max_per_word = {self.max_per_word!r} must be a positive integer or None")
        if self.version is not None and self.version not in OFFICIAL_URLS:
            raise ValueError(f"SpeechCommands.version = {self.version!r} must be one of {', '.join(OFFICIAL_URLS)} or None")

    def to_dict(self) -> dict[str, Any]:
        return {"root": str(self.root), "words": list(self.words) if self.words is not None else None,
                "max_per_word": self.max_per_word, "splits": list(self.splits), "version": self.version}

    def download(self, progress=None, cancel=None, url: str | None = None, sha256: str | None = None) -> Path:
        """Download and extract the official archive into ``root`` (resumable; see :mod:`.download`)."""
        return download_speech_commands(self.root, version=self.version or "v0.02", url=url, sha256=sha256,
                                        progress=progress, cancel=cancel)


@dataclass
class SpeechCommandsEntry:
    """One clip found in the layout."""

    path: Path
    relative: str  # "word/speaker_nohash_n.wav"
    word: str
    split: str
    speaker: str | None


@dataclass
class ScanResult:
    entries: list[SpeechCommandsEntry] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    version: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    notes: list[str] = field(default_factory=list)


def _read_list(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    with open(path, encoding="utf-8", errors="replace") as f:
        return {line.strip().replace("\\", "/") for line in f if line.strip()}


def scan_speech_commands(spec: SpeechCommands) -> ScanResult:
    """List the clips that ``spec`` selects (no audio is read)."""
    root = Path(spec.root)
    out = ScanResult()
    if not root.is_dir():
        out.problems.append((str(root), "the Speech Commands root folder does not exist"))
        return out
    present = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith((".", "_")))
    out.version = spec.version or ("v0.02" if _V2_ONLY & set(present) else "v0.01")
    if (root / NOISE_FOLDER).is_dir():
        out.notes.append(f"{NOISE_FOLDER} left out (background noise, not a word)")
    if spec.words is None:
        words = present
    else:
        words = []
        for w in spec.words:
            if w in present:
                words.append(w)
            else:
                out.problems.append((w, f"no folder for this word in {root}; the words there are: "
                                        f"{', '.join(present) or 'none'}"))
    out.words = words
    validation = _read_list(root / "validation_list.txt")
    testing = _read_list(root / "testing_list.txt")
    if not validation and not testing:
        out.notes.append("no validation_list.txt / testing_list.txt: every clip counts as training")
    for w in words:
        files = sorted(p for p in (root / w).iterdir() if p.is_file() and p.suffix.lower() == ".wav")
        chosen = []
        for p in files:
            rel = f"{w}/{p.name}"
            split = "validation" if rel in validation else "test" if rel in testing else "train"
            if split not in spec.splits:
                continue
            speaker = p.name.split("_nohash_")[0] if "_nohash_" in p.name else None
            chosen.append(SpeechCommandsEntry(p, rel, w, split, speaker))
        if spec.max_per_word is not None and len(chosen) > spec.max_per_word:
            chosen.sort(key=lambda e: (zlib.crc32(e.relative.encode()), e.relative))
            chosen = sorted(chosen[:spec.max_per_word], key=lambda e: e.relative)
        out.entries.extend(chosen)
    return out
