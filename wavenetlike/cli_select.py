"""``wavenetlike select DATA --minutes N [--storage URL] [--out cfg.json]``: a model chosen by short trials.

Several workers (processes or machines) can share one selection: start the
same command with the same ``--storage`` and ``--study`` on each (see
``docs/selection.md``).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_select_command", "cmd_select"]


def _int_between(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be from {low} to {high}")
        return value
    return parse


def add_select_command(sub: Any) -> None:
    """The ``select`` sub-command's parser lines."""
    from .cli import _add_source
    from .cli_checks import bounded_float, bounded_int
    p = sub.add_parser("select", help="choose a model by short trials of candidates around the suggestion (Optuna)")
    _add_source(p)
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
    p.set_defaults(func=cmd_select)


def cmd_select(args: argparse.Namespace) -> int:
    from .cli import CLIError, _load_dataset, _write_json
    if args.minutes is None and args.chunk_steps is None:
        raise CLIError("give --minutes (this worker's time budget) or --chunk-steps", 2)
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from .selection import Selection, candidate_ladder
    dataset = _load_dataset(args)
    candidates = None
    if args.candidates:
        from .analysis import analyze
        from .analysis.suggest import suggest
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
    print(f"study {selection.study_name} in {selection.storage_text}: {len(selection.order)} candidates",
          file=sys.stderr)
    _run_with_progress(selection)
    result = selection.result()
    print(result.summary())
    if args.out:
        if result.config is None:
            raise CLIError("no trial was scored, so there is no config to write")
        _write_json(args.out, result.config.to_dict())
        print(f"winning config written to {args.out}")
    if args.json:
        _write_json(args.json, result.to_dict())
    return 0


def _run_with_progress(selection: Any) -> None:
    """Drive the worker with a tqdm bar over the candidates; Ctrl-C cancels (the running trial is redone later)."""
    from tqdm import tqdm
    bar = tqdm(total=len(selection.order), desc="trials", unit="trial", file=sys.stderr, dynamic_ncols=True)
    events = selection.events()
    try:
        for event in events:
            done = sum(r.state in ("complete", "pruned") for r in event.leaderboard)
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
