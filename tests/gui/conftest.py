"""Fixtures for the GUI tests: isolated settings, a window, and helpers that drive the app like a user.
"""
from __future__ import annotations

import types
from typing import Any

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    from wavenetlike_gui.settings import Settings
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, settings):
    """The main window without the bundled set loaded (tests pick their own source)."""
    from wavenetlike_gui.main_window import MainWindow
    w = MainWindow(settings=settings, load_bundled=False)
    w.show()
    yield w
    w.project.modified = False  # the test's edits are not a user's unsaved work
    w.close()
    w.shutdown()
    w.deleteLater()


def set_spin(qtbot, spin, value) -> None:
    """Type ``value`` into a spin box as a user would (select all, type, Enter)."""
    from PySide6.QtCore import Qt
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin.lineEdit(), str(value))
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Enter)


def load_ar2(qtbot, window, **values) -> Any:
    """Pick AR(2) in the Dataset panel, type the values, click Load, wait for the dataset."""
    from PySide6.QtCore import Qt
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["ar2"], Qt.MouseButton.LeftButton)
    for name, v in values.items():
        set_spin(qtbot, getattr(panel, f"ar2_{name}"), v)
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


@pytest.fixture
def ui():
    """Helpers that drive the app like a user: ``ui.set_spin``, ``ui.load_ar2``."""
    return types.SimpleNamespace(set_spin=set_spin, load_ar2=load_ar2)
