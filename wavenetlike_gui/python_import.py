"""Python's own ``__import__``, put back after PySide6 replaces it.

Importing PySide6 swaps ``builtins.__import__`` for shiboken's
``__feature_import__`` (it serves ``from __feature__ import snake_case``,
which the app does not use). That hook then runs on every ``import``
statement of every thread: Python code of shiboken's before the import, and
after it — with ``builtins.__import__`` itself switched to another function
and back for the duration, unguarded — a call that reads each newly imported
module's source. Background workers import inside library functions (an
optimizer's first step, a checkpoint save, SQLAlchemy under Optuna), so
imports run on two threads at once through that unguarded switch. A CI run
of the app's tests hung with a worker waiting inside the hook (``import
numpy`` in a checkpoint save); other runs stalled in a selection test with
the GUI thread stuck in C code (pytest-timeout's handler never ran), while
its worker trained and imported.

:func:`restore_pythons_import` puts CPython's built-in ``__import__`` back.
That function is not kept by PySide (its ``__orig_import__`` is another hook,
the lazy loader), so it is found among the interpreter's live objects: the
built-in function named ``__import__`` bound to the ``builtins`` module. A
replacement installed by anything else (a debugger, coverage) is left alone.
"""
from __future__ import annotations

import builtins
import gc
import types
from typing import Callable

__all__ = ["pythons_import", "restore_pythons_import", "PYSIDE_HOOKS"]

PYSIDE_HOOKS = frozenset({"__feature_import__", "__lazy_import__"})
_pristine: Callable[..., object] | None = None


def _is_pythons(fn: object) -> bool:
    return (type(fn) is types.BuiltinFunctionType and getattr(fn, "__name__", "") == "__import__"
            and getattr(fn, "__self__", None) is builtins)


def pythons_import() -> Callable[..., object] | None:
    """CPython's built-in ``__import__`` (None if it cannot be found, e.g. another interpreter)."""
    global _pristine
    if _pristine is None:
        if _is_pythons(builtins.__import__):
            _pristine = builtins.__import__
        else:
            _pristine = next((obj for obj in gc.get_objects() if _is_pythons(obj)), None)
    return _pristine


def restore_pythons_import() -> bool:
    """Replace PySide's import hook by Python's own import; True when Python's own import is in place."""
    pristine = pythons_import()
    if pristine is None:
        return False
    current = builtins.__import__
    if current is not pristine and getattr(current, "__name__", "") in PYSIDE_HOOKS:
        builtins.__import__ = pristine
    return builtins.__import__ is pristine
