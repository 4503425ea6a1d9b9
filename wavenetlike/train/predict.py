"""Teacher-forced next-sample prediction for a batch of inputs."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ..data.mulaw import mu_law_decode
from ..model.distributions import mixture_mean, model_inputs

__all__ = ["predict"]


@torch.no_grad()
def predict(model: nn.Module, inputs: Any, *, global_cond: Any = None, local_cond: Any = None,
            temperature: float = 1.0) -> np.ndarray:
    """Next-sample predictions at every position, teacher-forced (one parallel forward pass).

    ``inputs``: shape (T,) or (B, T). For a categorical (mu-law) model,
    integer arrays are class indices and float arrays are waveforms in
    [−1, 1] (mu-law encoded here). Returns, for position t, the prediction of
    sample t+1 given samples up to t:

    * categorical model: probabilities, shape (B, T, classes) (softmax of the
      logits divided by ``temperature``);
    * continuous model: the mean of the predicted mixture, shape (B, T);
    * ``Block``: predicted values, shape (B, T).

    A model with a value input needs float waveforms (class indices are
    decoded to their values first).

    A 1-D input gives a result without the batch axis.
    """
    x = torch.as_tensor(np.asarray(inputs) if not isinstance(inputs, torch.Tensor) else inputs)
    squeeze = x.dim() == 1
    if squeeze:
        x = x.unsqueeze(0)
    if x.dim() != 2:
        raise ValueError(f"predict() takes inputs of shape (T,) or (B, T), got {tuple(x.shape)}")
    if x.shape[1] < 1:
        raise ValueError("predict() needs at least one input sample")
    param = next(model.parameters())
    config = getattr(model, "config", None)
    was_training = model.training
    model.eval()
    try:
        if config is None:  # a Block: values in, values out
            y = model(x.to(param.device, param.dtype)).float()
            out = y.reshape(x.shape)
        else:
            if not x.dtype.is_floating_point:
                if int(x.min()) < 0 or int(x.max()) >= config.quantization_channels:
                    raise ValueError(f"predict(): class indices must lie in 0 … "
                                     f"{config.quantization_channels - 1}, got {int(x.min())} … {int(x.max())}")
                x = mu_law_decode(x, config.quantization_channels)
            if temperature <= 0:
                raise ValueError(f"predict(): temperature = {temperature} must be > 0")
            y = model(model_inputs(config, x.float()).to(param.device), global_cond=_tensor(global_cond, param.device),
                      local_cond=_tensor(local_cond, param.device))
            if config.continuous:
                out = mixture_mean(y).float()
            else:
                out = torch.softmax(y.float() / temperature, dim=1).transpose(1, 2)
    finally:
        model.train(was_training)
    result = out.cpu().numpy()
    return result[0] if squeeze else result


def _tensor(v: Any, device: torch.device) -> torch.Tensor | None:
    if v is None:
        return None
    t = v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))
    return t.to(device)
