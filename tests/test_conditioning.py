"""Conditioning: labels into config and checkpoints, feature alignment, and conditioned generation."""
import importlib

import numpy as np
import pytest
import torch

from wavenetlike import (Dataset, ModelConfig, Trainer, analyze, build_wavenetlike, condition_on_features,
                         condition_on_labels, features_for_clip, load_checkpoint)
from wavenetlike.conditioning import UPSAMPLER_CONTEXT, frames_for_window
from wavenetlike.data.mulaw import mu_law_decode_np, mu_law_encode_np
from wavenetlike.features import log_mel

SR = 8000
SMALL = dict(n_blocks=1, layers_per_block=4, residual_channels=16, gate_channels=16, skip_channels=32,
             output_channels=32, quantization_channels=64, sample_rate=SR)



def _tone(freq, n, rng, amp=0.5):
    return amp * np.sin(2 * np.pi * freq * np.arange(n) / SR + rng.uniform(0, 2 * np.pi))


def dominant_frequency(x):
    """Frequency (Hz) of the largest peak of the Hann-windowed spectrum."""
    x = np.asarray(x, dtype=np.float64)
    spec = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / SR)[spec.argmax()])


def _labelled_tones(n_per_label=3, length=4000):
    rng = np.random.default_rng(0)
    clips, labels = [], []
    for freq, name in [(400, "low"), (2000, "high")]:
        for _ in range(n_per_label):
            clips.append(_tone(freq, length, rng).astype(np.float32))
            labels.append(name)
    ds = Dataset(clips, sample_rate=SR)
    for clip, label in zip(ds.clips, labels):
        clip.label = label
    return ds


# ---------------------------------------------------------------- global
def test_condition_on_labels_sizes_the_config_and_the_report_counts_it():
    ds = _labelled_tones(1, 500)
    base = ModelConfig(**SMALL)
    cfg = condition_on_labels(base, ds, channels=8)
    assert cfg.global_condition_classes == 2 and cfg.labels == ["high", "low"]
    assert cfg.global_condition_channels == 8 and base.global_condition_classes == 0
    model = build_wavenetlike(cfg)
    report = analyze(model)
    assert report.parameters == sum(p.numel() for p in model.parameters())
    # the conditioning networks: embedding rows + one 1x1 projection to 2G per layer
    assert report.parameter_breakdown["global_condition"] == 2 * 8 + 4 * 8 * 2 * 16
    assert report.parameters - analyze(base).parameters == report.parameter_breakdown["global_condition"]
    with pytest.raises(ValueError, match="at least two labels"):
        condition_on_labels(base, ["only"])
    with pytest.raises(ValueError, match="distinct"):
        condition_on_labels(base, ["a", "a"])


def test_local_condition_parameters_are_counted():
    cfg = condition_on_features(ModelConfig(**SMALL), n_mels=8, hop=64)
    assert (cfg.local_condition_channels, cfg.local_condition_hop) == (8, 64)
    assert condition_on_features(ModelConfig(**SMALL)).local_condition_hop == 128  # ~16 ms at 8 kHz
    model = build_wavenetlike(cfg)
    report = analyze(model)
    assert report.parameters == sum(p.numel() for p in model.parameters())
    assert report.parameter_breakdown["local_condition"] == (8 * 8 * 3 + 8) + 4 * 8 * 2 * 16


def test_trainer_fills_labels_and_checkpoint_keeps_them(tmp_path):
    ds = _labelled_tones(2, 600)
    torch.manual_seed(0)
    model = build_wavenetlike(ModelConfig(**SMALL, global_condition_classes=2))  # classes, but no names
    ck_path = tmp_path / "c.safetensors"
    tr = Trainer(model, ds, batch_size=4, target_length=32, max_steps=2, validation_every=None,
                 validation_fraction=0.0, checkpoint_path=ck_path)
    assert model.config.labels == ["high", "low"]
    assert sorted(set(tr.sampler.labels.tolist())) == [0, 1]
    by_name = {c.name: c.label for c in ds.clips}
    batch = tr.sampler.sample(np.random.default_rng(3))
    clip_names = [ds.clips[i].name for i in batch.clips]  # validation_fraction 0: clip order kept
    assert [model.config.labels[i] for i in batch.labels.tolist()] == [by_name[n] for n in clip_names]
    list(tr.steps())
    ck = load_checkpoint(ck_path)
    assert ck.config.labels == ["high", "low"] and ck.labels == ["high", "low"]
    assert ck.config.global_condition_classes == 2


# ----------------------------------------------------------------- local
def test_log_mel_frames_are_shift_equivariant_at_frame_boundaries():
    """Features of a window that starts on a frame boundary equal the whole clip's, away from its edges.

    (The edge frames differ — their analysis window reaches past the window — which is
    why training cuts frames out of whole-clip features instead.)
    """
    rng = np.random.default_rng(1)
    clip = rng.standard_normal(3000).astype(np.float32) * 0.3
    hop = 64
    whole = log_mel(clip, SR, n_mels=8, hop=hop)[0]
    start, length = 5 * hop, 1200
    window = log_mel(clip[start:start + length], SR, n_mels=8, hop=hop)[0]
    edge = 2  # frames whose 4·hop analysis window is not inside the window
    torch.testing.assert_close(window[:, edge:-edge - 1], whole[:, 5 + edge:5 + window.shape[1] - edge - 1],
                               atol=1e-4, rtol=1e-4)
    assert not torch.allclose(window[:, 0], whole[:, 5], atol=1e-3)


def _local_model(seed=0, **kw):
    torch.manual_seed(seed)
    return build_wavenetlike(condition_on_features(ModelConfig(**{**SMALL, **kw}), n_mels=8, hop=64))


def _lead_frames(feats, pad, hop):
    """Whole-clip features preceded by ``pad`` samples' worth of the first frame (as generation's lead)."""
    assert pad % hop == 0
    return torch.cat([feats[:, :1].repeat(1, pad // hop), feats], dim=1)


# initial_conv_width 1: the first scored output reaches back to the second input, so only
# the 2 extra context samples keep the upsampler's zero padding out of the scored outputs
@pytest.mark.parametrize("shape", [{}, {"initial_conv_width": 1}])
def test_training_windows_see_the_whole_clip_conditioning(shape):
    """Every scored output of a training batch equals the full-clip forward pass at the same samples."""
    rng = np.random.default_rng(2)
    clips = [(_tone(400, 1500, rng) + 0.1 * rng.standard_normal(1500)).astype(np.float32) for _ in range(2)]
    ds = Dataset(clips, sample_rate=SR)
    model = _local_model(**shape)
    cfg, hop = model.config, model.config.local_condition_hop
    tr = Trainer(model, ds, batch_size=16, target_length=100, validation_every=None, validation_fraction=0.0)
    assert tr.sampler.context == cfg.receptive_field - 1 + 2
    batch = tr.sampler.sample()
    assert all(s % hop == 0 for s in batch.starts)
    assert (batch.starts > 0).any() and (batch.starts < 0).any()
    model.eval()
    with torch.no_grad():
        out = tr.forward_batch(batch)
        L, first = batch.inputs.shape[1], batch.first_scored
        for b in range(batch.inputs.shape[0]):
            clip, start = ds.clips[batch.clips[b]].audio, int(batch.starts[b])
            feats = features_for_clip(cfg, clip)
            pad = -start if start < 0 else 0  # windows before the clip: silence and the first frame
            local = _lead_frames(feats, pad, hop)
            s = start + pad
            n_frames = -(-L // hop)
            if s // hop + n_frames <= local.shape[1]:
                torch.testing.assert_close(batch.local[b], local[:, s // hop:s // hop + n_frames], atol=0, rtol=0)
            x = np.concatenate([np.zeros(pad, np.float32), clip])
            full = model(torch.from_numpy(mu_law_encode_np(x, 64))[None], local_cond=local[None])[0]
            n = min(L, len(x) - s)  # a window may run past a short clip's end
            torch.testing.assert_close(out[b, :, first:n], full[:, s + first:s + n], atol=1e-5, rtol=1e-5)


def test_generation_uses_the_training_alignment():
    """Generation after a prime (argmax) picks what the teacher-forced training forward picks."""
    gen = importlib.import_module("wavenetlike.generate")
    rng = np.random.default_rng(4)
    model = _local_model(1).eval()
    cfg, hop, delta = model.config, model.config.local_condition_hop, model.config.receptive_field
    # loudness jumps from frame to frame, and a strong local projection: a conditioning one
    # sample off changes the prediction at frame boundaries
    loud = rng.choice([0.01, 0.9], size=20).repeat(hop)
    clip = (loud * rng.standard_normal(len(loud))).astype(np.float32).clip(-1, 1)
    with torch.no_grad():
        for layer in model.layers:
            layer.local_proj.weight.mul_(8.0)
    feats = features_for_clip(cfg, clip)
    pad = hop * 2  # ≥ Δ + 2: silence before the clip, as a training window starting at −pad sees it
    assert pad >= delta + UPSAMPLER_CONTEXT
    x = np.concatenate([np.zeros(pad, np.float32), clip])
    q = mu_law_encode_np(x, 64)
    with torch.no_grad():
        logits = model(torch.from_numpy(q)[None], local_cond=_lead_frames(feats, pad, hop)[None])[0]
    primes = [1, 2, 7] + [k * hop + d for k in range(1, 12) for d in (-1, 0, 1)]
    got, expected = [], []
    for P in primes:
        prime = mu_law_decode_np(q[pad:pad + P], 64)  # exactly representable inputs
        got.append(float(gen.generate(model, 1, prime=prime, local_features=feats, temperature=0,
                                      method="cached")[0]))
        expected.append(float(mu_law_decode_np(logits[:, pad + P - 1].argmax().numpy(), 64)))
    np.testing.assert_allclose(got, expected, atol=1e-6, err_msg=f"primes of {primes} samples")


def test_features_for_clip_checks_its_input():
    with pytest.raises(ValueError, match="no local conditioning"):
        features_for_clip(ModelConfig(**SMALL), np.zeros(100))
    cfg = condition_on_features(ModelConfig(**SMALL), n_mels=8, hop=64)
    with pytest.raises(ValueError, match="mono"):
        features_for_clip(cfg, np.zeros((2, 100)))
    with pytest.raises(ValueError, match="NaN"):
        features_for_clip(cfg, np.full(100, np.nan))
    f = features_for_clip(cfg, np.ones(130) * 4.0, scale=4.0)
    assert f.shape == (8, 3)
    torch.testing.assert_close(f, features_for_clip(cfg, np.ones(130)))


# --------------------------------------------------- conditioned generation
def test_label_conditioned_model_generates_each_label_on_request():
    gen = importlib.import_module("wavenetlike.generate")
    ds = _labelled_tones()
    cfg = condition_on_labels(ModelConfig(**SMALL), ds, channels=8)
    torch.manual_seed(0)
    model = build_wavenetlike(cfg)
    tr = Trainer(model, ds, batch_size=8, target_length=256, lr=1e-2, max_steps=100, validation_every=None,
                 validation_fraction=0.0, seed=0)
    events = list(tr.steps())
    assert events[-1].kind == "done"
    found = {}
    for label, freq in [("low", 400), ("high", 2000)]:
        audio = gen.generate(model, 2000, global_cond=label, seed=1, method="cached")
        found[label] = dominant_frequency(audio)
        assert audio.std() > 0.1, f"{label}: generated near-silence"
        assert abs(found[label] - freq) < 50, f"{label}: dominant {found[label]} Hz, expected {freq} Hz"
    print("dominant frequencies:", found)


def test_vocoder_mode_follows_the_clip_features():
    gen = importlib.import_module("wavenetlike.generate")
    rng = np.random.default_rng(0)
    clips = []
    for i in range(6):  # switches from one tone to the other at a random point, both ways
        k = int(rng.integers(1000, 3000))
        a, b = (400, 2000) if i % 2 else (2000, 400)
        clips.append(np.concatenate([_tone(a, k, rng), _tone(b, 4000 - k, rng)]).astype(np.float32))
    ds = Dataset(clips, sample_rate=SR)
    model = _local_model()
    tr = Trainer(model, ds, batch_size=8, target_length=256, lr=1e-2, max_steps=150, validation_every=None,
                 validation_fraction=0.0, seed=0)
    assert list(tr.steps())[-1].kind == "done"
    target = np.concatenate([_tone(400, 1500, rng), _tone(2000, 1500, rng)]).astype(np.float32)
    audio = gen.generate(model, len(target), local_features=features_for_clip(model.config, target), seed=1,
                         method="cached")
    first, second = dominant_frequency(audio[150:1350]), dominant_frequency(audio[1650:2850])
    print("dominant frequencies of the halves:", first, second)
    assert abs(first - 400) < 50 and abs(second - 2000) < 50, (first, second)


def test_frames_for_window_repeats_the_edge_frames():
    f = np.arange(12, dtype=np.float32).reshape(2, 6)  # 2 channels, 6 frames
    np.testing.assert_array_equal(frames_for_window(f, -8, 20, 4), f[:, [0, 0, 0, 1, 2]])
    np.testing.assert_array_equal(frames_for_window(f, 16, 17, 4), f[:, [4, 5, 5, 5, 5]])
    with pytest.raises(ValueError, match="multiple of hop"):
        frames_for_window(f, 3, 8, 4)
