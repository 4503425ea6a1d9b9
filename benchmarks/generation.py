"""Generation speed: cached (compiled and eager) and naive, one stream and a batch of streams."""
from __future__ import annotations

import time

import torch

from wavenetlike import PRESETS, build_wavenetlike
from wavenetlike.generate import fast_backend_available, generate_stream

from .common import Figure, median_rate

# samples per stream for each measurement: (full run, --quick)
SIZES = {
    "toy": {"cached": (48_000, 12_000), "eager": (3_000, 1_000), "naive": (64, 24), "batch": (12_000, 4_000)},
    "wavenet": {"cached": (16_000, 4_000), "eager": (1_000, 300), "naive": (6, 3), "batch": (4_000, 1_000)},
}


def steady_rate(model, n: int, method: str, batch: int = 1, chunk: int | None = None, seed: int = 0) -> float:
    """Samples per second (all streams) after the first chunk: the steady state, without the warm-up."""
    stream = generate_stream(model, n, method=method, batch=batch, seed=seed, chunk_size=chunk)
    first = next(stream)
    done = 0
    t0 = time.perf_counter()
    for ch in stream:
        done += ch.shape[-1]
    dt = time.perf_counter() - t0
    assert done == n - first.shape[-1]
    return done * batch / dt


def warmup_seconds(model, method: str) -> float:
    """Time to build the caches from the context (Δ samples of silence) and produce one sample."""
    t0 = time.perf_counter()
    next(generate_stream(model, 1, method=method, seed=0))
    return time.perf_counter() - t0


def run(presets: list[str], threads: int, repeats: int, quick: bool) -> list[Figure]:
    torch.set_num_threads(threads)
    fast_ok, fast_note = fast_backend_available()
    cached_method = "fast" if fast_ok else "cached"
    figures: list[Figure] = []
    q = 1 if quick else 0
    for name in presets:
        torch.manual_seed(0)
        model = build_wavenetlike(PRESETS[name]()).eval()
        size = SIZES[name]
        common = {"preset": name, "threads": threads, "receptive_field": model.config.receptive_field}
        n = size["cached"][q]
        cached, reps = median_rate(lambda: steady_rate(model, n, cached_method, chunk=1024), repeats)
        figures.append(Figure(f"gen/{name}/cached-{cached_method}/1 stream", cached, "samples/s", reps,
                              dict(common, n=n, method=cached_method),
                              "" if fast_ok else fast_note))
        nb = size["batch"][q]
        batch8, reps = median_rate(lambda: steady_rate(model, nb, cached_method, batch=8, chunk=512), repeats)
        figures.append(Figure(f"gen/{name}/cached-{cached_method}/8 streams", batch8, "samples/s (all streams)",
                              reps, dict(common, n=nb, batch=8, method=cached_method)))
        ne = size["eager"][q]
        eager, reps = median_rate(lambda: steady_rate(model, ne, "cached", chunk=100), repeats)
        figures.append(Figure(f"gen/{name}/cached-eager/1 stream", eager, "samples/s", reps,
                              dict(common, n=ne, method="cached")))
        nn_ = size["naive"][q]
        naive, reps = median_rate(lambda: steady_rate(model, nn_, "naive", chunk=1), repeats, warmup=0)
        figures.append(Figure(f"gen/{name}/naive/1 stream", naive, "samples/s", reps,
                              dict(common, n=nn_, method="naive")))
        figures.append(Figure(f"gen/{name}/ratio cached/naive", cached / naive, "x", [],
                              dict(common, cached=cached_method), "same run"))
        figures.append(Figure(f"gen/{name}/ratio eager-cached/naive", eager / naive, "x", [], dict(common)))
        warm, reps = median_rate(lambda: 1.0 / warmup_seconds(model, cached_method), repeats)
        figures.append(Figure(f"gen/{name}/warm-up (first sample)", 1.0 / warm, "s", [1.0 / r for r in reps],
                              dict(common, method=cached_method),
                              "caches built from Δ samples of silence in one parallel pass"))
        figures.append(Figure(f"gen/{name}/real-time factor at {model.config.sample_rate} Hz",
                              cached / model.config.sample_rate, "x real time", [], dict(common)))
    return figures
