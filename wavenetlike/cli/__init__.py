"""The command line: ``wavenetlike analyze|suggest|train|generate|evaluate|select|info|download|demo``.

Every command prints what it did in words, shows progress bars on slow work,
and exits with status 0 on success, 1 when the work failed (a file that is not
readable, training that diverged) and 2 on bad arguments.

One module per command, each a :class:`~wavenetlike.cli.common.Command`
(``name``, ``help``, ``add_arguments(parser)``, ``run(args, out) -> int``);
:data:`COMMANDS` lists them in the order ``--help`` shows them,
:func:`build_parser` builds the parser from them, and :func:`main` runs one
with an :class:`~wavenetlike.cli.output.Output` and turns its errors into one
line and an exit status. Shared helpers are in :mod:`wavenetlike.cli.common`.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .analyze import AnalyzeCommand
from .common import CLIError, Command
from .demo import DemoCommand
from .download import DownloadCommand
from .evaluate import EvaluateCommand
from .generate import GenerateCommand
from .info import InfoCommand
from .output import Output
from .select import SelectCommand
from .suggest import SuggestCommand
from .train import TrainCommand

__all__ = ["COMMANDS", "CLIError", "Command", "Output", "build_parser", "main"]

#: The sub-commands, in the order ``wavenetlike --help`` lists them.
COMMANDS: tuple[Command, ...] = (AnalyzeCommand(), SuggestCommand(), TrainCommand(), GenerateCommand(),
                                 EvaluateCommand(), SelectCommand(), InfoCommand(), DownloadCommand(),
                                 DemoCommand())


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The ``wavenetlike`` parser: one sub-parser per command (its name in ``args.command``)."""
    parser = argparse.ArgumentParser(
        prog="wavenetlike",
        description="Build, analyse, train and listen to WaveNet-like models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code or 0)
    command = next(c for c in COMMANDS if c.name == args.command)
    out = Output()
    try:
        return command.run(args, out)
    except CLIError as e:
        out.error(f"wavenetlike {args.command}: error: {e}")
        return e.status
    except (ValueError, OSError) as e:  # CheckpointError, DiskFullError, WriteRefusedError, permission …
        out.error(f"wavenetlike {args.command}: error: {e}")
        return 1
    except MemoryError:
        out.error(f"wavenetlike {args.command}: error: not enough memory for this work; try smaller settings")
        return 1
    except KeyboardInterrupt:
        out.error(f"wavenetlike {args.command}: interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
