"""Dataset analysis: the ACF against numpy and AR(2) theory, spectrum, statistics, errors, warnings."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from wavenetlike import AR2, Dataset, DatasetReport, analyze
from wavenetlike.analysis import dataset_report as dr
from wavenetlike.analysis.dataset_report import AcfAccumulator, WelchAccumulator, analyze_dataset
from wavenetlike.data.ar2 import ar2_theoretical_acf
from wavenetlike.data.audio_io import write_wav
from wavenetlike.data.dataset import Cancelled

SR = 16000


def _direct_acf(clips: list[np.ndarray], max_lag: int) -> np.ndarray:
    sums = np.zeros(max_lag + 1)
    pairs = np.zeros(max_lag + 1)
    for x in clips:
        y = x.astype(np.float64) - x.mean(dtype=np.float64)
        for k in range(min(max_lag, len(y) - 1) + 1):
            sums[k] += np.dot(y[: len(y) - k], y[k:])
            pairs[k] += len(y) - k
    cov = sums / np.maximum(pairs, 1)
    return cov / cov[0]


def test_acf_matches_direct_numpy_over_clips_of_different_lengths() -> None:
    rng = np.random.default_rng(0)
    clips = [np.cumsum(rng.standard_normal(n)).astype(np.float32) * 0.01 + 0.3 for n in (50, 700, 1234, 3000)]
    ds = Dataset(clips, sample_rate=SR)
    report = analyze_dataset(ds, max_lag=120)
    assert report.acf.shape == (121,) and report.max_lag == 120
    np.testing.assert_allclose(report.acf, _direct_acf(clips, 120), rtol=1e-9, atol=1e-12)


def test_long_clips_are_processed_in_segments_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.random.default_rng(1).standard_normal(10_000)
    whole = AcfAccumulator(300)
    whole.add(x)
    monkeypatch.setattr(dr, "SEGMENT", 777)
    pieces = AcfAccumulator(300)
    pieces.add(x)
    np.testing.assert_allclose(pieces.sums, whole.sums, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(pieces.acf(), _direct_acf([x], 300), atol=1e-12)
    w_pieces = WelchAccumulator(256, SR)
    w_pieces.add(x)
    f, p = w_pieces.result()
    f2, p2 = scipy.signal.welch(x, SR, nperseg=256)
    np.testing.assert_allclose(f, f2)
    np.testing.assert_allclose(p, p2, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("a,b", [(0.6, -0.3), (0.5, 0.3), (1.2, -0.6)])
def test_ar2_acf_matches_theory(a: float, b: float) -> None:
    ds = Dataset(AR2(a=a, b=b, length=40_000, count=6, seed=4))
    report = analyze(ds, max_lag=40)
    theory = ar2_theoretical_acf(a, b, 40)
    assert np.max(np.abs(report.acf - theory)) < 0.03
    assert report.kind == "ar2"


def test_correlation_length_and_integrated_time_of_ar1() -> None:
    a = 0.9
    ds = Dataset(AR2(a=a, b=0.0, length=50_000, count=6, seed=5))
    report = analyze(ds, max_lag=200)
    # ρ(k) = a^k falls below 1/e after k > 1/ln(1/a) = 9.49: the last lag at or above 1/e is 9
    assert report.correlation_length in (9, 10, 11)
    assert report.correlation_length_ms == pytest.approx(1000 * report.correlation_length / SR)
    assert "1/e" in report.correlation_length_definition
    assert report.integrated_correlation_time == pytest.approx((1 + a) / (1 - a), rel=0.15)
    assert not report.correlation_length_saturated


def test_correlation_length_helpers() -> None:
    assert dr.correlation_length(np.array([1.0, 0.5, 0.1, -0.4, 0.05])) == 4
    assert dr.correlation_length(np.array([1.0, 0.0, 0.0])) == 1
    tau, w = dr.integrated_correlation_time(0.5 ** np.arange(100))
    assert tau == pytest.approx(3.0, abs=1e-3) and w >= 15  # truncated at the window W


def test_statistics_spectrum_and_labels() -> None:
    t = np.arange(SR) / SR
    tones = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1200 * t)).astype(np.float32)
    half_silent = np.concatenate([np.zeros(SR // 2, np.float32), tones[: SR // 2]])
    clipped = np.clip(3 * tones, -1.0, 1.0).astype(np.float32)
    ds = Dataset([tones, half_silent, clipped + 0.0], sample_rate=SR)
    report = analyze_dataset(ds)
    assert report.n_clips == 3 and report.lengths == [SR, SR, SR]
    assert report.total_duration == pytest.approx(3.0)
    assert report.length_stats == {"min": 1.0, "median": 1.0, "mean": 1.0, "max": 1.0}
    allx = np.concatenate([tones, half_silent, clipped]).astype(np.float64)
    assert report.rms == pytest.approx(np.sqrt(np.mean(allx ** 2)), rel=1e-6)
    assert report.peak == pytest.approx(1.0)
    assert report.dc_offset == pytest.approx(allx.mean(), abs=1e-7)
    assert report.clipping_fraction == pytest.approx(np.mean(np.abs(allx) >= 0.999), rel=1e-6)
    assert report.silence_fraction == pytest.approx(0.5 / 3, abs=0.01)
    assert sorted(round(f / 50) * 50 for f in report.dominant_frequencies[:2]) == [450, 1200]
    assert report.spectrum_freqs[-1] == pytest.approx(SR / 2) and report.spectrum_power.shape == report.spectrum_freqs.shape
    assert report.original_sample_rates == {SR: 3} and report.channel_counts == {1: 3}
    assert any("full scale" in w for w in report.warnings)


def test_errors_from_loading_are_carried_and_summary_and_json(tmp_path: Path) -> None:
    write_wav(tmp_path / "word" / "ok.wav", (0.3 * np.random.default_rng(0).standard_normal(4000)).astype(np.float32), SR)
    write_wav(tmp_path / "word" / "ok2.wav", (0.3 * np.random.default_rng(1).standard_normal(3000)).astype(np.float32), SR)
    (tmp_path / "word" / "empty.wav").write_bytes(b"")
    (tmp_path / "fake.wav").write_text("hello\n")
    ds = Dataset(tmp_path, labels_from_folders=True)
    report = analyze(ds)
    assert {e.name for e in report.errors} == {"word/empty.wav", "fake.wav"}
    assert report.labels == {"word": 2}
    text = report.summary()
    assert "word/empty.wav: the file is empty" in text and "fake.wav" in text and "Correlation length" in text
    assert any("could not be used" in w for w in report.warnings)
    d = report.to_dict()
    s = json.dumps(d, allow_nan=False)
    back = DatasetReport.from_dict(json.loads(s))
    np.testing.assert_allclose(back.acf, report.acf)
    assert back.errors == report.errors and back.original_sample_rates == report.original_sample_rates
    assert back.summary() == text


def test_warnings_for_short_clips_and_a_saturated_acf() -> None:
    rng = np.random.default_rng(2)
    short = Dataset([0.2 * rng.standard_normal(400).astype(np.float32) for _ in range(10)], sample_rate=SR)
    report = analyze(short)
    assert any("very short" in w for w in report.warnings)
    assert report.max_lag <= 399
    t = np.arange(8000) / SR
    hum = Dataset([np.sin(2 * np.pi * 50 * t).astype(np.float32)], sample_rate=SR)
    r = analyze(hum, max_lag=100)  # a 50 Hz hum is still strongly correlated at 100 samples
    assert r.correlation_length_saturated and r.correlation_length == 100
    assert any("larger max_lag" in w for w in r.warnings)


def test_progress_and_cancel() -> None:
    ds = Dataset(AR2(length=2000, count=5))
    seen = []
    analyze(ds, progress=lambda d, t, w: seen.append((d, t)))
    assert seen == [(i, 5) for i in range(1, 6)]
    with pytest.raises(Cancelled):
        analyze(ds, cancel=lambda: True)


def test_bundled_speech_report_is_plausible() -> None:
    report = analyze(Dataset(None))
    assert report.n_clips >= 100 and len(report.labels) >= 6
    assert 1 <= report.correlation_length < report.max_lag
    assert report.acf[1] > 0.5  # speech at 16 kHz is strongly correlated from one sample to the next
    assert all(80 < f < 4000 for f in report.dominant_frequencies)
    assert report.errors == [] and report.silence_fraction < 0.5
    assert math.isfinite(report.integrated_correlation_time)


def test_whole_report_is_the_same_when_long_clips_are_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)
    x = np.concatenate([np.zeros(3000), 0.3 * rng.standard_normal(9000), np.zeros(500)]).astype(np.float32)
    ds = Dataset([x, x[:5000] * 0.5], sample_rate=SR)
    whole = analyze_dataset(ds, max_lag=200)
    monkeypatch.setattr(dr, "SEGMENT", 1000)
    chunked = analyze_dataset(ds, max_lag=200)
    for name in ("rms", "peak", "dc_offset", "silence_fraction", "clipping_fraction", "correlation_length"):
        assert getattr(chunked, name) == pytest.approx(getattr(whole, name), rel=1e-9, abs=1e-12), name
    np.testing.assert_allclose(chunked.acf, whole.acf, atol=1e-12)
    np.testing.assert_allclose(chunked.spectrum_power, whole.spectrum_power, rtol=1e-9)
    assert whole.silence_fraction == pytest.approx((3500 + 3000) / 17500, abs=0.02)  # zeros in both clips
