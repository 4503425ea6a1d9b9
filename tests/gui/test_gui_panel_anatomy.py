"""The panels' anatomy (issue 11): one current task that a new one supersedes, the message bar, versioned settings."""
from __future__ import annotations

import json
import threading

from gui2_helpers import temp_settings

from wavenetlike.progress import Cancelled
from wavenetlike_gui.panels.base import StepPanel
from wavenetlike_gui.panels.generate_panel import GeneratePanel
from wavenetlike_gui.project import Project
from wavenetlike_gui.workers import running_workers


def _deliver_queued_signals() -> None:
    """Deliver every signal a finished worker thread queued for the GUI thread (instead of a timed wait)."""
    from PySide6.QtCore import QCoreApplication
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()


def test_a_new_task_supersedes_the_old_and_its_late_result_is_dropped(qtbot, tmp_path):
    panel = StepPanel(Project(), temp_settings(tmp_path))
    qtbot.addWidget(panel)
    release = threading.Event()
    seen: list[str] = []

    def stubborn(progress=None, cancel=None):  # ignores cancel: ends late with a result
        release.wait(10)
        return "old"

    def quick(progress=None, cancel=None):
        if cancel():
            raise Cancelled()
        return "new"

    old = panel.start_task(stubborn, on_done=seen.append, on_finished=lambda: seen.append("old finished"))
    panel.start_task(quick, on_done=seen.append, on_finished=lambda: seen.append("finished"))
    assert old.is_cancel_requested()  # superseded: asked to stop
    qtbot.waitUntil(lambda: "finished" in seen, timeout=10000)
    release.set()
    qtbot.waitUntil(lambda: not panel.is_busy() and not running_workers(), timeout=10000)
    _deliver_queued_signals()  # whatever the superseded thread sent before it ended arrives now, or never
    assert seen == ["new", "finished"] and not panel.task_running


def test_message_bar_words_and_tooltip(qtbot, tmp_path):
    panel = StepPanel(Project(), temp_settings(tmp_path))
    qtbot.addWidget(panel)
    panel.build()
    with qtbot.waitSignal(panel.status_message) as status:
        panel.messages.failure("Could not read the file", KeyError("clip 3"))
    assert panel.error_label.text() == "Could not read the file: clip 3" == panel.error_label.toolTip()
    assert status.args == ["Could not read the file: clip 3"] and "KeyError" not in panel.error_label.text()
    panel.messages.failure("Export failed", ZeroDivisionError("division by zero"))
    assert "unexpected problem" in panel.error_label.text() and "ZeroDivision" not in panel.error_label.text()
    panel.messages.info("Ready.")
    panel.messages.clear_error()
    assert panel.message.text() == "Ready." and not panel.error_label.isVisibleTo(panel)


def test_settings_of_another_version_are_dropped_with_a_note(qtbot, tmp_path):
    settings = temp_settings(tmp_path)
    settings.q.setValue("panels/generate", json.dumps({"seconds": 3.5}))
    settings.set_panel_values_version("generate", GeneratePanel.settings_version + 1)
    panel = GeneratePanel(Project(), settings)
    qtbot.addWidget(panel)
    assert panel.seconds_spin.value() == 2.0  # the default, not the other version's value
    assert "another version" in panel.message.text()
    assert settings.panel_values_version("generate") == GeneratePanel.settings_version


def test_a_part_of_a_panel_runs_its_own_task_beside_the_panels(qtbot, tmp_path):
    """The Speech Commands download row has a task runner of its own: the panel's task (loading a dataset)
    does not supersede it, and the panel still counts and joins its thread."""
    from wavenetlike_gui.panels.dataset_panel import DatasetPanel
    panel = DatasetPanel(Project(), temp_settings(tmp_path))
    qtbot.addWidget(panel)
    gate = threading.Event()
    seen: list[str] = []

    def waits(progress=None, cancel=None):
        while not gate.wait(0.01):
            if cancel():
                raise Cancelled()
        return "downloaded"

    panel.sources.sc_download.tasks.start(waits, on_done=seen.append)
    panel.start_task(lambda progress=None, cancel=None: "loaded", on_done=seen.append)
    qtbot.waitUntil(lambda: "loaded" in seen, timeout=10000)
    assert panel.sources.sc_download.is_running() and panel.is_busy()
    gate.set()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=10000)
    assert seen == ["loaded", "downloaded"]
    panel.shutdown()


def test_shutdown_can_deliver_the_last_words_of_the_current_task_then_nothing_more(qtbot):
    from wavenetlike_gui.tasks import TaskRunner
    runner = TaskRunner()
    seen: list[str] = []
    gate = threading.Event()

    def stubborn(progress=None, cancel=None):  # ends on its own terms
        gate.wait(10)
        return "ended"

    runner.start(stubborn, on_done=seen.append, on_cancelled=lambda: seen.append("cancelled"),
                 on_finished=lambda: seen.append("finished"))
    gate.set()
    assert runner.shutdown(timeout_ms=10000, deliver=True)  # shutdown cancels; its last words still arrive
    assert seen == ["cancelled", "finished"] and not runner.running
    runner.start(lambda progress=None, cancel=None: "late", on_done=seen.append)  # a runner can start again
    qtbot.waitUntil(lambda: not runner.running, timeout=10000)
    second = threading.Event()
    runner.start(lambda progress=None, cancel=None: second.wait(10) and "too late", on_done=seen.append)
    runner.shutdown(timeout_ms=10)   # not delivered: the thread ends later, unheard
    second.set()
    qtbot.waitUntil(lambda: not running_workers(), timeout=10000)
    _deliver_queued_signals()
    assert seen == ["cancelled", "finished", "late"]
