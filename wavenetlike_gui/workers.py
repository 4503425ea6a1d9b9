"""Background work: a QThread around a library callable or generator.

The library's long operations take ``progress(done, total, what)`` and
``cancel() -> bool`` callbacks (see :mod:`wavenetlike.progress`), and some
are generators of events (``Trainer.steps()``). :class:`Worker` runs either in
its own thread and reports back through signals. Signals emitted from the
worker thread reach receivers living in the GUI thread as *queued*
connections, so widgets are only ever touched in the GUI thread; what travels
is plain data (numbers, strings, dataclasses, numpy arrays), never widgets.

The panel that starts a worker owns it: it keeps a reference, and before it
goes away it calls :meth:`Worker.stop` which asks the work to cancel and
joins the thread.
"""
from __future__ import annotations

import logging
import time
import traceback
import weakref
from typing import Any, Callable, Iterable

from PySide6.QtCore import QThread, Signal

from wavenetlike.progress import Cancelled  # the library's "stopped on request" exception
from wavenetlike.train import import_optimizer_dependencies

from .python_import import restore_pythons_import

__all__ = ["Worker", "running_workers", "Cancelled", "user_message"]

log = logging.getLogger(__name__)

_live: "weakref.WeakSet[Worker]" = weakref.WeakSet()


def _is_running(worker: "Worker") -> bool:
    """True while the worker's thread runs; False once its Qt object is deleted (deleteLater)."""
    try:
        return bool(worker.isRunning())
    except RuntimeError:  # "Internal C++ object already deleted": the thread ended long ago
        _live.discard(worker)
        return False


def running_workers() -> list["Worker"]:
    """Workers whose thread is still running (for shutdown checks and tests).

    A worker whose Qt object was already deleted (its Python wrapper may live on,
    e.g. in a traceback) is not running and is left out instead of raising.
    """
    return [w for w in list(_live) if _is_running(w)]


class Worker(QThread):
    """Run ``fn(*args, progress=…, cancel=…, **kwargs)`` in a thread.

    If ``fn`` returns a generator (or iterable), it is consumed; each item is
    emitted through :attr:`item` and the work can be cancelled between items.
    Otherwise its return value is emitted through :attr:`result`.

    Exactly one of :attr:`result` (then :attr:`succeeded`), :attr:`failed`
    or :attr:`cancelled` is emitted at the end, followed by QThread's own
    ``finished``.

    ``pass_callbacks``: set False for callables that take no ``progress`` /
    ``cancel`` keywords. ``on_cancel``: extra callable run (in the thread
    that called :meth:`cancel`) when cancellation is requested, e.g. a
    trainer's own ``cancel``. ``progress_interval``: minimum seconds between
    two ``progress`` signals (the last one always goes through), so a fast
    loop cannot flood the GUI's event queue.
    """

    progress = Signal(int, int, str)
    item = Signal(object)
    result = Signal(object)
    succeeded = Signal()
    failed = Signal(str, str)  # message in words, traceback
    cancelled = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, pass_callbacks: bool = True,
                 on_cancel: Callable[[], Any] | None = None, progress_interval: float = 0.05,
                 name: str = "", **kwargs: Any) -> None:
        super().__init__()
        import_optimizer_dependencies()  # on the GUI thread, before any worker thread steps an optimizer
        restore_pythons_import()  # no worker imports through shiboken's hook, even if a module put it back
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._pass_callbacks = pass_callbacks
        self._on_cancel = on_cancel
        self._cancel_requested = False
        self._progress_interval = progress_interval
        self._last_progress = 0.0
        self.name = name or getattr(fn, "__name__", "work")
        self.setObjectName(f"Worker[{self.name}]")
        _live.add(self)

    # ------------------------------------------------------- GUI-thread API
    def cancel(self) -> None:
        """Ask the work to stop at its next safe point (returns at once)."""
        self._cancel_requested = True
        self.requestInterruption()
        if self._on_cancel is not None:
            try:
                self._on_cancel()
            except Exception:  # noqa: BLE001 - cancelling must never raise into the GUI
                log.exception("on_cancel of %s failed", self.name)

    def is_cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called; passed to the library as ``cancel``."""
        return self._cancel_requested

    def stop(self, timeout_ms: int = 10000) -> bool:
        """Cancel and join. True when the thread has ended within ``timeout_ms``."""
        if not self.isRunning():
            return True
        self.cancel()
        ended = self.wait(timeout_ms)
        if not ended:
            log.error("%s did not stop within %d ms", self.name, timeout_ms)
        return bool(ended)

    # ------------------------------------------------------------ the thread
    def _report_progress(self, done: int, total: int, what: str = "") -> None:
        now = time.monotonic()
        if done >= total or now - self._last_progress >= self._progress_interval:
            self._last_progress = now
            self.progress.emit(int(done), int(total), str(what))

    def run(self) -> None:  # noqa: D401 - QThread API
        log.info("%s started", self.name)
        try:
            kwargs = dict(self._kwargs)
            if self._pass_callbacks:
                kwargs.setdefault("progress", self._report_progress)
                kwargs.setdefault("cancel", self.is_cancel_requested)
            out = self._fn(*self._args, **kwargs)
            if _is_stream(out):
                for event in out:
                    self.item.emit(event)
                    if self._cancel_requested:
                        close = getattr(out, "close", None)
                        if close is not None:
                            close()
                        raise Cancelled()
                out = None
            if self._cancel_requested:
                raise Cancelled()
        except Cancelled:
            log.info("%s cancelled", self.name)
            self.cancelled.emit()
            return
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI in words
            message = user_message(exc)
            log.exception("%s failed: %s", self.name, message)
            self.failed.emit(message, traceback.format_exc())
            return
        log.info("%s finished", self.name)
        self.result.emit(out)
        self.succeeded.emit()


def user_message(exc: BaseException) -> str:
    """What went wrong, in words a user can act on: no exception class names, no tracebacks.

    The library's errors (``ValueError``, ``OSError`` and friends) already say what is wrong
    and with which file or field; an OS error without a message becomes "file: reason";
    anything else is an unexpected problem whose details are in the log file.
    """
    if isinstance(exc, OSError) and not exc.args[1:] and str(exc):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or 'the file could not be read or written'}"
    if isinstance(exc, (ValueError, TypeError, KeyError, LookupError, RuntimeError)) and str(exc):
        text = str(exc)
        return text[1:-1] if isinstance(exc, KeyError) and text.startswith("'") else text
    return "an unexpected problem stopped the work (the details are in the log file: Help → Where is the log file?)"


def _is_stream(obj: Any) -> bool:
    """True for generators and other lazy iterables, False for containers and data."""
    if obj is None or isinstance(obj, (str, bytes, dict, list, tuple)):
        return False
    return hasattr(obj, "__next__") and isinstance(obj, Iterable)
