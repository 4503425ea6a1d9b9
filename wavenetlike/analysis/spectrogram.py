"""Spectrograms: short-time Fourier magnitudes in dB, with time (s) and frequency (Hz) axes.

The STFT is SciPy's (:func:`scipy.signal.stft`, Hann window); this module
only fixes the conventions every view shares — magnitude in dB relative to a
full-scale sine (a sine of amplitude 1 peaks near 0 dB), a floor so silence
stays finite, and frame times at the frame centres — so that a dataset
clip and a generated take drawn side by side are on the same scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Spectrogram", "spectrogram", "FLOOR_DB"]

FLOOR_DB = -120.0
"""Magnitudes below this (dB re full scale) are shown as this value."""


@dataclass(frozen=True)
class Spectrogram:
    """Magnitudes ``db`` of shape ``(n_freqs, n_frames)`` at ``freqs`` (Hz) × ``times`` (s)."""

    db: np.ndarray
    freqs: np.ndarray
    times: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        """Seconds of audio the frames cover (the last frame's centre plus half a hop)."""
        if self.times.size < 2:
            return float(self.times[-1]) if self.times.size else 0.0
        return float(self.times[-1] + (self.times[1] - self.times[0]) / 2)

    def peak_frequencies(self, count: int = 2, min_separation_hz: float = 50.0) -> list[float]:
        """The ``count`` strongest frequencies (Hz) of the time-averaged power, at least ``min_separation_hz`` apart."""
        power = np.mean(10.0 ** (self.db / 10.0), axis=1)
        order = np.argsort(power)[::-1]
        peaks: list[float] = []
        for i in order:
            f = float(self.freqs[i])
            if all(abs(f - p) >= min_separation_hz for p in peaks):
                peaks.append(f)
            if len(peaks) == count:
                break
        return sorted(peaks)


def spectrogram(audio: np.ndarray, sample_rate: int, window_ms: float = 32.0, hop_ms: float = 8.0,
                floor_db: float = FLOOR_DB) -> Spectrogram:
    """STFT magnitudes in dB of a mono clip ``audio`` (shape ``(n,)``, float, full scale ±1).

    ``window_ms`` and ``hop_ms`` set the Hann window and the hop between frames
    (32 ms / 8 ms resolve speech formants and pitch harmonics at 16 kHz).
    Returns ``db`` of shape ``(window // 2 + 1, frames)``. Raises ``ValueError``
    naming the argument for a bad rate, window or clip.
    """
    from scipy.signal import stft

    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    if not (isinstance(sample_rate, (int, np.integer)) and sample_rate > 0):
        raise ValueError(f"spectrogram: sample_rate must be a positive integer, got {sample_rate!r}")
    if not (window_ms > 0 and 0 < hop_ms <= window_ms):
        raise ValueError(f"spectrogram: need window_ms > 0 and 0 < hop_ms <= window_ms, got {window_ms}, {hop_ms}")
    if x.size == 0:
        raise ValueError("spectrogram: the clip is empty")
    if not np.all(np.isfinite(x)):
        raise ValueError("spectrogram: the clip holds NaN or infinite samples")
    nperseg = max(8, int(round(window_ms * sample_rate / 1000.0)))
    nperseg = min(nperseg, max(8, x.size))
    hop = max(1, min(nperseg, int(round(hop_ms * sample_rate / 1000.0))))
    if x.size < nperseg:
        x = np.pad(x, (0, nperseg - x.size))
    freqs, times, z = stft(x, fs=sample_rate, window="hann", nperseg=nperseg, noverlap=nperseg - hop,
                           boundary=None, padded=False, scaling="spectrum")
    # scaling="spectrum" divides by the window sum: a sine of amplitude A gives |Z| = A/2 at its bin.
    magnitude = 2.0 * np.abs(z)
    db = 20.0 * np.log10(np.maximum(magnitude, 10.0 ** (floor_db / 20.0)))
    return Spectrogram(db=db.astype(np.float32), freqs=freqs.astype(np.float64),
                       times=times.astype(np.float64), sample_rate=int(sample_rate))
