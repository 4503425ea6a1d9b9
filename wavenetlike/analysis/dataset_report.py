"""Dataset analysis: lengths, rates, amplitude, silence, autocorrelation, correlation length, spectrum.

:func:`analyze_dataset` makes one pass over the clips and keeps only running
sums (memory does not grow with the amount of audio beyond the list of clip
lengths); long clips are processed in segments of at most 2**20 samples.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import scipy.fft
from scipy.signal import find_peaks

from ..data.dataset import CancelFn, Cancelled, LoadError, ProgressFn
from ..data.silence import SILENCE_DEFINITION, frame_length, frame_rms, silence_limit
from .predictability import PredictabilityCurve, dataset_predictability

__all__ = ["DatasetReport", "analyze_dataset", "AcfAccumulator", "WelchAccumulator", "correlation_length",
           "integrated_correlation_time", "CORRELATION_LENGTH_DEFINITION", "default_max_lag"]

CORRELATION_LENGTH_DEFINITION = (
    "the smallest lag k (in samples) beyond which |ρ(j)| stays below 1/e for every j up to the largest lag "
    "analysed, where ρ is the autocorrelation averaged over clips (each clip's mean removed; lag products "
    "pooled over clips and divided by the number of pairs at that lag, then by the lag-0 value); equivalently "
    "the lag where the envelope max_{j≥k}|ρ(j)| first falls below 1/e")
INTEGRATED_TIME_DEFINITION = ("τ_int = 1 + 2·Σ_{k=1..W} ρ(k), with Sokal's automatic window: the smallest W "
                              "with W ≥ 5·τ_int(W)")
SEGMENT = 1 << 20          # samples per FFT segment of a long clip
CLIPPING_LEVEL = 0.999     # fraction of full scale counted as clipped
SHORT_CLIP_SECONDS = 0.1   # clips shorter than this are "very short"
WELCH_MAX_SEGMENT = 1024


# ------------------------------------------------------------ accumulators
class AcfAccumulator:
    """Pooled autocovariance sums Σ_t y_t·y_{t+k} and pair counts over clips, k = 0 … max_lag."""

    def __init__(self, max_lag: int) -> None:
        self.max_lag = int(max_lag)
        self.sums = np.zeros(self.max_lag + 1)
        self.pairs = np.zeros(self.max_lag + 1)

    def add(self, x: np.ndarray, mean: float | None = None) -> None:
        """Add one clip; its mean (computed when not given) is removed first. Works segment by segment."""
        n = len(x)
        if n == 0:
            return
        if mean is None:
            mean = float(np.mean(x, dtype=np.float64))
        L = self.max_lag
        for s in range(0, n, SEGMENT):
            b = np.asarray(x[s:s + SEGMENT + L], dtype=np.float64) - mean
            a = b[:min(SEGMENT, n - s)]
            nfft = scipy.fft.next_fast_len(len(a) + L, real=True)
            fa = scipy.fft.rfft(a, nfft)
            fb = fa if len(b) == len(a) else scipy.fft.rfft(b, nfft)
            c = scipy.fft.irfft(np.conj(fa) * fb, nfft)[:L + 1]
            self.sums += c
        k = np.arange(L + 1)
        self.pairs += np.clip(n - k, 0, None)

    def acf(self) -> np.ndarray:
        """ρ(0 … max_lag); lags with no pairs are 0."""
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = np.where(self.pairs > 0, self.sums / np.maximum(self.pairs, 1), 0.0)
        if cov[0] <= 0:
            return np.zeros_like(cov)
        return cov / cov[0]


class WelchAccumulator:
    """Welch power spectral density (Hann window, 50 % overlap, each segment's mean removed), pooled over clips."""

    def __init__(self, nperseg: int, sample_rate: int) -> None:
        self.nperseg = int(nperseg)
        self.step = max(1, self.nperseg // 2)
        self.sample_rate = sample_rate
        self.window = np.hanning(self.nperseg + 1)[:-1] if self.nperseg > 1 else np.ones(1)  # periodic Hann
        self.power = np.zeros(self.nperseg // 2 + 1)
        self.segments = 0
        self.skipped = 0

    def add(self, x: np.ndarray) -> None:
        n = len(x)
        if n < self.nperseg:
            self.skipped += 1
            return
        n_seg = 1 + (n - self.nperseg) // self.step
        per_piece = max(1, SEGMENT // self.step)
        for first in range(0, n_seg, per_piece):
            last = min(n_seg, first + per_piece)
            piece = np.asarray(x[first * self.step:(last - 1) * self.step + self.nperseg], dtype=np.float64)
            frames = np.lib.stride_tricks.sliding_window_view(piece, self.nperseg)[::self.step]
            frames = (frames - frames.mean(axis=1, keepdims=True)) * self.window
            spec = np.abs(np.fft.rfft(frames, axis=1)) ** 2
            self.power += spec.sum(axis=0)
            self.segments += frames.shape[0]

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(frequencies in Hz, one-sided power spectral density in units²/Hz)."""
        freqs = np.fft.rfftfreq(self.nperseg, 1.0 / self.sample_rate)
        if self.segments == 0:
            return freqs, np.zeros_like(freqs)
        psd = self.power / self.segments / (self.sample_rate * float((self.window ** 2).sum()))
        if self.nperseg % 2 == 0:
            psd[1:-1] *= 2
        else:
            psd[1:] *= 2
        return freqs, psd


# ------------------------------------------------------------ derived figures
def correlation_length(acf: np.ndarray) -> int:
    """Smallest lag beyond which |acf| stays below 1/e (see CORRELATION_LENGTH_DEFINITION).

    Returns len(acf) − 1 (the largest lag) when the ACF is still above 1/e there.
    """
    above = np.flatnonzero(np.abs(acf) >= 1.0 / math.e)
    if above.size == 0:
        return 0
    return int(min(above[-1] + 1, len(acf) - 1))


def integrated_correlation_time(acf: np.ndarray, c: float = 5.0) -> tuple[float, int]:
    """(τ_int, window W) with Sokal's automatic windowing; W = max lag when no window satisfies it."""
    if len(acf) < 2:
        return 1.0, 0
    tau = 1.0 + 2.0 * np.cumsum(acf[1:])
    w = np.arange(1, len(acf))
    ok = np.flatnonzero(w >= c * tau)
    i = int(ok[0]) if ok.size else len(tau) - 1
    return float(tau[i]), int(w[i])


def default_max_lag(lengths: list[int], sample_rate: int) -> int:
    """A quarter second of lags, but no more than the median clip length − 1 (at least 1)."""
    if not lengths:
        return 1
    med = int(np.median(lengths))
    return int(max(1, min(round(0.25 * sample_rate), med - 1, max(lengths) - 1)))


def _dominant_frequencies(freqs: np.ndarray, power: np.ndarray, n: int = 5) -> list[float]:
    if power.size == 0 or not np.any(power > 0):
        return []
    # light smoothing (5-bin Hann) so that estimation noise does not make peaks of its own
    kernel = np.hanning(7)[1:-1]
    smooth = np.convolve(power, kernel / kernel.sum(), mode="same")
    peaks, _ = find_peaks(smooth, prominence=0.1 * float(smooth.max()), distance=3)
    if peaks.size == 0:
        return [float(freqs[int(np.argmax(smooth))])]
    order = peaks[np.argsort(smooth[peaks])[::-1]][:n]
    return [float(freqs[i]) for i in order]


# ------------------------------------------------------------------ report
@dataclass
class DatasetReport:
    """What a dataset holds, and how far its samples are correlated."""

    n_clips: int
    total_duration: float
    sample_rate: int
    lengths: list[int]
    length_stats: dict[str, float]
    original_sample_rates: dict[int, int]
    channel_counts: dict[int, int]
    rms: float
    peak: float
    clipping_fraction: float
    dc_offset: float
    silence_fraction: float
    acf: np.ndarray
    correlation_length: int
    correlation_length_ms: float
    correlation_length_definition: str
    integrated_correlation_time: float
    spectrum_freqs: np.ndarray
    spectrum_power: np.ndarray
    dominant_frequencies: list[float]
    labels: dict[str, int]
    errors: list[LoadError]
    warnings: list[str]
    # beyond the shared contract: what suggest() and the app also need
    kind: str = "audio"
    description: str = ""
    scale: float = 1.0
    max_lag: int = 0
    integrated_correlation_window: int = 0
    correlation_length_saturated: bool = False
    silence_definition: str = SILENCE_DEFINITION
    notes: list[str] = field(default_factory=list)
    predictability: PredictabilityCurve | None = None  # how much past the data needs (None: not measured)
    voiced_share: float | None = None  # voiced share of the non-silent 20-ms frames (audio_stats; None: not measured)

    @property
    def context_needed(self) -> int | None:
        """Samples of past beyond which prediction stops improving (from the predictability curve)."""
        return self.predictability.context_needed if self.predictability is not None else None

    @property
    def typical_clip_length(self) -> int:
        """The median clip length in samples."""
        return int(np.median(self.lengths)) if self.lengths else 0

    def summary(self) -> str:
        """A few lines a person reads."""
        ls = self.length_stats
        sr = self.sample_rate
        rates = ", ".join(f"{r} Hz × {n}" for r, n in sorted(self.original_sample_rates.items()))
        chans = ", ".join(f"{c} ch × {n}" for c, n in sorted(self.channel_counts.items()))
        lines = [
            f"{self.description or self.kind}: {self.n_clips} clips, {self.total_duration:.1f} s at {sr} Hz",
            f"Clip length: min {ls['min']:.3f} s, median {ls['median']:.3f} s, mean {ls['mean']:.3f} s, "
            f"max {ls['max']:.3f} s",
            f"Original sample rates: {rates}; channels: {chans}",
            f"Amplitude: RMS {self.rms:.4g}, peak {self.peak:.4g}, DC offset {self.dc_offset:.3g}, "
            f"clipped samples {100 * self.clipping_fraction:.3f}%",
            f"Silence: {100 * self.silence_fraction:.1f}% of the audio",
            f"Correlation length: {self.correlation_length} samples ({self.correlation_length_ms:.2f} ms)"
            + (" — at least; it reaches the largest lag analysed" if self.correlation_length_saturated else ""),
            f"  defined as {self.correlation_length_definition}",
            f"Integrated correlation time: {self.integrated_correlation_time:.2f} samples "
            f"(window {self.integrated_correlation_window})",
            "Dominant frequencies: " + (", ".join(f"{f:.0f} Hz" for f in self.dominant_frequencies) or "none"),
        ]
        if self.voiced_share is not None:
            lines.append(f"Voiced: {100 * self.voiced_share:.0f}% of the non-silent 20 ms frames "
                         "(normalised autocorrelation peak > 0.5 at a 2.5–12.5 ms lag)")
        if self.predictability is not None:
            lines.append(self.predictability.summary())
        if self.labels:
            lines.append("Labels: " + ", ".join(f"{k} ({v})" for k, v in sorted(self.labels.items())))
        if self.errors:
            lines.append(f"Unreadable ({len(self.errors)}):")
            lines += [f"  {e.name}: {e.reason}" for e in self.errors[:20]]
            if len(self.errors) > 20:
                lines.append(f"  … and {len(self.errors) - 20} more")
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: arrays become lists, dict keys strings, errors {name, reason}, NaN None."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if isinstance(v, PredictabilityCurve) else _json_safe(v)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DatasetReport":
        """Rebuild a report saved with :meth:`to_dict`."""
        kw = dict(d)
        for k in ("acf", "spectrum_freqs", "spectrum_power"):
            kw[k] = np.asarray(kw[k], dtype=np.float64)
        for k in ("original_sample_rates", "channel_counts"):
            kw[k] = {int(a): int(b) for a, b in kw[k].items()}
        kw["errors"] = [LoadError(e["name"], e["reason"]) for e in kw["errors"]]
        if isinstance(kw.get("predictability"), dict):
            kw["predictability"] = PredictabilityCurve.from_dict(kw["predictability"])
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})


def _json_safe(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return [_json_safe(x) for x in v.tolist()]
    if isinstance(v, LoadError):
        return {"name": v.name, "reason": v.reason}
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


# ---------------------------------------------------------------- analysis
def analyze_dataset(dataset: Any, max_lag: int | None = None, progress: ProgressFn | None = None,
                    cancel: CancelFn | None = None, predictability: bool = True) -> DatasetReport:
    """One streaming pass over ``dataset.clips``: the :class:`DatasetReport`.

    ``max_lag``: the largest ACF lag (default: a quarter second, at most the
    median clip length − 1). ``progress(done, total, what)`` is called per
    clip; ``cancel()`` returning True raises :class:`Cancelled`.
    ``predictability``: also measure the predictability curve and the context
    needed (see :mod:`wavenetlike.analysis.predictability`; a few seconds).
    """
    clips = list(dataset.clips)
    sr = int(dataset.sample_rate)
    scale = float(getattr(dataset, "scale", 1.0) or 1.0)
    lengths = [len(c.audio) for c in clips]
    warnings: list[str] = []
    if not clips:
        raise ValueError("analyze_dataset: the dataset holds no clips"
                         + (f" ({len(dataset.errors)} unreadable inputs)" if getattr(dataset, "errors", None) else ""))
    L = int(max_lag) if max_lag is not None else default_max_lag(lengths, sr)
    if L < 1:
        raise ValueError(f"max_lag = {max_lag!r} must be ≥ 1")
    if L > max(lengths) - 1:
        warnings.append(f"max_lag {L} is longer than the longest clip; lags past {max(lengths) - 1} have no data")
        L = max(1, max(lengths) - 1)
    med = int(np.median(lengths))
    nperseg = min(WELCH_MAX_SEGMENT, 1 << max(0, int(math.floor(math.log2(max(med, 1))))))
    acc = AcfAccumulator(L)
    welch = WelchAccumulator(nperseg, sr)
    total = 0
    s1 = 0.0
    s2 = 0.0
    peak = 0.0
    clipped = 0
    silent = 0
    full_scale = scale
    frame = frame_length(sr)
    for i, c in enumerate(clips):
        if cancel is not None and cancel():
            raise Cancelled(f"analysis cancelled after {i} of {len(clips)} clips")
        x = np.asarray(c.audio)
        n = len(x)
        if n:
            # amplitude statistics and silence frames, chunk by chunk (chunks hold whole frames)
            clip_sum = 0.0
            rms_parts = []
            chunk = frame * max(1, SEGMENT // frame)
            for s in range(0, n, chunk):
                xs = np.asarray(x[s:s + chunk], dtype=np.float64)
                clip_sum += float(xs.sum())
                s2 += float(np.einsum("i,i->", xs, xs))  # not np.dot: BLAS threads stall on a busy machine
                ax = np.abs(xs)
                peak = max(peak, float(ax.max()))
                clipped += int(np.count_nonzero(ax >= CLIPPING_LEVEL * full_scale))
                rms_parts.append(frame_rms(xs, frame))
            total += n
            s1 += clip_sum
            rms = np.concatenate(rms_parts)
            mask = rms < silence_limit(float(rms.max()), full_scale)
            silent += int(mask[:-1].sum()) * frame + (n - (mask.size - 1) * frame if mask[-1] else 0)
            acc.add(x, clip_sum / n)
            welch.add(x)
        if progress is not None:
            progress(i + 1, len(clips), c.name)

    acf = acc.acf()
    corr = correlation_length(acf)
    saturated = bool(abs(acf[-1]) >= 1.0 / math.e)
    tau, window = integrated_correlation_time(acf)
    freqs, psd = welch.result()
    mean = s1 / total if total else 0.0
    rms = math.sqrt(s2 / total) if total else 0.0
    secs = np.asarray(lengths, dtype=np.float64) / sr
    labels = Counter(c.label for c in clips if c.label is not None)
    rates = Counter(int(c.original_sample_rate or sr) for c in clips)
    chans = Counter(int(c.original_channels or 1) for c in clips)
    clipping_fraction = clipped / total if total else 0.0
    silence_fraction = silent / total if total else 0.0

    errors = list(getattr(dataset, "errors", []))
    if errors:
        warnings.append(f"{len(errors)} input(s) could not be used and are left out (listed under errors)")
    short = int(np.count_nonzero(secs < SHORT_CLIP_SECONDS))
    if short:
        warnings.append(f"{short} of {len(clips)} clips are very short (under {1000 * SHORT_CLIP_SECONDS:.0f} ms; "
                        f"median {1000 * float(np.median(secs)):.0f} ms): a model's receptive field cannot be longer "
                        "than the clips it learns from")
    if saturated:
        warnings.append(f"the ACF is still above 1/e at the largest lag analysed ({L} samples): the correlation "
                        "length is at least that; analyse with a larger max_lag")
    if clipping_fraction > 1e-3:
        warnings.append(f"{100 * clipping_fraction:.2f}% of samples are at full scale (clipped audio)")
    if total and abs(mean) > 0.01 * full_scale and abs(mean) > 0.1 * rms:
        warnings.append(f"DC offset {mean:.3g} is large compared with the RMS {rms:.3g}")
    if silence_fraction > 0.5:
        warnings.append(f"{100 * silence_fraction:.0f}% of the audio is silence; consider trim_silence=True")
    if welch.skipped:
        warnings.append(f"{welch.skipped} clip(s) shorter than the {nperseg}-sample spectrum window are not in "
                        "the spectrum")
    if len(rates) > 1 or (rates and next(iter(rates)) != sr):
        other = sum(n for r, n in rates.items() if r != sr)
        if other:
            warnings.append(f"{other} clip(s) were resampled to {sr} Hz")
    if rms == 0.0:
        warnings.append("every sample is zero")
    voiced = _voiced_share(clips, sr) if rms > 0.0 else None
    curve = None
    if predictability and rms > 0.0:
        try:
            curve = dataset_predictability(dataset, cancel=cancel)
        except ValueError as exc:  # e.g. clips too short to fit a predictor: the rest of the report stands
            warnings.append(f"no predictability curve: {exc}")

    return DatasetReport(
        n_clips=len(clips),
        total_duration=total / sr,
        sample_rate=sr,
        lengths=lengths,
        length_stats={"min": float(secs.min()), "median": float(np.median(secs)), "mean": float(secs.mean()),
                      "max": float(secs.max())},
        original_sample_rates=dict(sorted(rates.items())),
        channel_counts=dict(sorted(chans.items())),
        rms=rms,
        peak=peak,
        clipping_fraction=clipping_fraction,
        dc_offset=mean,
        silence_fraction=silence_fraction,
        acf=acf,
        correlation_length=corr,
        correlation_length_ms=1000.0 * corr / sr,
        correlation_length_definition=CORRELATION_LENGTH_DEFINITION,
        integrated_correlation_time=tau,
        spectrum_freqs=freqs,
        spectrum_power=psd,
        dominant_frequencies=_dominant_frequencies(freqs, psd),
        labels=dict(sorted(labels.items())),
        errors=errors,
        warnings=warnings,
        kind=str(getattr(dataset, "kind", "audio")),
        description=str(getattr(dataset, "description", "")),
        scale=scale,
        max_lag=L,
        integrated_correlation_window=window,
        correlation_length_saturated=saturated,
        notes=list(getattr(dataset, "notes", [])),
        predictability=curve,
        voiced_share=voiced,
    )


VOICING_MAX_SECONDS = 120.0
"""At most this much audio (clips in order) is measured for the report's voiced share."""


def _voiced_share(clips: list[Any], sample_rate: int) -> float | None:
    """The voiced share of the non-silent 20-ms frames of the first VOICING_MAX_SECONDS of the clips."""
    from .audio_stats import audio_stats
    taken, left = [], int(VOICING_MAX_SECONDS * sample_rate)
    for c in clips:
        if left <= 0:
            break
        a = np.asarray(c.audio, dtype=np.float64).ravel()[:left]
        if a.size:
            taken.append(a)
            left -= a.size
    if not taken:
        return None
    share = audio_stats(taken, sample_rate).voiced_share
    return None if share is None or not math.isfinite(share) else float(share)
