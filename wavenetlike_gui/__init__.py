"""wavenetlike_gui: the desktop app, a thin PySide6 + pyqtgraph face over the wavenetlike library.

Importing the package loads PySide6 and then puts Python's own ``__import__``
back in place of shiboken's hook (see :mod:`wavenetlike_gui.python_import`).
"""
import PySide6.QtCore  # noqa: F401  (installs shiboken's import hook, undone below)

from .python_import import restore_pythons_import

restore_pythons_import()
