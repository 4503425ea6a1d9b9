"""``python -m benchmarks``: run the benchmarks, print a table, write JSON.

Examples::

    python -m benchmarks                      # everything, 1 and 2 torch threads
    python -m benchmarks --quick              # fewer samples and repeats
    python -m benchmarks --only generation --presets toy --threads 1
    python -m benchmarks --only quality --kinds toy suggested --seconds 300   # not in the default run
    python -m benchmarks --only selection --select-minutes 10                 # not in the default run
    python -m benchmarks --only temperature --seconds 300                     # not in the default run
    python -m benchmarks --only augment                                        # not in the default run
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

SUITES = ("generation", "training", "analysis", "headline")
EXTRA_SUITES = ("quality", "selection", "temperature", "augment")  # minutes of training per kind: only when asked for with --only


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=SUITES + EXTRA_SUITES, default=list(SUITES),
                    help="suites to run (default: all but quality)")
    ap.add_argument("--presets", nargs="+", choices=("toy", "wavenet"), default=["toy", "wavenet"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="torch thread counts to measure")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per figure (median); default 5, quick 3")
    ap.add_argument("--quick", action="store_true", help="fewer samples and repeats")
    ap.add_argument("--out", default="bench-results/latest.json", help="JSON output path")
    ap.add_argument("--kinds", nargs="+", default=None,
                    help="quality suite: the kinds to train (default: all; see benchmarks/quality.py)")
    ap.add_argument("--seconds", type=float, default=60.0,
                    help="quality and temperature suites: training seconds per model")
    ap.add_argument("--select-minutes", type=float, default=10.0,
                    help="selection suite: the selection's budget, and the plain suggestion's training time")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    if repeats < 1 or any(t < 1 for t in args.threads):
        ap.error("--repeats and --threads must be ≥ 1")
    from . import quality
    if args.kinds and set(args.kinds) - set(quality.kind_names()):
        ap.error(f"--kinds: unknown {sorted(set(args.kinds) - set(quality.kind_names()))}; "
                 f"known: {', '.join(quality.kind_names())}")
    if args.seconds <= 0:
        ap.error("--seconds must be > 0")

    from . import analysis, generation, headline, training
    from .common import Figure, load_average, machine_info

    started = time.time()
    result = {"machine": machine_info(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
              "options": vars(args) | {"repeats": repeats}, "complete": False, "figures": []}
    figures = result["figures"]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def write() -> None:  # after every suite, so an interrupted run keeps what it measured
        result["elapsed_s"] = round(time.time() - started, 1)
        result["load_average_at_end"] = load_average()
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=2))
        os.replace(tmp, out)

    def add(figs):
        for f in figs:
            figures.append(f.to_dict())
            value = "—" if f.value is None else (f"{f.value:,.3g}" if f.value < 100 else f"{f.value:,.0f}")
            print(f"{f.name:<58} {value:>12} {f.unit:<22} {f.note}", flush=True)
        write()

    print(f"machine: {result['machine']['cpu']}, {result['machine']['logical_cores']} cores, "
          f"torch {result['machine']['torch']}, load {load_average()}\n")
    print(f"{'figure':<58} {'median':>12} {'unit':<22} note")
    def suite(name, fn, *a):
        """Run one suite; a failure is recorded as a figure with the error, and the others go on."""
        try:
            add(fn(*a))
        except Exception as exc:  # noqa: BLE001 - report and continue
            add([Figure(f"{name}/failed", None, "", note=f"{type(exc).__name__}: {exc}")])

    for threads in args.threads if set(args.only) & {"generation", "training", "analysis"} else []:
        print(f"[torch threads={threads}]")
        if "generation" in args.only:
            suite("generation", generation.run, args.presets, threads, repeats, args.quick)
        if "training" in args.only:
            suite("training", training.run, args.presets, threads, repeats, args.quick)
        if "analysis" in args.only:
            suite("analysis", analysis.run, threads, repeats, args.quick)
    if "headline" in args.only:
        n = 1 if args.quick else 3
        print(f"[headline: {n} × 60 s of training]")
        # one thread: on this shared 2-core machine it gets ~2× the steps of two (measured)
        suite("headline", headline.run, min(args.threads), 60.0, n)
    if "quality" in args.only:
        print(f"[quality: {args.seconds:g} s of one-thread training per kind]")
        suite("quality", quality.run, args.kinds, args.seconds)
    if "selection" in args.only:
        from . import selection
        print(f"[selection: {args.select_minutes:g} min of selection vs the suggestion trained as long]")
        suite("selection", selection.run, args.select_minutes, min(args.threads))
    if "temperature" in args.only:
        from . import temperature
        print(f"[temperature: one model trained {args.seconds:g} s, takes at each temperature]")
        suite("temperature", temperature.run, args.seconds)
    if "augment" in args.only:
        from . import augment
        print("[augment: a small real-speech set trained with and without augmentation]")
        suite("augment", augment.run)
    result["complete"] = True
    write()
    print(f"\nwrote {out} ({result['elapsed_s']} s; load {result['load_average_at_end']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
