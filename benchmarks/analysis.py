"""Dataset analysis time per hour of audio (needs wavenetlike.analysis.dataset_report)."""
from __future__ import annotations

import numpy as np

from .common import Figure, median_rate, timed


def synthetic_clips(seconds: float, sample_rate: int = 16000, clip_seconds: float = 5.0, seed: int = 0):
    """Speech-like test audio: noise through a resonant AR(2) filter, with a slow envelope."""
    from scipy.signal import lfilter
    rng = np.random.default_rng(seed)
    n_clips = max(1, int(round(seconds / clip_seconds)))
    n = int(clip_seconds * sample_rate)
    clips = []
    for _ in range(n_clips):
        x = lfilter([1.0], [1.0, -1.6, 0.8], rng.standard_normal(n))
        x *= 0.5 + 0.5 * np.sin(np.linspace(0, 6 * np.pi, n)) ** 2
        clips.append((0.3 * x / np.abs(x).max()).astype(np.float32))
    return clips


def run(threads: int, repeats: int, quick: bool) -> list[Figure]:
    try:
        from wavenetlike.analysis.dataset_report import analyze_dataset
    except ImportError as exc:
        return [Figure("analysis/seconds per hour of audio", None, "s", note=f"skipped: {exc}")]
    import torch

    from wavenetlike import Dataset
    torch.set_num_threads(threads)
    seconds = 60.0 if quick else 300.0
    dataset = Dataset(synthetic_clips(seconds), sample_rate=16000)
    hours = dataset.duration / 3600.0 if hasattr(dataset, "duration") else seconds / 3600.0
    rate, reps = median_rate(lambda: 1.0 / timed(lambda: analyze_dataset(dataset)), repeats)
    per_hour = [1.0 / r / hours for r in reps]
    return [Figure("analysis/seconds per hour of audio", float(np.median(per_hour)), "s", per_hour,
                   {"audio_seconds": seconds, "clips": len(dataset.clips), "threads": threads})]
