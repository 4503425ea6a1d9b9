"""``wavenetlike demo``: the whole workflow on the bundled speech — analyse, suggest, train, generate.

It is one headless :class:`~wavenetlike.session.Session` in the ``--out``
folder (``session.json`` and ``runs/``, the same as the app's): the session
loads and analyses the data, suggests the architecture, and trains it in a
new run folder (configs, checkpoints, history, TensorBoard event files), so
a second demo in the same folder adds a run instead of overwriting one.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ..analysis import analyze
from ..config import PRESETS
from ..safe_io import atomic_write_bytes
from ..session import DatasetSpec, Session
from ..train.checkpoint import load_checkpoint
from ..train_config import TrainConfig
from .common import CLIError, Command, bounded_float, bounded_int, write_json
from .generate import generate_audio, write_audio
from .output import Output
from .train import run_trainer, training_summary

__all__ = ["DemoCommand"]

QUICK = TrainConfig.quick()


class DemoCommand(Command):
    name = "demo"
    help = "the whole workflow on the bundled speech: analyse, suggest, train, generate"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="wavenetlike-demo", help="folder for the WAV, report and checkpoint")
        p.add_argument("--train-seconds", type=bounded_float("train_seconds"), default=45.0,
                       help="training time (default 45)")
        p.add_argument("--generate-seconds", type=bounded_float("seconds"), default=1.0,
                       help="audio to generate (default 1)")
        p.add_argument("--preset", choices=sorted(PRESETS), help="use a preset instead of the suggestion")
        p.add_argument("--batch", type=bounded_int("batch"), default=QUICK.batch_size,
                       help="windows per step (default: the quick recipe's)")
        p.add_argument("--window", type=bounded_int("window"), default=QUICK.target_length,
                       help="scored samples per window (default: the quick recipe's)")
        p.add_argument("--lr", type=bounded_float("lr"), default=QUICK.lr,
                       help="Adam's learning rate (default: the quick recipe's)")
        p.add_argument("--temperature", type=bounded_float("temperature", 0.0, True), default=1.0)
        p.add_argument("--threads", type=bounded_int("threads"), default=None)
        p.add_argument("--seed", type=int, default=0)

    def run(self, args: argparse.Namespace, out: Output) -> int:
        folder = Path(args.out)
        if folder.exists() and not folder.is_dir():
            raise CLIError(f"--out {args.out} is a file; give a folder for the demo's files", 2)
        folder.mkdir(parents=True, exist_ok=True)
        lines: list[str] = ["wavenetlike demo", "================", ""]

        def say(text: str = "") -> None:
            out.say(text)
            lines.append(text)

        session = Session(folder, DatasetSpec.bundled())
        with out.progress("loading", "file") as bar:
            dataset = session.load_dataset(progress=bar)
        say("1. Data: " + dataset.summary())
        with out.progress("analysing") as bar:
            report = session.analyze(progress=bar)
        say("\n2. Analysis\n" + report.summary())
        if args.preset:
            session.model_config = PRESETS[args.preset](sample_rate=int(dataset.sample_rate))
            say(f"\n3. Model: preset {args.preset!r}")
        else:
            suggested = session.suggest()
            say("\n3. Suggested model: " + (getattr(suggested, "rationale", "") or "(no rationale given)"))
        config = session.model_config
        say(analyze(config).summary())
        for warning in session.checks():
            say("warning: " + warning)
        settings = QUICK.replace(max_seconds=args.train_seconds, batch_size=args.batch, target_length=args.window,
                                 lr=args.lr, seed=args.seed, validation_every=None, threads=args.threads)
        run = session.new_run(settings, name="demo")
        session.save()
        torch.manual_seed(args.seed)
        trainer = run.trainer()
        try:
            last = run_trainer(trainer, out, "training (demo)", on_event=run.record)
        finally:
            run.close()
        if last is not None and last.kind == "error":
            raise CLIError(last.message)
        say(f"\n4. Training ({args.train_seconds:g} s budget), run {run.folder}\n" + training_summary(trainer))
        held_out = trainer.validate()
        if held_out is not None:
            val_loss, val_acc = held_out
            say(f"held-out loss {val_loss:.4g}" + (f", accuracy {val_acc:.1%}" if val_acc is not None else ""))
        ckpt = run.checkpoint_path
        ck = load_checkpoint(ckpt)
        audio, sr, took = generate_audio(ck, out, args.generate_seconds, args.temperature, args.seed)
        wav = folder / "demo.wav"
        write_audio(str(wav), audio, sr)
        n = len(audio)
        say(f"\n5. Generated {n} samples ({n / sr:.2f} s at {sr} Hz) in {took:.1f} s "
            f"({n / max(took, 1e-9):,.0f} samples/s) -> {wav}")
        atomic_write_bytes(folder / "report.txt", ("\n".join(lines) + "\n").encode("utf-8"))
        write_json(str(folder / "report.json"), {
            "dataset": report.to_dict(), "config": config.to_dict(), "model": analyze(config).to_dict(),
            "training": trainer.history, "generated_samples": n, "generation_seconds": took,
            "checkpoint": str(ckpt), "run": str(run.folder), "wav": str(wav)})
        out.say(f"\nWrote {folder / 'report.txt'}, {folder / 'report.json'}, {wav} and the run {run.folder} "
                f"(tensorboard --logdir {session.runs_dir})")
        return 0
