"""Checkpoints: one safetensors file, round trip, atomic writes, clear errors, no pickle."""
import json
import os
import pickle

import pytest
import torch

from wavenetlike import AR2, Block, Dataset, ModelConfig, Trainer, build_wavenetlike, load, load_checkpoint, save
from wavenetlike.train.checkpoint import CheckpointError

TINY = dict(n_blocks=1, layers_per_block=3, residual_channels=6, gate_channels=6, skip_channels=6,
            output_channels=6, quantization_channels=16)



@pytest.fixture(scope="module")
def dataset():
    return Dataset(AR2(a=0.6, b=-0.3, length=1500, count=4, seed=2))


def _trained(tmp_path, dataset, steps=4):
    torch.manual_seed(0)
    model = build_wavenetlike(**TINY)
    path = tmp_path / "run.safetensors"
    tr = Trainer(model, dataset, batch_size=2, target_length=64, max_steps=steps, validation_every=None,
                 checkpoint_path=path, seed=3)
    events = list(tr.steps())
    assert events[-1].kind == "done"
    return tr, path


def test_round_trip_same_outputs_and_optimizer_state(tmp_path, dataset):
    tr, path = _trained(tmp_path, dataset)
    ck = load_checkpoint(path)
    assert ck.step == 4 and ck.config == tr.config
    assert ck.scale == pytest.approx(dataset.scale)
    x = torch.randint(0, 16, (2, 50))
    tr.model.eval()
    with torch.no_grad():
        assert torch.equal(ck.model(x), tr.model(x))
        assert torch.equal(load(path)(x), tr.model(x))
    saved = ck.optimizer_state_dict()
    live = tr.optimizer.state_dict()
    assert saved["param_groups"][0]["lr"] == live["param_groups"][0]["lr"]
    assert set(saved["state"]) == set(live["state"])
    for pid, st in live["state"].items():
        for key, value in st.items():
            assert torch.equal(saved["state"][pid][key], value), (pid, key)
    # loadable into a fresh optimizer
    opt = torch.optim.Adam(ck.model.parameters(), lr=1e-3)
    opt.load_state_dict(saved)
    assert torch.equal(opt.state_dict()["state"][0]["exp_avg"], live["state"][0]["exp_avg"])
    # the training state is JSON in the metadata, history included
    assert [h["step"] for h in ck.state["history"] if h["kind"] == "step"] == [1, 2, 3, 4]


def test_save_plain_model_and_block(tmp_path):
    cfg = ModelConfig(**TINY, global_condition_classes=2, labels=["yes", "no"])
    model = build_wavenetlike(cfg)
    p = save(model, tmp_path / "m.safetensors")
    ck = load_checkpoint(p)
    assert ck.config == cfg and ck.labels == ["yes", "no"] and ck.step == 0 and ck.optimizer_state_dict() is None
    x = torch.randint(0, 16, (1, 30))
    g = torch.tensor([1])
    with torch.no_grad():
        assert torch.equal(ck.model(x, global_cond=g), model.eval()(x, global_cond=g))
    block = Block(n_layers=2, kernel_length=3, dilation_rate=2)
    save(block, tmp_path / "b.safetensors")
    back = load(tmp_path / "b.safetensors")
    assert isinstance(back, Block) and back.dilations == [1, 2]
    y = torch.randn(40)
    assert torch.equal(back(y), block(y))


def test_file_is_plain_safetensors_with_json_metadata(tmp_path, dataset):
    from safetensors import safe_open
    _, path = _trained(tmp_path, dataset, steps=2)
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        keys = list(f.keys())
    assert meta["format"] == "wavenetlike-checkpoint"
    assert json.loads(meta["config"])["quantization_channels"] == 16
    state = json.loads(meta["state"])
    assert state["step"] == 2 and "rng" in state and state["seed"] == 3
    assert any(k.startswith("model.") for k in keys) and any(k.startswith("optimizer.state.") for k in keys)


def test_atomic_write_leaves_no_temp_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    model = build_wavenetlike(**TINY)
    path = tmp_path / "m.safetensors"
    save(model, path)
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]
    before = path.read_bytes()

    import errno

    def broken(fd):  # the disk fills up after half the file was written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with torch.no_grad():
        model.head2.bias.add_(1.0)
    with pytest.raises(OSError, match="disk is full"):
        save(model, path)
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]
    assert path.read_bytes() == before


def test_corrupt_foreign_and_missing_files_give_clear_errors(tmp_path):
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(os.urandom(200))
    with pytest.raises(ValueError, match="garbage.safetensors"):
        load_checkpoint(garbage)

    good = tmp_path / "good.safetensors"
    save(build_wavenetlike(**TINY), good)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[:-500])
    with pytest.raises(ValueError, match="truncated.safetensors"):
        load_checkpoint(truncated)

    from safetensors.torch import save_file
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, str(foreign))
    with pytest.raises(CheckpointError, match="foreign.safetensors.*not a wavenetlike checkpoint"):
        load_checkpoint(foreign)

    with pytest.raises(FileNotFoundError, match="nothere.safetensors"):
        load(tmp_path / "nothere.safetensors")
    with pytest.raises(ValueError, match="folder"):
        load(tmp_path)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    save(build_wavenetlike(**TINY), path)

    def forbidden(*a, **k):
        raise AssertionError("unpickling is not allowed")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    assert load_checkpoint(path).config.quantization_channels == 16
