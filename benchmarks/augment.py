"""Augmentation on a small real-speech dataset: does it narrow the train / held-out gap?

The eight spoken ALSA test recordings (``/usr/share/sounds/alsa/*.wav`` from
Debian's alsa-utils, "Noise.wav" left out; 48 kHz resampled to 16 kHz) are a
dataset small enough to overfit. The suggested config is trained the same
number of steps (``STEPS``, quick recipe, one torch thread, same seed) with
and without ``augment`` (random polarity and 0 to −3 dB gain per window), and
scored on the training clips and on the held-out clips (bits/sample at the
model's classes, whole clips). The gap (held-out − training) is the figure.

    python -m benchmarks --only augment
"""
from __future__ import annotations

from pathlib import Path

from .common import Figure

ALSA = Path("/usr/share/sounds/alsa")
STEPS = 1500
HELD_OUT = 0.25  # two of the eight clips


def run(steps: int = STEPS) -> list[Figure]:
    import torch
    from wavenetlike import Dataset, TrainConfig, Trainer, analyze, build_wavenetlike, suggest
    from wavenetlike.scoring import score_clips
    from wavenetlike.train.losses import bits_per_sample
    files = sorted(p for p in ALSA.glob("*.wav") if p.name != "Noise.wav")
    if len(files) < 4:
        return [Figure("augment/skipped", None, "", note=f"needs the ALSA recordings in {ALSA} (apt-get install "
                                                         "alsa-utils)")]
    torch.set_num_threads(1)
    dataset = Dataset([str(f) for f in files], sample_rate=16000)
    config = suggest(analyze(dataset))
    figures: list[Figure] = []
    params = {"clips": len(dataset.clips), "seconds_of_audio": round(dataset.duration, 1), "steps": steps,
              "delta": config.receptive_field, "held_out_fraction": HELD_OUT}
    for augment in (False, True):
        torch.manual_seed(0)
        model = build_wavenetlike(config)
        trainer = Trainer(model, dataset, TrainConfig.quick(max_steps=steps, validation_every=None, threads=1,
                                                            device="cpu", augment=augment,
                                                            validation_fraction=HELD_OUT))
        for _ in trainer.steps():
            pass
        model.eval()

        def bits(clips: list) -> float:
            s = score_clips(model, [c.audio for c in clips], trainer.scale, max_samples=200_000)
            return bits_per_sample(s.nats / s.count)

        train_bits, held_bits = bits(trainer.sampler_clips), bits(trainer.val_clips)
        label = "with augmentation" if augment else "without augmentation"
        print(f"{label}: training clips {train_bits:.3f}, held-out {held_bits:.3f} bits/sample", flush=True)
        figures += [Figure(f"augment/{label}: training clips", train_bits, "bits/sample", params=params),
                    Figure(f"augment/{label}: held-out clips", held_bits, "bits/sample", params=params),
                    Figure(f"augment/{label}: gap", held_bits - train_bits, "bits/sample", params=params,
                           note="held-out − training")]
    return figures
