"""The architecture's checks against the dataset: warnings in words, from configs and reports only."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..analysis.model_report import model_report
from ..config import ModelConfig

__all__ = ["architecture_checks"]


def architecture_checks(config: ModelConfig, report: Any = None, labels: Sequence[str] | None = None,
                        suggestion: ModelConfig | None = None,
                        suggestion_warnings: Sequence[str] | None = None) -> list[str]:
    """Warnings about ``config`` for the data ``report`` describes (a ``DatasetReport``; None: no data yet).

    Δ shorter than the data's correlation length (the model cannot see the
    structure); Δ longer than the median clip (clips cannot fill a window); a
    label-conditioned model whose ``labels`` are not the dataset's ``labels``
    (default: the report's); and, when ``config`` is the ``suggestion``, the
    suggestion's own ``suggestion_warnings`` (default: its ``.warnings``).
    """
    out: list[str] = []
    rate = int(getattr(report, "sample_rate", 0) or config.sample_rate)
    rep = model_report(config, sample_rate=rate)
    if report is not None:
        corr = int(report.correlation_length)
        if rep.receptive_field < corr:
            out.append(f"Δ = {rep.receptive_field} samples ({rep.receptive_field_ms:.1f} ms) is shorter than the "
                       f"data's correlation length ({corr} samples, {report.correlation_length_ms:.1f} ms): "
                       "the model cannot see far enough back to use all the structure in the data. "
                       "Add layers or blocks.")
        lengths = np.asarray(report.lengths)
        if lengths.size:
            typical = int(np.median(lengths))
            if rep.receptive_field > typical:
                out.append(f"Δ = {rep.receptive_field} samples is longer than the typical (median) clip "
                           f"of {typical} samples: most clips cannot fill one training window. "
                           "Use fewer layers or blocks.")
    if labels is None and report is not None:
        labels = sorted(getattr(report, "labels", None) or {})
    if config.global_condition_classes and labels is not None and list(config.labels) != list(labels):
        out.append(f"The model is conditioned on the labels {list(config.labels)}, but the dataset's "
                   f"labels are {list(labels)}: untick and tick “Condition on the dataset's labels” "
                   "to follow the dataset.")
    if suggestion is not None and config == suggestion:
        out.extend(suggestion_warnings if suggestion_warnings is not None
                   else getattr(suggestion, "warnings", None) or [])
    return out
