"""The generic QThread worker: results, progress, failures, cancellation, generators."""
from __future__ import annotations

import threading


from wavenetlike.data.dataset import Cancelled
from wavenetlike_gui.workers import Worker, running_workers


def test_result_and_progress_arrive_in_gui_thread(qtbot):
    seen_threads = []

    def work(n, progress, cancel):
        for i in range(n):
            progress(i + 1, n, f"item {i}")
        return sum(range(n))

    worker = Worker(work, 50, progress_interval=0.0)
    progress = []
    worker.progress.connect(lambda d, t, w: (progress.append((d, t, w)), seen_threads.append(threading.get_ident())))
    with qtbot.waitSignal(worker.result, timeout=10000) as blocker:
        worker.start()
    worker.wait()
    assert blocker.args == [sum(range(50))]
    assert progress[-1] == (50, 50, "item 49")
    assert set(seen_threads) == {threading.get_ident()}  # delivered (queued) to the GUI thread


def test_progress_is_rate_limited_but_last_one_arrives(qtbot):
    def work(progress, cancel):
        for i in range(10000):
            progress(i + 1, 10000, "")

    worker = Worker(work, progress_interval=10.0)
    got = []
    worker.progress.connect(lambda d, t, w: got.append(d))
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.start()
    worker.wait()
    qtbot.waitUntil(lambda: bool(got) and got[-1] == 10000)
    assert len(got) <= 3


def test_failure_is_reported_in_words(qtbot):
    def work(progress, cancel):
        raise ValueError("ModelConfig.kernel_size = 0 is out of range")

    worker = Worker(work)
    with qtbot.waitSignal(worker.failed, timeout=10000) as blocker:
        worker.start()
    worker.wait()
    message, details = blocker.args
    assert message == "ModelConfig.kernel_size = 0 is out of range"  # words, no class name
    assert "Traceback" in details


def test_cancel_stops_a_long_job(qtbot):
    started = threading.Event()

    def work(progress, cancel):
        started.set()
        while True:
            if cancel():
                raise Cancelled()
            progress(0, 0, "spinning")

    worker = Worker(work)
    worker.start()
    assert started.wait(10)
    with qtbot.waitSignal(worker.cancelled, timeout=10000):
        worker.cancel()
    assert worker.wait(10000)
    assert worker not in running_workers()


def test_generator_items_are_emitted_and_cancel_acts_between_items(qtbot):
    gate = threading.Event()

    def events():
        for i in range(1000):
            yield {"step": i}
            if i == 2:
                gate.wait(10)

    worker = Worker(events, pass_callbacks=False)
    items = []
    worker.item.connect(items.append)
    worker.start()
    qtbot.waitUntil(lambda: len(items) >= 3, timeout=10000)
    with qtbot.waitSignal(worker.cancelled, timeout=10000):
        worker.cancel()
        gate.set()
    assert worker.wait(10000)
    assert items[:3] == [{"step": 0}, {"step": 1}, {"step": 2}]
    assert len(items) < 1000


def test_stop_joins_the_thread_and_calls_on_cancel(qtbot):
    flag = threading.Event()

    def work(progress, cancel):
        while not flag.is_set():
            flag.wait(0.01)
        raise Cancelled()

    worker = Worker(work, on_cancel=flag.set)
    worker.start()
    assert worker.stop(10000)
    assert not worker.isRunning()
    assert flag.is_set()


def test_fixture_catches_a_thread_left_running(qtbot, request):
    """The autouse fixture's check itself: a running worker is seen by the registry."""
    conftest = next(p for p in request.config.pluginmanager.get_plugins()
                    if hasattr(p, "_install_qthread_registry"))
    registry = conftest._install_qthread_registry()
    release = threading.Event()
    worker = Worker(lambda progress, cancel: release.wait(10))
    worker.start()
    try:
        assert any(t is worker for t in registry if conftest._still_running(t))
    finally:
        release.set()
        worker.wait(10000)
    assert not conftest._still_running(worker)


def test_running_workers_skips_a_worker_whose_qt_object_is_deleted(qtbot):
    import shiboken6

    worker = Worker(lambda progress, cancel: 1, name="short")
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.start()
    worker.wait()
    shiboken6.delete(worker)  # what deleteLater does once the panel forgets it; the wrapper lives on
    assert not shiboken6.isValid(worker)
    assert worker not in running_workers()  # no "Internal C++ object already deleted"


def test_user_messages_carry_no_exception_class_names():
    from wavenetlike_gui.workers import user_message
    assert user_message(FileNotFoundError(2, "No such file or directory", "/data/x.wav")) == \
        "/data/x.wav: No such file or directory"
    assert user_message(ValueError("Speech Commands folder /d has no word folders")) == \
        "Speech Commands folder /d has no word folders"
    odd = user_message(ZeroDivisionError("division by zero"))
    assert "ZeroDivisionError" not in odd and "log file" in odd


def test_a_worker_is_made_after_torch_dynamo_is_imported_on_the_gui_thread():
    """torch imports torch._dynamo lazily on an optimizer's first step; a worker thread must not be the one to."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from wavenetlike_gui.workers import Worker\n"
            "assert 'torch._dynamo' not in sys.modules, 'imported before any worker'\n"
            "w = Worker(lambda: 0, pass_callbacks=False)\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_a_worker_imports_through_pythons_own_import_not_shibokens_hook(qtbot, tmp_path, monkeypatch):
    """Shiboken's hook records every module it sees in its feature table; a worker's fresh import must not reach it."""
    import builtins
    import sys

    from wavenetlike_gui.python_import import PYSIDE_HOOKS, restore_pythons_import
    from wavenetlike_gui.workers import Worker

    feature_table = sys.modules["PySide6.support.feature"].pyside_feature_dict
    hook = builtins.__orig_import__ if hasattr(builtins, "__orig_import__") else None
    if hasattr(builtins, "__feature_import__"):
        monkeypatch.setattr(builtins, "__import__", builtins.__feature_import__)  # as a module might put it back
    (tmp_path / "fresh_module_for_the_worker.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def work() -> int:
        import fresh_module_for_the_worker
        return fresh_module_for_the_worker.VALUE

    worker = Worker(work, pass_callbacks=False)
    assert builtins.__import__.__name__ not in PYSIDE_HOOKS and builtins.__import__.__self__ is builtins
    results = []
    worker.result.connect(results.append)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.start()
    assert results == [7]
    assert "fresh_module_for_the_worker" not in feature_table   # shiboken's after-import code never ran
    assert hook is None or builtins.__import__ is not hook
    assert restore_pythons_import()


def test_cyclic_garbage_is_collected_on_the_gui_thread_not_on_a_worker(qtbot):
    """A worker that allocates heavily never runs the cyclic collector; the GUI thread's timer does."""
    import gc

    from wavenetlike_gui.gui_gc import GuiThreadCollection

    collectors: list[int] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            collectors.append(threading.get_ident())

    gc.callbacks.append(note)
    try:
        assert not gc.isenabled()                   # the GUI tests' fixture installs it, as app.main does

        def churn() -> int:
            junk = []
            for i in range(200_000):                # far past generation 0's threshold of allocations
                a: dict = {}
                a["self"] = a                       # cyclic garbage
                junk.append(a) if i % 1000 == 0 else None
            return len(junk)

        worker = Worker(churn, pass_callbacks=False)
        with qtbot.waitSignal(worker.finished, timeout=30000):
            worker.start()
        assert all(ident == threading.main_thread().ident for ident in collectors)
        qtbot.waitUntil(lambda: threading.main_thread().ident in collectors, timeout=5000)
    finally:
        gc.callbacks.remove(note)
    outside = GuiThreadCollection(interval_s=0.05)
    outside.close()
    assert not gc.isenabled()                       # closing one gives back what it found (here: off)
