"""Generated-audio statistics on signals whose answers are known."""
import numpy as np
import pytest

from wavenetlike.analysis.audio_stats import (audio_stats, compare_generated, fit_ar2, long_term_spectrum,
                                              silence_threshold, spectral_distance_db, voiced_frames)

SR = 16000


def harmonic_tone(seconds=1.0, f0=150.0, amp=0.3, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return amp * sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 8))


def white(seconds=1.0, amp=0.1, seed=0, sr=SR):
    return amp * np.random.default_rng(seed).standard_normal(int(seconds * sr))


def shaped_noise(gain_db_below, gain_db_above, split_hz=2500.0, seconds=8.0, seed=1):
    """White noise whose spectrum is raised by one gain below ``split_hz`` and another above it."""
    x = white(seconds, 1.0, seed)
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / SR)
    spec *= np.where(f < split_hz, 10 ** (gain_db_below / 20), 10 ** (gain_db_above / 20))
    return np.fft.irfft(spec, len(x))


def test_a_harmonic_tone_is_voiced_and_white_noise_is_not():
    assert voiced_frames(harmonic_tone(), SR).mean() > 0.95
    assert voiced_frames(white(), SR).mean() < 0.05
    # the lag range is 2.5-12.5 ms: a 1 kHz tone's period (1 ms) is shorter, but its multiples fall inside it
    assert audio_stats(harmonic_tone(), SR).voiced_share > 0.95
    assert audio_stats(white(), SR).voiced_share < 0.05
    # every frame of a short clip counts, the last ones too (their shifted copy looks back)
    assert audio_stats([harmonic_tone(0.1)] * 3, SR).voiced_share == 1.0


def test_a_low_rumble_is_not_a_voice():
    """Brown noise (correlated at every short lag) has no pitch; an 80 Hz tone (the lowest voice) has."""
    rng = np.random.default_rng(0)
    rumble = np.cumsum(rng.standard_normal(SR))
    rumble -= np.convolve(rumble, np.ones(400) / 400, "same")  # no drift, still a rumble below ~40 Hz
    assert voiced_frames(rumble, SR).mean() < 0.1
    t = np.arange(SR) / SR
    assert voiced_frames(np.sin(2 * np.pi * 80 * t), SR).mean() > 0.95


def test_silence_fraction_of_a_half_silent_signal_and_the_rms_of_the_rest():
    x = np.concatenate([np.zeros(SR // 2), 0.25 * np.sign(np.sin(np.arange(SR // 2) * 0.05))])
    s = audio_stats(x, SR)
    assert s.frames == 50 and s.silent_fraction == pytest.approx(0.5)
    assert s.nonsilent_rms == pytest.approx(0.25, rel=0.02)
    assert s.nonsilent_rms_db == pytest.approx(20 * np.log10(0.25), abs=0.2)


def test_a_quiet_take_is_judged_by_the_real_data_level_not_its_own():
    real = [harmonic_tone(0.5, amp=0.3)]
    quiet = 0.001 * harmonic_tone(1.0)  # 60 dB below the real level
    alone = audio_stats(quiet, SR)
    assert alone.silent_fraction == 0.0  # measured against itself it looks fully sounding
    cmp = compare_generated([quiet], real, SR)
    assert cmp.generated.silent_fraction == 1.0 and cmp.generated.nonsilent_rms is None
    assert cmp.generated.silence_threshold == pytest.approx(silence_threshold(real, SR))
    assert cmp.real.silent_fraction == 0.0


def test_spectral_distance_is_zero_for_the_same_shape_whatever_the_level():
    x = white(4.0, 0.1)
    f, a = long_term_spectrum([x], SR)
    _, b = long_term_spectrum([4 * x], SR)  # 12 dB louder
    assert spectral_distance_db(f, a, a) == 0.0
    assert spectral_distance_db(f, a, b) == pytest.approx(0.0, abs=1e-9)


def test_spectral_distance_of_a_6_db_tilt_is_6_db():
    flat = shaped_noise(0, 0)
    tilted = shaped_noise(6, -6)  # +6 dB below 2.5 kHz, −6 dB above: ±6 dB after level normalisation
    cmp = compare_generated([tilted], [flat], SR)
    assert cmp.spectral_distance_db == pytest.approx(6.0, abs=0.4)
    half = compare_generated([shaped_noise(3, -3, seed=2)], [flat], SR)
    assert half.spectral_distance_db == pytest.approx(3.0, abs=0.4)
    # independent noise of the same shape is close to 0
    assert compare_generated([shaped_noise(0, 0, seed=3)], [flat], SR).spectral_distance_db < 0.5


def test_ar2_coefficients_are_recovered_from_audio():
    from wavenetlike import AR2
    clips = AR2(a=1.2, b=-0.5, length=20000, count=2, seed=0).generate()
    fit = fit_ar2(clips)
    assert fit["a"] == pytest.approx(1.2, abs=0.02) and fit["b"] == pytest.approx(-0.5, abs=0.02)
    assert fit["residual_std"] == pytest.approx(1.0, abs=0.03)
    cmp = compare_generated(clips[:1], clips[1:], SR, ar2_truth=(1.2, -0.5))
    assert cmp.ar2_truth == {"a": 1.2, "b": -0.5}
    assert cmp.ar2_generated["a"] == pytest.approx(1.2, abs=0.03)
    assert "AR(2) fit" in cmp.summary() and "truth a = 1.200" in cmp.summary()
    assert cmp.generated.std == pytest.approx(cmp.real.std, rel=0.1)


def test_summary_and_dict_say_what_was_measured():
    cmp = compare_generated(np.stack([white(1.0), white(1.0, seed=4)]), [harmonic_tone(1.0)], SR)
    text = cmp.summary()
    for words in ("silent frames", "RMS of non-silent frames", "voiced share", "spectral-shape distance"):
        assert words in text
    d = cmp.to_dict()
    assert d["generated"]["voiced_share"] < 0.05 and d["real"]["voiced_share"] > 0.95
    assert d["generated"]["seconds"] == 2.0 and len(d["real"]["ltas_db"]) == len(d["real"]["ltas_hz"])
    import json
    json.dumps(d)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="clip 0"):
        audio_stats(np.array([0.0, np.nan]), SR)
    with pytest.raises(ValueError, match="no real audio"):
        compare_generated([white()], [], SR)
    with pytest.raises(ValueError, match="sample_rate"):
        compare_generated([white()], [white()], 0)
