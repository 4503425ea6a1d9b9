"""`wavenetlike evaluate` and `wavenetlike generate --compare`, driven as a user types them."""
import json

import numpy as np
import pytest
import torch

from wavenetlike import AR2, Dataset, ModelConfig, build_wavenetlike, evaluate, load_checkpoint, save
from wavenetlike.cli import main

AR2_ARGS = ["--ar2", "0.6,-0.3", "--ar2-length", "1500", "--ar2-count", "4"]
TINY = ModelConfig(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4, skip_channels=4,
                   output_channels=4, quantization_channels=16)


@pytest.fixture(scope="module")
def ar2_checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("quality")
    cfg = d / "cfg.json"
    cfg.write_text(TINY.to_json())
    ck = d / "ar.safetensors"
    assert main(["train", *AR2_ARGS, "--config", str(cfg), "--steps", "5", "--window", "64", "--batch", "2",
                 "--checkpoint", str(ck), "--seed", "2"]) == 0
    return ck


def test_evaluate_prints_the_report_on_the_training_runs_held_out_split(ar2_checkpoint, tmp_path, capsys):
    capsys.readouterr()
    js = tmp_path / "ev.json"
    assert main(["evaluate", str(ar2_checkpoint), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "bits/sample" in out and "same class" in out and "linear predictor (order 32)" in out
    assert "dataset.split(0.1, seed=2)" in out  # the run's own seed
    got = json.loads(js.read_text())
    ck = load_checkpoint(ar2_checkpoint)
    dataset = Dataset(AR2(a=0.6, b=-0.3, length=1500, count=4, seed=2))
    expected = evaluate(ck.model, dataset, validation_fraction=0.1, seed=2, scale=ck.scale)
    assert got["bits_per_sample"] == pytest.approx(expected.bits_per_sample)
    assert got["samples_scored"] == expected.samples_scored == 1499
    assert got["baselines"][1]["bits_per_sample"] == pytest.approx(expected.baselines[1].bits_per_sample)


def test_generate_compare_prints_statistics_and_the_ar2_fit_next_to_the_truth(ar2_checkpoint, tmp_path, capsys):
    capsys.readouterr()
    out_wav = tmp_path / "g.wav"
    assert main(["generate", str(ar2_checkpoint), "--seconds", "0.2", "--out", str(out_wav), "--seed", "0",
                 "--compare", "training"]) == 0
    out = capsys.readouterr().out
    assert "Compared with held-out clips of AR(2) a=0.6 b=-0.3" in out
    assert "silent frames" in out and "voiced share" in out and "spectral-shape distance" in out
    assert "truth a = 0.600, b = -0.300" in out and "generated a = " in out


def test_generate_compare_with_an_audio_file(tmp_path, capsys):
    import soundfile as sf
    t = np.arange(8000) / 8000
    sf.write(tmp_path / "tone.wav", (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), 8000)
    torch.manual_seed(0)
    ck = save(build_wavenetlike(TINY.replace(sample_rate=8000)), tmp_path / "m.safetensors")
    assert main(["generate", str(ck), "--seconds", "0.2", "--out", str(tmp_path / "g.wav"),
                 "--compare", str(tmp_path / "tone.wav")]) == 0
    out = capsys.readouterr().out
    assert "voiced share" in out and "AR(2)" not in out
    real_voiced = out.split("voiced share of non-silent")[1].split()[2:4]
    assert real_voiced[1] == "%" and int(real_voiced[0]) > 90  # the real tone is voiced


def test_bad_evaluate_arguments_are_named(ar2_checkpoint, tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "gone.safetensors")]) == 2
    assert main(["evaluate", str(ar2_checkpoint), str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    assert main(["evaluate", str(ar2_checkpoint), "--validation-fraction", "1.5"]) == 2
    assert "--validation-fraction 1.5" in capsys.readouterr().err
    # a checkpoint saved outside a training run does not know its data
    ck = save(build_wavenetlike(TINY), tmp_path / "bare.safetensors")
    assert main(["evaluate", str(ck)]) == 2
    assert "give DATA" in capsys.readouterr().err
