"""Checks a checkpoint file passes before anything is allocated for it.

A hostile or damaged ``.safetensors`` file must not make ``load``/``info``/
``generate`` allocate gigabytes, hang, or end in a traceback. Everything here
reads only the file's header (8 bytes of length, then JSON: tensor names,
dtypes, shapes, offsets, and the metadata strings) and the config in it:

* the header is at most :data:`MAX_HEADER_BYTES`; every JSON string in the
  metadata is parsed with a nesting limit (:func:`loads_limited`);
* the model's implied parameter count (``parameter_count(config)``, from the
  config alone) must equal the element count of the ``model.*`` tensors, and
  the implied memory (weights, optimizer state, the generation caches of the
  dilated layers) must stay under :data:`MEMORY_LIMIT_BYTES`; layers are at
  most :data:`MAX_LAYERS`, dilations at most :data:`MAX_DILATION`;
* the ``state`` and ``optimizer`` metadata have the JSON types the readers
  expect; a wrong one is named (``state.history``, ``optimizer.param_groups``…).

Every problem raises :class:`CheckpointError` (a ``ValueError``, defined here
and re-exported by :mod:`.checkpoint`) naming the file and the field. The
checks use the generic config functions, so new ModelConfig fields keep
working.
"""
from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path
from typing import Any, Callable

__all__ = ["read_training_state", "CheckpointError", "MAX_HEADER_BYTES", "MAX_JSON_DEPTH", "MEMORY_LIMIT_BYTES", "MAX_LAYERS", "MAX_DILATION",
           "MAX_RECEPTIVE_FIELD",
           "read_header", "loads_limited", "check_model_tensors", "check_state", "check_optimizer_meta",
           "implied_memory_bytes"]

MAX_HEADER_BYTES = 100_000_000
"""The largest safetensors header read (the format's own limit)."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of lists and objects accepted in checkpoint metadata."""
MEMORY_LIMIT_BYTES = 4 * 1024 ** 3
"""The most memory a checkpoint's model may imply (weights + optimizer state + generation caches): 4 GiB."""
MAX_LAYERS = 4096
"""The most dilated layers a checkpoint's model may have."""
MAX_DILATION = 1_000_000
"""The largest dilation of any layer."""
MAX_RECEPTIVE_FIELD = 2 ** 21
"""The longest receptive field Δ (2,097,152 samples, 131 s at 16 kHz): generation keeps and warms up per-layer
caches of about Δ samples, which takes memory and time in proportion (measured: Δ = 1.6 M samples with 8
channels took 28 s and 0.66 GB before the first sample)."""

_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                "BOOL": 1, "U16": 2, "U32": 4, "U64": 8}


class CheckpointError(ValueError):
    """A file that is not a usable wavenetlike checkpoint; the message names the file."""


def _error(message: str) -> Exception:
    return CheckpointError(message)


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def loads_limited(text: Any, where: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` with a nesting limit; errors name ``where`` (file and field)."""
    if not isinstance(text, str):
        raise _error(f"{where} is not a JSON string")
    if json_depth(text) > max_depth:
        raise _error(f"{where} is nested deeper than {max_depth} levels; refused")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise _error(f"{where} is not valid JSON ({e})") from None


def read_header(path: Path) -> dict[str, Any]:
    """The safetensors header of a regular file, parsed, without reading any tensor data."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise _error(f"{name}: permission denied") from None
    except OSError as e:
        raise _error(f"{name} cannot be opened ({e.strerror or e})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _error(f"{name} is not a regular file (a folder, device or FIFO): not a checkpoint")
        raw = f.read(8)
        if len(raw) < 8:
            raise _error(f"{name} is not a readable checkpoint (too short for a safetensors header)")
        (n,) = struct.unpack("<Q", raw)
        if n > MAX_HEADER_BYTES or n + 8 > st.st_size:
            raise _error(f"{name} is not a readable checkpoint: its header claims {n:,} bytes "
                         f"(the file has {st.st_size:,})")
        text = f.read(n)
    try:
        header_text = text.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(f"{name} is not a readable checkpoint: its header is not UTF-8 text") from None
    header = loads_limited(header_text, f"{name}: the safetensors header", max_depth=8)
    if not isinstance(header, dict):
        raise _error(f"{name} is not a readable checkpoint: its header is not a JSON object")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _error(f"{name}: its metadata must map names to strings")
    for key, info in header.items():
        if key == "__metadata__":
            continue
        shape = info.get("shape") if isinstance(info, dict) else None
        if (not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape)
                or info.get("dtype") not in _DTYPE_BYTES):
            raise _error(f"{name}: tensor {key!r} has no valid dtype and shape in the header")
    return header


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def tensor_bytes(header: dict[str, Any]) -> int:
    """Bytes all tensors in a parsed header take once loaded."""
    return sum(_numel(v["shape"]) * _DTYPE_BYTES[v["dtype"]] for k, v in header.items() if k != "__metadata__")


def _block_parameters(config: dict[str, Any]) -> tuple[int, list[int], int]:
    n, k = config.get("n_layers", 1), config.get("kernel_length", 2)
    rate, c = config.get("dilation_rate", 1), config.get("channels", 1)
    for field, v in (("n_layers", n), ("kernel_length", k), ("dilation_rate", rate), ("channels", c)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"Block.{field} = {v!r} must be an integer ≥ 1")
    if n > MAX_LAYERS:
        raise ValueError(f"Block.n_layers = {n} is more than {MAX_LAYERS} layers")
    if rate > 1 and (n - 1) * rate.bit_length() > 64:
        raise ValueError(f"Block dilations dilation_rate ** (n_layers - 1) = {rate}**{n - 1} are too large")
    if c > 4096 or k > 64:
        raise ValueError(f"Block.channels = {c} / kernel_length = {k} is out of range (at most 4096 / 64)")
    bias = bool(config.get("bias", True))
    dilations = [rate ** i for i in range(n)]
    return n * (c * c * k + (c if bias else 0)), dilations, 2 * c * max(1, k - 1)


def implied_memory_bytes(parameters: int, dilations: list[int], cache_width: int) -> int:
    """Bytes a model implies: float32 weights, Adam's two moments, and generation caches.

    ``cache_width``: float32 values kept per delayed sample and layer while
    generating (an upper estimate: residual, gate and skip activations).
    """
    return 4 * (3 * parameters + cache_width * (sum(dilations) + len(dilations)))


def check_model_tensors(kind: str, config: Any, header: dict[str, Any], name: str,
                        memory_limit: int = MEMORY_LIMIT_BYTES) -> None:
    """Compare the config's implied size with the ``model.*`` tensors in the header, and with the limit.

    Raises CheckpointError before any model is built or tensor read.
    """
    from ..config import ModelConfig, dilation_list, parameter_count, receptive_field
    if not isinstance(config, dict):
        raise _error(f"{name}: its model config must be a JSON object, not {type(config).__name__}")
    try:
        if kind == "wavenetlike":
            cfg = ModelConfig.from_dict(config)
            layers = len(cfg.dilations) if cfg.dilations is not None else cfg.n_blocks * cfg.layers_per_block
            if layers > MAX_LAYERS:
                raise ValueError(f"{layers} dilated layers (at most {MAX_LAYERS})")
            if cfg.dilations is None and cfg.dilation_base > 1 and \
                    (cfg.layers_per_block - 1) * (cfg.dilation_base.bit_length() - 1) > 20:
                raise ValueError(f"dilation_base ** (layers_per_block - 1) = {cfg.dilation_base}**"
                                 f"{cfg.layers_per_block - 1} is more than {MAX_DILATION}")
            dilations = dilation_list(cfg)
            if max(dilations) > MAX_DILATION:
                raise ValueError(f"a dilation of {max(dilations)} (at most {MAX_DILATION})")
            expected = parameter_count(cfg)
            cache_width = (2 * cfg.residual_channels + 3 * cfg.gate_channels + cfg.skip_channels) * \
                max(1, cfg.kernel_size - 1)
        elif kind == "block":
            expected, dilations, cache_width = _block_parameters(config)
        else:
            raise _error(f"{name}: unknown model kind {kind!r} (expected 'wavenetlike' or 'block')")
    except (TypeError, ValueError) as e:
        if type(e).__name__ == "CheckpointError":
            raise
        raise _error(f"{name}: its model config is not valid: {e}") from None
    if kind == "wavenetlike":
        delta = receptive_field(cfg)
    else:
        delta = (config.get("kernel_length", 2) - 1) * sum(dilations) + 1
    if delta > MAX_RECEPTIVE_FIELD:
        raise _error(f"{name}: its model's receptive field is {delta:,} samples, more than the limit of "
                     f"{MAX_RECEPTIVE_FIELD:,}; refused")
    found = sum(_numel(v["shape"]) for k, v in header.items() if k.startswith("model."))
    if found != expected:
        raise _error(f"{name}: its weights do not fit its config: the config implies {expected:,} parameters, "
                     f"the file holds {found:,}")
    need = implied_memory_bytes(expected, dilations, cache_width)
    if need > memory_limit:
        raise _error(f"{name}: its model would need about {need / 2 ** 30:.1f} GiB (weights, optimizer state and "
                     f"generation caches), more than the limit of {memory_limit / 2 ** 30:.1f} GiB; refused")
    data_bytes = tensor_bytes(header)
    if data_bytes > memory_limit:
        raise _error(f"{name}: its tensors would take {data_bytes / 2 ** 30:.1f} GiB, more than the limit of "
                     f"{memory_limit / 2 ** 30:.1f} GiB; refused")


# ------------------------------------------------------------ metadata types
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _opt(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


_STATE_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "step": (lambda v: _is_int(v) and v >= 0, "a whole number ≥ 0"),
    "history": (lambda v: isinstance(v, list) and all(isinstance(h, dict) for h in v), "a list of objects"),
    "scale": (lambda v: _is_num(v) and v > 0, "a number > 0"),
    "labels": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
    "seed": (_is_int, "a whole number"),
    "sample_rate": (_opt(lambda v: _is_int(v) and 1 <= v <= 1_000_000), "a whole number from 1 to 1000000"),
    "elapsed": (_opt(lambda v: _is_num(v) and v >= 0), "a number ≥ 0"),
    "loss_type": (_opt(lambda v: isinstance(v, str)), "a string"),
    "rng": (lambda v: isinstance(v, dict) and isinstance(v.get("sampler", {}), dict), "an object"),
    "dataset": (_opt(lambda v: isinstance(v, dict)), "an object or null"),
    "trainer": (lambda v: isinstance(v, dict), "an object"),
    "best": (_opt(lambda v: isinstance(v, dict)
                  and all(v.get(k) is None or _is_num(v.get(k)) for k in ("val_loss", "step", "validations_since"))),
             "an object of numbers (val_loss, step, validations_since)"),
}

_TRAINER_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "batch_size": (lambda v: _is_int(v) and v >= 1, "a whole number ≥ 1"),
    "target_length": (lambda v: _is_int(v) and v >= 1, "a whole number ≥ 1"),
    "lr": (lambda v: _is_num(v) and v > 0, "a number > 0"),
    "max_steps": (_opt(lambda v: _is_int(v) and v >= 0), "a whole number or null"),
    "max_seconds": (_opt(lambda v: _is_num(v) and v >= 0), "a number or null"),
    "validation_every": (_opt(_is_int), "a whole number or null"),
    "validation_batches": (_opt(_is_int), "a whole number"),
    "checkpoint_every": (_opt(_is_int), "a whole number or null"),
    "validation_fraction": (_opt(_is_num), "a number"),
    "grad_clip": (_opt(_is_num), "a number or null"),
    "lr_schedule": (_opt(lambda v: isinstance(v, str)), "a string"),
}


def _check_fields(obj: dict[str, Any], types: dict[str, tuple[Callable[[Any], bool], str]], prefix: str,
                  name: str) -> None:
    for key, (ok, allowed) in types.items():
        if key in obj and not ok(obj[key]):
            raise _error(f"{name}: {prefix}.{key} = {_short(obj[key])} must be {allowed}")


def _short(v: Any) -> str:
    text = json.dumps(v) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 60 else text[:57] + "…"


def check_state(state: Any, name: str) -> None:
    """Raise CheckpointError naming the field when the ``state`` metadata has a wrong JSON type."""
    if not isinstance(state, dict):
        raise _error(f"{name}: its state metadata must be a JSON object, not {type(state).__name__}")
    _check_fields(state, _STATE_TYPES, "state", name)
    _check_fields(state.get("trainer", {}), _TRAINER_TYPES, "state.trainer", name)
    for i, h in enumerate(state.get("history", [])):
        for key in ("step", "loss", "accuracy", "val_loss", "val_accuracy", "elapsed"):
            if key in h and h[key] is not None and not _is_num(h[key]):
                raise _error(f"{name}: state.history[{i}].{key} = {_short(h[key])} must be a number")
        if "kind" in h and not isinstance(h["kind"], str):
            raise _error(f"{name}: state.history[{i}].kind must be a string")


def read_training_state(path: str | Path) -> dict[str, Any]:
    """A checkpoint's training state (step, history, settings …) from its header only: no tensors are read.

    The file must be a regular file (a FIFO is refused, never opened); the JSON
    is depth-limited and its fields checked. Raises ``ValueError`` naming the
    file when it cannot be read.
    """
    meta = read_header(Path(path)).get("__metadata__", {})
    state = loads_limited(meta.get("state", "{}"), f"{path}: state")
    check_state(state, str(path))
    return dict(state) if isinstance(state, dict) else {}


def check_optimizer_meta(meta: Any, name: str) -> None:
    """Raise CheckpointError naming the field when the ``optimizer`` metadata has a wrong JSON type."""
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise _error(f"{name}: its optimizer metadata must be a JSON object, not {type(meta).__name__}")
    groups = meta.get("param_groups")
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise _error(f"{name}: optimizer.param_groups must be a list of objects")
    for i, g in enumerate(groups):
        params = g.get("params")
        if not isinstance(params, list) or not all(_is_int(p) for p in params):
            raise _error(f"{name}: optimizer.param_groups[{i}].params must be a list of whole numbers")
        for key in ("lr", "eps", "weight_decay"):
            if key in g and not _is_num(g[key]):
                raise _error(f"{name}: optimizer.param_groups[{i}].{key} = {_short(g[key])} must be a number")
        betas = g.get("betas")
        if betas is not None and not (isinstance(betas, list) and len(betas) == 2 and all(map(_is_num, betas))):
            raise _error(f"{name}: optimizer.param_groups[{i}].betas must be a list of two numbers")
    scalars = meta.get("state_scalars", {})
    if not isinstance(scalars, dict) or not all(isinstance(v, dict) for v in scalars.values()):
        raise _error(f"{name}: optimizer.state_scalars must be an object of objects")
    for pid in scalars:
        if not pid.lstrip("-").isdigit():
            raise _error(f"{name}: optimizer.state_scalars key {pid!r} must be a parameter number")
