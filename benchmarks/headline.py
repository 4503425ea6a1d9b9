"""The seed's headline: the toy preset reaches 50 % next-sample training accuracy on the bundled
speech set within 60 s of CPU training; also its final validation accuracy and the accuracy of the
naive predictor "same class as the previous sample" on the same data.

Needs the Trainer (wavenetlike.train) and the bundled data; skipped with a message when missing.
"""
from __future__ import annotations

import numpy as np

from .common import Figure

SMOOTH = 10  # steps in the running mean of training accuracy


def repeat_previous_accuracy(clips, scale: float, classes: int) -> float:
    """Fraction of samples whose mu-law class equals the previous sample's class."""
    from wavenetlike.data.mulaw import mu_law_encode_np
    hits = total = 0
    for audio in clips:
        q = mu_law_encode_np(np.asarray(audio, dtype=np.float32) / scale, classes)
        hits += int((q[1:] == q[:-1]).sum())
        total += max(0, len(q) - 1)
    return hits / max(total, 1)


def run(threads: int, seconds: float = 60.0) -> list[Figure]:
    try:
        from wavenetlike.train import Trainer
    except ImportError as exc:
        return [Figure("headline/time to 50% training accuracy", None, "s",
                       note=f"skipped: the Trainer is not available yet ({exc})")]
    from wavenetlike import Dataset, build_wavenet_toy
    try:
        dataset = Dataset("bundled")
    except Exception as exc:  # the bundled set is built by another part of the project
        return [Figure("headline/time to 50% training accuracy", None, "s",
                       note=f"skipped: the bundled speech set could not be loaded ({exc})")]
    model = build_wavenet_toy()
    try:
        trainer = Trainer(model, dataset, max_seconds=seconds, seed=0, device="cpu", threads=threads)
    except TypeError as exc:
        return [Figure("headline/time to 50% training accuracy", None, "s",
                       note=f"skipped: Trainer does not take the contract's arguments ({exc})")]
    accs: list[float] = []
    t50 = None
    val_acc = None
    steps = 0
    error = ""
    for ev in trainer.steps():
        if ev.kind == "step" and ev.accuracy is not None:
            steps = ev.step
            accs.append(float(ev.accuracy))
            if t50 is None and len(accs) >= SMOOTH and np.mean(accs[-SMOOTH:]) >= 0.5:
                t50 = float(ev.elapsed)
        elif ev.kind == "validation" and ev.val_accuracy is not None:
            val_acc = float(ev.val_accuracy)
        elif ev.kind == "error":
            error = str(ev.message)
    classes = model.config.quantization_channels
    naive = repeat_previous_accuracy([c.audio for c in dataset.clips], getattr(dataset, "scale", 1.0), classes)
    params = {"preset": "toy", "max_seconds": seconds, "threads": threads, "steps": steps,
              "smoothing_steps": SMOOTH, "clips": len(dataset.clips)}
    note = error or ("" if t50 is not None else f"50% not reached within {seconds:.0f} s")
    return [
        Figure("headline/time to 50% training accuracy", t50, "s", [], params, note),
        Figure("headline/final training accuracy (mean of last steps)",
               float(np.mean(accs[-SMOOTH:])) if accs else None, "fraction", [], params),
        Figure("headline/final validation accuracy", val_acc, "fraction", [], params),
        Figure("headline/repeat-previous-class accuracy", naive, "fraction", [], params,
               "the naive predictor the model must beat"),
    ]
