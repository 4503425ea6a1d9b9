import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "2")
if "WAVENETLIKE_SESSIONS_DIR" not in os.environ:  # the app's default runs folders: not in the user's data
    import tempfile
    os.environ["WAVENETLIKE_SESSIONS_DIR"] = tempfile.mkdtemp(prefix="wavenetlike-test-sessions-")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests use small models, which run fastest and steadiest on one torch thread on a shared machine."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --- GUI: fail any test that leaves a QThread running -------------------------------
import importlib.util
import weakref

import pytest

_started_qthreads: "weakref.WeakSet | None" = None


def _install_qthread_registry() -> "weakref.WeakSet | None":
    """Record every QThread started from Python (QThread.start is wrapped once)."""
    global _started_qthreads
    if _started_qthreads is not None:
        return _started_qthreads
    if importlib.util.find_spec("PySide6") is None:
        return None
    from PySide6.QtCore import QThread
    registry: weakref.WeakSet = weakref.WeakSet()
    original_start = QThread.start

    def start(self, *args, **kwargs):
        registry.add(self)
        return original_start(self, *args, **kwargs)

    QThread.start = start
    _started_qthreads = registry
    return registry


def _still_running(thread) -> bool:
    try:
        return bool(thread.isRunning())
    except RuntimeError:  # the C++ object is already gone
        return False


@pytest.fixture(autouse=True)
def no_qthread_left_running():
    """Fail the test if a QThread it started is still running when it ends."""
    registry = _install_qthread_registry()
    yield
    if registry is None:
        return
    running = [t for t in list(registry) if _still_running(t)]
    if not running:
        return
    names = [t.objectName() or type(t).__name__ for t in running]
    for t in running:  # stop them so later tests start clean
        t.requestInterruption()
        if hasattr(t, "cancel"):
            t.cancel()
        t.quit()
        t.wait(10000)
    pytest.fail(f"test left QThread(s) running: {', '.join(names)}")


# --- GUI: a modal message box nobody answers must fail the test, not hang it ----------
import sys


@pytest.fixture(autouse=True)
def no_unexpected_message_box(monkeypatch):
    """Answer any QMessageBox a test did not expect (Discard / Yes / Ok) and fail the test afterwards.

    Offscreen, a modal dialog waits forever for a click; a test that expects one patches
    QMessageBox itself (its own monkeypatch wins, being applied later).
    """
    if "PySide6.QtWidgets" not in sys.modules:
        yield
        return
    from PySide6.QtWidgets import QMessageBox
    shown: list[str] = []
    B = QMessageBox.StandardButton

    def answer(default):
        def box(_parent, title, text, *args, **kwargs):
            shown.append(f"{title}: {text}")
            return default
        return box

    monkeypatch.setattr(QMessageBox, "warning", answer(B.Discard))
    monkeypatch.setattr(QMessageBox, "question", answer(B.Yes))
    monkeypatch.setattr(QMessageBox, "information", answer(B.Ok))
    monkeypatch.setattr(QMessageBox, "critical", answer(B.Ok))
    yield
    if shown:
        pytest.fail("unexpected message box(es): " + " | ".join(shown))


@pytest.fixture(autouse=True)
def _cyclic_gc_on_the_gui_thread(request):
    """GUI tests collect cyclic garbage on the GUI thread, as the app does (``wavenetlike_gui.gui_gc``)."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("qapp")
    from wavenetlike_gui.gui_gc import GuiThreadCollection
    collection = GuiThreadCollection()
    yield
    collection.close()
