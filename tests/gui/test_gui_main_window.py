"""The main window: steps and their states, navigation, menus, settings, logging, error dialog."""
from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from wavenetlike_gui.main_window import MainWindow
from wavenetlike_gui.settings import SETTINGS_VERSION, Settings


def test_five_steps_with_states(window):
    titles = [p.title for p in window.panels]
    assert titles == ["Dataset", "Analysis", "Architecture", "Training", "Generate"]
    assert "ready" in window.step_state_text(0)
    assert "needs previous step" in window.step_state_text(1)
    assert "needs previous step" in window.step_state_text(4)


def test_next_button_and_shortcut_move_between_steps(qtbot, window):
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.panels[1]
    assert window.next_button.text() == "Next: Architecture →"
    window.go_menu.actions()[2].trigger()  # Ctrl+3
    assert window.stack.currentWidget().title == "Architecture"
    assert window.go_menu.actions()[2].shortcut().toString() == "Ctrl+3"


def test_loading_marks_steps_and_is_remembered(qtbot, window, settings, ui):
    ui.load_ar2(qtbot, window, count=2, length=3000)
    assert "done" in window.step_state_text(0)
    assert "2 clips" in window.dataset_label.text()
    recent = settings.recent_datasets()
    assert recent[0]["kind"] == "ar2" and recent[0]["count"] == 2
    window.recent_menu.aboutToShow.emit()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts[0].startswith("AR(2) a=0.6 b=-0.3")


def test_bundled_set_missing_says_so_clearly(qtbot, settings, monkeypatch):
    import wavenetlike_gui.panels.dataset_panel as dp

    def missing(spec, progress=None, cancel=None):
        raise FileNotFoundError("resources/sample_speech does not exist")

    monkeypatch.setattr(dp, "load_dataset", missing)
    w = MainWindow(settings=settings, load_bundled=False)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.dataset_panel.load_failed, timeout=10000) as blocker:
        w.dataset_panel.load_bundled()
    text = blocker.args[0]
    assert text.startswith("The bundled sample set could not be loaded: resources/sample_speech does not exist")
    assert "AR(2)" in text
    assert w.dataset_panel.error_label.text() == text  # the message bar's error line
    qtbot.waitUntil(lambda: not w.dataset_panel.is_busy())
    assert "ready" in w.step_state_text(0)


def test_opens_on_the_bundled_set(qtbot, settings):
    w = MainWindow(settings=settings)  # loads the bundled set by itself
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.dataset_panel.loaded, timeout=60000):
        pass
    assert w.project.dataset is not None and len(w.project.dataset.clips) > 0
    assert w.dataset_panel.clip_model.rowCount() == len(w.project.dataset.clips)
    w.shutdown()


def test_settings_version_and_geometry(tmp_path, qtbot):
    path = str(tmp_path / "s.ini")
    q = QSettings(path, QSettings.Format.IniFormat)
    q.setValue("settings_version", SETTINGS_VERSION + 99)
    q.setValue("recent/datasets", '[{"kind": "bundled"}]')
    q.sync()
    s = Settings(QSettings(path, QSettings.Format.IniFormat))
    assert s.recent_datasets() == []  # an unknown version is dropped, not misread
    w = MainWindow(settings=s, load_bundled=False)
    qtbot.addWidget(w)
    w.resize(720, 530)
    w.close()
    s2 = Settings(QSettings(path, QSettings.Format.IniFormat))
    assert s2.geometry() is not None
    w2 = MainWindow(settings=s2, load_bundled=False)
    qtbot.addWidget(w2)
    assert (w2.width(), w2.height()) == (720, 530)


def test_uncaught_exception_shows_one_readable_dialog(qtbot, monkeypatch):
    from wavenetlike_gui.app import ErrorReporter
    shown = []
    reporter = ErrorReporter()

    def fake_exec(box):
        shown.append((box.text(), box.informativeText()))
        # a second error while the dialog is open is logged, not shown
        try:
            raise RuntimeError("second")
        except RuntimeError:
            reporter(*sys.exc_info())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    try:
        raise ValueError("the field n_blocks is broken")
    except ValueError:
        reporter(*sys.exc_info())
    assert len(shown) == 1
    assert shown[0][1] == "ValueError: the field n_blocks is broken"
    assert "unexpected error" in shown[0][0]


def test_log_goes_to_a_file(tmp_path):
    from wavenetlike_gui.app import setup_logging
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = setup_logging(tmp_path / "logs" / "gui.log")
        logging.getLogger("wavenetlike_gui.test").info("hello from the test")
        for h in root.handlers:
            h.flush()
        assert "hello from the test" in path.read_text()
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
