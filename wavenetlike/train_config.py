"""``TrainConfig``: every setting of a training run, as one immutable value.

The Trainer, the CLI's ``train`` flags, the app's Training step, checkpoints
(``state["trainer"]``), run folders and project files all read and write this
one dataclass; ``replace()`` makes a changed copy, nothing mutates one in
place. What is not a setting but a handle of one process (the checkpoint
path, a distributed context, the data's scale) stays a Trainer argument.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["TrainConfig", "LR_SCHEDULES", "LINEAR_TERM_LR", "MIXED_PRECISION", "VALIDATION_SAMPLES", "LEGACY_KEYS"]

LR_SCHEDULES = ("constant", "cosine")
LINEAR_TERM_LR = 1.5e-3
"""The quick recipe's learning rate for a model with an adaptive scale (see :meth:`TrainConfig.quick_for`)."""
MIXED_PRECISION = ("auto", "bf16", "off")
VALIDATION_SAMPLES = 50_000
"""Held-out targets scored per validation (whole clips from their start, in order, up to this many)."""

#: Keys older checkpoints and project files carry that are no longer settings (ignored when read).
LEGACY_KEYS = frozenset({"validation_batches"})


@dataclass(frozen=True)
class TrainConfig:
    """How to train: batch, window, optimiser, length, validation, data handling, device.

    ``batch_size`` windows of ``target_length`` scored targets per step (each
    window also carries Δ−1 samples of context); Adam at ``lr`` with
    ``lr_schedule`` "constant" or "cosine" (5 % warm-up, then down to 5 % of
    ``lr``); gradients clipped to norm ``grad_clip`` (None: off). The run ends
    after ``max_steps`` steps or ``max_seconds`` of training, whichever comes
    first (neither: until cancelled), or after ``early_stopping`` validations
    without improvement. Every ``validation_every`` steps the first
    ``validation_samples`` targets of the held-out clips (``validation_fraction``
    of the clips, split by ``seed``) are scored. ``skip_silence`` draws windows
    from the sound rather than pauses; ``augment`` flips polarity and lowers
    the gain (0 to −3 dB) at random; ``input_dither`` (None: on for a
    categorical model with a value input) trains value inputs the way
    generation feeds them back. ``device`` "auto" picks CUDA when available;
    ``mixed_precision`` "auto" uses bf16 autocast where the GPU has it, "bf16"
    forces it, "off" trains in float32 (float16 is refused: it needs a
    gradient scaler this trainer does not have). ``threads`` sets torch's CPU
    threads while training; ``compile`` runs the model through torch.compile.
    """

    batch_size: int = 8
    target_length: int = 1024
    lr: float = 1e-3
    lr_schedule: str = "constant"
    grad_clip: float | None = 1.0
    max_steps: int | None = None
    max_seconds: float | None = None
    early_stopping: int | None = None
    validation_every: int | None = 100
    validation_samples: int = VALIDATION_SAMPLES
    validation_fraction: float = 0.1
    checkpoint_every: int | None = None
    seed: int = 0
    skip_silence: bool = False
    augment: bool = False
    input_dither: bool | None = None
    device: str = "auto"
    mixed_precision: str = "auto"
    threads: int | None = None
    compile: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        mp = self.mixed_precision
        if mp is True:
            raise ValueError("TrainConfig.mixed_precision = True is out of range: float16 needs a gradient "
                             "scaler this trainer does not have; use 'auto' or 'bf16' (or 'off')")
        if mp in (None, False, "no", "fp32", "float32"):
            set_(self, "mixed_precision", "off")
        elif mp == "bfloat16":
            set_(self, "mixed_precision", "bf16")
        for name in ("validation_every", "checkpoint_every"):
            if getattr(self, name) == 0:
                set_(self, name, None)
        if isinstance(self.lr, int) and not isinstance(self.lr, bool):
            set_(self, "lr", float(self.lr))
        if self.grad_clip == 0:
            set_(self, "grad_clip", None)
        self.validate()

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field out of its allowed range."""
        def need(name: str, ok: bool, allowed: str) -> None:
            if not ok:
                raise ValueError(f"TrainConfig.{name} = {getattr(self, name)!r} is out of range: {allowed}")

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        def is_num(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        need("batch_size", is_int(self.batch_size) and self.batch_size >= 1, "an integer ≥ 1")
        need("target_length", is_int(self.target_length) and self.target_length >= 1, "an integer ≥ 1")
        need("lr", is_num(self.lr) and 0 < self.lr < 10, "a number between 0 and 10 (TrainConfig.quick() uses 1e-2)")
        need("lr_schedule", self.lr_schedule in LR_SCHEDULES, " or ".join(repr(x) for x in LR_SCHEDULES))
        need("grad_clip", self.grad_clip is None or (is_num(self.grad_clip) and self.grad_clip > 0),
             "None or a number > 0 (the largest gradient norm)")
        need("max_steps", self.max_steps is None or (is_int(self.max_steps) and self.max_steps >= 0),
             "None or an integer ≥ 0")
        need("max_seconds", self.max_seconds is None or (is_num(self.max_seconds) and self.max_seconds >= 0),
             "None or a number of seconds ≥ 0")
        need("early_stopping", self.early_stopping is None or (is_int(self.early_stopping) and self.early_stopping >= 1),
             "None or an integer ≥ 1 (validations without improvement before stopping)")
        for name in ("validation_every", "checkpoint_every"):
            v = getattr(self, name)
            need(name, v is None or (is_int(v) and v >= 1), "None or an integer ≥ 1 (steps)")
        need("validation_samples", is_int(self.validation_samples) and self.validation_samples >= 1,
             "an integer ≥ 1 (held-out targets scored per validation)")
        need("validation_fraction", is_num(self.validation_fraction) and 0 <= self.validation_fraction < 1,
             "a number from 0 to below 1 (the share of clips held out)")
        need("seed", is_int(self.seed), "an integer")
        for name in ("skip_silence", "augment", "compile"):
            need(name, isinstance(getattr(self, name), bool), "True or False")
        need("input_dither", self.input_dither is None or isinstance(self.input_dither, bool),
             "None (automatic), True or False")
        need("device", isinstance(self.device, str) and bool(self.device), "'auto', 'cpu', 'cuda' or 'cuda:N'")
        need("mixed_precision", self.mixed_precision in MIXED_PRECISION,
             " or ".join(repr(x) for x in MIXED_PRECISION))
        need("threads", self.threads is None or (is_int(self.threads) and self.threads >= 1),
             "None or an integer ≥ 1")

    # ------------------------------------------------------------ recipes
    @classmethod
    def quick(cls, **changes: Any) -> "TrainConfig":
        """Settings that train a small model (the toy preset) fast on a CPU.

        Used by ``wavenetlike demo``, the app's defaults and the headline
        benchmark. Measured on the bundled speech (2-core CPU, 60 s, toy
        preset): Adam at 1e-2 learns several times faster in the first minute
        than 1e-3 (2e-2 is worse again); small batches of 4 windows × 512
        scored targets give more steps per minute than 8 × 1024 and a better
        model at the end (the trimmed forward makes the Δ−1 context cheap); a
        cosine decay over the run (after a 5 % warm-up) adds a few points of
        accuracy over a constant rate.
        """
        base = dict(batch_size=4, target_length=512, lr=1e-2, grad_clip=1.0, lr_schedule="cosine")
        base.update(changes)
        return cls(**base)

    @classmethod
    def quick_for(cls, model_config: Any, **changes: Any) -> "TrainConfig":
        """:meth:`quick` with the learning rate that suits ``model_config`` (a ModelConfig).

        A model with an adaptive scale (the suggestion for audio) trains at
        ``LINEAR_TERM_LR`` = 1.5e-3, any other at quick's 1e-2. Measured on the
        bundled speech, one thread, the quick recipe otherwise: the suggested
        config (linear term + adaptive scale) after 300 s scored 1.629 held-out
        bits/sample at 64 classes with lr 1e-2, 1.455 with 3e-3, **1.454** with
        1.5e-3 and 1.464 with 1e-3, and its takes went from flat noise (1 %
        voiced frames) to moving formants (11–17 % voiced); the toy preset
        (categorical, one-hot) after 60 s scored 1.86 bits/sample at 32
        classes with 1e-2 and 2.02–2.17 with 1.5e-3 to 3e-3.
        """
        lr = LINEAR_TERM_LR if getattr(model_config, "adaptive_scale", False) else cls.quick().lr
        return cls.quick(**{"lr": lr, **changes})

    # ------------------------------------------------------------ conversion
    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (validated); unknown names raise ``ValueError`` naming them."""
        self._check_names(changes)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of every field."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        """Build from a dict (a checkpoint's ``state["trainer"]``, a run folder, a project file).

        Legacy keys (``validation_batches``) are ignored; other unknown keys
        raise ``ValueError`` naming them; missing keys take their defaults.
        """
        d = {k: v for k, v in dict(d).items() if k not in LEGACY_KEYS}
        cls._check_names(d)
        return cls(**d)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def _check_names(cls, d: dict[str, Any]) -> None:
        unknown = sorted(set(d) - set(cls.field_names()))
        if unknown:
            raise ValueError(f"unknown TrainConfig field(s): {', '.join(unknown)}")

    def non_default(self) -> dict[str, Any]:
        """The fields whose values differ from ``TrainConfig()``'s (a short, JSON-safe recipe)."""
        default = TrainConfig()
        return {n: getattr(self, n) for n in self.differences(default)}

    def differences(self, other: "TrainConfig") -> list[str]:
        """The names of the fields whose values differ from ``other``'s."""
        return [n for n in self.field_names() if getattr(self, n) != getattr(other, n)]
