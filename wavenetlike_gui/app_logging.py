"""The app's names and its log: where the log file is and how logging is set up.

Apart from :mod:`.app` (the entry point) so that the main window and the
self-test can name the log file without importing the module that imports them.
"""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

__all__ = ["APP_NAME", "ORG_NAME", "log_file_path", "setup_logging"]

APP_NAME = "wavenetlike"
ORG_NAME = "wavenetlike"


def log_file_path() -> Path:
    """Where the app writes its log: ``wavenetlike-gui.log`` in the user's log directory."""
    from platformdirs import user_log_dir
    return Path(user_log_dir(APP_NAME, ORG_NAME)) / "wavenetlike-gui.log"


def setup_logging(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Log to a rotating file (and warnings to stderr); returns the file's path."""
    path = path or log_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h, logging.handlers.RotatingFileHandler)
               and getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        root.addHandler(handler)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    root.addHandler(console)
    return path
