"""``wavenetlike train DATA``: train a model, with checkpoints as .safetensors.

The run's settings are one :class:`~wavenetlike.train_config.TrainConfig`:
``TrainConfig.quick_for(the model)`` with the flags' changes (a resumed run: the
checkpoint's own settings with the flags' changes). Under torchrun every
process runs the command; rank 0 alone prints and writes the checkpoint.
"""
from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import torch
import torch.distributed as dist
from tqdm import tqdm

from ..analysis import analyze
from ..analysis.suggest import suggest
from ..conditioning import condition_on_features, condition_on_labels
from ..config import PRESETS, ModelConfig
from ..data.dataset import Dataset
from ..model.wavenet import build_wavenetlike
from ..train.distributed import DistributedContext, init_distributed, launched_by_torchrun, shutdown_distributed
from ..train.trainer import TrainEvent, Trainer, best_checkpoint_path
from ..session.session import SESSION_FILE, Session
from ..train_config import LINEAR_TERM_LR, TrainConfig
from .common import CLIError, Command, add_source, analyze_data, bounded_float, bounded_int, check_output, load_dataset
from .output import Output

__all__ = ["TrainCommand", "DEFAULT_CHECKPOINT", "train_settings", "run_trainer", "training_summary"]

DEFAULT_CHECKPOINT = "checkpoint.safetensors"
DEFAULT_STEPS = 1000  # without --steps or --minutes
QUICK = TrainConfig.quick()

#: Flags that set one TrainConfig field each (flag's dest -> field); --steps and --minutes are converted.
SETTING_FLAGS = {"batch": "batch_size", "window": "target_length", "lr": "lr",
                 "validation_every": "validation_every", "checkpoint_every": "checkpoint_every",
                 "threads": "threads", "validation_samples": "validation_samples",
                 "early_stopping": "early_stopping", "skip_silence": "skip_silence", "augment": "augment",
                 "device": "device", "lr_schedule": "lr_schedule", "grad_clip": "grad_clip"}
#: TrainConfig field -> the flag that sets it, to name the flag in a refused value's message.
FLAG_OF = {**{field: "--" + flag.replace("_", "-") for flag, field in SETTING_FLAGS.items()},
           "max_steps": "--steps", "max_seconds": "--minutes"}


def train_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the flags set; only those given, so a resumed run keeps its other settings."""
    changes: dict[str, Any] = {}
    if args.steps is not None:
        changes["max_steps"] = args.steps
    if args.minutes is not None:
        changes["max_seconds"] = args.minutes * 60.0
    for flag, field in SETTING_FLAGS.items():
        value = getattr(args, flag, None)
        if value is not None and value is not False:
            changes[field] = value
    return changes


class TrainCommand(Command):
    name = "train"
    help = "train a model on a dataset (checkpoints as .safetensors)"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        add_source(p)
        p.add_argument("--preset", choices=sorted(PRESETS), help="model preset (default: suggested from the data)")
        p.add_argument("--config", metavar="FILE", help="model config JSON (from `wavenetlike suggest --out`)")
        p.add_argument("--steps", type=bounded_int("steps"),
                       help=f"train until this step count (default {DEFAULT_STEPS} unless --minutes; "
                            "with --resume, the total including earlier steps)")
        p.add_argument("--minutes", type=bounded_float("minutes"), help="training time limit in minutes")
        p.add_argument("--batch", type=bounded_int("batch"),
                       help=f"windows per batch (default {QUICK.batch_size}, TrainConfig.quick()'s)")
        p.add_argument("--window", type=bounded_int("window"),
                       help=f"scored samples per window (default {QUICK.target_length}, TrainConfig.quick()'s)")
        p.add_argument("--lr", type=bounded_float("lr"),
                       help=f"learning rate (default: TrainConfig.quick_for(the model)'s, {LINEAR_TERM_LR:g} for a "
                            f"model with an adaptive scale, else {QUICK.lr:g}; with its {QUICK.lr_schedule} schedule)")
        p.add_argument("--lr-schedule", choices=["constant", "cosine"],
                       help=f"learning-rate schedule (default {QUICK.lr_schedule}: 5 %% warm-up, then down to "
                            "5 %% of --lr at the end)")
        p.add_argument("--grad-clip", type=bounded_float("grad_clip"),
                       help=f"largest gradient norm (default {QUICK.grad_clip:g})")
        p.add_argument("--validation-every", type=bounded_int("validation_every"),
                       help=f"steps between validations (default {QUICK.validation_every})")
        p.add_argument("--checkpoint-every", type=bounded_int("checkpoint_every"),
                       help="steps between checkpoints (default: end only)")
        p.add_argument("--validation-samples", type=bounded_int("validation_samples"),
                       help="held-out targets scored per validation, whole clips from their start "
                            f"(default {QUICK.validation_samples})")
        p.add_argument("--early-stopping", type=bounded_int("early_stopping"), metavar="N",
                       help="stop after N validations without a better held-out score (default: never)")
        p.add_argument("--skip-silence", action="store_true",
                       help="draw training windows from the sound, not from long pauses")
        p.add_argument("--augment", action="store_true",
                       help="random polarity and gain (0 to -3 dB) per window: for small datasets")
        p.add_argument("--checkpoint", metavar="FILE",
                       help=f"checkpoint file to write (default {DEFAULT_CHECKPOINT}, or the --resume file)")
        p.add_argument("--resume", metavar="FILE", help="continue the run saved in this checkpoint")
        p.add_argument("--session", metavar="DIR",
                       help="train in a new run folder of the session in DIR (DIR/runs/NNN-name: configs, last "
                            "and best checkpoints, history, TensorBoard events; see docs/sessions.md) instead "
                            "of --checkpoint; tensorboard --logdir DIR/runs shows every run")
        p.add_argument("--overwrite", action="store_true",
                       help="replace an existing --checkpoint file that this run did not write")
        p.add_argument("--threads", type=bounded_int("threads"), help="CPU threads for torch")
        p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where to train (default auto)")
        p.add_argument("--condition-on-labels", action="store_true",
                       help="condition on the clips' labels (sub-folder names, Speech Commands words)")
        p.add_argument("--local-features", type=bounded_int("local_features"), metavar="N_MELS",
                       help="condition on N_MELS log-mel bands of the audio itself (vocoder mode)")
        p.add_argument("--hop", type=bounded_int("hop"), help="samples per log-mel frame (default about 16 ms)")
        p.add_argument("--dist-backend", choices=["nccl", "gloo"],
                       help="under torchrun: process-group backend (default nccl on GPUs, gloo on CPUs)")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        ctx = None
        owns_group = False  # a caller that joined the group itself keeps it after this command
        if launched_by_torchrun():
            owns_group = not (dist.is_available() and dist.is_initialized())
            try:
                ctx = init_distributed(device=args.device or "auto", backend=args.dist_backend)
            except ValueError as e:
                raise CLIError(str(e), 2) from None
            out = out.quieted(not ctx.is_main)
        try:
            return _train(args, ctx, out)
        finally:
            if owns_group:
                shutdown_distributed(ctx)


def _train(args: argparse.Namespace, ctx: DistributedContext | None, out: Output) -> int:
    if args.steps is None and args.minutes is None:
        args.steps = DEFAULT_STEPS
    if args.resume:
        if args.preset or args.config or args.condition_on_labels or args.local_features:
            raise CLIError("--resume continues the saved model: leave out --preset, --config and the "
                           "conditioning options", 2)
        if not Path(args.resume).exists():
            raise CLIError(f"--resume {args.resume}: no such checkpoint file", 2)
    if args.session and (args.resume or args.checkpoint or ctx is not None):
        raise CLIError("--session starts a new run in its own folder: leave out --resume and --checkpoint, and "
                       "run it as one process (not under torchrun)", 2)
    changes = train_settings(args)
    config = None
    if not args.resume:
        config = _settings(QUICK, args.seed, changes)  # refuses a bad value before any data is read
    if not args.session and (args.checkpoint or not args.resume):  # a resumed run may replace its own checkpoint
        target = args.checkpoint or DEFAULT_CHECKPOINT
        check_output(target, "--checkpoint", args, own=[args.resume] if args.resume else [])
        own = [best_checkpoint_path(args.resume)] if args.resume else []  # the best-so-far copy beside it
        check_output(best_checkpoint_path(target), "--checkpoint (its best copy)", args, own=own)
    dataset = load_dataset(args, out)
    for err in dataset.errors[:10]:
        out.warn(f"skipped {err}")
    if args.resume:
        handles: dict[str, Any] = {"distributed": ctx} if ctx is not None else {}
        if args.checkpoint:
            handles["checkpoint_path"] = args.checkpoint
        trainer = Trainer.from_checkpoint(args.resume, dataset, **changes, **handles)
        out.say(f"Resuming {args.resume} at step {trainer.step}")
    else:
        model_config = _model_config(args, dataset, out)
        config = _settings(TrainConfig.quick_for(model_config), args.seed, changes)  # this model's learning rate
        torch.manual_seed(args.seed)
        model = build_wavenetlike(model_config)
        if args.session:
            run = _session_run(args.session, dataset, model_config, config)
            trainer = run.trainer(model, dataset)
            out.say(f"Run {run.folder}")
            try:
                last = run_trainer(trainer, out, on_event=run.record)
            finally:
                run.close()
            if last is not None and last.kind == "error":
                raise CLIError(last.message)
            out.say(training_summary(trainer))
            return 0
        trainer = Trainer(model, dataset, config, checkpoint_path=args.checkpoint or DEFAULT_CHECKPOINT,
                          distributed=ctx)
        rep = analyze(model)
        out.say(f"Model: Δ = {rep.receptive_field} samples ({rep.receptive_field_ms:.1f} ms), "
                f"{rep.parameters:,} parameters, {rep.output}")
    where = f"on {trainer.device}"
    if ctx is not None:
        where = (f"on {ctx.world_size} processes ({ctx.backend}; rank 0 {trainer.device}), "
                 f"{trainer.batch_size // ctx.world_size} windows each of a global batch of {trainer.batch_size}")
    out.say(f"Data: {dataset.summary()}; {trainer.n_train_clips} clip(s) for training, "
            f"{trainer.n_val_clips} held out; {where}")
    last = run_trainer(trainer, out)
    if last is not None and last.kind == "error":
        raise CLIError(last.message)
    out.say(training_summary(trainer))
    return 0


def _settings(recipe: TrainConfig, seed: int, changes: dict[str, Any]) -> TrainConfig:
    """``recipe`` with the seed and the flags' changes; a value the flag's own bounds let through (e.g. --lr 10)
    is refused naming the flag."""
    try:
        return recipe.replace(seed=seed, **changes)
    except ValueError as e:
        field = re.match(r"TrainConfig\.(\w+)", str(e))
        flag = FLAG_OF.get(field.group(1)) if field else None
        raise CLIError(f"{flag}: {e}" if flag else str(e), 2) from None


def _session_run(folder: str, dataset: Dataset, model_config: ModelConfig, config: TrainConfig) -> Any:
    """A new run in the session in ``folder`` (created, or the saved one opened) for this model and data."""
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise CLIError(f"--session {folder} is a file; give a folder", 2)
    try:
        session = Session.load(root / SESSION_FILE) if (root / SESSION_FILE).is_file() else Session(root)
        session.set_dataset(dataset=dataset)
        session.model_config = model_config
        run = session.new_run(config)
        session.save()
    except (OSError, ValueError) as e:
        raise CLIError(f"--session {folder}: {e}") from None
    return run


# ------------------------------------------------------------ the model
def _model_config(args: argparse.Namespace, dataset: Dataset, out: Output) -> ModelConfig:
    """The model to train: --config, --preset, or suggested from the data; at the data's rate, conditioned."""
    if args.config:
        try:
            data = json.loads(Path(args.config).read_text())
            config = ModelConfig.from_dict(data)
        except FileNotFoundError:
            raise CLIError(f"--config {args.config}: no such file", 2) from None
        except (json.JSONDecodeError, ValueError, TypeError) as e:
            raise CLIError(f"--config {args.config}: not a valid model config ({e})") from None
    elif args.preset:
        config = PRESETS[args.preset]()
    else:
        out.warn("No --preset or --config: analysing the data to suggest a model …")
        config = suggest(analyze_data(dataset, out))
        if getattr(config, "rationale", ""):
            out.warn("Suggested: " + config.rationale)
    if config.sample_rate != dataset.sample_rate:
        config = config.replace(sample_rate=int(dataset.sample_rate))
    return _with_conditioning(args, config, dataset, out)


def _with_conditioning(args: argparse.Namespace, config: ModelConfig, dataset: Dataset, out: Output) -> ModelConfig:
    """Apply --condition-on-labels and --local-features to a config."""
    if args.condition_on_labels:
        try:
            config = condition_on_labels(config, dataset)
        except ValueError as e:
            raise CLIError(f"--condition-on-labels: {e}", 2) from None
        out.warn(f"Conditioning on {len(config.labels)} labels: {', '.join(config.labels)}")
    if args.local_features:
        config = condition_on_features(config, n_mels=args.local_features, hop=args.hop)
        out.warn(f"Conditioning on {config.local_condition_channels} log-mel bands every "
                 f"{config.local_condition_hop} samples (vocoder mode)")
    return config


# -------------------------------------------------------- the training loop
def run_trainer(trainer: Trainer, out: Output, label: str = "training",
                on_event: Callable[[TrainEvent], None] | None = None) -> TrainEvent | None:
    """Drive ``trainer.steps()`` with a progress bar; Ctrl-C cancels cleanly (checkpoint kept). The last event.

    ``on_event(event)`` sees every event first (a session run records them).
    """
    by_steps = trainer.max_steps is not None
    total = trainer.max_steps if by_steps else (int(trainer.max_seconds) if trainer.max_seconds else None)
    bar = out.bar(total, label, "step" if by_steps else "s", initial=trainer.step if by_steps else 0)
    previous = None
    in_main = threading.current_thread() is threading.main_thread()  # only there can a signal handler be set
    if in_main:
        def on_sigint(signum: int, frame: Any) -> None:
            tqdm.write("Stopping after this step (Ctrl-C again to abort) …", file=sys.stderr)  # even when quiet: every rank stops
            trainer.cancel()
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
        previous = signal.signal(signal.SIGINT, on_sigint)
    last = None
    try:
        for ev in trainer.steps():
            if on_event is not None:
                on_event(ev)
            if ev.kind == "step":
                post = f"loss {ev.loss:.4g}"
                if ev.accuracy is not None:
                    post += f" acc {ev.accuracy:.1%}"
                bar.set_postfix_str(post, refresh=False)
                target = ev.step if by_steps else min(int(ev.elapsed), total or int(ev.elapsed))
                bar.update(max(0, target - bar.n))  # redraws at most every mininterval
            elif ev.kind == "validation" and not out.quiet:
                acc = f", accuracy {ev.val_accuracy:.1%}" if ev.val_accuracy is not None else ""
                line = _baseline_line(trainer)
                out.write(f"step {ev.step}: held-out {ev.bits_per_sample:.3f} bits/sample{acc}"
                          f"{f' ({line})' if line else ''}")
            elif ev.kind == "checkpoint":
                bar.set_postfix_str(f"saved step {ev.step}")
            last = ev
    finally:
        bar.close()
        if in_main:
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
    return last


def _baseline_line(trainer: Trainer) -> str:
    """"linear predictor (order 32) 0.870 to beat" — the strongest baseline on the validation targets."""
    try:
        scores = {k: v for k, v in trainer.baselines().items() if v is not None}
    except Exception:  # noqa: BLE001 - a baseline that cannot be computed is left out, not fatal
        return ""
    if not scores:
        return ""
    name, bits = min(scores.items(), key=lambda kv: kv[1])
    return f"{name}: {bits:.3f} to beat"


def training_summary(trainer: Trainer) -> str:
    """Where the run ended: step, time, last training loss, last held-out score, checkpoint."""
    steps = [h for h in trainer.history if h.get("kind") == "step"]
    vals = [h for h in trainer.history if h.get("kind") == "validation"]
    lines = [f"Trained to step {trainer.step} in {trainer.elapsed:.1f} s"]
    if steps:
        s = steps[-1]
        lines.append(f"last training loss {s['loss']:.4g}" +
                     (f", accuracy {s['accuracy']:.1%}" if s.get("accuracy") is not None else "") +
                     (f", {s['bits_per_sample']:.3f} bits/sample" if s.get("bits_per_sample") is not None else ""))
    if vals:
        v = vals[-1]
        line = _baseline_line(trainer)
        lines.append(f"held-out {v['val_bits_per_sample']:.3f} bits/sample" +
                     (f", accuracy {v['val_accuracy']:.1%}" if v.get("val_accuracy") is not None else "") +
                     (f" ({line})" if line else ""))
    if trainer.checkpoint_path:
        lines.append(f"checkpoint: {trainer.checkpoint_path}")
    return "\n".join(lines)
