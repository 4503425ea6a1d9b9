"""The naive baseline every model must beat: "the next sample has the same mu-law class as the previous one".

Scored on exactly the targets :func:`wavenetlike.scoring.score_clips` scores
(samples 1 … n−1 of each clip, under the same cap), so its figures sit beside
the model's. As a distribution (for bits/sample) it gives the previous class
the probability ``p`` with which a sample repeats its predecessor's class in
the *training* clips, and shares ``1 − p`` evenly among the other classes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..scoring import capped_lengths, target_classes

__all__ = ["BaselineScore", "same_class_baseline", "SAME_CLASS_DEFINITION"]

SAME_CLASS_DEFINITION = ("same class as the previous sample: the previous class gets the probability with "
                         "which the training clips repeat a class, the other classes share the rest evenly")


@dataclass(frozen=True)
class BaselineScore:
    """A baseline's held-out figures (None where it does not give one)."""

    name: str
    bits_per_sample: float | None
    accuracy: float | None
    definition: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bits_per_sample": self.bits_per_sample, "accuracy": self.accuracy,
                "definition": self.definition}


def repeat_counts(clips: Sequence[np.ndarray], scale: float, n_classes: int,
                  lengths: Sequence[int] | None = None) -> tuple[int, int]:
    """(repeats, targets): how many of samples 1 … m−1 share the previous sample's class (m = kept length)."""
    hits = total = 0
    for i, clip in enumerate(clips):
        m = len(clip) if lengths is None else int(lengths[i])
        if m < 2:
            continue
        q = target_classes(np.asarray(clip)[:m], scale, n_classes)
        hits += int((q[1:] == q[:-1]).sum())
        total += m - 1
    return hits, total


def same_class_baseline(train_clips: Sequence[np.ndarray], held_out_clips: Sequence[np.ndarray],
                        n_classes: int, scale: float = 1.0,
                        max_held_out_samples: int | None = None) -> BaselineScore:
    """Bits/sample and accuracy of "same class as the previous sample" on the held-out targets."""
    tr_hits, tr_total = repeat_counts(train_clips, scale, n_classes)
    # the repeat probability, kept off 0 and 1 (add-one smoothing) so no held-out target costs infinite bits
    p = (tr_hits + 1) / (tr_total + 2)
    lengths = capped_lengths([len(c) for c in held_out_clips], max_held_out_samples)
    hits, total = repeat_counts(held_out_clips, scale, n_classes, lengths)
    if total == 0:
        return BaselineScore("same class", None, None, SAME_CLASS_DEFINITION)
    miss_bits = -math.log2((1 - p) / (n_classes - 1))
    bits = (hits * -math.log2(p) + (total - hits) * miss_bits) / total
    return BaselineScore("same class", bits, hits / total, SAME_CLASS_DEFINITION)
