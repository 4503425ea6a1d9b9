"""``wavenetlike analyze DATA``: lengths, rates, ACF, correlation length and spectrum of a dataset."""
from __future__ import annotations

import argparse

from .common import Command, add_source, analyze_data, bounded_int, check_output, load_dataset, write_json
from .output import Output

__all__ = ["AnalyzeCommand"]


class AnalyzeCommand(Command):
    name = "analyze"
    help = "analyse a dataset: lengths, rates, ACF, correlation length, spectrum"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_source(parser)
        parser.add_argument("--max-lag", type=bounded_int("max_lag"), default=None,
                            help="longest ACF lag in samples")
        parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
        parser.add_argument("--overwrite", action="store_true", help="replace the --json file if it exists")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        check_output(args.json, "--json", args, (".json",))
        dataset = load_dataset(args, out)
        report = analyze_data(dataset, out, args.max_lag)
        out.say(dataset.summary())
        out.say(report.summary())
        if args.json:
            write_json(args.json, report.to_dict())
            out.say(f"Wrote {args.json}")
        return 0
