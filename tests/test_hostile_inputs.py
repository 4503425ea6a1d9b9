"""Hostile checkpoints and writes (issue 12): each failing case built, its clear message asserted,
nothing outside the intended path changed (hashes before and after), memory bounded (subprocesses
under RLIMIT_AS) and no hang (timeouts).

CLI arguments and output paths: tests/test_hostile_cli.py; audio: test_hostile_audio.py; project
files and the app: test_hostile_projects.py; downloads: test_hostile_download.py.
"""
from __future__ import annotations

import json
import os
import signal
import stat

import numpy as np
import pytest
import torch

from hostile_helpers import (MEMORY_LIMIT, header_only_checkpoint, one_line_error, rewrite_checkpoint, run_bounded,
                             run_cli, sha, snapshot, tiny_checkpoint)
from wavenetlike.cli import main
from wavenetlike.safe_io import DiskFullError, TMP_SUFFIX, WriteRefusedError, atomic_write_bytes
from wavenetlike.train.checkpoint import CheckpointError, load_checkpoint, save
from wavenetlike.train.checkpoint_checks import MAX_RECEPTIVE_FIELD

DATA = ["--ar2", "0.6,-0.3", "--ar2-count", "2", "--ar2-length", "400"]
AR2 = [*DATA, "--preset", "ar2", "--steps", "2", "--window", "32", "--batch", "2", "--validation-every", "1000"]


# ------------------------------------------------------- 1. saving replaces what is there
def test_checkpoint_onto_a_device_node_or_fifo_is_refused_before_training(tmp_path, capsys):
    """`train --checkpoint` onto a device node (a /dev/null made here) or a FIFO: refused before any work."""
    if os.geteuid() == 0:
        node = tmp_path / "null"
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    else:
        node = tmp_path / "fifo"
        os.mkfifo(node)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (node, fifo):
        mode = os.stat(target).st_mode
        assert main(["train", *AR2, "--checkpoint", str(target)]) == 2
        err = capsys.readouterr().err
        assert f"--checkpoint {target} is a" in err and "not a regular file" in err
        assert "Trained" not in err and os.stat(target).st_mode == mode   # still the node, untouched
    with pytest.raises(WriteRefusedError, match="not a regular file"):
        atomic_write_bytes(node, b"x")
    from wavenetlike import build_wavenetlike
    with pytest.raises(WriteRefusedError, match="a device|a FIFO"):
        save(build_wavenetlike(n_blocks=1, layers_per_block=1), node)
    assert not stat.S_ISREG(os.stat(node).st_mode)


def test_existing_wav_or_earlier_checkpoint_needs_overwrite(tmp_path, capsys):
    """Onto an existing WAV or a previous run's checkpoint: refused without --overwrite, kept byte for byte."""
    wav = tmp_path / "song.wav"
    wav.write_bytes(b"RIFF....WAVEfmt a precious recording")
    earlier = tmp_path / "earlier.safetensors"
    assert main(["train", *AR2, "--checkpoint", str(earlier)]) == 0
    capsys.readouterr()
    before = snapshot(tmp_path)
    for target in (wav, earlier):
        assert main(["train", *AR2, "--checkpoint", str(target)]) == 2
        err = capsys.readouterr().err
        assert f"--checkpoint {target} already exists; pass --overwrite" in err
    assert snapshot(tmp_path) == before
    # --resume continues its own file; --overwrite replaces the other one.
    assert main(["train", *DATA, "--resume", str(earlier), "--steps", "3"]) == 0
    assert load_checkpoint(earlier).step == 3
    assert main(["train", *AR2, "--checkpoint", str(wav), "--overwrite"]) == 0
    assert load_checkpoint(wav).step == 2


# ------------------------------------------- 3. checkpoints that exhaust memory or hang
def test_memory_bomb_checkpoints_are_refused_before_allocation(tmp_path):
    """Four hostile files, each refused by `info` and `generate` in a subprocess under RLIMIT_AS and a timeout."""
    base = tiny_checkpoint(tmp_path / "base.safetensors")
    deep = tiny_checkpoint(tmp_path / "deep.safetensors", layers_per_block=16)
    meta = {"format": "wavenetlike-checkpoint", "version": "1", "model_kind": "wavenetlike", "state": "{}"}
    big = dict(n_blocks=64, layers_per_block=64, kernel_size=64, residual_channels=4096, gate_channels=4096,
               skip_channels=4096, output_channels=4096, dilation_base=1)
    files = {
        # within every allowed range, 1.5 MB on disk, would be 8+ GiB of Conv1d weights
        "wide": rewrite_checkpoint(base, tmp_path / "wide.safetensors", json_fields={"config": big},
                                   tensors=lambda ts: {**ts, "extra.pad": torch.zeros(375_000)}),
        "many_dilations": rewrite_checkpoint(base, tmp_path / "dil.safetensors",
                                             json_fields={"config": {"dilations": [1] * 200_000}}),
        "block_1e9": rewrite_checkpoint(base, tmp_path / "block.safetensors", metadata={"model_kind": "block"},
                                        json_fields={"config": {"n_layers": 10 ** 9, "kernel_length": 2,
                                                                "dilation_rate": 1, "channels": 1}}),
        # weights that fit (the count does not depend on dilations), Δ = 16 M samples
        "long_dilations": rewrite_checkpoint(
            deep, tmp_path / "long.safetensors",
            json_fields={"config": {**json.loads(_meta(deep)["config"]), "dilations": [10 ** 6] * 16}}),
        # a header whose shapes match a huge config but whose data is not there
        "header_lies": header_only_checkpoint(tmp_path / "lies.safetensors", {"model.x": [2_000_000_000]},
                                              {**meta, "config": json.dumps({"residual_channels": 4096})}),
    }
    assert os.path.getsize(files["wide"]) > 1_400_000
    code = f"""
        import contextlib, io, json
        from wavenetlike.cli import main
        out = {{}}
        for name, path in {json.dumps({k: str(v) for k, v in files.items()})}.items():
            for cmd in (["info", path], ["generate", path, "--out", path + ".wav", "--seconds", "0.01"]):
                err = io.StringIO()
                with contextlib.redirect_stderr(err):
                    rc = main(cmd)
                out[name + " " + cmd[0]] = [rc, err.getvalue()]
        print(json.dumps(out))
    """
    before = snapshot(tmp_path)
    proc = run_bounded(code, memory=MEMORY_LIMIT, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, (rc, err) in results.items():
        assert rc == 1 and "Traceback" not in err and "MemoryError" not in err, (key, err)
        assert ".safetensors" in err, (key, err)
    assert "implies" in results["wide info"][1] and "parameters" in results["wide info"][1]
    assert "200000 dilated layers (at most 4096)" in results["many_dilations info"][1]
    assert "Block.n_layers = 1000000000 is more than 4096" in results["block_1e9 generate"][1]
    assert "receptive field is 16,000,002 samples" in results["long_dilations generate"][1]
    assert f"more than the limit of {MAX_RECEPTIVE_FIELD:,}" in results["long_dilations generate"][1]
    assert "GiB" in results["header_lies info"][1] or "implies" in results["header_lies info"][1]
    assert snapshot(tmp_path) == before   # no .wav written next to any of them


def _meta(path):
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        return f.metadata()


def test_memory_limit_is_stated_and_checked_from_the_header(tmp_path):
    """Shapes that match the config but imply more memory than the limit: refused from the header alone."""
    from wavenetlike import ModelConfig
    from wavenetlike.config import parameter_count
    cfg = ModelConfig(n_blocks=4, layers_per_block=16, residual_channels=2048, gate_channels=2048,
                      skip_channels=2048, output_channels=2048, dilation_base=1)
    n = parameter_count(cfg)
    path = header_only_checkpoint(tmp_path / "huge.safetensors", {"model.all": [n]},
                                  {"format": "wavenetlike-checkpoint", "version": "1", "config": cfg.to_json()})
    with pytest.raises(CheckpointError, match=r"GiB .*more than the limit of 4\.0 GiB"):
        load_checkpoint(path)
    assert os.path.getsize(path) < 10_000


# --------------------------------------------------------------------- 6. NaN / Inf weights
def test_non_finite_weights_are_refused_unless_asked(tmp_path, capsys):
    base = tiny_checkpoint(tmp_path / "base.safetensors")
    bad = rewrite_checkpoint(base, tmp_path / "nan.safetensors",
                             tensors=lambda ts: {k: (v * float("nan") if k.startswith("model.head") else v)
                                                 for k, v in ts.items()})
    with pytest.raises(CheckpointError, match="hold NaN or infinite values"):
        load_checkpoint(bad)
    out = tmp_path / "g.wav"
    assert main(["generate", str(bad), "--out", str(out), "--seconds", "0.01"]) == 1
    assert "hold NaN or infinite values" in capsys.readouterr().err and not out.exists()
    assert main(["info", str(bad)]) == 1
    assert main(["info", str(bad), "--allow-non-finite"]) == 0
    assert load_checkpoint(bad, allow_non_finite=True).step == 0


# -------------------------------------------------- 7./8. atomic outputs, disk full, stale temporaries
def test_generate_error_or_full_disk_keeps_the_previous_wav(tmp_path, capsys):
    ck = tiny_checkpoint(tmp_path / "m.safetensors")
    out = tmp_path / "out.wav"
    assert main(["generate", str(ck), "--out", str(out), "--seconds", "0.01", "--seed", "1"]) == 0
    before = sha(out)
    assert main(["generate", str(ck), "--out", str(out), "--seconds", "0.01"]) == 2   # exists: --overwrite
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    neg = rewrite_checkpoint(ck, tmp_path / "neg.safetensors", json_fields={"state": {"sample_rate": -5}})
    assert main(["generate", str(neg), "--out", str(out), "--seconds", "0.01", "--overwrite"]) == 1
    assert "state.sample_rate = -5 must be a whole number" in capsys.readouterr().err
    assert sha(out) == before
    # a full disk (a file-size limit of 1 kB) in the middle of the write
    proc = run_cli("generate", str(ck), "--out", str(out), "--seconds", "0.5", "--overwrite", fsize=1024)
    assert proc.returncode == 1 and str(out) in one_line_error(proc)
    assert "could not be written" in proc.stderr and "MB free" in proc.stderr
    assert sha(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "neg.safetensors",
                                                                                 "out.wav"]


def test_disk_full_during_a_checkpoint_is_a_message_and_the_last_one_survives(tmp_path):
    ck = tmp_path / "run.safetensors"
    assert main(["train", *AR2, "--checkpoint", str(ck)]) == 0
    before = sha(ck)
    proc = run_cli("train", *DATA, "--resume", str(ck), "--steps", "4", fsize=2048, timeout=180)
    line = one_line_error(proc)
    assert proc.returncode == 1 and "SafetensorError" not in proc.stderr
    assert f"{tmp_path}/run." in line and "safetensors could not be written" in line   # the last or best copy
    assert "MB free" in line and "unchanged" in line
    assert sha(ck) == before and load_checkpoint(ck).step == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]   # no temporary left


def test_temporaries_of_killed_writes_are_cleaned_up(tmp_path):
    """Writers SIGKILLed in the middle of a write leave a temporary; the next write removes it."""
    target = tmp_path / "ck.safetensors"
    tiny_checkpoint(target)
    before = sha(target)
    code = f"""
        import os, signal
        from wavenetlike.safe_io import atomic_write_with
        def half_then_die(tmp):
            tmp.write_bytes(b"half a checkpoint")
            os.kill(os.getpid(), signal.SIGKILL)
        atomic_write_with({str(target)!r}, half_then_die)
    """
    for _ in range(2):  # each writer removes the one its killed predecessor left: they never pile up
        proc = run_bounded(code, timeout=60)
        assert proc.returncode == -signal.SIGKILL
        stale = [p for p in tmp_path.iterdir() if p.name.endswith(TMP_SUFFIX)]
        assert len(stale) == 1 and sha(target) == before
    other = tmp_path / ".unrelated.tmp"
    other.write_text("not ours")
    old_style = tmp_path / ".ck.safetensors.ab12cd34.tmp"      # earlier versions' mkstemp names
    old_style.write_bytes(b"half")
    os.utime(old_style, (0, 0))
    tiny_checkpoint(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".unrelated.tmp", "ck.safetensors"]


def test_disk_full_error_names_path_and_free_space(tmp_path, monkeypatch):
    import errno
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(DiskFullError, match=r"x\.bin could not be written: the disk is full \([\d,.]+ MB free"):
        atomic_write_bytes(target, b"new" * 1000)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.bin"]


# ------------------------------------------- 10. wrong JSON types and deep nesting in metadata
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A real training checkpoint (state, optimizer) to damage."""
    ck = tmp_path_factory.mktemp("trained") / "run.safetensors"
    assert main(["train", *AR2, "--checkpoint", str(ck)]) == 0
    return ck


@pytest.mark.parametrize("field, value, named", [
    ("state", [1, 2], "state metadata must be a JSON object"),
    ("state", {"step": "many"}, "state.step"),
    ("state", {"history": {"a": 1}}, "state.history"),
    ("state", {"history": [{"kind": "step", "loss": "low"}]}, "state.history[0].loss"),
    ("state", {"scale": "big"}, "state.scale"),
    ("state", {"labels": [1, 2]}, "state.labels"),
    ("state", {"rng": [1]}, "state.rng"),
    ("state", {"trainer": {"batch_size": "eight"}}, "state.trainer.batch_size"),
    ("state", {"trainer": "fast"}, "state.trainer"),
    ("state", {"best": {"step": "last"}}, "state.best"),
    ("optimizer", [], "optimizer metadata must be a JSON object"),
    ("optimizer", {"param_groups": {"lr": 1}}, "optimizer.param_groups"),
    ("optimizer", {"param_groups": [{"params": [0], "lr": "x"}]}, "optimizer.param_groups[0].lr"),
    ("optimizer", {"param_groups": [{"params": [0]}], "state_scalars": {"0": 5}}, "optimizer.state_scalars"),
])
def test_wrong_json_types_in_metadata_name_the_field(tmp_path, capsys, trained, field, value, named):
    bad = rewrite_checkpoint(trained, tmp_path / "bad.safetensors", json_fields={field: value})
    with pytest.raises(CheckpointError, match="bad.safetensors"):
        load_checkpoint(bad)
    capsys.readouterr()
    for cmd in (["info", str(bad)], ["generate", str(bad), "--out", str(tmp_path / "g.wav"), "--seconds", "0.01"],
                ["train", *DATA, "--resume", str(bad), "--steps", "3"]):
        assert main(cmd) == 1, cmd
        err = capsys.readouterr().err
        assert named in err and "bad.safetensors" in err, (cmd, err)


def test_deeply_nested_json_is_refused_not_a_recursion_error(tmp_path, capsys):
    ck = tiny_checkpoint(tmp_path / "m.safetensors")
    deep = "[" * 100_000 + "]" * 100_000
    for field in ("state", "config", "optimizer"):
        bad = rewrite_checkpoint(ck, tmp_path / f"{field}.safetensors", metadata={field: deep})
        assert main(["info", str(bad)]) == 1
        err = capsys.readouterr().err
        assert f"{field} is nested deeper than 64 levels" in err and "RecursionError" not in err


@pytest.mark.timeout(30)
def test_a_fifo_or_folder_given_as_checkpoint_never_blocks(tmp_path, capsys):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    assert main(["info", str(fifo)]) == 1
    assert "not a regular file" in capsys.readouterr().err
    assert main(["generate", str(tmp_path), "--out", str(tmp_path / "g.wav")]) == 1
    assert "is a folder, not a checkpoint file" in capsys.readouterr().err
