"""The Dataset: a list of mono clips at one sample rate, plus what could not be loaded."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..progress import CancelFn, Cancelled, ProgressFn
from .ar2 import AR2
from .clip import Clip, LoadError
from .sources import load_into

# Clip and LoadError (defined in .clip) and ProgressFn, CancelFn, Cancelled (in ..progress) are re-exported:
# they used to be defined here, and ``from wavenetlike.data.dataset import Clip, Cancelled`` keeps working.
__all__ = ["Clip", "LoadError", "Dataset", "DatasetEmptyError", "ProgressFn", "CancelFn", "Cancelled"]


class DatasetEmptyError(ValueError):
    """No usable clip: the message lists why each input was rejected."""


class Dataset:
    """Clips from one source, resampled to one rate and mixed to mono.

    ``source`` may be: an :class:`AR2` spec; a numpy array or a list of
    arrays (with ``sample_rate``); a path to an audio file or folder, a list
    of paths; a ``SpeechCommands`` spec; or ``None`` / ``"bundled"`` for the
    small speech set shipped in ``resources/``. Inputs that cannot be used are
    listed in :attr:`errors` and the rest is kept; if nothing is usable a
    :class:`DatasetEmptyError` says why.
    """

    def __init__(self, source: Any = None, sample_rate: int | None = None, *,
                 progress: ProgressFn | None = None, cancel: CancelFn | None = None,
                 **options: Any) -> None:
        self.source = source
        self.options = dict(options)
        self.clips: list[Clip] = []
        self.errors: list[LoadError] = []
        self.notes: list[str] = []
        self.kind = "arrays"
        self.description = ""
        self.scale = 1.0  # divide by this to bring samples into [-1, 1]
        self.sample_rate = int(sample_rate) if sample_rate else 16000
        self.spec: Any = None  # the DatasetSpec it was loaded from (set by DatasetSpec.load), or None
        self._load(source, sample_rate, progress, cancel)
        if not self.clips:
            details = "; ".join(str(e) for e in self.errors[:20]) or "the source holds no clips"
            raise DatasetEmptyError(f"No usable audio in {self.description or source!r}: {details}")

    # ------------------------------------------------------------- loading
    def _load(self, source: Any, sample_rate: int | None, progress: ProgressFn | None,
              cancel: CancelFn | None) -> None:
        if isinstance(source, AR2):
            self.kind = "ar2"
            self.sample_rate = int(sample_rate or source.sample_rate)
            self.description = source.describe()
            for i, x in enumerate(source.generate()):
                self.clips.append(Clip(f"ar2_{i:03d}", x, self.sample_rate, None, None, self.sample_rate, 1))
            peak = max(float(np.max(np.abs(c.audio))) for c in self.clips)
            self.scale = peak if peak > 1 else 1.0
            return
        if isinstance(source, np.ndarray) or (isinstance(source, (list, tuple)) and source
                                              and all(isinstance(s, np.ndarray) for s in source)):
            self._load_arrays(source, sample_rate)
            return
        # audio files, folders, Speech Commands, the bundled set
        load_into(self, source, sample_rate, progress=progress, cancel=cancel, **self.options)

    def _load_arrays(self, source: np.ndarray | Sequence[np.ndarray], sample_rate: int | None) -> None:
        self.kind = "arrays"
        if sample_rate is None:
            raise ValueError("Dataset(arrays) needs sample_rate=… (samples per second)")
        arrays = [source] if isinstance(source, np.ndarray) and source.ndim == 1 else list(source)
        self.description = f"{len(arrays)} array(s) at {self.sample_rate} Hz"
        for i, a in enumerate(arrays):
            name = f"array_{i:03d}"
            a = np.asarray(a)
            if a.ndim == 2:
                a = a.mean(axis=1 if a.shape[0] > a.shape[1] else 0)
            if a.ndim != 1 or a.size == 0:
                self.errors.append(LoadError(name, f"expected a non-empty 1-D array, got shape {a.shape}"))
                continue
            a = a.astype(np.float32)
            if not np.all(np.isfinite(a)):
                self.errors.append(LoadError(name, "contains NaN or infinite samples"))
                continue
            self.clips.append(Clip(name, a, self.sample_rate, None, None, self.sample_rate, 1))
        if self.clips:
            peak = max(float(np.max(np.abs(c.audio))) for c in self.clips)
            self.scale = peak if peak > 1 else 1.0

    # -------------------------------------------------------------- access
    def __len__(self) -> int:
        return len(self.clips)

    def __iter__(self) -> Iterator[Clip]:
        return iter(self.clips)

    def __getitem__(self, i: int) -> Clip:
        return self.clips[i]

    @property
    def labels(self) -> list[str]:
        """Sorted distinct labels of the clips (empty when unlabelled)."""
        return sorted({c.label for c in self.clips if c.label is not None})

    @property
    def total_samples(self) -> int:
        return sum(len(c) for c in self.clips)

    @property
    def duration(self) -> float:
        """Total duration in seconds."""
        return self.total_samples / self.sample_rate

    def split(self, validation_fraction: float = 0.1, seed: int = 0) -> tuple[list[Clip], list[Clip]]:
        """Train and validation clips, split by clip.

        Clips that carry a split (Speech Commands lists) keep it ("test" clips
        go to neither); the others are shuffled with ``seed`` and the last
        ``validation_fraction`` of them (at least one when there are two or
        more clips) held out. A single clip is split in time instead: its
        last ``validation_fraction`` becomes the validation clip.
        """
        if not 0 <= validation_fraction < 1:
            raise ValueError(f"validation_fraction = {validation_fraction!r} must be in [0, 1)")
        fixed_train = [c for c in self.clips if c.split == "train"]
        fixed_val = [c for c in self.clips if c.split == "validation"]
        free = [c for c in self.clips if c.split is None]
        if len(free) == 1 and not fixed_train and not fixed_val and validation_fraction > 0:
            c = free[0]
            cut = int(len(c) * (1 - validation_fraction))
            if cut >= 2 and len(c) - cut >= 2:
                head = Clip(c.name + "[train]", c.audio[:cut], c.sample_rate, c.label, c.path,
                            c.original_sample_rate, c.original_channels, "train")
                tail = Clip(c.name + "[validation]", c.audio[cut:], c.sample_rate, c.label, c.path,
                            c.original_sample_rate, c.original_channels, "validation")
                return [head], [tail]
        order = np.random.default_rng(seed).permutation(len(free))
        n_val = int(round(len(free) * validation_fraction))
        if validation_fraction > 0 and len(free) >= 2:
            n_val = max(1, n_val)
        val_idx = set(order[len(free) - n_val:].tolist()) if n_val else set()
        train = fixed_train + [c for i, c in enumerate(free) if i not in val_idx]
        val = fixed_val + [c for i, c in enumerate(free) if i in val_idx]
        if not train:
            train, val = val, []
        return train, val

    def summary(self) -> str:
        return (f"{self.description}: {len(self.clips)} clips, {self.duration:.1f} s at "
                f"{self.sample_rate} Hz" + (f", {len(self.errors)} unreadable" if self.errors else ""))

    def reference(self) -> dict[str, Any]:
        """A JSON-safe description of where the data came from (checkpoints, project files).

        The spec's dict (see :class:`wavenetlike.DatasetSpec`) when the dataset
        was loaded from one; otherwise an older-style description that
        ``DatasetSpec.from_reference`` still reads.
        """
        if self.spec is not None:
            return self.spec.to_dict()
        src = self.source
        if isinstance(src, AR2):
            from dataclasses import asdict
            ref: dict[str, Any] = {"kind": "ar2", "ar2": asdict(src)}
        elif src is None or (isinstance(src, str) and src == "bundled"):
            ref = {"kind": "bundled"}
        elif isinstance(src, (str, os.PathLike)):
            ref = {"kind": self.kind, "path": str(Path(src))}
        elif isinstance(src, (list, tuple)) and src and all(isinstance(s, (str, os.PathLike)) for s in src):
            ref = {"kind": self.kind, "paths": [str(Path(s)) for s in src]}
        elif hasattr(src, "to_dict"):
            ref = {"kind": self.kind, "spec": src.to_dict()}
        else:
            ref = {"kind": self.kind, "note": "in-memory arrays are not saved by reference"}
        ref["sample_rate"] = self.sample_rate
        ref["options"] = {k: v for k, v in self.options.items() if isinstance(v, (str, int, float, bool, list, type(None)))}
        return ref
