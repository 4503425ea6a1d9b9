"""Runs in the app, driven like a user: every Start is a new run, Continue never resumes a model that is
not the one on screen, stale steps say so, and an invalid architecture field blocks Start."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def trained(qtbot, window, ui, tmp_path):
    """AR(2) loaded and analysed through the panels, the suggestion taken, the Training step set up small."""
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000):
        ui.load_ar2(qtbot, window, a=0.6, b=-0.3, length=3000, count=4)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    training = window.panel("Training")
    training.runs_edit.setText(str(tmp_path / "runs"))
    ui.set_spin(qtbot, training.window_spin, 64)
    ui.set_spin(qtbot, training.stop_spin, 3)
    ui.set_spin(qtbot, training.val_spin, 3)
    window.go_to(3)
    return training


def _start(qtbot, training) -> None:
    with qtbot.waitSignal(training.run_finished, timeout=60000):
        qtbot.mouseClick(training.start_button, LEFT)


def _answer(monkeypatch, answer) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a, **k: asked.append(text) or answer)
    return asked


def test_four_starts_leave_four_runs_with_four_checkpoints(qtbot, window, trained, tmp_path):
    for _ in range(4):
        _start(qtbot, trained)
    runs = window.project.runs
    assert [r.number for r in runs] == [1, 2, 3, 4]
    checkpoints = {r.checkpoint for r in runs} | {r.best_checkpoint for r in runs}
    assert len(checkpoints) == 8 and all(c is not None and c.is_file() for c in checkpoints)
    assert all(r.folder.parent == tmp_path / "runs" and r.status == "finished" and r.steps == 3 for r in runs)
    # the Runs tab lists them; ticking two overlays their curves on the plots
    assert trained.runs_table.table.rowCount() == 4 and trained.bottom_tabs.tabText(1) == "Runs (4)"
    trained.runs_table.set_ticked(runs[0], True)
    trained.runs_table.set_ticked(runs[2], True)
    counts = trained.overlays.point_counts()
    assert counts == {str(runs[0].folder): (3, 1), str(runs[2].folder): (3, 1)}


def test_continue_after_an_architecture_change_does_not_resume_the_old_model(qtbot, window, trained, ui,
                                                                             monkeypatch):
    _start(qtbot, trained)
    run = window.project.current_run
    steps_before = run.steps
    assert "done" in window.step_state_text(3)
    arch = window.panel("Architecture")
    window.go_to(2)
    old = arch.valid_config.layers_per_block
    ui.set_spin(qtbot, arch.editors["layers_per_block"], old + 1)
    assert window.project.config.layers_per_block == old + 1
    # the later steps say they are stale, and why
    assert "stale" in window.step_state_text(3) and "stale" in window.step_state_text(4)
    assert "layers_per_block" in window.steps.item(3).toolTip()
    window.go_to(3)
    assert trained.message.text().startswith("Stale:") and "layers_per_block" in trained.message.text()
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No)
    qtbot.mouseClick(trained.continue_button, LEFT)
    assert len(asked) == 1 and "architecture differs" in asked[0] and f"layers_per_block {old} → {old + 1}" in asked[0]
    assert not trained.is_training() and run.steps == steps_before  # the old run was not resumed
    assert "cannot be continued" in trained.error_label.text()
    # "Yes": a new run trains the architecture on screen
    _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(trained.run_finished, timeout=60000):
        qtbot.mouseClick(trained.continue_button, LEFT)
    new = window.project.current_run
    assert new.number == run.number + 1 and new.model_config == window.project.config
    assert "done" in window.step_state_text(3)


def test_continue_after_a_dataset_change_does_not_resume_the_old_model(qtbot, window, trained, ui, monkeypatch):
    _start(qtbot, trained)
    run = window.project.current_run
    # same architecture, other data: the suggestion for it would differ, so keep the edited one ("No")
    _answer(monkeypatch, QMessageBox.StandardButton.No)
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000):
        ui.load_ar2(qtbot, window, a=1.2, b=-0.5, length=3000, count=4)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    assert "stale" in window.step_state_text(3)
    assert "dataset differs" in window.steps.item(3).toolTip()
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No)
    window.go_to(3)
    continued = trained.continue_run()
    assert continued is False and len(asked) == 1 and "dataset differs" in asked[0] and "a 0.6 → 1.2" in asked[0]
    assert run.steps == 3 and not trained.is_training()


def test_continue_the_same_run_resumes_it(qtbot, window, trained):
    _start(qtbot, trained)
    run = window.project.current_run
    with qtbot.waitSignal(trained.run_finished, timeout=60000):
        qtbot.mouseClick(trained.continue_button, LEFT)
    assert window.project.current_run.folder == run.folder and run.steps == 6 and len(window.project.runs) == 1


def test_kernel_size_0_blocks_start_with_its_message(qtbot, window, trained, ui):
    arch = window.panel("Architecture")
    window.go_to(2)
    ui.set_spin(qtbot, arch.editors["kernel_size"], 0)
    assert "needs a fix" in window.step_state_text(2)
    assert "kernel_size" in window.steps.item(2).toolTip()
    window.go_to(3)
    assert not trained.start_button.isEnabled()
    assert "kernel_size = 0" in trained.start_button.toolTip()
    assert "Start is blocked" in trained.message.text() and "kernel_size = 0" in trained.message.text()
    assert trained.start() is False and "Fix the architecture first" in trained.error_label.text()
    assert window.project.runs == [] and not trained.is_training()
    # fixed: Start works again
    window.go_to(2)
    ui.set_spin(qtbot, arch.editors["kernel_size"], 2)
    assert "needs a fix" not in window.step_state_text(2)
    window.go_to(3)
    _start(qtbot, trained)
    assert len(window.project.runs) == 1


def test_a_new_dataset_asks_before_replacing_an_edited_architecture(qtbot, window, trained, ui, monkeypatch):
    arch = window.panel("Architecture")
    ui.set_spin(qtbot, arch.editors["residual_channels"], 24)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No)
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000):
        ui.load_ar2(qtbot, window, a=1.2, b=-0.5, length=3000, count=4)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    assert len(asked) == 1 and "Replace the architecture you edited" in asked[0]
    assert window.project.config.residual_channels == 24  # "No" keeps the user's work
