"""The training loop as a generator of small events.

``Trainer.steps()`` yields a :class:`TrainEvent` after every optimisation step
(and after validations and checkpoints); the CLI wraps it in a progress bar,
the app in a worker thread, tests iterate it directly. ``pause()``,
``resume()`` and ``cancel()`` may be called from any thread and act between
steps.

Training is teacher-forced and parallel: each window holds Δ−1 samples of
context and ``target_length`` targets, and every target position is trained at
once; positions without a full receptive field are not scored.

This module is above ~450 lines on purpose: the Trainer's loop, validation,
checkpoint/resume state and its error messages share the run's state (step,
optimizer, samplers, best score, clock) and are read together when a run
misbehaves; its settings live in :mod:`wavenetlike.train_config`, the window
sampling in :mod:`wavenetlike.data.windows`, the scoring in
:mod:`wavenetlike.scoring`.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from ..train_config import LEGACY_KEYS, TrainConfig
from ..data.dataset import CancelFn, Dataset, ProgressFn
from ..conditioning import UPSAMPLER_CONTEXT, clip_features, conditioning_features, label_indices
from ..data.windows import Batch, WindowSampler
from ..scoring import score_clips
from .checkpoint import load_checkpoint, save
from .losses import Losses, bits_per_sample, compute_loss, loss_for_config, next_sample_accuracy

__all__ = ["TrainEvent", "Trainer", "TrainingError", "train", "best_checkpoint_path", "TrainConfig"]


def best_checkpoint_path(path: str | os.PathLike) -> str:
    """Where the best checkpoint goes, beside the last one: ``run.safetensors`` -> ``run.best.safetensors``."""
    root, ext = os.path.splitext(str(path))
    return f"{root}.best{ext or '.safetensors'}"


WARMUP_FRACTION = 0.05  # of the run, for the cosine schedule
FINAL_LR_FRACTION = 0.05  # the cosine schedule ends at this fraction of lr
LINEAR_FIT_SECONDS = 600.0  # audio the linear term's starting fit reads, at most


def scheduled_lr(lr: float, schedule: str, progress: float | None) -> float:
    """The learning rate at ``progress`` ∈ [0, 1] of the run.

    "constant": ``lr``. "cosine": a linear warm-up over the first 5 % of the
    run, then a cosine from ``lr`` down to 5 % of it at the end. Without a
    known length (``progress`` None) the cosine schedule stays at ``lr``.
    """
    if schedule == "constant" or progress is None:
        return lr
    f = min(max(progress, 0.0), 1.0)
    if f < WARMUP_FRACTION:
        return lr * max(f / WARMUP_FRACTION, 0.01)
    f = (f - WARMUP_FRACTION) / (1.0 - WARMUP_FRACTION)
    return lr * (FINAL_LR_FRACTION + (1.0 - FINAL_LR_FRACTION) * 0.5 * (1.0 + math.cos(math.pi * f)))


class TrainingError(RuntimeError):
    """Training stopped on an error (diverged, out of memory); the message says what to change."""


class _NonFinite(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass
class TrainEvent:
    """One thing that happened during training.

    ``kind`` is "step" (after an optimisation step), "validation" (held-out
    loss), "checkpoint" (a file was written), "done" (the run ended; ``message``
    says why) or "error" (the run stopped; ``message`` says what to change).
    ``elapsed`` and ``eta`` are seconds of training time (pauses excluded);
    ``samples_per_second`` counts scored target samples (batch × target_length
    per step), smoothed over recent steps. A validation event carries
    ``baselines``: the library's baselines' bits/sample on the same held-out
    targets (the lines to beat). A step's ``accuracy`` and
    ``bits_per_sample`` are None for a continuous (mixture) model, whose
    training loss is its 16-bit likelihood; validations report held-out bits
    per sample at ``quantization_channels`` classes for every kind.
    """

    kind: str
    step: int
    loss: float | None = None
    accuracy: float | None = None
    bits_per_sample: float | None = None
    samples_per_second: float | None = None
    steps_per_second: float | None = None
    elapsed: float = 0.0
    eta: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    lr: float | None = None
    message: str = ""
    checkpoint_path: str | None = None
    baselines: dict[str, float | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_oom(e: BaseException) -> bool:
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(e, oom_type):
        return True
    return isinstance(e, (RuntimeError, MemoryError)) and (
        isinstance(e, MemoryError) or "out of memory" in str(e).lower())


class Trainer:
    """Step-wise training of a WaveNet-like model on a Dataset, with the settings of a :class:`TrainConfig`.

    ``Trainer(model, dataset, TrainConfig.quick(max_steps=500), checkpoint_path=...)``;
    keyword settings (``batch_size=4``) are a shorthand for ``config.replace(...)``.
    ``checkpoint_path``, ``scale`` (the data's units; default the dataset's) and
    ``distributed`` are handles of this process, not settings. The caller's
    ModelConfig is never changed: a conditioned model that learns its label
    names from the dataset gets a new config value (``model.config``).

    Stops after ``max_steps`` steps or ``max_seconds`` seconds of training
    (whichever first; with neither it runs until ``cancel()``). Validation uses
    the held-out split (``dataset.split(validation_fraction, seed)``); see below.
    ``validation_batches`` is still accepted (older checkpoints store it) but no
    longer used: validation scores whole held-out clips. Checkpoints are
    written every ``checkpoint_every`` steps and when the run ends or is
    cancelled, if ``checkpoint_path`` is set. ``device="auto"`` picks CUDA
    when available; ``mixed_precision="auto"`` uses bf16 autocast there.
    ``threads`` sets ``torch.set_num_threads`` while ``steps()`` runs.

    Conditioning (see :mod:`wavenetlike.conditioning`): a model with
    ``global_condition_classes`` gets each window's clip label, as its index in
    ``config.labels`` (filled from the dataset's labels when empty); a model
    with ``local_condition_channels`` gets log-mel frames cut from whole-clip
    features, windows starting on frame boundaries.

    ``lr_schedule="cosine"``: warm-up over the first 5 % of the run, then a
    cosine decay to 5 % of ``lr`` at its end; the run's length is
    ``max_steps`` or ``max_seconds`` (whichever is further along; the whole
    run, a resumed one included), so it needs one of them.

    Validation scores the first ``validation_samples`` targets of the whole
    held-out clips (bits/sample at ``quantization_channels`` classes, any
    output kind); with a ``checkpoint_path`` the best model so far is kept in
    :func:`best_checkpoint_path` beside the last; ``early_stopping`` N ends the
    run after N validations without improvement. ``skip_silence`` draws
    training windows from the sound rather than long pauses; ``augment``
    flips the polarity and lowers the gain (0 to −3 dB) of each window at
    random (for small datasets). ``input_dither`` (a categorical model with a
    value input; on by default for such a model) trains on values drawn inside
    each input's class, as generation feeds them back: trained on the true
    values instead, the model leans on detail its own samples never have, and
    generates a loud unvoiced hiss (benchmarks/README.md).

    ``compile=True`` runs the model through ``torch.compile`` (the first
    steps are slow while it compiles; mostly worth it on a GPU).

    ``distributed``: a :class:`~wavenetlike.train.distributed.DistributedContext`
    (from ``init_distributed()`` under torchrun) trains this rank's share of
    every global batch of ``batch_size`` windows with DistributedDataParallel;
    ``device`` is then the context's. Only rank 0 writes checkpoints.
    """

    def __init__(self, model: nn.Module, dataset: Dataset | Any, config: TrainConfig | None = None, *,
                 checkpoint_path: str | os.PathLike | None = None, scale: float | None = None,
                 distributed: Any = None, **settings: Any) -> None:
        model_config = getattr(model, "config", None)
        if model_config is None:
            raise TypeError(f"Trainer needs a WaveNetLike model (with .config), not {type(model).__name__}")
        if config is not None and not isinstance(config, TrainConfig):
            raise TypeError(f"Trainer's config must be a TrainConfig, not {type(config).__name__} "
                            "(settings may also be given as keywords)")
        for key in LEGACY_KEYS:
            settings.pop(key, None)
        config = (config or TrainConfig()).replace(**settings) if settings else (config or TrainConfig())
        if not isinstance(dataset, Dataset):
            dataset = Dataset(dataset, sample_rate=model_config.sample_rate)
        self.train_config: TrainConfig = config
        self.config = model_config
        self.dataset = dataset
        self.batch_size = config.batch_size
        self.target_length = config.target_length
        self.lr = config.lr
        self.max_steps = config.max_steps
        self.max_seconds = config.max_seconds
        self.validation_every = config.validation_every
        self.validation_samples = config.validation_samples
        self.early_stopping = config.early_stopping
        self.skip_silence = config.skip_silence
        self.augment = config.augment
        # default: on for a categorical model with a value input (measured: trained on the true values,
        # its takes are a loud unvoiced hiss; trained as generation feeds it, 2 of 3 runs were partly voiced)
        self.input_dither = (not model_config.continuous and "value" in model_config.input_kind) \
            if config.input_dither is None else config.input_dither
        self.best_val_loss: float | None = None
        self.best_step: int | None = None
        self._validations_since_best = 0
        self.checkpoint_every = config.checkpoint_every
        self.checkpoint_path = None if checkpoint_path is None else str(checkpoint_path)
        self.seed = config.seed
        self.validation_fraction = float(config.validation_fraction)
        self.threads = config.threads
        self.grad_clip = config.grad_clip
        self.lr_schedule = config.lr_schedule
        self.loss_type = loss_for_config(model_config)
        self.scale = float(scale) if scale else float(dataset.scale or 1.0)

        self.distributed = distributed
        rank, world = (distributed.rank, distributed.world_size) if distributed is not None else (0, 1)
        if self.batch_size % world:
            raise ValueError(f"Trainer batch_size = {self.batch_size} must be a multiple of the number of "
                             f"processes ({world}): it is the global batch, split evenly among them")
        self.device = distributed.device if distributed is not None else self._resolve_device(config.device)
        self.mixed_precision = config.mixed_precision
        self.autocast_dtype = self._resolve_autocast(config.mixed_precision, self.device)

        # Data: train / validation split, label indices, local features, window samplers.
        train_clips, val_clips = dataset.split(self.validation_fraction, self.seed)
        self.labels = self._label_names(model_config, dataset)
        if self.uses_global_condition and not model_config.labels \
                and len(self.labels) == model_config.global_condition_classes:
            # the model (and its checkpoints) know the names: a new config value, the caller's is untouched
            model.config = model_config = self.config = model_config.replace(labels=list(self.labels))
        config = model_config
        context = config.receptive_field
        if self.uses_local_condition:
            context += UPSAMPLER_CONTEXT  # scored outputs then see exactly the whole-clip conditioning
        q = None if config.continuous else config.quantization_channels

        def sampler(clips: list, seed: int) -> WindowSampler:
            feats = clip_features(config, [c.audio for c in clips], self.scale) if self.uses_local_condition else None
            return WindowSampler([c.audio for c in clips], context, self.target_length,
                                 self.batch_size // world, q, scale=self.scale,
                                 labels=self._label_indices(clips), seed=seed, rank=rank, world_size=world,
                                 features=feats, hop=config.local_condition_hop if feats is not None else None,
                                 input_values="value" in config.input_kind,
                                 skip_silence=self.skip_silence, sample_rate=int(dataset.sample_rate),
                                 augment=self.augment, input_dither=self.input_dither)

        self.sampler = sampler(train_clips, self.seed)
        self.val_clips = list(val_clips)
        self.sampler_clips = list(train_clips)
        self._baselines: dict[str, float | None] | None = None
        self.n_train_clips, self.n_val_clips = len(train_clips), len(val_clips)

        self.model = model.to(self.device).float()
        if config.linear_order and not bool(self.model.linear.weight.detach().any()):
            self._start_from_linear_predictor(train_clips)
        self._net: nn.Module = self.model
        if distributed is not None:
            from torch.nn.parallel import DistributedDataParallel
            ids = [self.device.index or 0] if self.device.type == "cuda" else None
            self._net = DistributedDataParallel(self.model, device_ids=ids)  # the model has no buffers
        self.compile = self.train_config.compile
        if self.compile:
            self._net = self._compiled(self._net)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        self.validation_batches = 4  # no longer used (validation scores whole held-out clips); kept for old callers
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self._elapsed_before = 0.0
        self._last_saved_step: int | None = None
        self._last_saved_path: str | None = None

        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()
        self._waiting = threading.Event()  # set while steps() is blocked in a pause

    def _start_from_linear_predictor(self, train_clips: list) -> None:
        """An untrained model with a linear term starts as the linear predictor fitted on the training clips.

        Fitted on at most LINEAR_FIT_SECONDS of the training clips, bandwidth-expanded
        (``LINEAR_START_BANDWIDTH``); the model never trains the term.
        Measured (bundled speech, mixture of 10, order 32): a zero-started linear
        term learns the envelope only roughly in 1,500 steps and scored 2.02
        bits/sample against the fitted predictor's 0.87; started from the fit,
        training begins at the baseline and improves on it.
        """
        from ..analysis.linear_prediction import fit_linear_predictors
        order = self.config.linear_order
        clips, total = [], 0
        limit = LINEAR_FIT_SECONDS * float(self.dataset.sample_rate)
        for c in train_clips:  # the first ten minutes are plenty for 32 coefficients
            if total >= limit:
                break
            clips.append(np.asarray(c.audio, dtype=np.float64) / self.scale)
            total += len(c.audio)
        predictors = fit_linear_predictors(clips, order)
        self.model.start_from_linear_predictor(predictors.coefficients(order), predictors.residual_std(order))
        self.linear_start = {"order": order, "residual_std": predictors.residual_std(order)}

    # ------------------------------------------------------------- settings
    @staticmethod
    def _compiled(net: nn.Module) -> nn.Module:
        """``torch.compile`` of the network (the weights stay shared with ``self.model``).

        Compilation happens on the first step (tens of seconds on a CPU;
        worth it for long runs on a GPU). Each window shape and train/eval
        mode compiles once; keep ``batch_size`` and ``target_length`` fixed.
        """
        if not hasattr(torch, "compile"):
            raise ValueError("compile = True needs torch.compile (PyTorch ≥ 2.0)")
        return torch.compile(net, dynamic=False)

    @staticmethod
    def _resolve_device(device: str | torch.device) -> torch.device:
        if str(device) == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        dev = torch.device(device)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device = {str(device)!r}: CUDA is not available here; use 'cpu' or 'auto'")
        return dev

    @staticmethod
    def _resolve_autocast(mode: str, device: torch.device) -> torch.dtype | None:
        """bf16 autocast for "bf16", and for "auto" on a GPU that has it; otherwise float32.

        float16 is never chosen: without a gradient scaler its small gradients underflow
        (TrainConfig refuses ``mixed_precision=True``).
        """
        if mode == "bf16":
            return torch.bfloat16
        if mode == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return None

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    # ------------------------------------------------------------ conditioning
    @property
    def uses_global_condition(self) -> bool:
        return bool(self.config.global_condition_classes)

    @property
    def uses_local_condition(self) -> bool:
        return bool(self.config.local_condition_channels)

    @property
    def is_main_process(self) -> bool:
        """True unless this is a rank other than 0 of a distributed run."""
        return self.distributed is None or self.distributed.is_main

    @staticmethod
    def _label_names(config: Any, dataset: Dataset) -> list[str]:
        if not config.global_condition_classes:
            return list(dataset.labels)
        names = list(config.labels) or list(dataset.labels)
        if len(names) > config.global_condition_classes:
            raise ValueError(f"the dataset has {len(names)} labels but the model's "
                             f"global_condition_classes = {config.global_condition_classes}")
        return names

    def _label_indices(self, clips: list) -> list[int] | None:
        if not self.uses_global_condition:
            return None
        return label_indices(self.labels, clips)

    def forward_batch(self, batch: Batch, scored_only: bool = False) -> torch.Tensor:
        """The one place where the model is called on a batch: (B, out_dim, L) outputs.

        ``scored_only``: return only the scored positions, (B, out_dim,
        L − first_scored), computing only what they need (the model's
        ``output_from``; the same values as the full outputs sliced, at a
        fraction of the cost: training and validation use it).

        Conditioning is attached here: the clip labels as the global condition
        when the model has ``global_condition_classes``; the window's log-mel
        frames as the local condition when it has ``local_condition_channels``
        (cut from whole-clip features by the sampler; a batch made without
        them gets the features of its own window, ``batch.audio``).
        """
        global_cond = batch.labels if self.uses_global_condition else None
        local_cond = None
        if self.uses_local_condition:
            local_cond = batch.local
            if local_cond is None:
                local_cond = conditioning_features(batch.audio, self.config)
            local_cond = local_cond.to(batch.audio.device)
        # Distributed runs keep the full forward for now: with the trimmed one, tests/test_distributed.py
        # saw 2 processes end 1e-4 away (in the weights) from 1 process after a resume, although one
        # process gives the same weights either way and DDP's gradients match on a single step; cause open.
        if scored_only and batch.first_scored and self.distributed is None:
            return self._net(batch.inputs, global_cond=global_cond, local_cond=local_cond,
                             output_from=batch.first_scored)
        out = self._net(batch.inputs, global_cond=global_cond, local_cond=local_cond)
        return out[:, :, batch.first_scored:] if scored_only else out

    # --------------------------------------------------------------- control
    def pause(self) -> None:
        """Stop before the next step until :meth:`resume` (thread-safe)."""
        self._running.clear()

    def resume(self) -> None:
        """Continue after :meth:`pause` (thread-safe)."""
        self._running.set()

    def cancel(self) -> None:
        """End the run before the next step; a final checkpoint is written if a path is set (thread-safe)."""
        self._cancelled.set()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def wait_until_paused(self, timeout: float | None = None) -> bool:
        """Block until ``steps()`` is actually waiting in a pause (for callers and tests)."""
        return self._waiting.wait(timeout)

    # ---------------------------------------------------------------- state
    def state(self) -> dict[str, Any]:
        """The JSON-safe training state stored in checkpoints."""
        ref: Any = None
        try:
            ref = self.dataset.reference()
            json.dumps(ref)
        except Exception:  # a reference that is not JSON-safe is left out, not fatal
            ref = None
        return {
            "step": self.step,
            "history": self.history,
            "scale": self.scale,
            "labels": list(self.labels),
            "seed": self.seed,
            "sample_rate": int(self.dataset.sample_rate),
            "elapsed": self.elapsed,
            "loss_type": self.loss_type.value,
            "silence_fraction": self.sampler.silence_fraction,
            "best": {"val_loss": self.best_val_loss, "step": self.best_step,
                     "validations_since": self._validations_since_best},
            "rng": {"sampler": self.sampler.rng.bit_generator.state},
            "dataset": ref,
            "trainer": self.train_config.to_dict(),
        }

    def save_checkpoint(self, path: str | os.PathLike | None = None, kind: str = "last") -> str:
        """Write model, optimizer and training state to ``path`` (default: ``checkpoint_path``).

        ``kind="best"`` writes the best-so-far copy; it does not count as the run's last checkpoint.
        """
        target = path or self.checkpoint_path
        if not target:
            raise ValueError("save_checkpoint() needs a path (or set checkpoint_path on the Trainer)")
        if self.is_main_process:  # rank 0 writes; the others hold the same weights
            save(self.model, target, trainer_state=self.state(), optimizer=self.optimizer,
                 extra_tensors={"rng.torch": torch.get_rng_state()})
        if kind == "last":
            self._last_saved_step, self._last_saved_path = self.step, str(target)
        return str(target)

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, dataset: Dataset | Any, config: TrainConfig | None = None,
                        **overrides: Any) -> "Trainer":
        """A Trainer that continues the run saved in ``path``: same step, optimizer and data RNG state.

        Settings come from the checkpoint's TrainConfig (or ``config``);
        ``overrides`` change them (e.g. a larger ``max_steps``). New
        checkpoints go to ``path`` unless ``checkpoint_path`` is overridden.
        """
        ck = load_checkpoint(path)
        if not hasattr(ck.model, "config"):
            raise ValueError(f"{path} holds a Block, not a WaveNetLike model: it cannot be resumed by a Trainer")
        if config is None:
            saved = dict(ck.state.get("trainer", {}))
            saved["seed"] = int(ck.state.get("seed", saved.get("seed", 0)))
            try:
                config = TrainConfig.from_dict(saved)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{path}: its training settings cannot be read ({e})") from None
        handles: dict[str, Any] = {"checkpoint_path": str(path)}
        if "trainer" in ck.state:  # a training checkpoint: keep the units the model was trained in
            handles["scale"] = float(ck.state.get("scale", 1.0))
        for key in ("checkpoint_path", "scale", "distributed"):
            if key in overrides:
                handles[key] = overrides.pop(key)
        trainer = cls(ck.model, dataset, config, **handles, **overrides)
        trainer.step = ck.step
        trainer.history = list(ck.state.get("history", []))
        best = ck.state.get("best")
        if isinstance(best, dict) and isinstance(best.get("val_loss"), (int, float)):
            trainer.best_val_loss, trainer.best_step = float(best["val_loss"]), best.get("step")
            trainer._validations_since_best = int(best.get("validations_since") or 0)
        trainer._elapsed_before = float(ck.state.get("elapsed", 0.0))
        rng_state = ck.state.get("rng", {}).get("sampler")
        if rng_state is not None:
            trainer.sampler.rng.bit_generator.state = rng_state
        opt = ck.optimizer_state_dict()
        if opt is not None:
            trainer.optimizer.load_state_dict(opt)
            if "lr" in overrides:  # an explicit learning rate wins over the saved one
                for g in trainer.optimizer.param_groups:
                    g["lr"] = float(overrides["lr"])
        if "rng.torch" in ck.extra_tensors:
            torch.set_rng_state(ck.extra_tensors["rng.torch"])
        trainer._last_saved_step, trainer._last_saved_path = ck.step, str(path)
        return trainer

    # ------------------------------------------------------------------ loop
    @property
    def elapsed(self) -> float:
        """Seconds of training so far (this run and those before it), pauses excluded."""
        return self._elapsed_before + getattr(self, "_run_elapsed", lambda: 0.0)()

    @property
    def current_lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def steps(self) -> Iterator[TrainEvent]:
        """Train, yielding a TrainEvent after every step, validation and checkpoint, then "done" or "error"."""
        previous_threads = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            yield from self._loop()
        finally:
            if self.threads:
                torch.set_num_threads(previous_threads)

    def _loop(self) -> Iterator[TrainEvent]:
        run_start = time.perf_counter()
        paused_total = 0.0
        self._run_elapsed = lambda: time.perf_counter() - run_start - paused_total
        step_time: float | None = None  # smoothed seconds per step
        last_val_step: int | None = None
        steps_this_run = 0
        reason = "finished"
        self.model.train()
        try:
            while True:
                stop = self._agreed_stop()  # one collective per step in a distributed run
                if stop == 1:
                    reason = "cancelled"
                    break
                if not self._running.is_set():
                    t0 = time.perf_counter()
                    self._waiting.set()
                    self._running.wait()  # cancel() sets it too
                    self._waiting.clear()
                    paused_total += time.perf_counter() - t0
                    continue  # re-check cancel
                if self.max_steps is not None and self.step >= self.max_steps:
                    reason = f"reached {self.max_steps} steps"
                    break
                if stop == 2:
                    reason = f"reached the time limit of {self.max_seconds:g} s"
                    break

                t0 = time.perf_counter()
                try:
                    loss, acc = self._train_step()
                except _NonFinite as e:
                    yield self._error_event(self._diverged_message(e.what))
                    return
                except Exception as e:
                    if _is_oom(e):
                        if self.device.type == "cuda":
                            torch.cuda.empty_cache()
                        yield self._error_event(self._oom_message())
                        return
                    raise
                dt = time.perf_counter() - t0
                step_time = dt if step_time is None else 0.9 * step_time + 0.1 * dt
                self.step += 1
                steps_this_run += 1
                event = self._step_event(loss, acc, step_time)
                self.history.append({"kind": "step", "step": self.step, "loss": loss, "accuracy": acc,
                                     "bits_per_sample": event.bits_per_sample, "elapsed": event.elapsed,
                                     "lr": event.lr})
                yield event
                if self.validation_every and self.step % self.validation_every == 0:
                    yield from self._validate()
                    last_val_step = self.step
                    if self.should_stop_early:
                        reason = (f"stopped early: the held-out loss has not improved for {self.early_stopping} "
                                  f"validations (best {bits_per_sample(self.best_val_loss):.3f} bits/sample at "
                                  f"step {self.best_step})")
                        break
                if self.checkpoint_path and self.checkpoint_every and self.step % self.checkpoint_every == 0:
                    yield self._checkpoint_event()
        finally:
            self.model.train(False)
            # freeze the clock: time after the loop is not training time
            self._elapsed_before += self._run_elapsed()
            self._run_elapsed = lambda: 0.0

        if reason != "cancelled" and steps_this_run and last_val_step != self.step and self.validation_every:
            yield from self._validate()
        if self.checkpoint_path and self._last_saved_step != self.step:
            yield self._checkpoint_event()
        last = next((h for h in reversed(self.history) if h.get("kind") == "step"), None)
        msg = f"Training {reason} at step {self.step}"
        if last is not None:
            msg += f"; last loss {last['loss']:.4g}"
        yield TrainEvent("done", self.step, loss=None if last is None else last["loss"],
                         accuracy=None if last is None else last["accuracy"], elapsed=self.elapsed,
                         eta=0.0, lr=self.current_lr, message=msg + ".",
                         checkpoint_path=self._last_saved_path)

    def _agreed_stop(self) -> int:
        """0: go on, 1: cancelled, 2: time limit; in a distributed run the largest over all ranks."""
        code = 1 if self._cancelled.is_set() else 0
        if not code and self.max_seconds is not None and self.elapsed >= self.max_seconds:
            code = 2
        if self.distributed is not None:
            code = self.distributed.max_code(code)
        return code

    def progress(self) -> float | None:
        """How far the run is towards ``max_steps`` / ``max_seconds`` (0…1), None without either."""
        parts = []
        if self.max_steps:
            parts.append(self.step / self.max_steps)
        if self.max_seconds:
            parts.append(self.elapsed / self.max_seconds)
        return max(parts) if parts else None

    def _train_step(self) -> tuple[float, float | None]:
        if self.lr_schedule != "constant":
            lr = scheduled_lr(self.lr, self.lr_schedule, self.progress())
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        batch = self.sampler.sample().to(self.device)
        self.optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            outputs = self.forward_batch(batch, scored_only=True)
        targets = batch.targets[:, batch.first_scored:]
        loss = compute_loss(outputs, targets, self.loss_type)
        acc = None
        if self.loss_type is Losses.cross_entropy:
            acc = next_sample_accuracy(outputs.detach(), targets)
        loss_value = float(loss.detach())
        if self.distributed is not None:  # every rank reports (and checks) the global batch's figures
            loss_value, acc = self.distributed.mean([loss_value, acc])
        if not math.isfinite(loss_value):
            raise _NonFinite("loss")
        loss.backward()
        if self.grad_clip:
            norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
            if not torch.isfinite(norm):
                raise _NonFinite("gradient")
        self.optimizer.step()
        return loss_value, acc

    @torch.no_grad()
    def validate(self) -> tuple[float, float | None] | None:
        """Held-out loss (nats per sample) and accuracy on whole held-out clips; None without a held-out split.

        The first ``validation_samples`` targets of the held-out clips (in
        order, each clip from its start) are scored teacher-forced with their
        whole past (:func:`wavenetlike.scoring.score_clips`), at the model's
        ``quantization_channels`` classes — a continuous model's mixture is
        integrated over each class, so every output kind reports comparable
        bits per sample.
        """
        if not self.val_clips:
            return None
        with self._autocast():
            scores = score_clips(self.model, [c.audio for c in self.val_clips], self.scale,
                                 max_samples=self.validation_samples, device=self.device,
                                 labels=self._label_indices(self.val_clips))
        if not scores.count:
            return None
        val_loss, val_acc = scores.nats / scores.count, scores.accuracy
        if self.distributed is not None:
            val_loss, val_acc = self.distributed.mean([val_loss, val_acc])
        return val_loss, val_acc

    def _validate(self) -> Iterator[TrainEvent]:
        """Validate; yield the validation event, and a checkpoint event when a best checkpoint is written."""
        result = self.validate()
        if result is None:
            return
        val_loss, val_acc = result
        bps = bits_per_sample(val_loss)
        improved = self.best_val_loss is None or val_loss < self.best_val_loss - 1e-6
        if improved:
            self.best_val_loss, self.best_step = val_loss, self.step
            self._validations_since_best = 0
        else:
            self._validations_since_best += 1
        self.history.append({"kind": "validation", "step": self.step, "val_loss": val_loss,
                             "val_accuracy": val_acc, "val_bits_per_sample": bps, "elapsed": self.elapsed,
                             "best": improved})
        try:
            baselines = self.baselines()
        except Exception:  # noqa: BLE001 - a baseline that cannot be computed is left out, not fatal
            baselines = None
        yield TrainEvent("validation", self.step, val_loss=val_loss, val_accuracy=val_acc,
                         bits_per_sample=bps, elapsed=self.elapsed, lr=self.current_lr, baselines=baselines)
        if improved and self.checkpoint_path:
            path = self.save_checkpoint(best_checkpoint_path(self.checkpoint_path), kind="best")
            if self.distributed is not None:
                self.distributed.barrier()
            yield TrainEvent("checkpoint", self.step, elapsed=self.elapsed, lr=self.current_lr,
                             message=f"Saved the best model so far (step {self.step}, held-out "
                                     f"{bps:.3f} bits/sample) to {path}", checkpoint_path=path)

    def baselines(self) -> dict[str, float | None]:
        """Bits/sample of the library's baselines on exactly the targets validation scores: the line to beat.

        {"same class as the previous sample": …, "linear predictor (order 32)": …}; computed once.
        """
        if self._baselines is None:
            from ..evaluate import held_out_baselines
            if not self.val_clips:
                self._baselines = {}
            else:
                scores = held_out_baselines([c.audio for c in self.sampler_clips], [c.audio for c in self.val_clips],
                                            self.config.quantization_channels, self.scale, self.validation_samples)
                self._baselines = {b.name: b.bits_per_sample for b in scores}
        return self._baselines

    @property
    def should_stop_early(self) -> bool:
        """True once ``early_stopping`` validations in a row brought no improvement."""
        return bool(self.early_stopping) and self._validations_since_best >= self.early_stopping

    def _checkpoint_event(self) -> TrainEvent:
        path = self.save_checkpoint()
        if self.distributed is not None:  # the file is complete for every rank once the event is out
            self.distributed.barrier()
        return TrainEvent("checkpoint", self.step, elapsed=self.elapsed, lr=self.current_lr,
                          message=f"Saved step {self.step} to {path}", checkpoint_path=path)

    def _step_event(self, loss: float, acc: float | None, step_time: float) -> TrainEvent:
        elapsed = self.elapsed
        etas = []
        if self.max_steps is not None:
            etas.append(max(0, self.max_steps - self.step) * step_time)
        if self.max_seconds is not None:
            etas.append(max(0.0, self.max_seconds - elapsed))
        bps = bits_per_sample(loss) if self.loss_type is Losses.cross_entropy else None
        return TrainEvent("step", self.step, loss=loss, accuracy=acc, bits_per_sample=bps,
                          samples_per_second=self.batch_size * self.target_length / step_time,
                          steps_per_second=1.0 / step_time, elapsed=elapsed,
                          eta=min(etas) if etas else None, lr=self.current_lr)

    def _kept_checkpoint(self) -> str:
        if self._last_saved_path:
            return f" The last checkpoint ({self._last_saved_path}, step {self._last_saved_step}) is kept."
        return " No checkpoint had been written yet."

    def _diverged_message(self, what: str) -> str:
        return (f"The {what} became NaN or infinite at step {self.step + 1}: training diverged. "
                f"Lower the learning rate (now {self.current_lr:g}; try {self.current_lr / 3:.2g}), "
                f"keep gradient clipping on (grad_clip, now {self.grad_clip}), or check the data for "
                f"extreme values." + self._kept_checkpoint())

    def _oom_message(self) -> str:
        return (f"Out of memory at step {self.step + 1} on {self.device} (batch {self.batch_size} × window "
                f"{self.sampler.window} samples). Lower the batch size or the target length, or choose a "
                f"smaller model." + self._kept_checkpoint())

    def _error_event(self, message: str) -> TrainEvent:
        self.history.append({"kind": "error", "step": self.step, "message": message})
        return TrainEvent("error", self.step, elapsed=self.elapsed, lr=self.current_lr, message=message,
                          checkpoint_path=self._last_saved_path)


def train(model: nn.Module, dataset: Dataset | Any, *, progress: ProgressFn | None = None,
          cancel: CancelFn | None = None, on_event: Callable[[TrainEvent], None] | None = None,
          **kwargs: Any) -> list[dict[str, Any]]:
    """Train ``model`` on ``dataset`` and return the history (a list of dicts).

    Keyword arguments go to :class:`Trainer` (a ``config`` TrainConfig and/or settings); without ``max_steps`` or
    ``max_seconds`` it trains for 1000 steps. ``progress(done, total, what)``
    is called after every step, ``cancel()`` is polled between steps. Raises
    :class:`TrainingError` when training stops on an error.
    """
    config = kwargs.get("config")
    if kwargs.get("max_steps") is None and kwargs.get("max_seconds") is None and \
            (config is None or (config.max_steps is None and config.max_seconds is None)):
        kwargs["max_steps"] = 1000
    trainer = Trainer(model, dataset, **kwargs)
    for event in trainer.steps():
        if on_event is not None:
            on_event(event)
        if event.kind == "error":
            raise TrainingError(event.message)
        if event.kind == "step" and progress is not None:
            progress(event.step, trainer.max_steps or 0, f"loss {event.loss:.4g}")
        if cancel is not None and cancel():
            trainer.cancel()
    return trainer.history
