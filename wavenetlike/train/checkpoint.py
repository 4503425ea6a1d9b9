"""Checkpoints: ONE ``.safetensors`` file, self-describing, written atomically, never pickled.

Layout of a checkpoint file:

* tensors ``model.<name>``: the model's ``state_dict`` (float32, on CPU);
* tensors ``optimizer.state.<param index>.<key>``: the optimizer's per-parameter
  tensors (Adam's ``exp_avg``, ``exp_avg_sq``, ``step``);
* safetensors metadata (JSON strings): ``format`` (``wavenetlike-checkpoint``),
  ``version``, ``model_kind`` (``wavenetlike`` or ``block``), ``config`` (the
  ModelConfig, or the Block's arguments), ``state`` (training state: step,
  history, dataset scale, labels, seed, rng, trainer settings) and, when an
  optimizer was saved, ``optimizer`` (its class, param groups and non-tensor
  per-parameter values).

The file is written to a temporary file in the target folder and renamed into
place (``os.replace``), so an interrupted save never leaves a half-written
checkpoint where the last good one was.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..config import ModelConfig
from ..safe_io import atomic_write_bytes, check_target
from . import checkpoint_checks as checks
from .checkpoint_checks import CheckpointError

__all__ = ["Checkpoint", "CheckpointError", "save", "load", "load_checkpoint",
           "flatten_optimizer", "unflatten_optimizer", "FORMAT", "VERSION"]

FORMAT = "wavenetlike-checkpoint"
VERSION = 1
MODEL_PREFIX = "model."
OPTIMIZER_PREFIX = "optimizer.state."
EXTRA_PREFIX = "extra."


@dataclass
class Checkpoint:
    """What a checkpoint file holds."""

    model: nn.Module
    config: ModelConfig | dict[str, Any]
    state: dict[str, Any]
    optimizer_tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    optimizer_meta: dict[str, Any] | None = None
    extra_tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    path: str = ""

    @property
    def step(self) -> int:
        return int(self.state.get("step", 0))

    @property
    def scale(self) -> float:
        """Multiply model-unit samples by this to get the training data's units."""
        return float(self.state.get("scale", 1.0))

    @property
    def labels(self) -> list[str]:
        return list(self.state.get("labels", []))

    def optimizer_state_dict(self) -> dict[str, Any] | None:
        """The optimizer's ``state_dict`` rebuilt from the flat tensors, or None when none was saved."""
        if self.optimizer_meta is None:
            return None
        return unflatten_optimizer(self.optimizer_tensors, self.optimizer_meta)


# ------------------------------------------------------------ optimizer I/O
def _json_safe(v: Any) -> Any:
    if torch.is_tensor(v):
        return v.item() if v.numel() == 1 else v.tolist()
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    return v


def flatten_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer's state as flat CPU tensors plus a JSON-safe dict of everything else."""
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for pid, st in sd["state"].items():
        for key, value in st.items():
            if torch.is_tensor(value):
                tensors[f"{OPTIMIZER_PREFIX}{pid}.{key}"] = value.detach().to("cpu").contiguous().clone()
            else:
                scalars.setdefault(str(pid), {})[key] = _json_safe(value)
    meta = {"class": type(optimizer).__name__, "param_groups": _json_safe(sd["param_groups"]),
            "state_scalars": scalars}
    return tensors, meta


def unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`flatten_optimizer`: a dict for ``optimizer.load_state_dict``."""
    state: dict[int, dict[str, Any]] = {}
    for name, t in tensors.items():
        rest = name[len(OPTIMIZER_PREFIX):] if name.startswith(OPTIMIZER_PREFIX) else name
        pid, key = rest.split(".", 1)
        state.setdefault(int(pid), {})[key] = t
    for pid, values in meta.get("state_scalars", {}).items():
        state.setdefault(int(pid), {}).update(values)
    groups = []
    for g in meta["param_groups"]:
        g = dict(g)
        if isinstance(g.get("betas"), list):
            g["betas"] = tuple(g["betas"])
        groups.append(g)
    return {"state": state, "param_groups": groups}


# ---------------------------------------------------------------- model kind
def _model_description(model: nn.Module) -> tuple[str, dict[str, Any]]:
    from ..model.layers import Block
    from ..model.wavenet import WaveNetLike
    if isinstance(model, WaveNetLike):
        return "wavenetlike", model.config.to_dict()
    if isinstance(model, Block):
        return "block", {"n_layers": model.n_layers, "kernel_length": model.kernel_length,
                         "dilation_rate": model.dilation_rate, "channels": model.channels,
                         "bias": model.layers[0].bias is not None, "activation": model.activation}
    raise TypeError(f"save() takes a WaveNetLike model or a Block, not {type(model).__name__}")


def _build_model(kind: str, config: dict[str, Any], path: str) -> tuple[nn.Module, ModelConfig | dict[str, Any]]:
    from ..model.layers import Block
    from ..model.wavenet import WaveNetLike
    try:
        if kind == "wavenetlike":
            cfg = ModelConfig.from_dict(config)
            return WaveNetLike(cfg), cfg
        if kind == "block":
            return Block(**config), dict(config)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: its model config is not valid: {e}") from None
    raise CheckpointError(f"{path}: unknown model kind {kind!r} (expected 'wavenetlike' or 'block')")


# ---------------------------------------------------------------------- save
def save(model: nn.Module, path: str | os.PathLike, trainer_state: dict[str, Any] | None = None,
         optimizer: torch.optim.Optimizer | None = None,
         extra_tensors: dict[str, torch.Tensor] | None = None, *, overwrite: bool = True) -> Path:
    """Write ``model`` (and optionally training state and optimizer) to ONE safetensors file, atomically.

    ``trainer_state`` must be JSON-serialisable; it is stored as the ``state``
    metadata (defaults: step 0, scale 1.0, the config's labels).
    ``extra_tensors`` (e.g. RNG states) are stored as ``extra.<name>``.
    Returns the path written. The write goes through :mod:`wavenetlike.safe_io`:
    a target that is not a regular file (a device, FIFO, folder) is refused
    before any work, ``overwrite=False`` refuses an existing file, a full disk
    raises :class:`~wavenetlike.safe_io.DiskFullError` naming the path and the
    free space, and the previous file stays intact on any failure.
    """
    from safetensors.torch import save as save_bytes

    path = Path(path)
    check_target(path, overwrite=overwrite, what="checkpoint")
    kind, config = _model_description(model)
    state = dict(trainer_state or {})
    state.setdefault("step", 0)
    state.setdefault("scale", 1.0)
    state.setdefault("labels", list(config.get("labels", [])) if isinstance(config, dict) else [])
    tensors = {MODEL_PREFIX + k: v.detach().to("cpu").contiguous().clone()
               for k, v in model.state_dict().items()}
    metadata = {"format": FORMAT, "version": str(VERSION), "model_kind": kind,
                "config": json.dumps(config), "state": json.dumps(state)}
    if optimizer is not None:
        opt_tensors, opt_meta = flatten_optimizer(optimizer)
        tensors.update(opt_tensors)
        metadata["optimizer"] = json.dumps(opt_meta)
    for k, v in (extra_tensors or {}).items():
        tensors[EXTRA_PREFIX + k] = v.detach().to("cpu").contiguous().clone()

    data = save_bytes(tensors, metadata=metadata)
    atomic_write_bytes(path, data, overwrite=overwrite, what="checkpoint")
    return path


# ---------------------------------------------------------------------- load
def load_checkpoint(path: str | os.PathLike, *, allow_non_finite: bool = False,
                    memory_limit: int = checks.MEMORY_LIMIT_BYTES) -> Checkpoint:
    """Read a checkpoint written by :func:`save`, checking it before anything is allocated.

    Raises ``FileNotFoundError`` when the file is missing and
    :class:`CheckpointError` (a ValueError) naming the file (and the field)
    when it is not a usable wavenetlike checkpoint: not a regular file, a
    damaged header, metadata nested too deep or of the wrong JSON types, a
    config whose implied parameter count differs from the tensors in the file
    or whose implied memory exceeds ``memory_limit`` (see
    :mod:`wavenetlike.train.checkpoint_checks`), or NaN/infinite weights
    (unless ``allow_non_finite``). Nothing is unpickled.
    """
    from safetensors import safe_open

    p = Path(path)
    name = str(p)
    if not p.exists():
        raise FileNotFoundError(f"checkpoint not found: {name}")
    if p.is_dir():
        raise CheckpointError(f"{name} is a folder, not a checkpoint file")
    header = checks.read_header(p)  # regular file, bounded header: before safetensors touches it
    meta = header.get("__metadata__", {})
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{name} is a safetensors file but not a wavenetlike checkpoint "
                              f"(its metadata has no format = {FORMAT!r})")
    try:
        version = int(meta.get("version", "0"))
    except ValueError:
        version = -1
    if version != VERSION:
        raise CheckpointError(f"{name} has checkpoint format version {meta.get('version')!r}; "
                              f"this wavenetlike reads version {VERSION}")
    if "config" not in meta:
        raise CheckpointError(f"{name}: its config metadata is missing")
    config = checks.loads_limited(meta["config"], f"{name}: config")
    state = checks.loads_limited(meta.get("state", "{}"), f"{name}: state")
    opt_meta = checks.loads_limited(meta["optimizer"], f"{name}: optimizer") if "optimizer" in meta else None
    checks.check_state(state, name)
    checks.check_optimizer_meta(opt_meta, name)
    bad_names = [k for k in header if k != "__metadata__" and k.startswith(OPTIMIZER_PREFIX)
                 and not re.fullmatch(r"\d+\.[A-Za-z_][A-Za-z0-9_]*", k[len(OPTIMIZER_PREFIX):])]
    if bad_names:
        raise CheckpointError(f"{name}: optimizer tensor {bad_names[0]!r} is not named <parameter>.<key>")
    kind = meta.get("model_kind", "wavenetlike")
    checks.check_model_tensors(kind, config, header, name, memory_limit)

    try:
        with safe_open(name, framework="pt", device="cpu") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # safetensors raises its own error types for damaged files
        raise CheckpointError(f"{name} is not a readable checkpoint (damaged or not a safetensors file): {e}") from None

    model_tensors = {k[len(MODEL_PREFIX):]: v for k, v in tensors.items() if k.startswith(MODEL_PREFIX)}
    if not allow_non_finite:
        bad = [k for k, v in model_tensors.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if bad:
            raise CheckpointError(f"{name}: the weights {', '.join(bad[:3])}{' …' if len(bad) > 3 else ''} hold NaN "
                                  "or infinite values (a diverged or damaged model); refused "
                                  "(load with allow_non_finite=True, or `info --allow-non-finite`, to inspect it)")
    model, cfg = _build_model(kind, config, name)
    try:
        model.load_state_dict(model_tensors, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"{name}: its weights do not fit its config: {e}") from None
    model.eval()
    return Checkpoint(
        model=model, config=cfg, state=state,
        optimizer_tensors={k: v for k, v in tensors.items() if k.startswith(OPTIMIZER_PREFIX)},
        optimizer_meta=opt_meta,
        extra_tensors={k[len(EXTRA_PREFIX):]: v for k, v in tensors.items() if k.startswith(EXTRA_PREFIX)},
        path=name,
    )


def load(path: str | os.PathLike, *, allow_non_finite: bool = False) -> nn.Module:
    """The model stored in a checkpoint (in eval mode, on CPU); see :func:`load_checkpoint` for the checks."""
    return load_checkpoint(path, allow_non_finite=allow_non_finite).model
