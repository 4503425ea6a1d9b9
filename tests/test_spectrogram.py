"""The library's spectrogram: axes in s and Hz, dB re full scale, peaks where the tones are."""
from __future__ import annotations

import numpy as np
import pytest

from wavenetlike.analysis.spectrogram import spectrogram


def two_tones(rate: int = 16000, seconds: float = 1.0, f1: float = 440.0, f2: float = 2500.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * f1 * t) + 0.25 * np.sin(2 * np.pi * f2 * t)).astype(np.float32)


def test_two_tone_clip_peaks_at_both_frequencies():
    spec = spectrogram(two_tones(), 16000)
    assert spec.db.shape == (spec.freqs.size, spec.times.size)
    assert spec.freqs[-1] == pytest.approx(8000.0)
    resolution = spec.freqs[1] - spec.freqs[0]
    peaks = spec.peak_frequencies(2)
    assert peaks[0] == pytest.approx(440.0, abs=resolution)
    assert peaks[1] == pytest.approx(2500.0, abs=resolution)
    # a 0.5-amplitude sine sits near 20·log10(0.5) ≈ −6 dB
    row = int(np.argmin(np.abs(spec.freqs - 440.0)))
    assert float(np.median(spec.db[row])) == pytest.approx(-6.0, abs=1.5)
    assert spec.duration == pytest.approx(1.0, abs=0.02)


def test_silence_stays_finite_and_bad_input_is_named():
    spec = spectrogram(np.zeros(100, np.float32), 8000)
    assert np.all(np.isfinite(spec.db)) and spec.db.min() == pytest.approx(-120.0)
    with pytest.raises(ValueError, match="sample_rate"):
        spectrogram(np.zeros(10), 0)
    with pytest.raises(ValueError, match="empty"):
        spectrogram(np.zeros(0), 16000)
    with pytest.raises(ValueError, match="NaN"):
        spectrogram(np.array([0.0, np.nan]), 16000)
