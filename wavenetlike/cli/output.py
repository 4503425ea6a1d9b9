"""What a command shows: result lines, notes, errors and progress bars, through one :class:`Output`.

:func:`wavenetlike.cli.main` makes an ``Output`` and hands it to the
command's ``run(args, out)``. Results go to stdout; notes, warnings, progress
bars and errors to stderr. A quiet ``Output`` (ranks other than 0 of a
distributed run) shows no results, notes or bars, only errors.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Any

from tqdm import tqdm

__all__ = ["Output", "Progress"]


class Progress:
    """A ``progress(done, total, what)`` callback drawing a tqdm bar, created on first use; ``close()`` it."""

    def __init__(self, desc: str, unit: str = "it", disable: bool = False) -> None:
        self.desc, self.unit, self.disable = desc, unit, disable
        self.bar: Any = None

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if self.bar is None:
            self.bar = tqdm(total=total or None, desc=self.desc, unit=self.unit, leave=False,
                            dynamic_ncols=True, file=sys.stderr, disable=self.disable)
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

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Output:
    """Where a command's words go; ``quiet`` silences everything but errors."""

    quiet: bool = False

    def quieted(self, quiet: bool = True) -> "Output":
        """A copy with ``quiet`` set (a distributed run's ranks other than 0)."""
        return replace(self, quiet=quiet)

    def say(self, text: str = "") -> None:
        """A line of the command's result (stdout)."""
        if not self.quiet:
            print(text)

    def warn(self, text: str) -> None:
        """A note or warning for the person at the terminal (stderr): what was chosen, skipped or assumed."""
        if not self.quiet:
            print(text, file=sys.stderr)

    def error(self, text: str) -> None:
        """An error line (stderr), shown even when quiet."""
        print(text, file=sys.stderr)

    def write(self, text: str) -> None:
        """A line above the progress bars (stderr, through ``tqdm.write``)."""
        if not self.quiet:
            tqdm.write(text, file=sys.stderr)

    def progress(self, desc: str, unit: str = "it") -> Progress:
        """A ``progress(done, total, what)`` callback for a library call; close it (or use ``with``)."""
        return Progress(desc, unit, disable=self.quiet)

    def bar(self, total: int | None, desc: str, unit: str = "it", initial: int = 0) -> Any:
        """A tqdm bar the command advances itself; close it."""
        return tqdm(total=total, initial=initial, desc=desc, unit=unit, dynamic_ncols=True, file=sys.stderr,
                    disable=self.quiet)
