"""Architecture suggestion from a DatasetReport."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wavenetlike import AR2, Dataset, ModelConfig, analyze, suggest
from wavenetlike.analysis.suggest import Budget, parse_budget, partial_autocorrelation
from wavenetlike.config import macs_per_sample, parameter_count
from wavenetlike.data.audio_io import write_wav

SR = 16000


@pytest.fixture(scope="module")
def speech_report():
    return analyze(Dataset(None))


def test_ar2_data_gets_a_tiny_continuous_model() -> None:
    report = analyze(Dataset(AR2(a=0.6, b=-0.3, length=8000, count=4)))
    cfg = suggest(report)
    assert isinstance(cfg, ModelConfig)
    assert cfg.receptive_field == 3 and cfg.continuous
    assert parameter_count(cfg) < 1000
    assert "AR(2)" in cfg.rationale and "logistic distribution" in cfg.rationale and "Δ = 2 + 1 = 3" in cfg.rationale
    assert cfg.warnings == []
    assert not cfg.pitch_predictor and report.voiced_share < 0.3  # nothing periodic to predict
    assert set(cfg.alternatives) == {"smaller", "larger"}
    assert cfg.alternatives["smaller"].receptive_field < 3 < cfg.alternatives["larger"].receptive_field
    assert all(alt.rationale for alt in cfg.alternatives.values())
    assert cfg.reports["larger"].parameters == parameter_count(cfg.alternatives["larger"])


def test_ar_like_arrays_are_recognised_by_their_partial_autocorrelation() -> None:
    data = AR2(a=0.5, b=0.3, length=20_000, count=3, seed=7).generate()
    report = analyze(Dataset(data, sample_rate=SR))
    assert report.kind == "arrays"
    cfg = suggest(report)
    assert cfg.continuous and cfg.receptive_field == 3
    assert "partial autocorrelation is negligible beyond lag 2" in cfg.rationale


def test_partial_autocorrelation_of_ar2() -> None:
    from wavenetlike.data.ar2 import ar2_theoretical_acf
    pacf = partial_autocorrelation(ar2_theoretical_acf(0.5, 0.3, 10), 6)
    assert pacf[1] == pytest.approx(0.3) and np.allclose(pacf[2:], 0, atol=1e-12)


def test_speech_at_16k_lands_in_the_wavenet_family(speech_report) -> None:
    cfg = suggest(speech_report)
    assert cfg.kernel_size == 2 and cfg.dilation_base == 2
    # a mixture of logistics on full-resolution values, with the linear predictor of the baseline's order
    assert cfg.continuous and cfg.input_kind == "value" and cfg.mixture_components == 10 and cfg.linear_order == 32
    assert cfg.quantization_channels in (64, 256)
    assert 256 <= cfg.receptive_field <= 8192 and cfg.n_blocks >= 2 and 6 <= cfg.layers_per_block <= 10
    assert cfg.receptive_field >= 2 * speech_report.correlation_length
    assert cfg.receptive_field >= speech_report.context_needed
    assert cfg.receptive_field <= speech_report.typical_clip_length // 2
    assert cfg.sample_rate == SR
    # espeak-ng's voice is periodic most of the time: the suggestion adds the pitch term, and Δ covers its reach
    assert speech_report.voiced_share > 0.6 and cfg.pitch_predictor and cfg.adaptive_scale
    assert cfg.receptive_field == 32 + 20 + 200 + 32  # order, 1.25-ms window, 12.5-ms lag, scale taps
    assert "pitch term" in cfg.rationale and "voiced" in cfg.rationale
    for phrase in ("predictability curve", "Δ ≥ L =", "correlation length", "80 Hz voice", "mu-law classes",
                   "linear predictor of order 32", "fitted on the training clips",
                   "budget"):
        assert phrase in cfg.rationale
    small, large = cfg.alternatives["smaller"], cfg.alternatives["larger"]
    assert parameter_count(small) < parameter_count(cfg) < parameter_count(large)
    assert small.receptive_field < cfg.receptive_field <= large.receptive_field


def test_budget_scales_widths_and_quantization(speech_report) -> None:
    default = suggest(speech_report)
    tiny = suggest(speech_report, budget=20_000)
    big = suggest(speech_report, budget="2M")
    longer = suggest(speech_report, budget="10min")
    assert parameter_count(tiny) <= 20_000 < parameter_count(default)
    assert parameter_count(big) <= 2_000_000 and big.residual_channels > default.residual_channels
    assert big.quantization_channels == 256 and default.quantization_channels == 64
    assert macs_per_sample(longer) <= Budget(seconds=600).max_macs()
    assert longer.residual_channels > default.residual_channels
    assert tiny.receptive_field == default.receptive_field  # the budget changes widths, not Δ


def test_very_short_clips_get_a_warning(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for i in range(12):
        x = np.convolve(rng.standard_normal(480), np.ones(8) / 8, mode="same").astype(np.float32)  # 30 ms
        write_wav(tmp_path / f"blip{i}.wav", 0.5 * x, SR)
    report = analyze(Dataset(tmp_path))
    cfg = suggest(report)
    assert any("very short" in w for w in cfg.warnings)
    assert cfg.receptive_field <= 240  # at most half a typical clip


def test_budget_parsing() -> None:
    assert parse_budget(None) == Budget(seconds=60.0)
    assert parse_budget(50_000) == Budget(parameters=50_000)
    assert parse_budget("250k") == Budget(parameters=250_000)
    assert parse_budget("1.5M") == Budget(parameters=1_500_000)
    assert parse_budget("90s") == Budget(seconds=90.0)
    assert parse_budget("5min") == Budget(seconds=300.0)
    assert parse_budget({"parameters": 1000, "seconds": 30}) == Budget(1000, 30.0)
    for bad in ("lots", -5, {"params": 3}, {}, True):
        with pytest.raises(ValueError, match="budget"):
            parse_budget(bad)
    with pytest.raises(TypeError, match="DatasetReport"):
        suggest(ModelConfig())
