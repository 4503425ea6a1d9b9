"""The app's entry point (``wavenetlike-gui``): QApplication, logging, error dialog, settings."""
from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Sequence

from .app_logging import APP_NAME, ORG_NAME, log_file_path, setup_logging

# log_file_path and setup_logging are defined in .app_logging and re-exported here.
__all__ = ["main", "log_file_path", "setup_logging", "install_excepthook", "ErrorReporter"]

log = logging.getLogger("wavenetlike_gui")


class ErrorReporter:
    """``sys.excepthook`` replacement: logs the error and shows one readable dialog.

    While a dialog is open, further errors are only logged (no cascade of
    dialogs); the app keeps running.
    """

    def __init__(self, parent_getter=None) -> None:
        self._showing = False
        self._parent_getter = parent_getter or (lambda: None)
        self.last_message = ""

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("Uncaught exception:\n%s", details)
        self.last_message = f"{exc_type.__name__}: {exc}"
        if self._showing:
            return
        from PySide6.QtWidgets import QApplication, QMessageBox
        if QApplication.instance() is None:
            sys.__excepthook__(exc_type, exc, tb)
            return
        self._showing = True
        try:
            box = QMessageBox(self._parent_getter())
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle("Something went wrong")
            box.setText("The app hit an unexpected error. Your work is still open; "
                        "you can carry on or save and restart.")
            box.setInformativeText(self.last_message)
            box.setDetailedText(details + f"\nThe full log is in {log_file_path()}")
            box.exec()
        finally:
            self._showing = False


def install_excepthook(parent_getter=None) -> ErrorReporter:
    """Route uncaught exceptions to an :class:`ErrorReporter` and return it."""
    reporter = ErrorReporter(parent_getter)
    sys.excepthook = reporter
    return reporter


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; returns the exit status."""
    import argparse
    parser = argparse.ArgumentParser(prog="wavenetlike-gui", description="The wavenetlike desktop app.")
    parser.add_argument("--no-bundled", action="store_true",
                        help="start without loading the bundled sample set")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation (Qt, torch, audio, training, generation) and exit")
    args, qt_args = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if args.self_test:
        from .self_test import run_self_test
        return run_self_test(qt_args)

    path = setup_logging()
    log.info("starting wavenetlike-gui; log file %s", path)
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName("wavenetlike")
    from .gui_gc import GuiThreadCollection
    collection = GuiThreadCollection()  # cyclic garbage is freed on this thread, never on a worker's

    from .main_window import MainWindow
    from .settings import Settings
    window: list = []
    install_excepthook(lambda: window[0] if window else None)
    w = MainWindow(settings=Settings(), load_bundled=not args.no_bundled)
    window.append(w)
    w.show()
    status = app.exec()
    collection.close()
    log.info("wavenetlike-gui exited with status %s", status)
    return int(status)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
