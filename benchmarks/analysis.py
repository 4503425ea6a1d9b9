"""Benchmark: time to analyse one hour of 16 kHz audio with ``analyze_dataset``.

    PYTHONPATH=. python -m benchmarks.analysis        # this suite alone, JSON
    PYTHONPATH=. python -m benchmarks --only analysis # through the shared runner

The hour is the bundled speech clips repeated (real speech statistics), cut
into 1 s clips (the Speech Commands shape) and, separately, into 60 s clips.
The goal is under 20 s per hour on a 2-core machine.
"""
from __future__ import annotations

import json
import statistics
import time

import numpy as np

from .common import Figure

SAMPLE_RATE = 16000


def _hour_of_speech(seconds: float = 3600.0) -> np.ndarray:
    from wavenetlike.data.dataset import Dataset
    one_pass = np.concatenate([c.audio for c in Dataset(None).clips])
    n = int(seconds * SAMPLE_RATE)
    return np.tile(one_pass, -(-n // len(one_pass)))[:n]


def bench_analysis(seconds: float = 3600.0, repeats: int = 1) -> dict:
    """Analyse ``seconds`` of audio as 1 s clips and as 60 s clips; median seconds per hour of each."""
    from wavenetlike.analysis.dataset_report import analyze_dataset
    from wavenetlike.data.dataset import Dataset
    audio = _hour_of_speech(seconds)
    result: dict = {"audio_seconds": seconds, "sample_rate": SAMPLE_RATE, "goal_seconds_per_hour": 20.0}
    for clip_seconds in (1, 60):
        n = clip_seconds * SAMPLE_RATE
        ds = Dataset([audio[i:i + n] for i in range(0, len(audio), n)], sample_rate=SAMPLE_RATE)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            report = analyze_dataset(ds)
            times.append(time.perf_counter() - t0)
        per_hour = [t * 3600.0 / seconds for t in times]
        result[f"clips_{clip_seconds}s"] = {"n_clips": report.n_clips, "max_lag": report.max_lag,
                                            "seconds_per_hour": per_hour}
    return result


def run(threads: int, repeats: int, quick: bool) -> list[Figure]:
    """Figures for the shared runner (``python -m benchmarks``)."""
    try:
        import wavenetlike.analysis.dataset_report  # noqa: F401  (is it installed?)
    except ImportError as exc:
        return [Figure("analysis/seconds per hour of audio", None, "s", note=f"skipped: {exc}")]
    import torch
    torch.set_num_threads(threads)
    seconds = 600.0 if quick else 3600.0
    r = bench_analysis(seconds, repeats=max(1, min(repeats, 3)))
    figures = []
    for clip_seconds in (1, 60):
        per_hour = r[f"clips_{clip_seconds}s"]["seconds_per_hour"]
        figures.append(Figure(f"analysis/seconds per hour ({clip_seconds} s clips)", statistics.median(per_hour),
                              "s", per_hour, {"audio_seconds": seconds, "goal": "< 20 s", "threads": threads}))
    return figures


if __name__ == "__main__":
    print(json.dumps(bench_analysis(), indent=2))
