"""One current background task: start it, supersede it, cancel it, shut it down.

A :class:`TaskRunner` runs one :class:`~wavenetlike_gui.workers.Worker` at a
time for its owner: a step panel (:meth:`StepPanel.start_task
<wavenetlike_gui.panels.base.StepPanel.start_task>`), or a part of one that
works beside the panel's own task (the Speech Commands download, the model
finder, opening a project). Starting a new task cancels the current one and
*supersedes* it: whatever the old task still reports (items, progress, its
result or error, its end) is dropped, so a late answer to an old question
never lands on screen. This is the model of Orange's ``ConcurrentWidgetMixin``.

The callbacks run in the GUI thread and only for the current task:
``on_item(item)`` for each item of a generator, ``on_progress(done, total,
what)``, then one of ``on_done(result)``, ``on_error(message, details)``
(``message`` in words, see :func:`~wavenetlike_gui.workers.user_message`) or
``on_cancelled()``, and last ``on_finished()`` once the thread has ended,
whatever the outcome. :attr:`TaskRunner.running` is True from the start until
just before ``on_finished``; ``started`` and ``ended`` are emitted around it.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal

from .workers import Worker

__all__ = ["TaskRunner"]

log = logging.getLogger(__name__)

Callback = Callable[..., Any] | None


def _start_alone(worker: Worker) -> None:
    """Start a worker nobody else owns; it is deleted once its thread has ended."""
    worker.finished.connect(worker.deleteLater)
    worker.start()


class TaskRunner(QObject):
    """Runs one current task in a worker thread; see the module docstring.

    ``start_worker``: how a worker is started, e.g. a panel's
    :meth:`~wavenetlike_gui.panels.base.StepPanel.start_worker`, so the panel
    owns the thread (its ``is_busy`` counts it, its shutdown joins it); by
    default the worker is simply started.
    """

    started = Signal()
    ended = Signal()

    def __init__(self, parent: QObject | None = None,
                 start_worker: Callable[[Worker], Any] | None = None) -> None:
        super().__init__(parent)
        self._start_worker = start_worker or _start_alone
        self._current: Worker | None = None
        self._on_finished: Callback = None
        self._ending: list[Worker] = []  # superseded or shut down, their threads still ending
        self._closed = False

    @property
    def running(self) -> bool:
        """True while the current task runs (until its ``on_finished`` is called)."""
        return self._current is not None

    @property
    def worker(self) -> Worker | None:
        """The current task's worker, or None."""
        return self._current

    def start(self, fn: Callable[..., Any] | Worker, *args: Any, on_done: Callback = None, on_error: Callback = None,
              on_progress: Callback = None, on_item: Callback = None, on_cancelled: Callback = None,
              on_finished: Callback = None, **kwargs: Any) -> Worker:
        """Run ``fn(*args, progress=…, cancel=…, **kwargs)`` (or a ready-made ``Worker``) as the current task.

        A task still running is cancelled and superseded first. ``kwargs`` go to
        :class:`~wavenetlike_gui.workers.Worker` (``name``, ``pass_callbacks``,
        ``on_cancel`` …) and on to ``fn``.
        """
        self._supersede()
        worker = fn if isinstance(fn, Worker) else Worker(fn, *args, **kwargs)
        for signal, callback in ((worker.item, on_item), (worker.progress, on_progress),
                                 (worker.result, on_done), (worker.failed, on_error),
                                 (worker.cancelled, on_cancelled)):
            if callback is not None:
                signal.connect(self._if_current(worker, callback))
        worker.finished.connect(lambda *_: self._finished(worker))
        self._current, self._on_finished, self._closed = worker, on_finished, False
        self._start_worker(worker)
        self.started.emit()
        return worker

    def cancel(self) -> None:
        """Ask the current task to stop; it still reports (``on_cancelled``, ``on_finished``) when it has."""
        if self._current is not None:
            self._current.cancel()

    def shutdown(self, timeout_ms: int = 10_000, deliver: bool = False) -> bool:
        """Cancel and join every thread; True when all ended within ``timeout_ms`` each.

        ``deliver``: first let the current task's last signals through (its final
        items, outcome and ``on_finished``), e.g. a training run's final
        checkpoint. Afterwards nothing more is delivered.
        """
        worker = self._current
        ended = all([w.stop(timeout_ms) for w in ([worker] if worker is not None else []) + self._ending])
        if deliver and worker is not None:
            QCoreApplication.processEvents()
            if self._current is worker and not worker.isRunning():
                self._finished(worker)  # its 'finished' had not arrived yet
        if self._current is not None:
            self._ending.append(self._current)
            self._current = None
        self._closed = True
        return ended

    # ------------------------------------------------------------- inside
    def _if_current(self, worker: Worker, callback: Callable[..., Any]) -> Callable[..., Any]:
        """``callback`` as a slot that does nothing once ``worker`` is no longer the current task."""
        def slot(*args: Any) -> None:
            if worker is self._current and not self._closed:
                callback(*args)
        return slot

    def _supersede(self) -> None:
        worker, self._current = self._current, None
        if worker is not None:
            log.info("%s superseded by a new task", worker.name)
            worker.cancel()  # it ends on its own, unheard
            self._ending.append(worker)

    def _finished(self, worker: Worker) -> None:
        if worker in self._ending:
            self._ending.remove(worker)
            return
        if worker is not self._current:
            return
        self._current = None
        if self._on_finished is not None and not self._closed:
            self._on_finished()
        self.ended.emit()
