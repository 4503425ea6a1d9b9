"""``wavenetlike suggest DATA [--out cfg.json]``: a model for a dataset, with why and alternatives."""
from __future__ import annotations

import argparse

from ..analysis import analyze
from ..analysis.suggest import suggest
from ..config import ModelConfig
from .common import Command, add_source, analyze_data, check_output, load_dataset, write_json
from .output import Output

__all__ = ["SuggestCommand", "print_suggestion"]


def print_suggestion(config: ModelConfig, out: Output) -> None:
    """The suggested config as JSON, its rationale, warnings, alternatives and model report."""
    out.say("Suggested model:")
    out.say(config.to_json())
    rationale = getattr(config, "rationale", "")
    if rationale:
        out.say("\nWhy: " + rationale)
    for w in getattr(config, "warnings", []) or []:
        out.say("Warning: " + w)
    alternatives = getattr(config, "alternatives", {}) or {}
    if alternatives:
        out.say("\nAlternatives: " + ", ".join(
            f"{name} (Δ = {alt.receptive_field}, {analyze(alt).parameters:,} parameters)"
            for name, alt in alternatives.items()))
    out.say("\n" + analyze(config).summary())


class SuggestCommand(Command):
    name = "suggest"
    help = "suggest a model for a dataset"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_source(parser)
        parser.add_argument("--out", metavar="FILE", help="write the suggested config as JSON")
        parser.add_argument("--overwrite", action="store_true", help="replace the --out file if it exists")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        check_output(args.out, "--out", args, (".json",))
        dataset = load_dataset(args, out)
        config = suggest(analyze_data(dataset, out))
        print_suggestion(config, out)
        if args.out:
            write_json(args.out, config.to_dict())
            out.say(f"\nWrote {args.out} (use it with: wavenetlike train PATH --config {args.out})")
        return 0
