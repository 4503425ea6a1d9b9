"""TrainConfig: one immutable value for every training setting, read and written by the Trainer and checkpoints."""
import dataclasses

import numpy as np
import pytest
import torch

from wavenetlike import AR2, Dataset, ModelConfig, TrainConfig, Trainer, build_wavenetlike, load_checkpoint

TINY = dict(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4, skip_channels=4,
            output_channels=4, quantization_channels=16)


@pytest.fixture(scope="module")
def ar2():
    return Dataset(AR2(a=0.6, b=-0.3, length=800, count=4, seed=1))


def test_fields_are_validated_by_name():
    for bad, field in [({"batch_size": 0}, "batch_size"), ({"lr": -1.0}, "lr"), ({"lr_schedule": "step"}, "lr_schedule"),
                       ({"validation_fraction": 1.0}, "validation_fraction"), ({"threads": 0}, "threads"),
                       ({"early_stopping": 0}, "early_stopping"), ({"augment": "yes"}, "augment"),
                       ({"mixed_precision": "fp8"}, "mixed_precision")]:
        with pytest.raises(ValueError, match=rf"TrainConfig\.{field} = .* out of range"):
            TrainConfig(**bad)
    with pytest.raises(ValueError, match="unknown TrainConfig field.*bogus"):
        TrainConfig().replace(bogus=1)


def test_float16_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="gradient scaler"):
        TrainConfig(mixed_precision=True)
    assert TrainConfig(mixed_precision=False).mixed_precision == "off"
    assert TrainConfig(mixed_precision="bfloat16").mixed_precision == "bf16"


def test_immutable_round_trip_and_quick_recipe():
    quick = TrainConfig.quick(max_steps=7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.lr = 0.5  # type: ignore[misc]
    assert (quick.batch_size, quick.target_length, quick.lr, quick.lr_schedule) == (4, 512, 1e-2, "cosine")
    assert TrainConfig.from_dict(quick.to_dict()) == quick
    assert TrainConfig.from_dict({**quick.to_dict(), "validation_batches": 4}) == quick  # an old checkpoint's key
    changed = quick.replace(lr=3e-3)
    assert quick.lr == 1e-2 and changed.lr == 3e-3 and changed.differences(quick) == ["lr"]
    assert quick.non_default() == {"batch_size": 4, "target_length": 512, "lr": 1e-2, "lr_schedule": "cosine",
                                   "max_steps": 7}


def test_model_config_is_an_immutable_value():
    cfg = ModelConfig(**TINY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.kernel_size = 3  # type: ignore[misc]
    assert cfg.replace(kernel_size=3).kernel_size == 3 and cfg.kernel_size == 2
    assert hash(cfg) == hash(ModelConfig(**TINY))


def test_trainer_reads_the_config_and_checkpoints_store_it(ar2, tmp_path):
    config = TrainConfig.quick(max_steps=3, validation_every=None, seed=5)
    torch.manual_seed(0)
    path = tmp_path / "run.safetensors"
    trainer = Trainer(build_wavenetlike(**TINY), ar2, config, checkpoint_path=path)
    assert trainer.train_config is config and trainer.batch_size == 4 and trainer.lr_schedule == "cosine"
    list(trainer.steps())
    saved = TrainConfig.from_dict(load_checkpoint(path).state["trainer"])
    assert saved == config
    resumed = Trainer.from_checkpoint(path, ar2, max_steps=5)
    assert resumed.train_config == config.replace(max_steps=5) and resumed.step == 3
    # keywords are a shorthand for replace(): the config given is not changed
    assert Trainer(build_wavenetlike(**TINY), ar2, config, batch_size=2).batch_size == 2 and config.batch_size == 4


def test_trainer_does_not_change_the_callers_model_config():
    t = np.arange(600)
    clips = [np.sin(2 * np.pi * t / p).astype(np.float32) for p in (20, 40)]
    ds = Dataset(clips, sample_rate=8000)
    for clip, label in zip(ds.clips, ["high", "low"]):
        clip.label = label
    shared = ModelConfig(**TINY, global_condition_classes=2)
    model = build_wavenetlike(shared)
    Trainer(model, ds, max_steps=1, validation_every=None, validation_fraction=0.0)
    assert shared.labels == []  # the panel's / project's config value is untouched
    assert model.config.labels == ["high", "low"]  # the model got a new value with the names


def test_one_stop_agreement_per_step(ar2, monkeypatch):
    """A distributed run agrees on stopping once per step (one collective), not once per check."""
    calls = []
    original = Trainer._agreed_stop
    monkeypatch.setattr(Trainer, "_agreed_stop", lambda self: calls.append(1) or original(self))
    trainer = Trainer(build_wavenetlike(**TINY), ar2, max_steps=4, validation_every=None)
    list(trainer.steps())
    assert len(calls) == 5  # four steps, then the check that ends the run


def test_quick_for_gives_an_adaptive_scale_model_its_lower_learning_rate():
    from wavenetlike import ModelConfig
    from wavenetlike.config import with_linear_predictor
    from wavenetlike.train_config import LINEAR_TERM_LR
    plain = ModelConfig(n_blocks=2, layers_per_block=6, continuous=True, mixture_components=3)
    adaptive = with_linear_predictor(plain, 8)
    assert adaptive.adaptive_scale and not with_linear_predictor(plain, 8, adaptive_scale=False).adaptive_scale
    assert TrainConfig.quick_for(adaptive).lr == LINEAR_TERM_LR < TrainConfig.quick().lr
    assert TrainConfig.quick_for(plain) == TrainConfig.quick() == TrainConfig.quick_for(None)
    assert TrainConfig.quick_for(adaptive, lr=0.02, max_steps=5) == TrainConfig.quick(lr=0.02, max_steps=5)
