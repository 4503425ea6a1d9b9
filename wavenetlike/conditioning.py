"""Conditioning: set a config up for labels or features, and compute the features.

Global conditioning: a label per clip (a Speech Commands word, a sub-folder
name) chooses a learned embedding added to every layer's filter and gate.
:func:`condition_on_labels` sizes a :class:`ModelConfig` for a dataset's
labels; the trainer maps each clip's label to its index in ``config.labels``.

Local conditioning (vocoder mode): log-mel frames of the waveform itself, one
frame per ``config.local_condition_hop`` samples (scaled to about ±1.5, see
:func:`conditioning_features`), upsampled inside the model.
:func:`features_for_clip` computes them for a whole clip; training and
generation use the same function on the same whole clip, so the conditioning
lines up sample for sample:

* Training computes the features of every clip once, then cuts each training
  window's frames out of them (:func:`frames_for_window`). Windows start on a
  frame boundary (a multiple of the hop in clip samples), so window position t
  sees frame ``(start + t) // hop`` — the frame that describes that clip
  sample. Positions before the clip's start use the first frame and positions
  after its end the last, as :func:`wavenetlike.generate.generate` does.
* The window carries two extra samples of unscored context (the upsampler's
  causal convolution is 3 wide), so every scored output sees exactly the
  conditioning it would see on the whole clip.
* Generation takes ``local_features=features_for_clip(config, clip.audio, scale)``.

Cutting frames out of whole-clip features (rather than computing features of
the window alone) matters because a frame's analysis window (4·hop samples,
centred) reaches past the window edges: features of the window alone differ
from the whole clip's in the two or three frames at each edge.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import torch

from .config import ModelConfig
from .data.windows import frames_for_window
from .features import log_mel

__all__ = ["condition_on_labels", "condition_on_features", "features_for_clip", "frames_for_window",
           "conditioning_features", "UPSAMPLER_CONTEXT", "FEATURE_CENTER", "FEATURE_SPREAD"]

UPSAMPLER_CONTEXT = 2
"""Extra samples of context a locally conditioned training window needs: the upsampler conv is 3 wide."""

FEATURE_CENTER = -2.0
FEATURE_SPREAD = 3.0
"""Log-mel values (log10 power, floored at −6) enter the model as (value − CENTER) / SPREAD: about
−1.3 for silence and +1.5 for a loud tone, a range the gates' projections learn quickly from."""


def conditioning_features(audio: torch.Tensor, config: ModelConfig) -> torch.Tensor:
    """Scaled log-mel frames of waveforms in model units: (T,) or (B, T) → (B, C, ceil(T/hop))."""
    mel = log_mel(audio, config.sample_rate, n_mels=config.local_condition_channels,
                  hop=config.local_condition_hop)
    return (mel - FEATURE_CENTER) / FEATURE_SPREAD


def _label_names(labels_or_dataset: Any) -> list[str]:
    labels = getattr(labels_or_dataset, "labels", labels_or_dataset)
    if labels is None or isinstance(labels, str):
        raise TypeError("condition_on_labels needs a Dataset or a list of label names")
    names = [str(x) for x in labels]
    if len(set(names)) != len(names):
        raise ValueError(f"labels must be distinct, got {names}")
    return names


def condition_on_labels(config: ModelConfig, labels_or_dataset: Any,
                        channels: int | None = None) -> ModelConfig:
    """A copy of ``config`` conditioned on the labels of a dataset (or a list of names).

    Sets ``global_condition_classes`` to the number of labels and ``labels``
    to their names (the index of a name is its embedding row);
    ``channels`` overrides ``global_condition_channels``. Raises
    ``ValueError`` when there are fewer than two labels (nothing to choose).
    """
    names = _label_names(labels_or_dataset)
    if len(names) < 2:
        what = getattr(labels_or_dataset, "description", "") or "the labels given"
        raise ValueError(f"global conditioning needs at least two labels; {what} has "
                         f"{len(names)} ({names}). Label clips by sub-folder or word.")
    changes: dict[str, Any] = {"global_condition_classes": len(names), "labels": names}
    if channels is not None:
        changes["global_condition_channels"] = int(channels)
    return config.replace(**changes)


def condition_on_features(config: ModelConfig, n_mels: int = 20, hop: int | None = None) -> ModelConfig:
    """A copy of ``config`` locally conditioned on ``n_mels`` log-mel bands every ``hop`` samples.

    ``hop`` defaults to about 16 ms at the config's sample rate, rounded to a
    power of two (256 at 16 kHz, 128 at 8 kHz).
    """
    if hop is None:
        hop = 1 << max(0, int(round(np.log2(max(1.0, 0.016 * config.sample_rate)))))
    return config.replace(local_condition_channels=int(n_mels), local_condition_hop=int(hop))


def features_for_clip(config: ModelConfig, audio: np.ndarray | torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Local-conditioning features of a whole clip: (local_condition_channels, ceil(len/hop)) float32.

    ``audio``: the clip's samples at ``config.sample_rate`` in the data's units;
    they are divided by ``scale`` (the dataset's / checkpoint's scale) to get
    the model's units, as the trainer does. Pass the result to
    ``generate(..., local_features=...)`` to resynthesise the clip.
    """
    if not config.local_condition_channels:
        raise ValueError("features_for_clip: the model has no local conditioning "
                         "(ModelConfig.local_condition_channels = 0)")
    x = torch.as_tensor(np.asarray(audio, dtype=np.float32) if not isinstance(audio, torch.Tensor) else audio)
    x = x.detach().float().cpu()
    if x.dim() != 1 or x.numel() == 0:
        raise ValueError(f"features_for_clip: expected a non-empty mono clip (samples,), got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("features_for_clip: the clip contains NaN or infinite samples")
    x = x / float(scale or 1.0)
    return conditioning_features(x, config)[0]


def clip_features(config: ModelConfig, clips: Iterable[np.ndarray], scale: float = 1.0) -> list[np.ndarray]:
    """:func:`features_for_clip` of every clip, as numpy arrays (for the window sampler)."""
    return [features_for_clip(config, c, scale).numpy() for c in clips]


def label_indices(labels: Sequence[str], clips: Iterable[Any]) -> list[int]:
    """The index in ``labels`` of every clip's label; ``ValueError`` names the first clip that has none."""
    out = []
    for c in clips:
        if c.label is None or c.label not in labels:
            raise ValueError(f"clip {c.name!r} has label {c.label!r}, which is not among the model's "
                             f"labels {list(labels)}: a globally conditioned model needs every clip labelled")
        out.append(list(labels).index(c.label))
    return out
