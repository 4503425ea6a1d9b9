"""Shared helpers for the session and run tests: a tiny model on a short AR(2) dataset."""
from __future__ import annotations

from typing import Any

from wavenetlike import DatasetSpec, ModelConfig, Session, TrainConfig

SPEC = DatasetSpec.ar2(length=1200, count=4, seed=2, sample_rate=8000)
TINY = dict(n_blocks=1, layers_per_block=2, kernel_size=2, residual_channels=4, gate_channels=4, skip_channels=8,
            output_channels=8, quantization_channels=16, sample_rate=8000)


def tiny_config(**changes: Any) -> ModelConfig:
    return ModelConfig(**{**TINY, **changes})


def quick(**changes: Any) -> TrainConfig:
    """A few steps on the CPU, validating every 2 steps on a few hundred held-out samples."""
    base = dict(batch_size=2, target_length=32, max_steps=4, validation_every=2, validation_samples=400,
                device="cpu", threads=1)
    return TrainConfig(**{**base, **changes})


def tiny_session(root: Any, **changes: Any) -> Session:
    session = Session(root, SPEC, tiny_config(**changes))
    session.load_dataset()
    return session
