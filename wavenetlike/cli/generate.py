"""``wavenetlike generate CHECKPOINT --out take.wav``: audio from a checkpoint, into a WAV (or FLAC) file."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..conditioning import features_for_clip
from ..data.audio_io import write_wav
from ..data.dataset import Dataset, DatasetEmptyError
from ..generate import generate
from ..train.checkpoint import Checkpoint
from .common import CLIError, Command, bounded_float, check_output, load_ckpt
from .evaluate import print_comparison
from .output import Output

__all__ = ["GenerateCommand", "generate_audio", "write_audio"]


def _clip_features(ck: Checkpoint, path: str) -> tuple[Any, int]:
    """Local-conditioning features of the first clip in ``path`` (resampled to the model's rate) and its length."""
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


def generate_audio(ck: Checkpoint, out: Output, seconds: float | None, temperature: float, seed: int | None,
                   label: str | None = None, features_from: str | None = None) -> tuple[np.ndarray, int, float]:
    """(waveform, sample_rate, seconds taken) for a loaded checkpoint."""
    model = ck.model
    if not hasattr(model, "config"):
        raise CLIError(f"{ck.path} holds a Block, not a WaveNet-like model: nothing to generate")
    kw: dict[str, Any] = {}
    if model.config.global_condition_classes:
        labels = ck.labels or list(model.config.labels)
        if label is None:
            label = labels[0] if labels else None
            out.warn(f"No --label given: generating label {label!r}")
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
    t0 = time.perf_counter()
    with out.progress("generating", "sample") as bar:
        audio = generate(model, seconds=seconds, temperature=temperature, seed=seed, progress=bar, **kw)
    return audio, sample_rate, time.perf_counter() - t0


def write_audio(path: str, audio: Any, sample_rate: int) -> None:
    """Write 16-bit audio (WAV, or FLAC for a .flac name) atomically; the path was checked before the work."""
    write_wav(path, np.clip(np.nan_to_num(np.asarray(audio, dtype=np.float32)), -1.0, 1.0), sample_rate)


class GenerateCommand(Command):
    name = "generate"
    help = "generate audio from a checkpoint into a WAV file"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
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
        p.add_argument("--compare", metavar="DATA",
                       help="print statistics of the generated audio beside real held-out audio of DATA "
                            "(a path, 'bundled', or 'training' for the checkpoint's own data)")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        if args.seconds is not None and args.seconds <= 0:
            raise CLIError(f"--seconds {args.seconds}: must be > 0", 2)
        if args.temperature < 0:
            raise CLIError(f"--temperature {args.temperature}: must be ≥ 0 (0 = always the most likely sample)", 2)
        check_output(args.out, "--out", args, (".wav", ".flac"))
        ck = load_ckpt(args.checkpoint)
        audio, sr, took = generate_audio(ck, out, args.seconds, args.temperature, args.seed, args.label,
                                         args.features_from)
        write_audio(args.out, audio, sr)
        n = len(audio)
        out.say(f"Wrote {args.out}: {n} samples ({n / sr:.2f} s at {sr} Hz) in {took:.1f} s "
                f"({n / max(took, 1e-9):,.0f} samples/s)")
        if ck.scale != 1.0:
            out.say(f"Note: the model works in units of the data divided by {ck.scale:g}; the WAV holds those "
                    f"units clipped to [-1, 1]")
        if args.compare:
            print_comparison(ck, audio, args.compare, out)
        return 0
