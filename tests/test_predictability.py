"""The predictability curve and the context needed, on data whose answer is known."""
from __future__ import annotations

import json

import numpy as np
import pytest

from wavenetlike import AR2, Dataset, DatasetReport, analyze, suggest
from wavenetlike.analysis.predictability import context_grid, predictability_curve

SR = 16000


def pulse_train(count: int = 8, length: int = 6000, period: int = 300, seed: int = 0) -> list[np.ndarray]:
    """Noise plus a pulse repeated every ``period`` samples (a random phase per clip)."""
    rng = np.random.default_rng(seed)
    clips = []
    for _ in range(count):
        x = 0.05 * rng.standard_normal(length)
        x[int(rng.integers(period))::period] += 0.8
        clips.append(x.astype(np.float32))
    return clips


def test_context_grid_is_log_spaced_and_ends_at_the_limit():
    grid = context_grid(300)
    assert grid[:6] == [1, 2, 3, 4, 6, 8] and grid[-1] == 300
    assert all(b > a for a, b in zip(grid, grid[1:]))
    assert max(b / a for a, b in zip(grid[3:], grid[4:])) < 1.6


def test_ar2_needs_two_samples_of_context():
    report = analyze(Dataset(AR2(a=1.2, b=-0.5, length=8000, count=5)))
    curve = report.predictability
    assert curve is not None and 2 <= report.context_needed <= 3
    assert curve.bits[0] - curve.bits_at(2) > 0.1  # the second tap matters …
    assert curve.bits_at(2) - min(curve.bits) < curve.threshold  # … and nothing beyond it
    assert "Context needed: 2 samples" in report.summary() or "Context needed: 3 samples" in report.summary()


def test_a_pulse_every_300_samples_needs_about_300_samples_of_context():
    report = analyze(Dataset(pulse_train(), sample_rate=SR))
    assert report.correlation_length > 1000            # the 1/e rule sees only "very long"
    assert 280 <= report.context_needed <= 320, report.predictability.summary()
    curve = report.predictability
    assert curve.pitch_helps
    assert curve.bits_at(256) - curve.bits_at(362) > curve.threshold
    config = suggest(report)
    assert config.receptive_field >= report.context_needed
    assert "predictability curve" in config.rationale and f"L = {report.context_needed}" in config.rationale


def test_white_noise_needs_no_context():
    rng = np.random.default_rng(1)
    clips = [rng.standard_normal(4000) * 0.1 for _ in range(5)]
    curve = predictability_curve(clips[:4], clips[4:], SR)
    assert curve.context_needed == 1 and max(curve.bits) - min(curve.bits) < 0.05


def test_curve_survives_to_dict_and_back():
    report = analyze(Dataset(AR2(a=0.6, b=-0.3, length=4000, count=4)))
    again = DatasetReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.predictability is not None
    assert again.context_needed == report.context_needed
    assert again.predictability.contexts == report.predictability.contexts
    np.testing.assert_allclose(again.predictability.bits, report.predictability.bits)
    assert again.predictability.pitch_bits[0] is None


def test_analysis_without_the_curve_falls_back_on_the_older_rules():
    report = analyze(Dataset(pulse_train(count=4), sample_rate=SR), predictability=False)
    assert report.predictability is None and report.context_needed is None
    assert "margin of 2×" in suggest(report).rationale


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="threshold"):
        predictability_curve([np.ones(100)], [np.ones(100)], SR, threshold=0)
    with pytest.raises(ValueError, match="training clip"):
        predictability_curve([np.zeros(0)], [np.ones(100)], SR)
    rng = np.random.default_rng(2)
    curve = predictability_curve([rng.standard_normal(500)], [], SR)
    assert curve.notes and "no held-out clip" in curve.notes[0]


def test_bundled_speech_curve_and_choice(capsys):
    report = analyze(Dataset(None))
    curve = report.predictability
    config = suggest(report)
    with capsys.disabled():
        print("\nbundled speech:", curve.summary())
        print("  L:    ", curve.contexts)
        print("  bits: ", [round(b, 3) for b in curve.bits])
        print("  suggested Δ =", config.receptive_field)
    assert curve.bits[0] - min(curve.bits) > 1.0      # short-term prediction is worth more than a bit
    assert 8 <= curve.context_needed <= 1000
    assert config.receptive_field >= curve.context_needed
