"""Multi-process training: a 2-process gloo run on the CPU matches a single-process run, and resumes."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from wavenetlike import load_checkpoint
from wavenetlike.cli import main
from wavenetlike.train.distributed import DistributedContext, init_distributed

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="this torch build has no distributed gloo backend")

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(n_blocks=1, layers_per_block=3, residual_channels=8, gate_channels=8, skip_channels=8,
            output_channels=8, quantization_channels=16)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train_args(tmp_path, checkpoint, steps):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY))
    return ["train", "--ar2", "0.6,-0.3", "--ar2-length", "1200", "--ar2-count", "5", "--seed", "3",
            "--config", str(config), "--steps", str(steps), "--batch", "8", "--window", "48",
            "--validation-every", "3", "--lr", "3e-3", "--threads", "1", "--device", "cpu",
            "--checkpoint", str(checkpoint)]


def _torchrun(args, nproc=2, module=("-m", "wavenetlike")):
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK",
                                                             "MASTER_ADDR", "MASTER_PORT")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--nnodes=1",
           "--master_addr=127.0.0.1", f"--master_port={_free_port()}", *module, *args]
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)


def _curves(path):
    history = load_checkpoint(path).state["history"]
    steps = [h for h in history if h["kind"] == "step"]
    vals = [h for h in history if h["kind"] == "validation"]
    return (np.array([h["loss"] for h in steps]), np.array([h["accuracy"] for h in steps]),
            np.array([h["val_loss"] for h in vals]), [h["step"] for h in steps])


def _max_relative(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def test_two_processes_match_one_and_resume(tmp_path):
    torch.set_num_threads(1)
    single, multi = tmp_path / "single.safetensors", tmp_path / "multi.safetensors"
    # 6 steps then resumed from the checkpoint to step 10, in one launch of 2 processes
    run = _torchrun([*_train_args(tmp_path, multi, 6), "--then", *_resume_args(tmp_path, multi, 10)],
                    module=[str(ROOT / "tests" / "distributed_cli.py")])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "on 2 processes (gloo" in run.stdout
    assert run.stdout.count("Trained to step 6") == 1  # rank 0 alone reports
    assert run.stdout.count("Resuming") == 1 and run.stdout.count("Trained to step 10") == 1
    assert main(_train_args(tmp_path, single, 6)) == 0
    assert main(_resume_args(tmp_path, single, 10)) == 0

    loss_1, acc_1, val_1, steps_1 = _curves(single)
    loss_2, acc_2, val_2, steps_2 = _curves(multi)
    assert steps_1 == steps_2 == list(range(1, 11))
    assert len(val_1) == len(val_2) >= 3
    differences = {"loss": _max_relative(loss_2, loss_1), "accuracy": float(np.max(np.abs(acc_2 - acc_1))),
                   "val_loss": _max_relative(val_2, val_1)}
    print("2 processes vs 1, max relative difference:", differences)
    assert differences["loss"] < 1e-4 and differences["val_loss"] < 1e-4
    assert differences["accuracy"] < 1e-6  # the same windows are scored right
    assert loss_1[-1] < loss_1[0]
    w1, w2 = load_checkpoint(single).model.state_dict(), load_checkpoint(multi).model.state_dict()
    # Adam divides each gradient by its own running RMS: a weight whose gradient is ~1e-9 (a one-hot
    # input class that hardly occurs) turns float-rounding differences of the all-reduce into steps of
    # up to ±lr. So: almost every weight agrees to 1e-4, and none is further apart than 10 Adam steps.
    for name in w1:
        diff = (w2[name] - w1[name]).abs()
        assert float((diff > 1e-4 + 1e-3 * w1[name].abs()).float().mean()) < 0.05, name
        assert float(diff.max()) <= 10 * 3e-3, name


def _resume_args(tmp_path, checkpoint, steps):
    return ["train", "--ar2", "0.6,-0.3", "--ar2-length", "1200", "--ar2-count", "5", "--seed", "3",
            "--resume", str(checkpoint), "--steps", str(steps), "--threads", "1", "--device", "cpu"]


def test_not_distributed_without_torchrun(monkeypatch):
    for name in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert init_distributed() is None


def test_global_batch_must_split_evenly():
    from wavenetlike import AR2, Dataset, Trainer, build_wavenetlike
    ctx = DistributedContext(rank=0, world_size=3, local_rank=0, backend="gloo", device=torch.device("cpu"))
    with pytest.raises(ValueError, match="batch_size = 8 must be a multiple of the number of processes"):
        Trainer(build_wavenetlike(**TINY), Dataset(AR2(length=300, count=2)), batch_size=8, distributed=ctx)
