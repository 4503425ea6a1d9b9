"""Analysis of models and datasets, and architecture suggestion."""
from __future__ import annotations

from typing import Any

from ..config import ModelConfig
from .model_report import ModelReport, model_report

__all__ = ["analyze", "ModelReport", "model_report"]


def analyze(obj: Any, **kwargs: Any):
    """Analyse a model (``nn.Module`` with ``.config``, or a ModelConfig) or a dataset.

    A model or config gives a :class:`ModelReport`; a dataset gives a
    ``DatasetReport`` (see :mod:`wavenetlike.analysis.dataset_report`).
    """
    config = obj if isinstance(obj, ModelConfig) else getattr(obj, "config", None)
    if isinstance(config, ModelConfig):
        return model_report(config, **kwargs)
    from ..data.dataset import Dataset
    if isinstance(obj, Dataset):
        from .dataset_report import analyze_dataset
        return analyze_dataset(obj, **kwargs)
    raise TypeError(f"analyze() takes a model, a ModelConfig or a Dataset, not {type(obj).__name__}")
