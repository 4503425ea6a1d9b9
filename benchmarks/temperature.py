"""Generation temperature against the generated-vs-real statistics, on one trained speech model.

A model is trained once (the suggested config for the bundled speech, the quick
recipe, one torch thread, ``--seconds``), then takes are generated at each
temperature (3 s from silence and 3 s primed with 0.1 s of a held-out clip,
``SEEDS`` seeds each) and compared with the held-out audio
(:func:`wavenetlike.analysis.audio_stats.compare_generated`): share of silent
20 ms frames, non-silent RMS ÷ real, voiced share, LTAS distance. The
temperature scales the spread of the predicted distribution (a categorical
model's logits are divided by it): below 1 the model's own noise is damped.

    python -m benchmarks --only temperature --seconds 300
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .common import Figure

TEMPERATURES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.7)
SEEDS = (1, 2, 3)
GEN_SECONDS = 3.0
PRIME_SECONDS = 0.1


def run(seconds: float = 300.0, temperatures: tuple[float, ...] = TEMPERATURES) -> list[Figure]:
    import torch
    from wavenetlike import Dataset, TrainConfig, analyze, build_wavenetlike, generate, suggest, train
    from wavenetlike.analysis.audio_stats import compare_generated
    torch.set_num_threads(1)
    dataset = Dataset(None)
    config = suggest(analyze(dataset))
    torch.manual_seed(0)
    model = build_wavenetlike(config)
    train(model, dataset, config=TrainConfig.quick(max_seconds=seconds, validation_every=None, threads=1,
                                                    device="cpu"))
    model.eval()
    _, held = dataset.split(0.1, 0)
    real = [c.audio for c in held]
    sr = int(dataset.sample_rate)
    n = int(GEN_SECONDS * sr)
    scale = float(dataset.scale or 1.0)
    prime = np.asarray(real[0][: int(PRIME_SECONDS * sr)], dtype=np.float32) / scale
    params: dict[str, Any] = {"seconds": seconds, "delta": config.receptive_field,
                              "input_kind": config.input_kind, "output": config.output_kind}
    figures: list[Figure] = []
    real_stats = compare_generated(real, real, sr).real
    figures.append(Figure("temperature/real held-out, voiced share", real_stats.voiced_share, "share", params=params))
    figures.append(Figure("temperature/real held-out, silent frames", real_stats.silent_fraction, "share",
                          params=params))
    for t in temperatures:
        takes = []
        for seed in SEEDS:
            takes.append(generate(model, n, temperature=t, seed=seed) * scale)
            takes.append(generate(model, n, temperature=t, seed=seed, prime=prime) * scale)
        result = compare_generated(takes, real, sr)
        g, r = result.generated, result.real
        rms = g.nonsilent_rms / r.nonsilent_rms if g.nonsilent_rms and r.nonsilent_rms else None
        print(f"T={t:.2f}: voiced {g.voiced_share}, silent {g.silent_fraction}, rms ratio {rms}, "
              f"LTAS {result.spectral_distance_db}", flush=True)
        note = f"{len(takes)} takes of {GEN_SECONDS:g} s"
        figures += [Figure(f"temperature/T={t:g} voiced share", g.voiced_share, "share", params=params, note=note),
                    Figure(f"temperature/T={t:g} silent frames", g.silent_fraction, "share", params=params),
                    Figure(f"temperature/T={t:g} non-silent RMS ÷ real", rms, "ratio", params=params),
                    Figure(f"temperature/T={t:g} LTAS distance", result.spectral_distance_db, "dB", params=params)]
    return figures
