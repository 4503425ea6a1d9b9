"""wavenetlike_gui: the desktop app, a thin PySide6 + pyqtgraph face over the wavenetlike library."""
