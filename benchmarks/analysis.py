"""Benchmark: time to analyse one hour of 16 kHz audio with ``analyze_dataset``.

    PYTHONPATH=. python -m benchmarks.analysis

The hour is made of the bundled speech clips repeated (real speech statistics),
cut into 1 s clips (the Speech Commands shape) and, separately, into 60 s
clips. The goal is under 20 s per hour on a 2-core machine.
"""
from __future__ import annotations

import json
import time

import numpy as np

SAMPLE_RATE = 16000


def _hour_of_speech(seconds: float = 3600.0) -> np.ndarray:
    from wavenetlike.data.dataset import Dataset
    clips = Dataset(None).clips
    one_pass = np.concatenate([c.audio for c in clips])
    n = int(seconds * SAMPLE_RATE)
    reps = -(-n // len(one_pass))
    return np.tile(one_pass, reps)[:n]


def bench_analysis(seconds: float = 3600.0) -> dict:
    """Analyse ``seconds`` of 16 kHz audio as 1 s clips and as 60 s clips; timings in seconds.

    The analysis is NumPy/SciPy on one thread (scipy.fft's default).
    """
    from wavenetlike.analysis.dataset_report import analyze_dataset
    from wavenetlike.data.dataset import Dataset
    audio = _hour_of_speech(seconds)
    result = {"audio_seconds": seconds, "sample_rate": SAMPLE_RATE}
    for clip_seconds in (1, 60):
        n = clip_seconds * SAMPLE_RATE
        arrays = [audio[i:i + n] for i in range(0, len(audio), n)]
        ds = Dataset(arrays, sample_rate=SAMPLE_RATE)
        t0 = time.perf_counter()
        report = analyze_dataset(ds)
        dt = time.perf_counter() - t0
        result[f"clips_{clip_seconds}s"] = {
            "n_clips": report.n_clips, "max_lag": report.max_lag, "seconds": round(dt, 2),
            "seconds_per_hour": round(dt * 3600.0 / seconds, 2),
            "realtime_factor": round(seconds / dt, 1),
        }
    result["goal_seconds_per_hour"] = 20.0
    return result


if __name__ == "__main__":
    print(json.dumps(bench_analysis(), indent=2))
