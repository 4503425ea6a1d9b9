"""The command line: ``wavenetlike analyze|suggest|select|train|generate|evaluate|info|demo``.

Every command prints what it did in words, shows progress bars on slow work,
and exits with status 0 on success, 1 when the work failed (a file that is not
readable, training that diverged) and 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from .cli_checks import LIMITS, bounded_float, bounded_int, output_problem

__all__ = ["main", "build_parser"]

DEFAULT_CHECKPOINT = "checkpoint.safetensors"
_QUIET = False  # set on ranks other than 0 of a distributed run: no progress bars, no notes


class CLIError(Exception):
    """A problem to report in one line, with an exit status (2: bad arguments, 1: failed work)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------ helpers
class _Progress:
    """A ``progress(done, total, what)`` callback drawing a tqdm bar, created on first use."""

    def __init__(self, desc: str, unit: str = "it") -> None:
        self.desc, self.unit, self.bar = desc, unit, None

    def __call__(self, done: int, total: int, what: str = "") -> None:
        from tqdm import tqdm
        if self.bar is None:
            self.bar = tqdm(total=total or None, desc=self.desc, unit=self.unit, leave=False,
                            dynamic_ncols=True, file=sys.stderr, disable=_QUIET)
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        if what:
            self.bar.set_postfix_str(str(what)[:40], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _optional(module: str, what: str) -> Any:
    """Import a part of the library that may be missing from this installation, with a clear error."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise CLIError(f"{what} is not available in this installation ({module}: {e})") from None


def _parse_ar2(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) not in (2, 3):
        raise CLIError(f"--ar2 {text!r}: expected 'a,b' or 'a,b,c' (numbers), e.g. --ar2 0.6,-0.3", 2)
    return values


def _load_dataset(args: argparse.Namespace) -> Any:
    """The Dataset named by PATH / 'bundled' / --ar2, with a progress bar while loading."""
    from .data.dataset import Dataset, DatasetEmptyError
    ar2 = getattr(args, "ar2", None)
    path = getattr(args, "path", None)
    if ar2 and path:
        raise CLIError("give either a dataset PATH or --ar2, not both", 2)
    if ar2:
        from .data.ar2 import AR2
        a, b, *c = _parse_ar2(ar2)
        if args.ar2_count * args.ar2_length > LIMITS["ar2_total"]:
            raise CLIError(f"--ar2-count {args.ar2_count} × --ar2-length {args.ar2_length} = "
                           f"{args.ar2_count * args.ar2_length:,} samples is more than the limit of "
                           f"{int(LIMITS['ar2_total']):,}", 2)
        try:
            spec = AR2(a=a, b=b, c=c[0] if c else 0.0, noise=args.noise, length=args.ar2_length,
                       count=args.ar2_count, seed=args.seed)
        except ValueError as e:
            raise CLIError(f"--ar2 {ar2}: {e}", 2) from None
        return Dataset(spec)
    if not path:
        raise CLIError("give a dataset PATH (an audio file or folder, or 'bundled'), or --ar2 a,b", 2)
    source: Any = None if path == "bundled" else path
    if source is not None and not Path(source).exists():
        raise CLIError(f"{path}: no such file or folder", 2)
    bar = _Progress("loading", "file")
    try:
        return Dataset(source, sample_rate=getattr(args, "sample_rate", None), progress=bar)
    except DatasetEmptyError as e:
        raise CLIError(str(e)) from None
    finally:
        bar.close()


def _analyze_dataset(dataset: Any, max_lag: int | None = None) -> Any:
    mod = _optional("wavenetlike.analysis.dataset_report", "dataset analysis")
    bar = _Progress("analysing")
    try:
        kw: dict[str, Any] = {"progress": bar}
        if max_lag:
            kw["max_lag"] = max_lag
        return mod.analyze_dataset(dataset, **kw)
    finally:
        bar.close()


def _suggest(report: Any) -> Any:
    mod = _optional("wavenetlike.analysis.suggest", "architecture suggestion")
    return mod.suggest(report)


def _write_json(path: str, data: Any) -> None:
    from .safe_io import atomic_write_bytes
    atomic_write_bytes(path, json.dumps(data, indent=2, default=_json_default).encode("utf-8"))


def _check_output(path: str | None, option: str, args: argparse.Namespace, suffixes: Sequence[str] = (),
                  own: Sequence[str] = ()) -> None:
    """Refuse a bad output path before any work (exit status 2)."""
    problem = output_problem(path, option, overwrite=getattr(args, "overwrite", False), suffixes=suffixes, own=own)
    if problem:
        raise CLIError(problem, 2)


def _json_default(v: Any) -> Any:
    import numpy as np
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    return str(v)


def _fmt(v: Any, spec: str = ".4g") -> str:
    return "—" if v is None else format(v, spec)


# ----------------------------------------------------------------- analyze
def cmd_analyze(args: argparse.Namespace) -> int:
    _check_output(args.json, "--json", args, (".json",))
    dataset = _load_dataset(args)
    report = _analyze_dataset(dataset, args.max_lag)
    print(dataset.summary())
    print(report.summary())
    if args.json:
        _write_json(args.json, report.to_dict())
        print(f"Wrote {args.json}")
    return 0


# ----------------------------------------------------------------- suggest
def _print_suggestion(config: Any) -> None:
    from .analysis import analyze
    print("Suggested model:")
    print(config.to_json())
    rationale = getattr(config, "rationale", "")
    if rationale:
        print("\nWhy: " + rationale)
    for w in getattr(config, "warnings", []) or []:
        print("Warning: " + w)
    alternatives = getattr(config, "alternatives", {}) or {}
    if alternatives:
        print("\nAlternatives: " + ", ".join(
            f"{name} (Δ = {alt.receptive_field}, {analyze(alt).parameters:,} parameters)"
            for name, alt in alternatives.items()))
    print("\n" + analyze(config).summary())


def cmd_suggest(args: argparse.Namespace) -> int:
    _check_output(args.out, "--out", args, (".json",))
    dataset = _load_dataset(args)
    report = _analyze_dataset(dataset)
    config = _suggest(report)
    _print_suggestion(config)
    if args.out:
        _write_json(args.out, config.to_dict())
        print(f"\nWrote {args.out} (use it with: wavenetlike train PATH --config {args.out})")
    return 0


# ------------------------------------------------------------------- train
def _model_config(args: argparse.Namespace, dataset: Any) -> Any:
    from .config import PRESETS, ModelConfig
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
        _note("No --preset or --config: analysing the data to suggest a model …")
        config = _suggest(_analyze_dataset(dataset))
        if getattr(config, "rationale", ""):
            _note("Suggested: " + config.rationale)
    if config.sample_rate != dataset.sample_rate:
        config = config.replace(sample_rate=int(dataset.sample_rate))
    return _with_conditioning(args, config, dataset)


def _with_conditioning(args: argparse.Namespace, config: Any, dataset: Any) -> Any:
    """Apply --condition-on-labels and --local-features to a config."""
    from .conditioning import condition_on_features, condition_on_labels
    if getattr(args, "condition_on_labels", False):
        try:
            config = condition_on_labels(config, dataset)
        except ValueError as e:
            raise CLIError(f"--condition-on-labels: {e}", 2) from None
        _note(f"Conditioning on {len(config.labels)} labels: {', '.join(config.labels)}")
    if getattr(args, "local_features", None):
        config = condition_on_features(config, n_mels=args.local_features, hop=args.hop)
        _note(f"Conditioning on {config.local_condition_channels} log-mel bands every "
              f"{config.local_condition_hop} samples (vocoder mode)")
    return config


def _note(text: str) -> None:
    """A line for the person at the terminal (stderr), except on ranks other than 0."""
    if not _QUIET:
        print(text, file=sys.stderr)


def _trainer_overrides(args: argparse.Namespace) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if args.steps is not None:
        kw["max_steps"] = args.steps
    if args.minutes is not None:
        kw["max_seconds"] = args.minutes * 60.0
    for name, key in [("batch", "batch_size"), ("window", "target_length"), ("lr", "lr"),
                      ("validation_every", "validation_every"), ("checkpoint_every", "checkpoint_every"),
                      ("threads", "threads"), ("validation_samples", "validation_samples"),
                      ("early_stopping", "early_stopping")]:
        if getattr(args, name, None) is not None:
            kw[key] = getattr(args, name)
    for flag in ("skip_silence", "augment"):
        if getattr(args, flag, False):
            kw[flag] = True
    if args.device:
        kw["device"] = args.device
    return kw


def _run_trainer(trainer: Any, label: str = "training") -> Any:
    """Drive ``trainer.steps()`` with a progress bar; Ctrl-C cancels cleanly (checkpoint kept)."""
    from tqdm import tqdm
    by_steps = trainer.max_steps is not None
    total = trainer.max_steps if by_steps else (int(trainer.max_seconds) if trainer.max_seconds else None)
    bar = tqdm(total=total, initial=trainer.step if by_steps else 0, desc=label,
               unit="step" if by_steps else "s", dynamic_ncols=True, file=sys.stderr, disable=_QUIET)
    previous = None
    in_main = _in_main_thread()
    if in_main:
        def on_sigint(signum: int, frame: Any) -> None:
            tqdm.write("Stopping after this step (Ctrl-C again to abort) …", file=sys.stderr)
            trainer.cancel()
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
        previous = signal.signal(signal.SIGINT, on_sigint)
    last = None
    try:
        for ev in trainer.steps():
            if ev.kind == "step":
                post = f"loss {ev.loss:.4g}"
                if ev.accuracy is not None:
                    post += f" acc {ev.accuracy:.1%}"
                bar.set_postfix_str(post, refresh=False)
                target = ev.step if by_steps else min(int(ev.elapsed), total or int(ev.elapsed))
                bar.update(max(0, target - bar.n))  # redraws at most every mininterval
            elif ev.kind == "validation" and not _QUIET:
                acc = f", accuracy {ev.val_accuracy:.1%}" if ev.val_accuracy is not None else ""
                line = _baseline_line(trainer)
                tqdm.write(f"step {ev.step}: held-out {ev.bits_per_sample:.3f} bits/sample{acc}"
                           f"{f' ({line})' if line else ''}", file=sys.stderr)
            elif ev.kind == "checkpoint":
                bar.set_postfix_str(f"saved step {ev.step}")
            last = ev
    finally:
        bar.close()
        if in_main:
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
    return last


def _baseline_line(trainer: Any) -> str:
    """"linear predictor (order 32) 0.870 to beat" — the strongest baseline on the validation targets."""
    try:
        scores = {k: v for k, v in trainer.baselines().items() if v is not None}
    except Exception:  # noqa: BLE001 - a baseline that cannot be computed is left out, not fatal
        return ""
    if not scores:
        return ""
    name, bits = min(scores.items(), key=lambda kv: kv[1])
    return f"{name}: {bits:.3f} to beat"


def _in_main_thread() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


def cmd_train(args: argparse.Namespace) -> int:
    """Train; under torchrun every process runs this, rank 0 prints and writes the checkpoint."""
    global _QUIET
    import torch.distributed as dist
    from .train.distributed import init_distributed, launched_by_torchrun, shutdown_distributed
    ctx = None
    owns_group = False  # a caller that joined the group itself keeps it after this command
    if launched_by_torchrun():
        owns_group = not (dist.is_available() and dist.is_initialized())
        try:
            ctx = init_distributed(device=args.device or "auto", backend=args.dist_backend)
        except ValueError as e:
            raise CLIError(str(e), 2) from None
        _QUIET = not ctx.is_main
    try:
        return _train(args, ctx)
    finally:
        if owns_group:
            shutdown_distributed(ctx)
        _QUIET = False


def _train(args: argparse.Namespace, ctx: Any) -> int:
    from .model.wavenet import build_wavenetlike
    from .train.trainer import Trainer
    say = (lambda *a, **k: None) if _QUIET else print
    if args.steps is None and args.minutes is None:
        args.steps = 1000
    if args.checkpoint or not args.resume:  # a resumed run may replace its own checkpoint
        target = args.checkpoint or DEFAULT_CHECKPOINT
        _check_output(target, "--checkpoint", args, own=[args.resume] if args.resume else [])
        from .train import trainer as trainer_module
        if hasattr(trainer_module, "best_checkpoint_path"):  # the best-so-far copy beside it
            own = [trainer_module.best_checkpoint_path(args.resume)] if args.resume else []
            _check_output(trainer_module.best_checkpoint_path(target), "--checkpoint (its best copy)", args, own=own)
    dataset = _load_dataset(args)
    for err in dataset.errors[:10]:
        _note(f"skipped {err}")
    overrides = _trainer_overrides(args)
    if ctx is not None:
        overrides["distributed"] = ctx
    if args.checkpoint:
        overrides["checkpoint_path"] = args.checkpoint
    if args.resume:
        if args.preset or args.config or args.condition_on_labels or args.local_features:
            raise CLIError("--resume continues the saved model: leave out --preset, --config and the "
                           "conditioning options", 2)
        if not Path(args.resume).exists():
            raise CLIError(f"--resume {args.resume}: no such checkpoint file", 2)
        trainer = Trainer.from_checkpoint(args.resume, dataset, **overrides)
        say(f"Resuming {args.resume} at step {trainer.step}")
    else:
        config = _model_config(args, dataset)
        import torch
        torch.manual_seed(args.seed)
        model = build_wavenetlike(config)
        overrides.setdefault("checkpoint_path", DEFAULT_CHECKPOINT)
        trainer = Trainer(model, dataset, seed=args.seed, **overrides)
        from .analysis import analyze
        rep = analyze(model)
        say(f"Model: Δ = {rep.receptive_field} samples ({rep.receptive_field_ms:.1f} ms), "
            f"{rep.parameters:,} parameters, {rep.output}")
    where = f"on {trainer.device}"
    if ctx is not None:
        where = (f"on {ctx.world_size} processes ({ctx.backend}; rank 0 {trainer.device}), "
                 f"{trainer.batch_size // ctx.world_size} windows each of a global batch of {trainer.batch_size}")
    say(f"Data: {dataset.summary()}; {trainer.n_train_clips} clip(s) for training, "
        f"{trainer.n_val_clips} held out; {where}")
    last = _run_trainer(trainer)
    if last is not None and last.kind == "error":
        raise CLIError(last.message)
    say(_training_summary(trainer))
    return 0


def _training_summary(trainer: Any) -> str:
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


# ---------------------------------------------------------------- generate
def _load_ckpt(path: str, allow_non_finite: bool = False) -> Any:
    from .train.checkpoint import load_checkpoint
    try:
        return load_checkpoint(path, allow_non_finite=allow_non_finite)
    except FileNotFoundError as e:
        raise CLIError(str(e), 2) from None
    except ValueError as e:
        raise CLIError(str(e)) from None


def _clip_features(ck: Any, path: str) -> tuple[Any, int]:
    """Local-conditioning features of the first clip in ``path`` (resampled to the model's rate) and its length."""
    from .conditioning import features_for_clip
    from .data.dataset import Dataset, DatasetEmptyError
    config = ck.model.config
    if not config.local_condition_channels:
        raise CLIError("--features-from: this model is not conditioned on features (train with --local-features)", 2)
    if not Path(path).exists():
        raise CLIError(f"--features-from {path}: no such file", 2)
    try:
        clip = Dataset(path, sample_rate=config.sample_rate).clips[0]
    except DatasetEmptyError as e:
        raise CLIError(f"--features-from {path}: {e}") from None
    return features_for_clip(config, clip.audio, ck.scale), len(clip.audio)


def _generate_audio(ck: Any, seconds: float | None, temperature: float, seed: int | None,
                    label: str | None = None, features_from: str | None = None) -> tuple[Any, int, float]:
    """(waveform, sample_rate, seconds taken) for a loaded checkpoint."""
    gen_mod = _optional("wavenetlike.generate", "generation")
    model = ck.model
    if not hasattr(model, "config"):
        raise CLIError(f"{ck.path} holds a Block, not a WaveNet-like model: nothing to generate")
    kw: dict[str, Any] = {}
    if model.config.global_condition_classes:
        labels = ck.labels or list(model.config.labels)
        if label is None:
            label = labels[0] if labels else None
            print(f"No --label given: generating label {label!r}", file=sys.stderr)
        if label not in labels:
            raise CLIError(f"--label {label!r} is not one of the model's labels: {', '.join(labels)}", 2)
        kw["global_cond"] = labels.index(label)
    elif label is not None:
        raise CLIError("--label: this model is not conditioned on labels", 2)
    sample_rate = int(ck.state.get("sample_rate") or model.config.sample_rate)
    if features_from:
        kw["local_features"], clip_length = _clip_features(ck, features_from)
        if seconds is None:
            seconds = clip_length / model.config.sample_rate
    elif model.config.local_condition_channels:
        raise CLIError("this model follows the features of a clip: give --features-from AUDIO_FILE", 2)
    if seconds is None:
        seconds = 1.0
    bar = _Progress("generating", "sample")
    t0 = time.perf_counter()
    try:
        audio = gen_mod.generate(model, seconds=seconds, temperature=temperature, seed=seed, progress=bar, **kw)
    finally:
        bar.close()
    return audio, sample_rate, time.perf_counter() - t0


def _write_wav(path: str, audio: Any, sample_rate: int) -> None:
    """Write 16-bit audio (WAV, or FLAC for a .flac name) atomically; the path was checked before the work."""
    import numpy as np
    from .data.audio_io import write_wav
    write_wav(path, np.clip(np.nan_to_num(np.asarray(audio, dtype=np.float32)), -1.0, 1.0), sample_rate)


def cmd_generate(args: argparse.Namespace) -> int:
    if args.seconds is not None and args.seconds <= 0:
        raise CLIError(f"--seconds {args.seconds}: must be > 0", 2)
    if args.temperature < 0:
        raise CLIError(f"--temperature {args.temperature}: must be ≥ 0 (0 = always the most likely sample)", 2)
    _check_output(args.out, "--out", args, (".wav", ".flac"))
    ck = _load_ckpt(args.checkpoint)
    audio, sr, took = _generate_audio(ck, args.seconds, args.temperature, args.seed, args.label,
                                      args.features_from)
    _write_wav(args.out, audio, sr)
    n = len(audio)
    print(f"Wrote {args.out}: {n} samples ({n / sr:.2f} s at {sr} Hz) in {took:.1f} s "
          f"({n / max(took, 1e-9):,.0f} samples/s)")
    if ck.scale != 1.0:
        print(f"Note: the model works in units of the data divided by {ck.scale:g}; the WAV holds those "
              f"units clipped to [-1, 1]")
    if args.compare:
        from .cli_quality import print_comparison
        print_comparison(ck, audio, args.compare)
    return 0


# ---------------------------------------------------------------- download
def cmd_download(args: argparse.Namespace) -> int:
    from .data.download import DownloadError, download_speech_commands
    progress = _Progress(f"Speech Commands {args.version}", unit="B")
    try:
        root = download_speech_commands(args.root, args.version, url=args.url, sha256=args.sha256,
                                        progress=progress, keep_archive=args.keep_archive,
                                        deadline=args.deadline * 60.0, min_rate=args.min_rate)
    except DownloadError as e:
        again = "" if "run again" in str(e) or " is a file" in str(e) else " (run the same command again to resume)"
        raise CLIError(f"{e}{again}") from None
    finally:
        progress.close()
    print(f"Speech Commands {args.version} is in {root}; load it with "
          f"`wavenetlike analyze {root}` or Dataset(SpeechCommands({str(root)!r}))")
    return 0


# -------------------------------------------------------------------- info
def cmd_info(args: argparse.Namespace) -> int:
    from .analysis import analyze
    ck = _load_ckpt(args.checkpoint, allow_non_finite=args.allow_non_finite)
    model = ck.model
    st = ck.state
    if not hasattr(model, "config"):
        info = {"kind": "block", "config": ck.config, "receptive_field": model.receptive_field}
        if model.n_layers == 1 and model.kernel_length == 2 and model.channels == 1:
            info["ar_coefficients"] = model.ar_coefficients()
        print(json.dumps(info, indent=2) if args.json else
              f"Block {ck.config}\nReceptive field Δ: {model.receptive_field} samples" +
              (f"\nAR(2) coefficients: {info['ar_coefficients']}" if "ar_coefficients" in info else ""))
        return 0
    report = analyze(model)
    steps = [h for h in st.get("history", []) if h.get("kind") == "step"]
    vals = [h for h in st.get("history", []) if h.get("kind") == "validation"]
    if args.json:
        print(json.dumps({"checkpoint": ck.path, "config": ck.config.to_dict(), "report": report.to_dict(),
                          "step": ck.step, "last_step": steps[-1] if steps else None,
                          "last_validation": vals[-1] if vals else None, "scale": ck.scale,
                          "labels": ck.labels, "sample_rate": st.get("sample_rate"),
                          "elapsed": st.get("elapsed"), "optimizer": ck.optimizer_meta is not None},
                         indent=2, default=_json_default))
        return 0
    print(f"Checkpoint: {ck.path}")
    print(report.summary())
    print(f"Training: step {ck.step}, {_fmt(st.get('elapsed'), '.1f')} s of training"
          + (", optimizer state saved" if ck.optimizer_meta is not None else ", no optimizer state"))
    if steps:
        s = steps[-1]
        print(f"Last training loss {_fmt(s.get('loss'))}"
              + (f", accuracy {s['accuracy']:.1%}" if s.get("accuracy") is not None else ""))
    if vals:
        v = vals[-1]
        print(f"Last validation loss {_fmt(v.get('val_loss'))} at step {v.get('step')}"
              + (f", accuracy {v['val_accuracy']:.1%}" if v.get("val_accuracy") is not None else ""))
    print(f"Data: sample rate {st.get('sample_rate', model.config.sample_rate)} Hz, scale {ck.scale:g}"
          + (f", labels {', '.join(ck.labels)}" if ck.labels else ""))
    return 0


# -------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    from .analysis import analyze
    from .config import PRESETS, QUICK_RECIPE
    from .data.dataset import Dataset
    from .model.wavenet import build_wavenetlike
    from .train.checkpoint import load_checkpoint
    from .train.trainer import Trainer
    import torch

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {args.out} is a file; give a folder for the demo's files", 2)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = ["wavenetlike demo", "================", ""]

    def say(text: str = "") -> None:
        print(text)
        lines.append(text)

    bar = _Progress("loading", "file")
    try:
        dataset = Dataset(None, progress=bar)
    finally:
        bar.close()
    say("1. Data: " + dataset.summary())
    report = _analyze_dataset(dataset)
    say("\n2. Analysis\n" + report.summary())
    if args.preset:
        config = PRESETS[args.preset](sample_rate=int(dataset.sample_rate))
        say(f"\n3. Model: preset {args.preset!r}")
    else:
        config = _suggest(report)
        if config.sample_rate != dataset.sample_rate:
            config = config.replace(sample_rate=int(dataset.sample_rate))
        say("\n3. Suggested model: " + (getattr(config, "rationale", "") or "(no rationale given)"))
    say(analyze(config).summary())
    torch.manual_seed(args.seed)
    model = build_wavenetlike(config)
    ckpt = out / "demo.safetensors"
    trainer = Trainer(model, dataset, max_seconds=args.train_seconds, batch_size=args.batch,
                      target_length=args.window, lr=args.lr, checkpoint_path=ckpt, seed=args.seed,
                      validation_every=None, threads=args.threads, grad_clip=QUICK_RECIPE["grad_clip"],
                      lr_schedule=QUICK_RECIPE["lr_schedule"])
    last = _run_trainer(trainer, "training (demo)")
    if last is not None and last.kind == "error":
        raise CLIError(last.message)
    say(f"\n4. Training ({args.train_seconds:g} s budget)\n" + _training_summary(trainer))
    held_out = trainer.validate()
    if held_out is not None:
        val_loss, val_acc = held_out
        say(f"held-out loss {val_loss:.4g}" + (f", accuracy {val_acc:.1%}" if val_acc is not None else ""))
    ck = load_checkpoint(ckpt)
    audio, sr, took = _generate_audio(ck, args.generate_seconds, args.temperature, args.seed)
    wav = out / "demo.wav"
    _write_wav(str(wav), audio, sr)
    n = len(audio)
    say(f"\n5. Generated {n} samples ({n / sr:.2f} s at {sr} Hz) in {took:.1f} s "
        f"({n / max(took, 1e-9):,.0f} samples/s) -> {wav}")
    from .safe_io import atomic_write_bytes
    atomic_write_bytes(out / "report.txt", ("\n".join(lines) + "\n").encode("utf-8"))
    _write_json(str(out / "report.json"), {
        "dataset": report.to_dict(), "config": config.to_dict(), "model": analyze(config).to_dict(),
        "training": trainer.history, "generated_samples": n, "generation_seconds": took,
        "checkpoint": str(ckpt), "wav": str(wav)})
    print(f"\nWrote {out / 'report.txt'}, {out / 'report.json'}, {wav} and {ckpt}")
    return 0


# ------------------------------------------------------------------ parser
def _add_source(p: argparse.ArgumentParser, required_path: bool = False) -> None:
    p.add_argument("path", nargs=None if required_path else "?",
                   help="audio file or folder, or 'bundled' for the sample speech set")
    p.add_argument("--ar2", metavar="A,B[,C]", help="use an AR(2) process X_t = c + a·X_{t-1} + b·X_{t-2} + ε")
    p.add_argument("--ar2-length", type=bounded_int("ar2_length"), default=16000, help="samples per AR(2) clip")
    p.add_argument("--ar2-count", type=bounded_int("ar2_count"), default=8, help="number of AR(2) clips")
    p.add_argument("--noise", type=bounded_float("noise", 0.0, True), default=1.0,
                   help="AR(2) noise standard deviation")
    p.add_argument("--sample-rate", type=bounded_int("sample_rate"), default=None, help="resample audio to this rate")
    p.add_argument("--seed", type=int, default=0, help="random seed")


def build_parser() -> argparse.ArgumentParser:
    from .config import PRESETS
    parser = argparse.ArgumentParser(
        prog="wavenetlike",
        description="Build, analyse, train and listen to WaveNet-like models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("analyze", help="analyse a dataset: lengths, rates, ACF, correlation length, spectrum")
    _add_source(p)
    p.add_argument("--max-lag", type=bounded_int("max_lag"), default=None, help="longest ACF lag in samples")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("suggest", help="suggest a model for a dataset")
    _add_source(p)
    p.add_argument("--out", metavar="FILE", help="write the suggested config as JSON")
    p.add_argument("--overwrite", action="store_true", help="replace the --out file if it exists")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("train", help="train a model on a dataset (checkpoints as .safetensors)")
    _add_source(p)
    p.add_argument("--preset", choices=sorted(PRESETS), help="model preset (default: suggested from the data)")
    p.add_argument("--config", metavar="FILE", help="model config JSON (from `wavenetlike suggest --out`)")
    p.add_argument("--steps", type=bounded_int("steps"), help="train until this step count (default 1000 unless --minutes; with --resume, the total including earlier steps)")
    p.add_argument("--minutes", type=bounded_float("minutes"), help="training time limit in minutes")
    p.add_argument("--batch", type=bounded_int("batch"), help="windows per batch (default 8)")
    p.add_argument("--window", type=bounded_int("window"), help="scored samples per window (default 1024)")
    p.add_argument("--lr", type=bounded_float("lr"), help="learning rate (default 1e-3)")
    p.add_argument("--validation-every", type=bounded_int("validation_every"),
                   help="steps between validations (default 100)")
    p.add_argument("--checkpoint-every", type=bounded_int("checkpoint_every"),
                   help="steps between checkpoints (default: end only)")
    p.add_argument("--validation-samples", type=bounded_int("validation_samples"),
                   help="held-out targets scored per validation, whole clips from their start (default 50000)")
    p.add_argument("--early-stopping", type=bounded_int("early_stopping"), metavar="N",
                   help="stop after N validations without a better held-out score (default: never)")
    p.add_argument("--skip-silence", action="store_true",
                   help="draw training windows from the sound, not from long pauses")
    p.add_argument("--augment", action="store_true",
                   help="random polarity and gain (0 to -3 dB) per window: for small datasets")
    p.add_argument("--checkpoint", metavar="FILE",
                   help=f"checkpoint file to write (default {DEFAULT_CHECKPOINT}, or the --resume file)")
    p.add_argument("--resume", metavar="FILE", help="continue the run saved in this checkpoint")
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
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("generate", help="generate audio from a checkpoint into a WAV file")
    p.add_argument("checkpoint", help="a .safetensors checkpoint")
    p.add_argument("--seconds", type=bounded_float("seconds"), default=None,
                   help="length to generate (default 1, or the --features-from clip's length)")
    p.add_argument("--out", required=True, help="output WAV (or .flac) file")
    p.add_argument("--overwrite", action="store_true", help="replace the --out file if it exists")
    p.add_argument("--temperature", type=bounded_float("temperature", 0.0, True), default=1.0,
                   help="sampling temperature (0 = argmax)")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.add_argument("--label", help="label to generate, for a label-conditioned model")
    p.add_argument("--features-from", metavar="AUDIO_FILE",
                   help="vocoder mode: follow the log-mel features of this clip (a locally conditioned model)")
    from .cli_quality import add_compare_option, add_evaluate_command
    add_compare_option(p)
    p.set_defaults(func=cmd_generate)

    add_evaluate_command(sub)
    from .cli_select import add_select_command
    add_select_command(sub)

    p = sub.add_parser("info", help="describe a checkpoint: model report and training state")
    p.add_argument("checkpoint", help="a .safetensors checkpoint")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--allow-non-finite", action="store_true",
                   help="describe a checkpoint whose weights hold NaN or infinite values (refused otherwise)")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("download", help="download the Speech Commands corpus (resumable, checked)")
    p.add_argument("root", help="folder to download and unpack into")
    p.add_argument("--version", choices=["v0.01", "v0.02"], default="v0.02")
    p.add_argument("--url", help="another address for the archive (a mirror)")
    p.add_argument("--sha256", help="expected SHA-256 of the archive (known for the official URLs)")
    p.add_argument("--keep-archive", action="store_true", help="keep the .tar.gz after unpacking")
    p.add_argument("--deadline", type=bounded_float("deadline_minutes"), default=360.0,
                   help="give up after this many minutes in all (default 360; run again to resume)")
    p.add_argument("--min-rate", type=bounded_float("min_rate", 0.0, True), default=10_000.0,
                   help="give up when the server sends fewer bytes/s than this over a minute (default 10000)")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("demo", help="the whole workflow on the bundled speech: analyse, suggest, train, generate")
    p.add_argument("--out", default="wavenetlike-demo", help="folder for the WAV, report and checkpoint")
    p.add_argument("--train-seconds", type=bounded_float("train_seconds"), default=45.0,
                   help="training time (default 45)")
    p.add_argument("--generate-seconds", type=bounded_float("seconds"), default=1.0,
                   help="audio to generate (default 1)")
    p.add_argument("--preset", choices=sorted(PRESETS), help="use a preset instead of the suggestion")
    from .config import QUICK_RECIPE
    p.add_argument("--batch", type=bounded_int("batch"), default=QUICK_RECIPE["batch_size"],
                   help="windows per step (default: the quick recipe's)")
    p.add_argument("--window", type=bounded_int("window"), default=QUICK_RECIPE["target_length"],
                   help="scored samples per window (default: the quick recipe's)")
    p.add_argument("--lr", type=bounded_float("lr"), default=QUICK_RECIPE["lr"],
                   help="Adam's learning rate (default: the quick recipe's)")
    p.add_argument("--temperature", type=bounded_float("temperature", 0.0, True), default=1.0)
    p.add_argument("--threads", type=bounded_int("threads"), default=None)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code or 0)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CLIError as e:
        print(f"wavenetlike {args.command}: error: {e}", file=sys.stderr)
        return e.status
    except (ValueError, OSError) as e:  # CheckpointError, DiskFullError, WriteRefusedError, permission …
        print(f"wavenetlike {args.command}: error: {e}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"wavenetlike {args.command}: error: not enough memory for this work; try smaller settings",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"wavenetlike {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
