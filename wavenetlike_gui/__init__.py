"""wavenetlike_gui: the desktop app, a thin PySide6 + pyqtgraph face over the wavenetlike library."""
from .qt_compat import guard_singleton_refcounts as _guard

_guard()  # PySide6 6.12 on Python 3.11 under-counts None/True/False; see qt_compat.py
