"""Work around a reference-count bug of PySide6 6.12 on Python < 3.12.

On Python 3.11, PySide6 6.12.0 drops one reference to ``None`` (``True`` /
``False``) every time a wrapped method returns it: every ``setText``,
``processEvents``, ``QTimer.start`` and every ``signal.emit()``. On Python ≥
3.12 those objects are immortal and nothing happens; on 3.11 their counts fall
by thousands a minute until the interpreter aborts with "Fatal Python error:
none_dealloc: deallocating None" (or ``bool_dealloc``) — a long training run in
the app reaches that within minutes.

:func:`guard_singleton_refcounts` detects the bug with a few harmless calls
and, only when it is present, raises the reference counts of ``None``,
``True`` and ``False`` by 2**60, which is what Python 3.12 does for them
anyway (PEP 683, immortal objects). These three objects are never freed
during the life of the interpreter, so a larger count changes nothing else.
"""
from __future__ import annotations

import ctypes
import logging
import sys

__all__ = ["guard_singleton_refcounts", "singleton_refcount_bug"]

log = logging.getLogger(__name__)
_BOOST = 2 ** 60
_applied = False


def singleton_refcount_bug(calls: int = 64) -> bool:
    """True when PySide6 methods returning None leak references to None here."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")  # returns None
    return sys.getrefcount(None) - before <= -calls // 2


def guard_singleton_refcounts() -> bool:
    """Apply the workaround when the bug is present (once); True when it was applied."""
    global _applied
    if _applied:
        return True
    if not singleton_refcount_bug():
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    _applied = True
    import PySide6
    log.info("PySide6 %s on Python %s leaks references to None/True/False; applied the workaround "
                "(see wavenetlike_gui/qt_compat.py)", PySide6.__version__, sys.version.split()[0])
    return True
