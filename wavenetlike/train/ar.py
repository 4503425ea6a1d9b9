"""Fit a stack (the seed's ``Block``, or a small continuous WaveNet-like model) to a 1-D series.

The stack is trained to predict x_{t+1} from x_t, x_{t−1}, … : its output at
t is compared with the next sample, over the positions whose receptive field
lies inside the series. For ``Block(n_layers=1, kernel_length=2)`` on an AR(2)
process ``X_t = c + a·X_{t−1} + b·X_{t−2} + ε`` the trained taps are (b, a)
(tap 0 on x_{t−1} is b, tap 1 on x_t is a) and the bias is c; see
:meth:`Block.ar_coefficients`.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from .losses import Losses, compute_loss
from ..model.distributions import mixture_mean

__all__ = ["train_stack_ar", "ols_ar"]


def _as_series(data: Iterable[float] | np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(data, torch.Tensor):
        x = data.detach().double().reshape(-1)
    else:
        x = torch.as_tensor(np.asarray(list(data) if not isinstance(data, np.ndarray) else data,
                                       dtype=np.float64).reshape(-1))
    if x.numel() < 3:
        raise ValueError(f"train_stack_ar needs at least 3 samples, got {x.numel()}")
    if not torch.isfinite(x).all():
        raise ValueError("train_stack_ar: the data contains NaN or infinite values")
    return x


def _is_linear_block(stack: nn.Module) -> bool:
    from ..model.layers import Block
    return isinstance(stack, Block) and stack.activation is None


def train_stack_ar(stack: nn.Module, data: Sequence[float] | np.ndarray | torch.Tensor,
                   loss_type: Losses | str = Losses.mse, steps: int | None = None, lr: float | None = None,
                   seed: int | None = 0) -> dict[str, Any]:
    """Train ``stack`` to predict each next sample of ``data`` from its past; returns a summary dict.

    A ``Block`` is fitted full-batch with L-BFGS on the mean squared error
    (``steps`` L-BFGS iterations, default 200; ``lr`` default 1): for a linear
    block this converges to the ordinary least-squares fit. A linear block is
    fitted on the data divided by its RMS and its biases scaled back, which
    leaves the fitted function unchanged and keeps the problem well
    conditioned for large values (the seed's x0 = 50, x1 = 60). A continuous
    WaveNet-like model (a mixture-of-logistics output) is trained with Adam
    on the series divided by its peak, by the mixture's negative
    log-likelihood (``steps`` default 300, ``lr`` 1e-2; ``history`` holds
    that NLL). The returned dict holds the final ``loss`` (the mean squared
    error of the predicted mean, in the series' units), the ``history`` and,
    for a single kernel-2 layer, the ``coefficients`` {a, b, c}.
    """
    loss_type = Losses.parse(loss_type)
    if loss_type is not Losses.mse:
        raise ValueError("train_stack_ar fits one value per sample: use loss_type=Losses.mse "
                         "(cross-entropy needs a categorical model; train it with Trainer)")
    config = getattr(stack, "config", None)
    if config is not None and not config.continuous:
        raise ValueError("train_stack_ar needs a continuous-output model (ModelConfig.continuous=True) or a Block")
    if seed is not None:
        torch.manual_seed(seed)
    x = _as_series(data)
    delta = int(getattr(stack, "receptive_field"))
    first = delta - 1  # first output position with a full receptive field inside the series
    if x.numel() - 1 <= first:
        raise ValueError(f"train_stack_ar: {x.numel()} samples are too few for a receptive field of {delta}")

    linear = _is_linear_block(stack)
    if config is not None:  # a mixture model: NLL on the series divided by its peak (values in [−1, 1])
        s = float(x.abs().max()) or 1.0
    else:
        s = float(x.pow(2).mean().sqrt()) if linear else 1.0
        s = s if s > 0 else 1.0
    param = next(stack.parameters())
    dtype = param.dtype
    inputs = (x[:-1] / s).to(dtype).view(1, -1)
    targets = (x[1:] / s).to(dtype).view(1, -1)

    def outputs() -> torch.Tensor:
        y = stack(inputs)  # Block: (1, T) -> (1, T); WaveNetLike: (1, T) -> (1, 3K, T)
        return y if y.dim() == 3 else y.unsqueeze(1)

    history: list[float] = []
    stack.train()
    if config is None:
        opt = torch.optim.LBFGS(stack.parameters(), lr=lr or 1.0, max_iter=steps or 200,
                                tolerance_grad=1e-12, tolerance_change=1e-15, history_size=20,
                                line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = compute_loss(outputs(), targets, Losses.mse, first)
            loss.backward()
            history.append(float(loss.detach()) * s * s)
            return loss

        opt.step(closure)
    else:  # history: the mixture's NLL (nats per sample, on the scaled series)
        opt = torch.optim.Adam(stack.parameters(), lr=lr or 1e-2)
        for _ in range(steps or 300):
            opt.zero_grad()
            loss = compute_loss(outputs(), targets, Losses.logistic_mixture, first)
            loss.backward()
            opt.step()
            history.append(float(loss.detach()))
    if linear and s != 1.0:
        with torch.no_grad():
            for layer in stack.layers:
                if layer.bias is not None:
                    layer.bias.mul_(s)
    stack.eval()
    with torch.no_grad():
        if config is None:
            y = stack(x[:-1].to(dtype).view(1, -1))
            y = y if y.dim() == 3 else y.unsqueeze(1)
        else:  # the mixture's mean, back in the series' units
            y = (mixture_mean(stack(inputs)) * s).unsqueeze(1)
        final = float(compute_loss(y, x[1:].to(dtype).view(1, -1), Losses.mse, first))
    result: dict[str, Any] = {"loss": final, "history": history, "n_scored": int(x.numel() - 1 - first)}
    if hasattr(stack, "ar_coefficients") and getattr(stack, "n_layers", 0) == 1 and \
            getattr(stack, "kernel_length", 0) == 2 and getattr(stack, "channels", 0) == 1:
        result["coefficients"] = stack.ar_coefficients()
    return result


def ols_ar(data: Sequence[float] | np.ndarray, order: int = 2) -> dict[str, float]:
    """Ordinary least-squares AR(order) fit with intercept: {a, b, c} for order 2 (a on x_{t−1})."""
    x = np.asarray(list(data) if not isinstance(data, np.ndarray) else data, dtype=np.float64).reshape(-1)
    if x.size <= order + 1:
        raise ValueError(f"ols_ar needs more than {order + 1} samples")
    rows = np.column_stack([x[order - k - 1:x.size - k - 1] for k in range(order)] + [np.ones(x.size - order)])
    coef, *_ = np.linalg.lstsq(rows, x[order:], rcond=None)
    if order == 2:
        return {"a": float(coef[0]), "b": float(coef[1]), "c": float(coef[2])}
    return {**{f"a{k + 1}": float(coef[k]) for k in range(order)}, "c": float(coef[order])}
