"""evaluate() and score_clips(): whole held-out clips, teacher-forced, against hand computations and baselines."""
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from wavenetlike import AR2, Dataset, ModelConfig, build_wavenetlike
from wavenetlike.analysis.baselines import same_class_baseline
from wavenetlike.conditioning import UPSAMPLER_CONTEXT, features_for_clip
from wavenetlike.data.mulaw import mu_law_encode
from wavenetlike.data.windows import frames_for_window
from wavenetlike.evaluate import EvaluationReport, evaluate
from wavenetlike.scoring import capped_lengths, score_clips

TINY = ModelConfig(n_blocks=1, layers_per_block=3, kernel_size=2, residual_channels=4, gate_channels=4,
                   skip_channels=4, output_channels=6, quantization_channels=8)


def _clips(seed=0, lengths=(40, 5, 2, 1, 23)):
    rng = np.random.default_rng(seed)
    return [np.clip(0.4 * rng.standard_normal(n), -1, 1).astype(np.float32) for n in lengths]


def _by_hand(model, clips, scale, labels=None, max_targets=None):
    """Each target on its own: the Δ samples before it (zeros before the clip), full forward, last output."""
    from wavenetlike.model.distributions import class_log_probs, model_inputs
    c = model.config
    delta = c.receptive_field
    nats, count, correct = 0.0, 0, 0
    with torch.no_grad():
        for i, clip in enumerate(clips):
            x = torch.from_numpy(clip / scale)
            for t in range(1, len(clip)):
                if max_targets is not None and count >= max_targets:
                    break
                window = torch.zeros(delta)
                past = x[max(0, t - delta):t]
                window[delta - len(past):] = past
                g = None if labels is None else torch.tensor([labels[i]])
                out = model(model_inputs(c, window.unsqueeze(0)), global_cond=g)[:, :, -1:]
                logp = class_log_probs(c, out, c.quantization_channels)[0, :, 0].double()
                target = int(mu_law_encode(x[t], c.quantization_channels))
                nats -= float(logp[target])
                correct += int(int(logp.argmax()) == target)
                count += 1
    return nats, count, correct


KINDS = {"onehot": TINY, "value-input": TINY.replace(input_kind="value+onehot"),
         "mixture": TINY.replace(continuous=True, mixture_components=2)}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_score_clips_equals_the_hand_computation_for_every_kind(kind, monkeypatch):
    torch.manual_seed(0)
    model = build_wavenetlike(KINDS[kind])
    clips = _clips(3)
    s = score_clips(model, clips, 1.0, chunk=6)
    nats, count, correct = _by_hand(model, clips, 1.0)
    assert s.count == count and s.nats == pytest.approx(nats, rel=1e-5) and s.correct == correct
    if kind == "mixture":  # the memory bound shrinks a mixture's chunks; the scores stay the same
        import wavenetlike.scoring as scoring
        monkeypatch.setattr(scoring, "MIXTURE_ELEMENTS_PER_CHUNK", 1)
        assert score_clips(model, clips, 1.0).nats == pytest.approx(nats, rel=1e-5)


@pytest.mark.parametrize("chunk", [1, 7, 16384])
def test_score_clips_equals_the_hand_computation_target_by_target(chunk):
    torch.manual_seed(0)
    model = build_wavenetlike(TINY)
    clips = _clips()
    s = score_clips(model, clips, 1.0, chunk=chunk)
    nats, count, correct = _by_hand(model, clips, 1.0)
    assert s.count == count == 39 + 4 + 1 + 0 + 22  # samples 1 … n−1 of each clip
    assert s.nats == pytest.approx(nats, rel=1e-5)
    assert s.correct == correct
    assert s.bits_per_sample == pytest.approx(nats / count / math.log(2), rel=1e-5)
    assert s.accuracy == correct / count


def test_score_clips_scale_cap_and_labels_match_the_hand_computation():
    torch.manual_seed(1)
    model = build_wavenetlike(TINY.replace(global_condition_classes=2, labels=["a", "b"]))
    clips = [3.0 * c for c in _clips(1)]
    labels = [0, 1, 1, 0, 1]
    s = score_clips(model, clips, 3.0, max_samples=50, labels=labels, chunk=5)
    nats, count, correct = _by_hand(model, clips, 3.0, labels=labels, max_targets=50)
    assert s.count == count == 50
    assert s.nats == pytest.approx(nats, rel=1e-5) and s.correct == correct
    with pytest.raises(ValueError, match="label"):
        score_clips(model, clips, 3.0)


def test_score_clips_locally_conditioned_model_matches_one_padded_pass():
    torch.manual_seed(2)
    config = TINY.replace(local_condition_channels=3, local_condition_hop=4)
    model = build_wavenetlike(config)
    clip = _clips(2, (61,))[0]
    s = score_clips(model, [clip], 1.0, chunk=9)
    # by hand: one pass over the clip with a frame-aligned run of zeros before it
    pad = 4 * math.ceil((config.receptive_field + UPSAMPLER_CONTEXT) / 4)
    x = np.concatenate([np.zeros(pad, np.float32), clip[:-1]])
    frames = frames_for_window(features_for_clip(config, clip).numpy(), -pad, len(x), 4)
    with torch.no_grad():
        out = model(mu_law_encode(torch.from_numpy(x), 8).unsqueeze(0),
                    local_cond=torch.from_numpy(frames).unsqueeze(0))[0, :, pad:]
    targets = mu_law_encode(torch.from_numpy(clip[1:]), 8)
    logp = F.log_softmax(out.double(), dim=0)
    assert s.count == 60 == out.shape[1]
    assert s.nats == pytest.approx(-float(logp.gather(0, targets.unsqueeze(0)).sum()), rel=1e-5)


class _Oracle(nn.Module):
    """Knows the rule of the alternating signal: the next class is 3 − this one (4 classes)."""

    def __init__(self):
        super().__init__()
        self.config = ModelConfig(n_blocks=1, layers_per_block=1, quantization_channels=4)
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x, global_cond=None, local_cond=None, output_from=0):
        return 50.0 * F.one_hot(3 - x[:, output_from:], 4).transpose(1, 2).float()


def test_an_oracle_scores_about_zero_bits_and_every_class_right():
    clip = np.tile(np.array([0.5, -0.5], np.float32), 300)
    s = score_clips(_Oracle(), [clip, clip[1:]], 1.0, chunk=64)
    assert s.count == 599 + 598
    assert s.bits_per_sample < 1e-6 and s.accuracy == 1.0
    # the same-class baseline is always wrong here; fitted on a clip without repeats, it spreads
    # its probability over the three other classes: log2(3) bits
    b = same_class_baseline([clip], [clip], 4)
    assert b.accuracy == 0.0 and b.bits_per_sample == pytest.approx(math.log2(3), abs=0.01)


def test_capped_lengths_keeps_whole_clips_then_cuts_one():
    assert capped_lengths([10, 10, 10], None) == [10, 10, 10]
    assert capped_lengths([10, 10, 10], 12) == [10, 4, 0]   # 9 + 3 targets
    assert capped_lengths([10, 1, 10], 9) == [10, 0, 0]
    assert capped_lengths([10, 10], 10) == [10, 2, ]


def test_same_class_baseline_on_a_constant_signal_is_right_every_time():
    clip = np.full(200, 0.3, np.float32)
    b = same_class_baseline([clip], [clip], 16)
    assert b.accuracy == 1.0 and b.bits_per_sample < 0.02


def test_evaluate_scores_the_trainers_held_out_clips_and_states_the_cap():
    dataset = Dataset([np.sin(np.arange(n) * 0.3).astype(np.float32) * 0.5 for n in (800, 900, 1000, 700, 600)],
                      sample_rate=8000)
    torch.manual_seed(0)
    model = build_wavenetlike(TINY.replace(sample_rate=8000))
    report = evaluate(model, dataset, validation_fraction=0.4, seed=3)
    train, held = dataset.split(0.4, 3)
    assert report.held_out_clips == len(held) == 2 and report.train_clips == len(train) == 3
    assert report.samples_scored == sum(len(c) - 1 for c in held) and not report.capped
    direct = score_clips(model, [c.audio for c in held], dataset.scale)
    assert report.bits_per_sample == pytest.approx(direct.bits_per_sample)
    assert report.baseline("same class").accuracy is not None
    capped = evaluate(model, dataset, validation_fraction=0.4, seed=3, max_held_out_seconds=0.1)
    assert capped.capped and capped.samples_scored == 800
    assert "capped at 0.1 s" in capped.summary()
    d = capped.to_dict()
    assert d["samples_scored"] == 800 and d["baselines"][0]["name"] == "same class"
    assert isinstance(capped, EvaluationReport)


def test_evaluate_without_held_out_clips_says_why():
    dataset = Dataset([np.zeros(100, np.float32)], sample_rate=8000)
    with pytest.raises(ValueError, match="validation_fraction"):
        evaluate(build_wavenetlike(TINY.replace(sample_rate=8000)), dataset, validation_fraction=0.0)
    with pytest.raises(ValueError, match="8000 Hz but the model works at 16000 Hz"):
        evaluate(build_wavenetlike(TINY), dataset)


def test_a_briefly_trained_model_beats_the_untrained_one_on_ar2():
    from wavenetlike import train
    dataset = Dataset(AR2(a=1.2, b=-0.5, length=3000, count=4, seed=0))
    config = TINY.replace(quantization_channels=16)
    torch.manual_seed(0)
    model = build_wavenetlike(config)
    before = evaluate(model, dataset, baselines=False).bits_per_sample
    train(model, dataset, max_steps=100, batch_size=4, target_length=256, lr=1e-2, threads=1,
          validation_every=None, device="cpu")
    after = evaluate(model, dataset)
    assert after.bits_per_sample < before - 0.5
    assert after.bits_per_sample < after.baseline("same class").bits_per_sample


def test_linear_predictor_baseline_beats_same_class_on_ar2_and_agrees_with_the_library_function():
    from wavenetlike.analysis.linear_prediction import linear_predictor_bits
    dataset = Dataset(AR2(a=1.2, b=-0.5, length=4000, count=5, seed=1))
    report = evaluate(build_wavenetlike(TINY.replace(quantization_channels=64)), dataset, validation_fraction=0.2)
    lp, same = report.baseline("linear predictor"), report.baseline("same class")
    assert lp.bits_per_sample < same.bits_per_sample - 0.5
    train, held = dataset.split(0.2, 0)
    direct = linear_predictor_bits([c.audio for c in train], [c.audio for c in held], [32], 64, scale=dataset.scale)
    # the library function also scores each clip's first sample; evaluate scores samples 1 … n−1 only
    assert lp.bits_per_sample == pytest.approx(direct[32], abs=0.01)
    assert "better than" in report.summary() or "worse than" in report.summary()


def test_score_clips_names_a_clip_with_bad_samples():
    clips = _clips()
    clips[1] = clips[1].copy()
    clips[1][2] = np.nan
    with pytest.raises(ValueError, match="clip 1 contains NaN"):
        score_clips(build_wavenetlike(TINY), clips, 1.0)


def test_the_report_splits_the_targets_by_voiced_unvoiced_and_silent_frames():
    """Clips of 100 ms tone, 100 ms noise, 100 ms near-silence: shares ≈ ⅓ each, and per-kind bits add up."""
    sr = 4000
    t = np.arange(400) / sr
    rng = np.random.default_rng(1)
    clips = []
    for i in range(10):
        tone = 0.5 * np.sin(2 * np.pi * (150 + 10 * i) * t)
        noise = 0.3 * rng.standard_normal(400)
        quiet = 1e-4 * rng.standard_normal(400)
        clips.append(np.concatenate([tone, noise, quiet]).astype(np.float32))
    dataset = Dataset(clips, sample_rate=sr)
    torch.manual_seed(0)
    model = build_wavenetlike(TINY.replace(continuous=True, mixture_components=2, sample_rate=sr))
    report = evaluate(model, dataset, validation_fraction=0.2, seed=0)
    kinds = {k.kind: k for k in report.by_frame_kind}
    assert set(kinds) == {"voiced", "unvoiced", "silent"}
    for k in kinds.values():  # 400 of the 1,199 targets each, give or take the frame a first target falls in
        assert abs(k.share - 1 / 3) < 0.01, k
    assert sum(k.share for k in kinds.values()) == pytest.approx(1.0)
    for who, total in (("model", report.bits_per_sample),
                       ("linear predictor", report.baseline("linear predictor").bits_per_sample)):
        assert sum(k.share * k.bits_per_sample[who] for k in kinds.values()) == pytest.approx(total, rel=1e-6)
    # the linear predictor predicts the tone almost exactly: far fewer bits there than in the noise
    assert kinds["voiced"].bits_per_sample["linear predictor"] < kinds["unvoiced"].bits_per_sample["linear predictor"] - 1
    summary = report.summary()
    assert "by 20-ms frame of the held-out audio" in summary and "voiced" in summary and "silent" in summary
    assert report.to_dict()["by_frame_kind"][0]["kind"] == report.by_frame_kind[0].kind
