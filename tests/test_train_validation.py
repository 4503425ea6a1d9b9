"""Validation on whole held-out clips, the best checkpoint beside the last, early stopping, silence skipping."""
import numpy as np
import pytest
import torch

from wavenetlike import Dataset, Trainer, build_wavenetlike, load_checkpoint
from wavenetlike.data.windows import WindowSampler, long_silence_cumsum
from wavenetlike.scoring import score_clips
from wavenetlike.train.trainer import best_checkpoint_path

TINY = dict(n_blocks=1, layers_per_block=3, residual_channels=8, gate_channels=8, skip_channels=8,
            output_channels=8, quantization_channels=16)


@pytest.fixture(scope="module")
def tones():
    t = np.arange(3000)
    clips = [0.6 * np.sin(2 * np.pi * t / p) + 0.2 * np.sin(4 * np.pi * t / p + 1) for p in (20, 24, 31, 40, 27)]
    return Dataset([c.astype(np.float32) for c in clips], sample_rate=8000)


@pytest.mark.parametrize("kind", [dict(), dict(input_kind="value"), dict(continuous=True, mixture_components=2)])
def test_validation_scores_whole_held_out_clips_in_bits(tones, kind):
    torch.manual_seed(0)
    model = build_wavenetlike(**{**TINY, **kind})
    tr = Trainer(model, tones, batch_size=4, target_length=64, lr=1e-2, max_steps=6, validation_every=3,
                 validation_fraction=0.4, validation_samples=2500)
    events = list(tr.steps())
    vals = [e for e in events if e.kind == "validation"]
    assert [e.step for e in vals] == [3, 6]
    # the same figure as scoring the held-out clips directly (the first 2500 targets)
    ref = score_clips(model, [c.audio for c in tr.val_clips], tr.scale, max_samples=2500)
    assert ref.count == 2500
    assert vals[-1].val_loss == pytest.approx(ref.nats / ref.count, rel=1e-5)
    assert vals[-1].bits_per_sample == pytest.approx(ref.bits_per_sample, rel=1e-5)  # every output kind
    assert vals[-1].val_accuracy == pytest.approx(ref.accuracy)
    # the baselines on the same targets come with every validation: periodic tones are easy for a linear predictor
    lines = vals[-1].baselines
    assert set(lines) == {"same class", "linear predictor (order 32)"}
    assert lines["linear predictor (order 32)"] < lines["same class"]


def test_best_checkpoint_is_kept_beside_the_last(tones, tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "run.safetensors"
    tr = Trainer(build_wavenetlike(**TINY), tones, batch_size=4, target_length=64, lr=3e-2, max_steps=30,
                 validation_every=5, validation_fraction=0.4, validation_samples=2000, checkpoint_path=path)
    events = list(tr.steps())
    best = best_checkpoint_path(path)
    assert best == str(tmp_path / "run.best.safetensors")
    vals = [h for h in tr.history if h["kind"] == "validation"]
    best_val = min(vals, key=lambda h: h["val_loss"])
    saved = [e for e in events if e.kind == "checkpoint" and e.checkpoint_path == best]
    assert len(saved) == sum(h["best"] for h in vals) >= 1
    ck_best, ck_last = load_checkpoint(best), load_checkpoint(path)
    assert ck_best.step == best_val["step"] == tr.best_step and ck_last.step == 30
    # the best file holds the weights that scored best
    again = score_clips(ck_best.model, [c.audio for c in tr.val_clips], tr.scale, max_samples=2000)
    assert again.nats / again.count == pytest.approx(best_val["val_loss"], rel=1e-5)


def test_early_stopping_ends_a_run_that_stopped_improving(tones):
    torch.manual_seed(0)
    # lr 0: nothing changes, so no validation after the first improves
    tr = Trainer(build_wavenetlike(**TINY), tones, batch_size=2, target_length=32, lr=1e-12, max_steps=100,
                 validation_every=2, validation_fraction=0.4, validation_samples=500, early_stopping=3)
    events = list(tr.steps())
    assert tr.step == 8  # validations at 2 (best), 4, 6, 8: three without improvement
    assert "stopped early" in events[-1].message and "step 2" in events[-1].message
    with pytest.raises(ValueError, match="early_stopping"):
        Trainer(build_wavenetlike(**TINY), tones, early_stopping=0)


def test_skip_silence_draws_windows_from_the_sound():
    sr = 16000
    clip = np.zeros(4 * sr, np.float32)
    clip[sr:sr + sr // 2] = 0.5 * np.sin(np.arange(sr // 2) * 0.3)  # 0.5 s of sound in 4 s of silence
    cs = long_silence_cumsum(clip, sr)
    assert cs[-1] / len(clip) == pytest.approx(3.5 / 4, abs=0.01)
    def loud_share(skip):
        s = WindowSampler([clip], 10, 256, 64, 16, seed=0, skip_silence=skip, sample_rate=sr)
        b = s.sample()
        return float((b.audio[:, 9:].abs() > 1e-3).float().mean()), s.silence_fraction
    plain, _ = loud_share(False)
    skipped, fraction = loud_share(True)
    assert plain < 0.3 and skipped > 0.6
    assert fraction == pytest.approx(3.5 / 4, abs=0.01)


def test_augment_flips_polarity_and_lowers_gain_only():
    clip = (0.5 * np.sin(np.arange(5000) * 0.05)).astype(np.float32)
    plain = WindowSampler([clip], 20, 200, 64, None, seed=3).sample()
    aug = WindowSampler([clip], 20, 200, 64, None, seed=3, augment=True).sample()
    ratio = (aug.audio.abs().amax(1) / plain.audio.abs().amax(1).clamp(min=1e-9)).numpy()
    assert np.all(ratio <= 1.0 + 1e-6) and np.all(ratio >= 10 ** (-3 / 20) - 1e-6)
    signs = np.sign((aug.audio * plain.audio).sum(1).numpy())
    assert (signs < 0).any() and (signs > 0).any()
    assert torch.equal(aug.targets[:, :-1], aug.inputs[:, 1:])  # targets still the next sample


def test_input_dither_keeps_each_input_in_its_class():
    from wavenetlike.data.mulaw import mu_law_encode
    clip = (0.5 * np.sin(np.arange(3000) * 0.05)).astype(np.float32)
    b = WindowSampler([clip], 10, 100, 8, 32, input_values=True, input_dither=True, seed=1).sample()
    assert torch.equal(mu_law_encode(b.inputs, 32), mu_law_encode(b.audio, 32))  # same classes …
    assert float((b.inputs - b.audio).abs().max()) > 1e-3                      # … other values
