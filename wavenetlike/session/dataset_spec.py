"""``DatasetSpec``: one serialisable description of a dataset choice, and how it becomes a ``Dataset``.

Four kinds, each an immutable dataclass: :class:`BundledSpec` (the small
speech set shipped with the library), :class:`AR2Spec` (the fields of
:class:`~wavenetlike.data.ar2.AR2`), :class:`FilesSpec` (audio files and/or
folders) and :class:`SpeechCommandsSpec` (a Speech Commands folder). A spec is
what session files, run folders, checkpoints (``Dataset.reference()``) and the
app's recent-datasets list remember; ``to_dict()`` gives the JSON form
(``{"kind": "ar2", "a": 0.6, …}``, the app's older dict specs read back
unchanged) and :meth:`DatasetSpec.load` builds the dataset (slow: run it in a
worker).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..data.ar2 import AR2
from ..data.dataset import Dataset
from ..data.speech_commands import OFFICIAL_URLS, SPLITS
from ..progress import CancelFn, ProgressFn

__all__ = ["DatasetSpec", "BundledSpec", "AR2Spec", "FilesSpec", "SpeechCommandsSpec", "SPEC_KINDS"]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_rate(cls_name: str, rate: Any) -> None:
    if rate is not None and not (_is_int(rate) and 1 <= rate <= 1_000_000):
        raise ValueError(f"{cls_name}.sample_rate = {rate!r} is out of range: None (the data's own rate) "
                         "or an integer number of samples per second")


@dataclass(frozen=True)
class DatasetSpec:
    """What the user chose as data; build one with the constructors or :meth:`from_dict`."""

    kind: ClassVar[str] = ""

    # ------------------------------------------------------------ constructors
    @staticmethod
    def bundled(sample_rate: int | None = None) -> "BundledSpec":
        return BundledSpec(sample_rate)

    @staticmethod
    def ar2(**fields: Any) -> "AR2Spec":
        """An AR(2) dataset; ``fields`` are :class:`~wavenetlike.data.ar2.AR2`'s (unknown ones raise)."""
        return AR2Spec.from_fields(fields, "AR2Spec")

    @staticmethod
    def files(paths: Any, sample_rate: int | None = None, labels_from_folders: bool = False) -> "FilesSpec":
        return FilesSpec(tuple(str(p) for p in paths) if isinstance(paths, (list, tuple)) else paths,
                         sample_rate, labels_from_folders)

    @staticmethod
    def speech_commands(root: Any, words: Any = None, clips_per_word: int | None = None,
                        sample_rate: int | None = None, **more: Any) -> "SpeechCommandsSpec":
        return SpeechCommandsSpec.from_fields({"root": str(root), "words": words, "clips_per_word": clips_per_word,
                                               "sample_rate": sample_rate, **more}, "SpeechCommandsSpec")

    # -------------------------------------------------------------- conversion
    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"kind": …, <field>: …}`` (tuples as lists)."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, d: Any, where: str = "dataset spec") -> "DatasetSpec":
        """Read a spec written by :meth:`to_dict` (or an older app spec: missing fields take defaults).

        A ``ValueError`` names ``where``, then the unknown kind or field, or the field out of range.
        """
        if not isinstance(d, dict):
            raise ValueError(f"{where} must be an object with a 'kind', not {type(d).__name__}")
        kind = d.get("kind")
        if not isinstance(kind, str) or kind not in SPEC_KINDS:
            what = "has no 'kind'" if kind is None else f"has an unknown kind {kind!r}"
            raise ValueError(f"{where} {what} (known kinds: {', '.join(SPEC_KINDS)})")
        body = {k: v for k, v in d.items() if k != "kind"}
        try:
            return SPEC_KINDS[kind].from_fields(body, f"{where} ({kind})")
        except ValueError as e:
            msg = str(e)
            raise ValueError(msg if msg.startswith(where) else f"{where}: {msg}") from None

    @classmethod
    def from_fields(cls, fields: dict[str, Any], where: str) -> "DatasetSpec":
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(fields) - set(names))
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(names)})")
        return cls(**fields)

    @classmethod
    def from_reference(cls, ref: Any) -> "DatasetSpec | None":
        """The spec behind a ``Dataset.reference()`` dict, older ones included; None when it names no source.

        Older references (checkpoints and project files written before specs)
        look like ``{"kind": "ar2", "ar2": {…}}``, ``{"kind": "folder", "path":
        …, "options": {…}}`` or ``{"kind": "speech_commands", "spec": {…}}``;
        in-memory arrays have no source (None).
        """
        if not isinstance(ref, dict):
            return None
        if not any(k in ref for k in ("ar2", "path", "paths", "options", "spec", "note")):
            return cls.from_dict(ref, "dataset reference")
        kind, rate = ref.get("kind"), ref.get("sample_rate")
        options = ref.get("options") if isinstance(ref.get("options"), dict) else {}
        if kind == "bundled":
            return BundledSpec(None if rate in (None, 16000) else rate)
        if kind == "ar2" and isinstance(ref.get("ar2"), dict):
            return AR2Spec.from_fields(dict(ref["ar2"]), "dataset reference (ar2)")
        if kind == "speech_commands" and isinstance(ref.get("spec"), dict):
            s = ref["spec"]
            return SpeechCommandsSpec.from_fields(
                {"root": s.get("root", ""), "words": s.get("words"), "clips_per_word": s.get("max_per_word"),
                 "sample_rate": rate, "splits": s.get("splits") or SPLITS, "version": s.get("version")},
                "dataset reference (speech_commands)")
        paths = ref.get("paths") or ([ref["path"]] if ref.get("path") else [])
        if paths:
            return FilesSpec(tuple(str(p) for p in paths), rate, bool(options.get("labels_from_folders")))
        return None

    def differences(self, other: "DatasetSpec | None") -> list[str]:
        """Plain-words differences from ``other`` (self's value → other's); empty when equal."""
        if other == self:
            return []
        if other is None or other.kind != self.kind:
            return [f"{self.describe()} vs {other.describe() if other is not None else 'no dataset'}"]
        return [f"{f.name} {getattr(self, f.name)!r} → {getattr(other, f.name)!r}"
                for f in dataclasses.fields(self) if getattr(self, f.name) != getattr(other, f.name)]

    # ------------------------------------------------------------------- use
    def describe(self) -> str:
        """A short label for menus (Recent datasets) and messages."""
        raise NotImplementedError

    def load(self, progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Dataset:
        """Build the :class:`~wavenetlike.Dataset` this spec describes (its ``reference()`` is this spec)."""
        dataset = self._load(progress, cancel)
        dataset.spec = self
        return dataset

    def _load(self, progress: ProgressFn | None, cancel: CancelFn | None) -> Dataset:
        raise NotImplementedError


@dataclass(frozen=True)
class BundledSpec(DatasetSpec):
    """The small speech set shipped in ``resources/`` (``sample_rate`` None: its own 16 kHz)."""

    kind: ClassVar[str] = "bundled"
    sample_rate: int | None = None

    def __post_init__(self) -> None:
        _check_rate("BundledSpec", self.sample_rate)

    def describe(self) -> str:
        return "Bundled sample speech" + (f" at {self.sample_rate} Hz" if self.sample_rate else "")

    def _load(self, progress: ProgressFn | None, cancel: CancelFn | None) -> Dataset:
        return Dataset(None, self.sample_rate, progress=progress, cancel=cancel)


@dataclass(frozen=True)
class AR2Spec(DatasetSpec):
    """``count`` realisations of an AR(2) process (the fields of :class:`~wavenetlike.data.ar2.AR2`)."""

    kind: ClassVar[str] = "ar2"
    a: float = 0.6
    b: float = -0.3
    c: float = 0.0
    noise: float = 1.0
    x0: float = 0.0
    x1: float = 0.0
    length: int = 16000
    count: int = 8
    seed: int | None = 0
    allow_nonstationary: bool = False
    sample_rate: int = 16000

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "noise", "x0", "x1"):
            v = getattr(self, name)
            if not _is_num(v):
                raise ValueError(f"AR2Spec.{name} = {v!r} must be a finite number")
            object.__setattr__(self, name, float(v))
        if self.seed is not None and not _is_int(self.seed):
            raise ValueError(f"AR2Spec.seed = {self.seed!r} must be an integer or None")
        if not isinstance(self.allow_nonstationary, bool):
            raise ValueError(f"AR2Spec.allow_nonstationary = {self.allow_nonstationary!r} must be true or false")
        if not (_is_int(self.sample_rate) and self.sample_rate >= 1):
            raise ValueError(f"AR2Spec.sample_rate = {self.sample_rate!r} must be a positive integer")
        self.source()  # AR2 checks length, count, noise and stationarity, naming the field

    def source(self) -> AR2:
        """The library's :class:`AR2` source."""
        return AR2(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def describe(self) -> str:
        return f"AR(2) a={self.a:g} b={self.b:g}"

    def _load(self, progress: ProgressFn | None, cancel: CancelFn | None) -> Dataset:
        return Dataset(self.source(), progress=progress, cancel=cancel)


@dataclass(frozen=True)
class FilesSpec(DatasetSpec):
    """Audio files and/or folders (searched recursively).

    ``labels_from_folders``: label each clip by its top sub-folder under a
    chosen folder (``speech/yes/1.wav`` → ``yes``), for global conditioning.
    ``sample_rate`` None: the files' most common rate.
    """

    kind: ClassVar[str] = "files"
    paths: tuple[str, ...] = ()
    sample_rate: int | None = None
    labels_from_folders: bool = False

    def __post_init__(self) -> None:
        paths = self.paths
        if not isinstance(paths, (list, tuple)) or not all(isinstance(p, str) for p in paths):
            raise ValueError(f"FilesSpec.paths = {paths!r} must be a list of file or folder names")
        object.__setattr__(self, "paths", tuple(paths))
        _check_rate("FilesSpec", self.sample_rate)
        if not isinstance(self.labels_from_folders, bool):
            raise ValueError(f"FilesSpec.labels_from_folders = {self.labels_from_folders!r} must be true or false")

    def describe(self) -> str:
        if len(self.paths) == 1:
            return f"Files: {Path(self.paths[0]).name or self.paths[0]}"
        return f"Files: {len(self.paths)} items"

    def _load(self, progress: ProgressFn | None, cancel: CancelFn | None) -> Dataset:
        if not self.paths:
            raise ValueError("No files or folders were chosen.")
        source: Any = self.paths[0] if len(self.paths) == 1 else list(self.paths)
        return Dataset(source, self.sample_rate, progress=progress, cancel=cancel,
                       labels_from_folders=self.labels_from_folders)


@dataclass(frozen=True)
class SpeechCommandsSpec(DatasetSpec):
    """A Speech Commands folder: some ``words`` (empty: all), at most ``clips_per_word`` each (None: all)."""

    kind: ClassVar[str] = "speech_commands"
    root: str = ""
    words: tuple[str, ...] = ()
    clips_per_word: int | None = None
    sample_rate: int | None = None
    splits: tuple[str, ...] = SPLITS
    version: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.root, str):
            raise ValueError(f"SpeechCommandsSpec.root = {self.root!r} must be a folder name")
        words = self.words if self.words is not None else ()
        if isinstance(words, str) or not isinstance(words, (list, tuple)) \
                or not all(isinstance(w, str) for w in words):
            raise ValueError(f"SpeechCommandsSpec.words = {self.words!r} must be a list of words")
        set_(self, "words", tuple(words))
        if self.clips_per_word in (0, None):
            set_(self, "clips_per_word", None)
        elif not (_is_int(self.clips_per_word) and self.clips_per_word >= 1):
            raise ValueError(f"SpeechCommandsSpec.clips_per_word = {self.clips_per_word!r} must be a positive "
                             "integer or None (all)")
        _check_rate("SpeechCommandsSpec", self.sample_rate)
        splits = self.splits
        if not isinstance(splits, (list, tuple)) or not splits or any(s not in SPLITS for s in splits):
            raise ValueError(f"SpeechCommandsSpec.splits = {splits!r}: each must be one of {', '.join(SPLITS)}")
        set_(self, "splits", tuple(splits))
        if self.version is not None and self.version not in OFFICIAL_URLS:
            raise ValueError(f"SpeechCommandsSpec.version = {self.version!r} must be one of "
                             f"{', '.join(OFFICIAL_URLS)} or None")

    def describe(self) -> str:
        name = Path(self.root).name
        return ("Speech Commands" + (f" in {name}" if name else "")
                + (f" ({', '.join(self.words)})" if self.words else ""))

    def _load(self, progress: ProgressFn | None, cancel: CancelFn | None) -> Dataset:
        from ..data.speech_commands import SpeechCommands
        if not self.root:
            raise ValueError("Choose the Speech Commands folder first.")
        source = SpeechCommands(self.root, words=list(self.words) or None, max_per_word=self.clips_per_word,
                                splits=self.splits, version=self.version)
        return Dataset(source, self.sample_rate, progress=progress, cancel=cancel)


SPEC_KINDS: dict[str, type[DatasetSpec]] = {c.kind: c for c in (BundledSpec, AR2Spec, FilesSpec, SpeechCommandsSpec)}
"""Every kind of spec, by the ``kind`` its dict carries."""
