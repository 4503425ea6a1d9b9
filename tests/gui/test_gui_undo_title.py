"""Undo / redo (Edit menu, Ctrl+Z / Ctrl+Shift+Z) and the window title's project name and unsaved marker."""
from __future__ import annotations

from PySide6.QtCore import Qt


def _analysed(qtbot, window, ui, **ar2):
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000):
        ui.load_ar2(qtbot, window, **ar2)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)


def _press(qtbot, window, key_text: str) -> None:
    """Press a shortcut with the focus on the step list, as a user leaving a field would."""
    from PySide6.QtGui import QKeySequence
    window.steps.setFocus()
    seq = QKeySequence(key_text)[0]
    qtbot.keyClick(window.steps, seq.key(), seq.keyboardModifiers())


def test_undo_restores_an_architecture_field_and_redo_reapplies_it(qtbot, window, ui):
    _analysed(qtbot, window, ui, a=1.6, b=-0.7, length=4000, count=3)
    arch = window.panel("Architecture")
    window.go_to(2)
    before = arch.editors["layers_per_block"].value()
    after = before - 1 if before > 1 else before + 1  # a one-layer suggestion (AR data) can only grow
    ui.set_spin(qtbot, arch.editors["layers_per_block"], after)
    assert window.project.config.layers_per_block == after
    assert window.undo_action.isEnabled() and "Architecture" in window.undo_action.text()

    _press(qtbot, window, "Ctrl+Z")
    assert arch.editors["layers_per_block"].value() == before
    assert window.project.config.layers_per_block == before
    _press(qtbot, window, "Ctrl+Shift+Z")
    assert arch.editors["layers_per_block"].value() == after
    assert window.project.config.layers_per_block == after

    # the Edit menu's items do the same
    assert window.edit_menu.actions()[0] is window.undo_action
    window.undo_action.trigger()
    assert arch.editors["layers_per_block"].value() == before


def test_undo_a_use_and_a_dataset_switch(qtbot, window, ui):
    _analysed(qtbot, window, ui, a=1.6, b=-0.7, length=4000, count=3)
    arch = window.panel("Architecture")
    first_dataset, first_config = window.project.dataset, window.project.config

    index = arch.preset_combo.findText("WaveNet (published)")
    if index < 0:
        index = arch.preset_combo.count() - 1
    arch.preset_combo.setCurrentIndex(index)
    qtbot.mouseClick(arch.apply_button, Qt.MouseButton.LeftButton)
    used = window.project.config
    assert used != first_config
    _press(qtbot, window, "Ctrl+Z")
    assert window.project.config == first_config
    _press(qtbot, window, "Ctrl+Shift+Z")
    assert window.project.config == used
    _press(qtbot, window, "Ctrl+Z")

    _analysed(qtbot, window, ui, a=0.5, b=0.2, length=3000, count=2)
    assert window.project.dataset is not first_dataset
    _press(qtbot, window, "Ctrl+Z")  # one step back: the old data, its analysis and its architecture
    assert window.project.dataset is first_dataset
    assert window.project.report is not None and not window.panel("Analysis").is_busy()
    assert window.project.config == first_config
    assert window.dataset_panel.clip_model.rowCount() == 3
    assert window.dataset_panel.ar2_a.value() == 1.6 and window.dataset_panel.ar2_b.value() == -0.7
    _press(qtbot, window, "Ctrl+Shift+Z")  # and forward again
    assert window.dataset_panel.ar2_a.value() == 0.5 and window.dataset_panel.clip_model.rowCount() == 2


def test_title_names_the_project_and_marks_unsaved_changes(qtbot, window, ui, tmp_path):
    assert window.windowTitle() == "Untitled project[*] — wavenetlike"
    _analysed(qtbot, window, ui, a=1.6, b=-0.7, length=4000, count=3)
    assert not window.isWindowModified()  # a loaded dataset and the app's own suggestion: nothing to lose
    ui.set_spin(qtbot, window.panel("Architecture").editors["layers_per_block"], 4)
    assert window.isWindowModified()
    assert window.project_actions.save_to(tmp_path / "speech-toy.wnlproj")
    assert window.windowTitle() == "speech-toy[*] — wavenetlike"
    assert not window.isWindowModified()
    ui.set_spin(qtbot, window.panel("Architecture").editors["layers_per_block"], 3)
    assert window.isWindowModified()


def test_a_new_take_marks_the_title(qtbot, window):
    import numpy as np

    from wavenetlike_gui.project_file import GeneratedClip
    window.project.modified = True
    assert not window.isWindowModified()
    generate = window.panel("Generate")
    generate.add_take(GeneratedClip(audio=np.zeros(100, np.float32), sample_rate=8000, settings={}))
    assert window.isWindowModified()
