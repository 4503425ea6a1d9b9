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


def run(threads: int, seconds: float = 60.0, repeats: int = 1) -> list[Figure]:
    """``repeats`` runs of ``seconds`` of training with the quick recipe (seeds 0, 1, …); medians.

    Training accuracy is the mean of the last ``SMOOTH`` steps' accuracies
    (10 steps × 4 windows × 512 targets = 20,480 scored samples); each run
    holds out its own validation clips (the split depends on the seed), and
    the naive predictor is scored on the same clips.
    """
    try:
        from wavenetlike.train import TrainConfig, Trainer
    except ImportError as exc:
        return [Figure("headline/time to 50% training accuracy", None, "s",
                       note=f"skipped: the Trainer is not available yet ({exc})")]
    import torch
    from wavenetlike import Dataset, build_wavenet_toy
    try:
        dataset = Dataset("bundled")
    except Exception as exc:  # the bundled set is built by another part of the project
        return [Figure("headline/time to 50% training accuracy", None, "s",
                       note=f"skipped: the bundled speech set could not be loaded ({exc})")]
    t50s, finals, vals, steps, errors, naive_train, naive_val = [], [], [], [], [], [], []
    scale = getattr(dataset, "scale", 1.0)
    classes = None
    for seed in range(repeats):
        torch.manual_seed(seed)
        model = build_wavenet_toy()
        classes = model.config.quantization_channels
        trainer = Trainer(model, dataset, max_seconds=seconds, seed=seed, device="cpu", threads=threads,
                          validation_every=None, **TrainConfig.quick().non_default())
        accs: list[float] = []
        t50 = None
        for ev in trainer.steps():
            if ev.kind == "step" and ev.accuracy is not None:
                accs.append(float(ev.accuracy))
                if t50 is None and len(accs) >= SMOOTH and np.mean(accs[-SMOOTH:]) >= 0.5:
                    t50 = float(ev.elapsed)
            elif ev.kind == "error":
                errors.append(str(ev.message))
        held_out = trainer.validate()
        t50s.append(t50)
        finals.append(float(np.mean(accs[-SMOOTH:])) if accs else None)
        vals.append(None if held_out is None else held_out[1])
        steps.append(len(accs))
        train_clips, val_clips = dataset.split(trainer.validation_fraction, seed)  # this run's split
        naive_train.append(repeat_previous_accuracy([c.audio for c in train_clips], scale, classes))
        naive_val.append(repeat_previous_accuracy([c.audio for c in val_clips], scale, classes))
    params = {"preset": "toy", "classes": classes, "max_seconds": seconds, "threads": threads,
              "recipe": TrainConfig.quick().non_default(), "steps": steps, "smoothing_steps": SMOOTH,
              "clips": len(dataset.clips), "repeats": repeats}

    def med(values):
        v = [x for x in values if x is not None]
        return float(np.median(v)) if v else None

    reached = [t for t in t50s if t is not None]
    note = "; ".join(errors) or (f"50% reached in {len(reached)} of {repeats} runs" if reached
                                 else f"50% not reached within {seconds:.0f} s")
    t50 = float(np.median(reached)) if len(reached) * 2 > repeats else None
    final, val = med(finals), med(vals)
    beats_each = [f is not None and v is not None and f > nt and v > nv
                  for f, v, nt, nv in zip(finals, vals, naive_train, naive_val)]
    beats = sum(beats_each) * 2 > repeats
    return [
        Figure("headline/time to 50% training accuracy", t50, "s", [t for t in t50s if t is not None],
               params, note),
        Figure("headline/final training accuracy (mean of last steps)", final, "fraction",
               [x for x in finals if x is not None], params),
        Figure("headline/final validation accuracy", val, "fraction", [x for x in vals if x is not None], params,
               "held-out clips, the Trainer's fixed validation batches"),
        Figure("headline/repeat-previous-class accuracy (train clips)", med(naive_train), "fraction", naive_train,
               params, "the naive predictor the model must beat (each run's own split)"),
        Figure("headline/repeat-previous-class accuracy (validation clips)", med(naive_val), "fraction",
               naive_val, params),
        Figure("headline/model beats repeat-previous (train and validation)", float(beats), "bool",
               [float(b) for b in beats_each], params, "1 = yes in most runs, on each run's own split"),
    ]
