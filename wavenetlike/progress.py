"""Progress and cancellation callbacks shared by the library's long operations.

Loading a dataset, analysing it, downloading, training and generating take
``progress(done, total, what)`` and ``cancel() -> bool``; work stopped on
request raises :class:`Cancelled`. They live here, apart from any one
operation, so that every module can use them without importing another.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["ProgressFn", "CancelFn", "Cancelled"]

ProgressFn = Callable[[int, int, str], None]
"""progress(done, total, what): called as work advances."""
CancelFn = Callable[[], bool]
"""cancel(): return True to stop the work at the next safe point."""


class Cancelled(Exception):
    """Raised inside a long operation when its ``cancel`` callback returned True."""
