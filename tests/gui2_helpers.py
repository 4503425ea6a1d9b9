"""Shared helpers for the Training / Generate panel tests: a tiny project on AR(2) data."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

TINY_DISCRETE = dict(n_blocks=1, layers_per_block=3, kernel_size=2, residual_channels=8, gate_channels=8,
                     skip_channels=16, output_channels=32, quantization_channels=64, sample_rate=8000)


def tiny_dataset(count: int = 6, length: int = 3000) -> Any:
    """A small AR(2) dataset (8 kHz)."""
    from wavenetlike import AR2, Dataset
    return Dataset(AR2(a=0.6, b=-0.3, length=length, count=count, seed=3, sample_rate=8000))


def tiny_config(**overrides: Any) -> Any:
    """A discrete (mu-law, cross-entropy) model small enough to train in milliseconds per step."""
    from wavenetlike import ModelConfig
    return ModelConfig(**{**TINY_DISCRETE, **overrides})


def temp_settings(tmp_path) -> Any:
    """App settings stored in an ini file under ``tmp_path`` (never the user's)."""
    from wavenetlike_gui.settings import Settings
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def ar2_spec() -> dict[str, Any]:
    return {"kind": "ar2", "a": 0.6, "b": -0.3, "length": 3000, "count": 6, "seed": 3, "sample_rate": 8000}


def running_threads() -> list:
    """Workers whose thread still runs (a worker whose Qt object is already deleted is not running)."""
    from wavenetlike_gui import workers
    return workers.running_workers()
