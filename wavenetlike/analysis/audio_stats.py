"""Statistics of generated audio beside real audio: silence, level, voicing, spectral shape, AR(2) fit.

Definitions (the same for generated and real audio, in the same units):

* **Frames**: consecutive, non-overlapping 20 ms frames of each clip (a last,
  partial frame is dropped unless it is the only one).
* **Silent frame**: frame RMS more than 40 dB below the *reference level* of
  the real data — the median, over the real clips, of each clip's loudest
  frame RMS. The threshold comes from the real data only, so a generated take
  that is quiet throughout counts as silent rather than being measured against
  its own loudest frame. Without real data, a take's own loudest frame is the
  reference.
* **Non-silent RMS**: the RMS of all samples of the non-silent frames together.
* **Voiced frame** (among non-silent frames): the normalised cross-correlation
  of the frame with itself shifted by a lag of 2.5–12.5 ms (80–400 Hz) peaks
  above 0.5, counting only lags after the correlation first falls to zero (so
  a low rumble, correlated at every short lag, is not a voice); the shifted copy reaches past the frame into the following audio,
  so every lag sees a whole frame (``Σ x[n]·x[n+k] / √(Σ x[n]² · Σ x[n+k]²)``,
  mean removed; the last frames of a clip are analysed ending at the clip's end). A harmonic tone scores ≈ 1, white noise ≈ 0.2.
* **LTAS**: the long-term average spectrum, Welch's method (Hann, 32 ms
  segments, half overlap) averaged over all clips weighted by their length, in dB.
* **Spectral-shape distance**: both LTAS in dB over (0, 5 kHz], each minus
  its own mean over that band (so overall level does not count), and the RMS
  of their difference, in dB. Identical shapes give 0; a spectrum 6 dB higher
  in one half of the band and 6 dB lower in the other gives 6.
* **AR(2) fit**: least squares of ``x_t = c + a·x_{t−1} + b·x_{t−2}`` over all takes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.signal import welch

__all__ = ["AudioStats", "GeneratedVsReal", "audio_stats", "compare_generated", "reference_level",
           "silence_threshold", "voiced_frames", "frame_rms", "frame_length", "long_term_spectrum",
           "spectral_distance_db", "fit_ar2", "FRAME_MS", "SILENCE_DB", "VOICING_THRESHOLD", "SPECTRAL_BAND_HZ"]

FRAME_MS = 20.0
SILENCE_DB = -40.0
VOICING_THRESHOLD = 0.5
VOICING_LAGS_MS = (2.5, 12.5)
SPECTRAL_BAND_HZ = 5000.0
LTAS_SEGMENT_MS = 32.0
_TINY = 1e-20


def _as_clips(audio: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """One array (n,), a batch (B, n) or a list of arrays → a list of 1-D float64 arrays."""
    if isinstance(audio, np.ndarray):
        clips = [audio] if audio.ndim == 1 else list(audio)
    else:
        clips = list(audio)
    out = []
    for i, c in enumerate(clips):
        a = np.asarray(c, dtype=np.float64)
        if a.ndim != 1:
            raise ValueError(f"clip {i}: expected a 1-D waveform, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"clip {i}: contains NaN or infinite samples")
        out.append(a)
    return out


def frame_length(sample_rate: int) -> int:
    return max(1, int(round(sample_rate * FRAME_MS / 1000.0)))


def _frames(x: np.ndarray, frame: int) -> np.ndarray:
    """(n_frames, frame) whole frames; a clip shorter than a frame is one (short) frame."""
    n = len(x) // frame
    if n == 0:
        return x[None, :] if len(x) else np.zeros((0, frame))
    return x[:n * frame].reshape(n, frame)


def frame_rms(x: np.ndarray, frame: int) -> np.ndarray:
    """(n_frames,) RMS of each whole frame of ``frame`` samples (a clip shorter than a frame is one frame)."""
    f = _frames(x, frame)
    return np.sqrt((f ** 2).mean(axis=1)) if f.size else np.zeros(0)


def reference_level(clips: Sequence[np.ndarray], sample_rate: int) -> float:
    """The median over clips of each clip's loudest 20 ms frame RMS (0 for silence)."""
    frame = frame_length(sample_rate)
    peaks = [float(r.max()) for r in (frame_rms(c, frame) for c in _as_clips(clips)) if r.size]
    return float(np.median(peaks)) if peaks else 0.0


def silence_threshold(real_clips: Sequence[np.ndarray], sample_rate: int) -> float:
    """The frame RMS below which a frame is silent: 40 dB below the real data's reference level."""
    return reference_level(real_clips, sample_rate) * 10 ** (SILENCE_DB / 20.0)


def voiced_frames(x: np.ndarray, sample_rate: int, frame_starts: np.ndarray | None = None) -> np.ndarray:
    """Boolean per 20 ms frame: normalised cross-correlation peak > 0.5 at a lag of 2.5–12.5 ms.

    Only lags after the correlation's first fall to zero count (a peak is a return).
    """
    x = np.asarray(x, dtype=np.float64)
    frame = frame_length(sample_rate)
    lo = max(1, int(round(sample_rate * VOICING_LAGS_MS[0] / 1000.0)))
    hi = max(lo, int(round(sample_rate * VOICING_LAGS_MS[1] / 1000.0)))
    if frame_starts is None:
        frame_starts = np.arange(max(1, len(x) // frame)) * frame
    out = np.zeros(len(frame_starts), dtype=bool)
    for i, s in enumerate(frame_starts):
        s = max(0, min(int(s), len(x) - frame - hi))  # near a clip's end the shifted copy looks back instead
        seg = x[s:s + frame + hi]
        if len(seg) < frame // 2 + lo:
            continue
        seg = seg - seg.mean()
        n = min(frame, len(seg) - lo)
        a = seg[:n]
        ea = float(a @ a)
        if ea <= _TINY:
            continue
        ks = np.arange(1, min(hi, len(seg) - n) + 1)
        cross = np.correlate(seg[:ks[-1] + n], a, mode="valid")[ks]  # Σ a[m]·seg[m+k]
        sq = np.concatenate([[0.0], np.cumsum(seg ** 2)])
        eb = sq[ks + n] - sq[ks]
        ncc = np.where(eb > _TINY, cross / np.sqrt(ea * np.maximum(eb, _TINY)), 0.0)
        # a peak is a return after the first fall to zero: a low rumble (correlated at every short lag) is
        # not a voice, and without this rule it counted as one
        below = np.flatnonzero(ncc <= 0.0)
        if not below.size:
            continue
        after = ks >= max(lo, int(ks[below[0]]))
        best = float(np.max(ncc[after])) if after.any() else 0.0
        out[i] = best > VOICING_THRESHOLD
    return out


def long_term_spectrum(clips: Sequence[np.ndarray], sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies in Hz, power in dB): Welch LTAS over all clips, weighted by their length."""
    nper = 1 << int(round(np.log2(max(8.0, sample_rate * LTAS_SEGMENT_MS / 1000.0))))
    total, weight, freqs = None, 0, None
    for c in _as_clips(clips):
        if len(c) < 2:
            continue
        f, p = welch(c, fs=sample_rate, nperseg=min(nper, len(c)), nfft=nper, detrend=False)
        total = p * len(c) if total is None else total + p * len(c)
        weight += len(c)
        freqs = f
    if total is None:
        f = np.fft.rfftfreq(nper, 1.0 / sample_rate)
        return f, np.full(len(f), -np.inf)
    return freqs, 10 * np.log10(np.maximum(total / weight, _TINY))


def spectral_distance_db(freqs: np.ndarray, db_a: np.ndarray, db_b: np.ndarray,
                         band_hz: float = SPECTRAL_BAND_HZ) -> float | None:
    """RMS dB difference of two level-normalised spectra over (0, band_hz]; None when either is silent."""
    sel = (freqs > 0) & (freqs <= band_hz)
    a, b = db_a[sel], db_b[sel]
    floor = 10 * np.log10(_TINY) + 1
    if not sel.any() or np.all(a <= floor) or np.all(b <= floor):
        return None
    d = (a - a.mean()) - (b - b.mean())
    return float(np.sqrt(np.mean(d ** 2)))


def fit_ar2(clips: Sequence[np.ndarray]) -> dict[str, float] | None:
    """Least-squares (a, b, c) of ``x_t = c + a·x_{t−1} + b·x_{t−2}`` and the residual std; None if too short."""
    rows, ys = [], []
    for x in _as_clips(clips):
        if len(x) < 3:
            continue
        rows.append(np.column_stack([x[1:-1], x[:-2], np.ones(len(x) - 2)]))
        ys.append(x[2:])
    if not rows or sum(len(y) for y in ys) < 3:
        return None
    A, y = np.concatenate(rows), np.concatenate(ys)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    return {"a": float(coef[0]), "b": float(coef[1]), "c": float(coef[2]), "residual_std": float(resid.std())}


@dataclass
class AudioStats:
    """Frame statistics of a set of clips (see the module docstring for the definitions)."""

    seconds: float
    frames: int
    silent_fraction: float | None
    nonsilent_rms: float | None
    voiced_share: float | None
    std: float
    silence_threshold: float
    ltas_freqs: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    ltas_db: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def nonsilent_rms_db(self) -> float | None:
        """Non-silent RMS in dB relative to 1.0 (full scale for audio in [−1, 1])."""
        if not self.nonsilent_rms:
            return None
        return float(20 * np.log10(self.nonsilent_rms))

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "frames": self.frames, "silent_fraction": self.silent_fraction,
                "nonsilent_rms": self.nonsilent_rms, "nonsilent_rms_db": self.nonsilent_rms_db,
                "voiced_share": self.voiced_share, "std": self.std, "silence_threshold": self.silence_threshold,
                "ltas_hz": [round(float(f), 1) for f in self.ltas_freqs],
                "ltas_db": [round(float(v), 2) if np.isfinite(v) else None for v in self.ltas_db]}


def audio_stats(audio: np.ndarray | Sequence[np.ndarray], sample_rate: int,
                threshold: float | None = None) -> AudioStats:
    """Statistics of one waveform or a set of clips; ``threshold`` is the silent-frame RMS limit
    (default: 40 dB below these clips' own reference level — pass :func:`silence_threshold` of the real data)."""
    clips = _as_clips(audio)
    if threshold is None:
        threshold = silence_threshold(clips, sample_rate)
    frame = frame_length(sample_rate)
    n_frames = n_silent = n_voiced = 0
    loud_sq, loud_n = 0.0, 0
    for x in clips:
        frames = _frames(x, frame)
        if not frames.size:
            continue
        rms = np.sqrt((frames ** 2).mean(axis=1))
        loud = rms >= threshold if threshold > 0 else rms > 0
        n_frames += len(rms)
        n_silent += int((~loud).sum())
        loud_sq += float((frames[loud] ** 2).sum())
        loud_n += int(frames[loud].size)
        if loud.any():
            n_voiced += int(voiced_frames(x, sample_rate, np.flatnonzero(loud) * frame).sum())
    n_loud = n_frames - n_silent
    allx = np.concatenate(clips) if clips else np.zeros(0)
    freqs, ltas = long_term_spectrum(clips, sample_rate)
    return AudioStats(
        seconds=sum(len(c) for c in clips) / sample_rate, frames=n_frames,
        silent_fraction=n_silent / n_frames if n_frames else None,
        nonsilent_rms=float(np.sqrt(loud_sq / loud_n)) if loud_n else None,
        voiced_share=n_voiced / n_loud if n_loud else None,
        std=float(allx.std()) if allx.size else 0.0, silence_threshold=float(threshold),
        ltas_freqs=freqs, ltas_db=ltas)


@dataclass
class GeneratedVsReal:
    """Generated audio's statistics beside the real audio's, measured with the real data's silence threshold."""

    generated: AudioStats
    real: AudioStats
    spectral_distance_db: float | None
    sample_rate: int
    ar2_generated: dict[str, float] | None = None
    ar2_real: dict[str, float] | None = None
    ar2_truth: dict[str, float] | None = None

    def summary(self) -> str:
        g, r = self.generated, self.real

        def pct(v: float | None) -> str:
            return "—" if v is None else f"{100 * v:.0f} %"

        def num(v: float | None, spec: str = ".3g") -> str:
            return "—" if v is None else format(v, spec)

        def db(s: AudioStats) -> str:
            return "" if s.nonsilent_rms_db is None else f" ({s.nonsilent_rms_db:.1f} dB)"

        lines = [f"Generated ({g.seconds:.1f} s) against real ({r.seconds:.1f} s), 20 ms frames:",
                 f"  {'':<28} {'generated':>16} {'real':>16}",
                 f"  {'silent frames':<28} {pct(g.silent_fraction):>16} {pct(r.silent_fraction):>16}",
                 f"  {'RMS of non-silent frames':<28} {num(g.nonsilent_rms) + db(g):>16} "
                 f"{num(r.nonsilent_rms) + db(r):>16}",
                 f"  {'voiced share of non-silent':<28} {pct(g.voiced_share):>16} {pct(r.voiced_share):>16}",
                 f"  {'standard deviation':<28} {num(g.std):>16} {num(r.std):>16}"]
        band = min(SPECTRAL_BAND_HZ, self.sample_rate / 2) / 1000
        lines.append(f"  spectral-shape distance (LTAS, 0–{band:g} kHz, level-normalised): "
                     f"{num(self.spectral_distance_db, '.1f')} dB")
        if self.ar2_generated is not None:
            fits = [("generated", self.ar2_generated), ("real", self.ar2_real), ("truth", self.ar2_truth)]
            lines.append("  AR(2) fit x_t = c + a·x_{t−1} + b·x_{t−2}: " + "; ".join(
                f"{name} a = {f['a']:.3f}, b = {f['b']:.3f}" for name, f in fits if f))
        lines.append(f"  (silent: frame RMS below {r.silence_threshold:.3g}, 40 dB under the real clips' "
                     f"median loudest frame; voiced: autocorrelation peak > 0.5 at 2.5–12.5 ms)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"generated": self.generated.to_dict(), "real": self.real.to_dict(),
                "spectral_distance_db": self.spectral_distance_db, "sample_rate": self.sample_rate,
                "ar2_generated": self.ar2_generated, "ar2_real": self.ar2_real, "ar2_truth": self.ar2_truth}


def compare_generated(generated: np.ndarray | Sequence[np.ndarray], real: np.ndarray | Sequence[np.ndarray],
                      sample_rate: int, *, ar2: bool = False,
                      ar2_truth: tuple[float, float] | dict[str, float] | None = None) -> GeneratedVsReal:
    """Statistics of generated takes beside real clips (same units), with the real data's silence threshold.

    ``ar2=True`` (or an ``ar2_truth`` (a, b)) adds the AR(2) coefficients fitted
    on the generated and on the real audio (and the truth).
    """
    if not int(sample_rate) > 0:
        raise ValueError(f"sample_rate = {sample_rate!r} must be a positive number of samples per second")
    gen, ref = _as_clips(generated), _as_clips(real)
    if not ref or not any(len(c) for c in ref):
        raise ValueError("compare_generated: no real audio to compare with")
    threshold = silence_threshold(ref, sample_rate)
    g, r = audio_stats(gen, sample_rate, threshold), audio_stats(ref, sample_rate, threshold)
    distance = spectral_distance_db(r.ltas_freqs, g.ltas_db, r.ltas_db) if len(g.ltas_db) == len(r.ltas_db) else None
    result = GeneratedVsReal(g, r, distance, int(sample_rate))
    if ar2 or ar2_truth is not None:
        result.ar2_generated, result.ar2_real = fit_ar2(gen), fit_ar2(ref)
        if ar2_truth is not None:
            t = ar2_truth if isinstance(ar2_truth, dict) else {"a": float(ar2_truth[0]), "b": float(ar2_truth[1])}
            result.ar2_truth = {"a": float(t["a"]), "b": float(t["b"])}
    return result
