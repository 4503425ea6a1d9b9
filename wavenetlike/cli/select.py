"""``wavenetlike select DATA --minutes N [--storage URL] [--out cfg.json]``: a model chosen by short trials.

Several workers (processes or machines) can share one selection: start the
same command with the same ``--storage`` and ``--study`` on each (see
``docs/selection.md``).
"""
from __future__ import annotations

import argparse
from typing import Callable

import optuna

from ..analysis import analyze
from ..analysis.suggest import suggest
from ..selection import Selection, candidate_ladder
from .common import CLIError, Command, add_source, bounded_float, bounded_int, load_dataset, write_json
from .output import Output

__all__ = ["SelectCommand"]


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be from {low} to {high}")
        return value
    return parse


class SelectCommand(Command):
    name = "select"
    help = "choose a model by short trials of candidates around the suggestion (Optuna)"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        add_source(p)
        p.add_argument("--minutes", type=bounded_float("minutes"), help="this worker's time budget in minutes")
        p.add_argument("--storage", metavar="URL",
                       help="Optuna storage: a .db/.sqlite file, journal:FILE (or a .log file), or a database URL "
                            "(default: an SQLite file in the user data folder)")
        p.add_argument("--study", metavar="NAME", help="study name (default: derived from the data and the settings)")
        p.add_argument("--out", metavar="FILE", help="write the winning config as JSON (for `train --config`)")
        p.add_argument("--json", metavar="FILE", help="write the whole result (leaderboard, rationale) as JSON")
        p.add_argument("--chunk-steps", type=bounded_int("steps"),
                       help="train this many steps before the first score (default: seconds from the budget)")
        p.add_argument("--reduction-factor", type=_int_between(2, 10), default=3,
                       help="successive halving keeps the best 1/N at each rung (default 3)")
        p.add_argument("--rungs", type=_int_between(1, 6), default=3, help="scores per trial at most (default 3)")
        p.add_argument("--candidates", metavar="NAMES", help="comma-separated candidate names to try (default all)")
        p.add_argument("--threads", type=bounded_int("threads"), default=1, help="CPU threads for torch (default 1)")
        p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
        p.add_argument("--no-wait", action="store_true",
                       help="stop when no candidate is left to start, without waiting for other workers' trials")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        if args.minutes is None and args.chunk_steps is None:
            raise CLIError("give --minutes (this worker's time budget) or --chunk-steps", 2)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        dataset = load_dataset(args, out)
        candidates = None
        if args.candidates:
            report = analyze(dataset)
            ladder = {c.name: c for c in candidate_ladder(suggest(report), report.context_needed)}
            wanted = [n.strip() for n in args.candidates.split(",") if n.strip()]
            unknown = [n for n in wanted if n not in ladder]
            if unknown:
                raise CLIError(f"--candidates: unknown name(s) {', '.join(unknown)}; the ladder has "
                               f"{', '.join(ladder)}", 2)
            candidates = [ladder[n] for n in wanted]
        selection = Selection(dataset, None if args.minutes is None else 60.0 * args.minutes, candidates=candidates,
                              storage=args.storage, study_name=args.study, chunk_steps=args.chunk_steps,
                              reduction_factor=args.reduction_factor, rungs=args.rungs, threads=args.threads,
                              device=args.device, wait_for_others=not args.no_wait)
        out.warn(f"study {selection.study_name} in {selection.storage_text}: {len(selection.order)} candidates")
        _run_with_progress(selection, out)
        result = selection.result()
        out.say(result.summary())
        if args.out:
            if result.config is None:
                raise CLIError("no trial was scored, so there is no config to write")
            write_json(args.out, result.config.to_dict())
            out.say(f"winning config written to {args.out}")
        if args.json:
            write_json(args.json, result.to_dict())
        return 0


def _run_with_progress(selection: Selection, out: Output) -> None:
    """Drive the worker with a tqdm bar over the candidates; Ctrl-C cancels (the running trial is redone later)."""
    bar = out.bar(len(selection.order), "trials", "trial")
    events = selection.events()
    try:
        for event in events:
            done = sum(r.state in ("complete", "pruned", "cut short") for r in event.leaderboard)
            bar.n = done
            best = next((r for r in event.leaderboard if r.bits_per_sample is not None), None)
            text = f"{event.name} {event.message}".strip() if event.kind != "wait" else event.message
            if best is not None:
                text += f" | best {best.name} {best.bits_per_sample:.3f}"
            bar.set_postfix_str(text[:70], refresh=False)
            bar.refresh()
    except KeyboardInterrupt:
        selection.cancel()
        events.close()
        raise
    finally:
        bar.close()
