"""wavenetlike_gui: the desktop app, a thin PySide6 + pyqtgraph face over the wavenetlike library.

Importing PySide6 replaces Python's ``__import__`` with shiboken's
``__feature_import__`` (for ``from __feature__ import snake_case``, which the
app does not use); it then runs on every ``import`` statement of every thread.
CI runs of the app's tests hung twice with a worker thread inside it (in an
optimizer's first step, in a checkpoint save's ``import numpy``) and the GUI
thread idle (its Python-level ``feature_import``), so the app puts back the
import shiboken keeps as ``builtins.__orig_import__`` (PySide6 6.11: its
C-level lazy importer, which does not run that Python code).
"""
import builtins as _builtins

import PySide6.QtCore  # noqa: F401  (installs the hook this undoes)

if hasattr(_builtins, "__orig_import__"):
    _builtins.__import__ = _builtins.__orig_import__
