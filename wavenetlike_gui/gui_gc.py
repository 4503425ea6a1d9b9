"""Cyclic garbage collection on the GUI thread only.

Python's cyclic collector runs on whichever thread happens to allocate when
its thresholds are crossed: in this app, mostly a training worker. A cycle
that holds a Qt wrapper (a widget and a lambda connected to its signal, a
finished worker) is then freed on that worker thread, and the C++ object
goes with it while the GUI thread may still deliver events to it — the
process crashes later, in the GUI thread's event loop. A stress run of the
panel tests (four processes on two cores) crashed that way: a segfault in the
GUI thread's event loop while the worker saved a checkpoint. pyqtgraph's ``GarbageCollector`` turns the automatic
collector off and collects on a GUI-thread timer instead, with the same
thresholds; this wraps it so it can also be taken off again (tests).
"""
from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

__all__ = ["GuiThreadCollection"]


class GuiThreadCollection:
    """Collect cyclic garbage on a timer in the GUI thread (create it there, after the QApplication)."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self._was_enabled = gc.isenabled()
        self.collector = GarbageCollector(interval=interval_s)

    def close(self) -> None:
        """Stop the timer, collect once here, and give the automatic collector back if it was on."""
        self.collector.timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
