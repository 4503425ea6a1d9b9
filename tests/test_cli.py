"""The command line: commands that work on their own, and those that need the dataset/generation pieces."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from wavenetlike import ModelConfig, build_wavenetlike, load_checkpoint, save
from wavenetlike.cli import main

ROOT = Path(__file__).resolve().parents[1]
AR2_ARGS = ["--ar2", "0.6,-0.3", "--ar2-length", "1500", "--ar2-count", "3"]
TINY = dict(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4, skip_channels=4,
            output_channels=4, quantization_channels=16)



def test_train_on_ar2_then_info_then_resume(tmp_path, capsys):
    ck = tmp_path / "ar.safetensors"
    rc = main(["train", *AR2_ARGS, "--preset", "ar2", "--steps", "6", "--window", "64", "--batch", "2",
               "--validation-every", "3", "--checkpoint", str(ck)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "Trained to step 6" in out and "Δ = 3 samples" in out
    assert load_checkpoint(ck).step == 6

    assert main(["info", str(ck)]) == 0
    out = capsys.readouterr().out
    assert "Receptive field Δ: 3 samples" in out and "step 6" in out and "mixture of 1 logistic" in out
    assert main(["info", str(ck), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["step"] == 6 and info["report"]["receptive_field"] == 3 and info["optimizer"] is True

    rc = main(["train", *AR2_ARGS, "--resume", str(ck), "--steps", "9"])
    out = capsys.readouterr().out
    assert rc == 0 and "Resuming" in out and "Trained to step 9" in out
    ckpt = load_checkpoint(ck)
    assert ckpt.step == 9 and [h["step"] for h in ckpt.state["history"] if h["kind"] == "step"] == list(range(1, 10))


def test_train_with_config_file(tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(ModelConfig(**TINY).to_json())
    ck = tmp_path / "m.safetensors"
    assert main(["train", *AR2_ARGS, "--config", str(cfg), "--steps", "2", "--window", "32",
                 "--checkpoint", str(ck)]) == 0
    assert load_checkpoint(ck).config.quantization_channels == 16
    bad = tmp_path / "bad.json"
    bad.write_text('{"n_blocks": 0}')
    capsys.readouterr()
    assert main(["train", *AR2_ARGS, "--config", str(bad), "--steps", "1"]) == 1
    assert "n_blocks" in capsys.readouterr().err


def test_bad_arguments_and_files_give_clear_errors(tmp_path, capsys):
    missing = tmp_path / "no_such_folder"
    assert main(["train", str(missing), "--preset", "toy"]) == 2
    assert f"{missing}: no such file or folder" in capsys.readouterr().err
    assert main(["train", "--ar2", "zero,one", "--preset", "ar2"]) == 2
    assert "--ar2" in capsys.readouterr().err
    assert main(["train", "--ar2", "1.5,0.5", "--preset", "ar2"]) == 2  # not stationary
    assert "stationary" in capsys.readouterr().err
    assert main(["train", "--preset", "ar2"]) == 2
    assert "dataset PATH" in capsys.readouterr().err
    assert main(["train", *AR2_ARGS, "--steps", "-3"]) == 2  # argparse
    assert "--steps" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    capsys.readouterr()

    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x00" * 64)
    assert main(["info", str(corrupt)]) == 1
    assert "corrupt.safetensors" in capsys.readouterr().err
    assert main(["info", str(tmp_path / "gone.safetensors")]) == 2
    assert "gone.safetensors" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "gone.safetensors"), "--out", str(tmp_path / "x.wav")]) == 2
    assert "gone.safetensors" in capsys.readouterr().err
    assert main(["train", *AR2_ARGS, "--resume", str(tmp_path / "gone.safetensors")]) == 2
    assert "gone.safetensors" in capsys.readouterr().err


def test_module_entry_point_exit_status(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "wavenetlike", "train", str(tmp_path / "missing.wav")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "missing.wav: no such file or folder" in proc.stderr


def test_info_on_a_block_checkpoint(tmp_path, capsys):
    from wavenetlike import Block
    b = Block(1, 2, 1)
    path = save(b, tmp_path / "block.safetensors")
    assert main(["info", str(path)]) == 0
    assert "AR(2) coefficients" in capsys.readouterr().out


# ------------------------------------------- commands that need the other pieces
def test_generate_writes_wav(tmp_path, capsys):
    import soundfile as sf
    torch.manual_seed(0)
    path = save(build_wavenetlike(**TINY, sample_rate=8000), tmp_path / "m.safetensors")
    out = tmp_path / "out.wav"
    assert main(["generate", str(path), "--seconds", "0.05", "--out", str(out), "--seed", "1"]) == 0
    audio, sr = sf.read(out)
    assert sr == 8000 and len(audio) == 400 and np.all(np.abs(audio) <= 1)
    assert main(["generate", str(path), "--seconds", "0", "--out", str(out)]) == 2


def test_analyze_ar2(tmp_path, capsys):
    js = tmp_path / "report.json"
    assert main(["analyze", *AR2_ARGS, "--json", str(js)]) == 0
    assert capsys.readouterr().out.strip()
    assert json.loads(js.read_text())["n_clips"] == 3


def test_suggest_then_train_with_suggestion(tmp_path, capsys):
    cfg = tmp_path / "suggested.json"
    assert main(["suggest", *AR2_ARGS, "--out", str(cfg)]) == 0
    assert "Suggested model" in capsys.readouterr().out
    config = ModelConfig.from_dict(json.loads(cfg.read_text()))
    ck = tmp_path / "s.safetensors"
    assert main(["train", *AR2_ARGS, "--config", str(cfg), "--steps", "2", "--window", "32", "--batch", "2",
                 "--checkpoint", str(ck)]) == 0
    assert load_checkpoint(ck).config.receptive_field == config.receptive_field


def test_demo_end_to_end(tmp_path, capsys):
    import soundfile as sf
    out = tmp_path / "demo"
    rc = main(["demo", "--out", str(out), "--train-seconds", "3", "--generate-seconds", "0.05",
               "--window", "64", "--batch", "2", "--threads", "1"])
    assert rc == 0, capsys.readouterr().err
    report = (out / "report.txt").read_text()
    assert "Analysis" in report and "Training" in report and "Generated" in report
    audio, sr = sf.read(out / "demo.wav")
    assert len(audio) == round(0.05 * sr)
    runs = sorted((out / "runs").iterdir())
    assert len(runs) == 1 and load_checkpoint(runs[0] / "checkpoint.safetensors").step >= 1
    assert (out / "session.json").is_file() and list(runs[0].glob("events.out.tfevents.*"))
    # a second demo in the same folder adds a run: nothing is overwritten
    assert main(["demo", "--out", str(out), "--train-seconds", "1", "--generate-seconds", "0.05",
                 "--window", "64", "--batch", "2", "--threads", "1"]) == 0
    assert len(list((out / "runs").iterdir())) == 2


def test_train_in_a_session_adds_a_run_each_time(tmp_path, capsys):
    """--session DIR: every train is a new run folder (nothing overwritten), readable by TensorBoard."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from wavenetlike.session import Session
    args = ["train", "--ar2", "0.6,-0.3", "--ar2-length", "1500", "--ar2-count", "4", "--preset", "ar2",
            "--steps", "4", "--validation-every", "2", "--window", "64", "--session", str(tmp_path / "s")]
    assert main(args) == 0, capsys.readouterr().err
    assert main(args) == 0, capsys.readouterr().err
    session = Session.load(tmp_path / "s")
    runs = session.runs
    assert [r.number for r in runs] == [1, 2] and all(r.status == "finished" and r.steps == 4 for r in runs)
    assert runs[0].checkpoint != runs[1].checkpoint and all(r.checkpoint.is_file() for r in runs)
    acc = EventAccumulator(str(runs[1].folder))
    acc.Reload()
    assert [e.step for e in acc.Scalars("held_out/bits_per_sample")] == [2, 4]
    assert main(args + ["--checkpoint", str(tmp_path / "x.safetensors")]) == 2  # one place to write, not two
