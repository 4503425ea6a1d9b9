"""End to end through all five steps on AR(2), like a user: load, analyse, accept the suggestion,
train a few steps, generate, export a WAV, save the project and reopen it.

Every piece is real: the library's analysis, suggestion, training and
generation behind the five panels.
"""
from __future__ import annotations

import numpy as np



def test_five_steps_on_ar2(qtbot, tmp_path):
    import soundfile as sf
    from gui2_helpers import ar2_spec, running_threads, temp_settings

    from wavenetlike_gui.main_window import MainWindow

    window = MainWindow(settings=temp_settings(tmp_path), load_bundled=False)
    qtbot.addWidget(window)
    project = window.project
    titles = [p.title for p in window.panels]
    assert titles == ["Dataset", "Analysis", "Architecture", "Training", "Generate"]
    dataset_panel, analysis, architecture, training, generate = window.panels

    # 1. Load AR(2).
    with qtbot.waitSignal(project.dataset_changed, timeout=30000):
        dataset_panel.load_spec(ar2_spec())
    assert project.dataset is not None and len(project.dataset.clips) == 6

    # 2. Analyse (the panel may start on its own when the dataset arrives).
    if project.report is None and not analysis.is_busy():
        analysis.run_analysis()
    qtbot.waitUntil(lambda: project.report is not None, timeout=60000)
    assert project.report.n_clips == 6 and project.report.correlation_length >= 1

    # 3. Accept the suggested architecture.
    qtbot.waitUntil(lambda: architecture.suggestion is not None, timeout=30000)
    window.go_to(2)
    architecture.apply_choice("Suggested for this dataset")
    config = project.config
    assert config is not None and config.receptive_field == architecture.suggestion.receptive_field

    # 4. Train a few steps.
    training.runs_edit.setText(str(tmp_path / "runs"))
    training.window_spin.setValue(64)
    training.batch_spin.setValue(4)
    training.stop_spin.setValue(6)
    training.val_spin.setValue(3)
    window.go_to(3)
    with qtbot.waitSignal(training.run_finished, timeout=60000):
        qtbot.mouseClick(training.start_button, _left())
    run = project.current_run
    assert run.checkpoint.is_file() and run.folder.parent == tmp_path / "runs" and run.status == "finished"
    assert training.curve_point_counts()["train_loss"] == 6
    assert "done" in window.step_state_text(3)

    # 5. Generate, export.
    window.go_to(4)
    generate.stream_check.setChecked(False)
    generate.seconds_spin.setValue(0.1)
    with qtbot.waitSignal(generate.generation_finished, timeout=60000) as blocker:
        qtbot.mouseClick(generate.generate_button, _left())
    take = blocker.args[0]
    n = int(round(0.1 * config.sample_rate))
    assert len(take.audio) == n and np.isfinite(take.audio).all()
    # AR(2): the Statistics tab puts the (a, b) fitted on the take beside the truth
    fit = generate.stats_table.cell_text("AR(2) fit a, b", 1)
    assert fit.endswith("(truth)") and generate.stats_table.cell_text("AR(2) fit a, b", 0).count(",") == 1
    assert generate.export_wav(tmp_path / "e2e.wav")
    assert sf.info(str(tmp_path / "e2e.wav")).frames == n

    # Save and reopen.
    folder = tmp_path / "e2e.wnlproj"
    assert window.project_actions.save_to(folder)
    window2 = MainWindow(settings=temp_settings(tmp_path / "2"), load_bundled=False)
    qtbot.addWidget(window2)
    with qtbot.waitSignal(window2.project_actions.opened, timeout=60000):
        window2.project_actions.open(folder)
    assert not window2.panel("Analysis").is_busy()  # the saved analysis is used, not redone
    qtbot.waitUntil(lambda: not any(p.is_busy() for p in window2.panels), timeout=60000)
    assert window2.project.config == config
    assert window2.panel("Architecture").valid_config == config  # the editors show the saved shape
    assert window2.project.report.to_dict() == project.report.to_dict()
    assert window2.panel("Training").history == training.history
    assert len(window2.panel("Generate").takes) == 1
    for w in (window, window2):
        w.project.modified = False
        w.close()
    assert not running_threads()


def _left():
    from PySide6.QtCore import Qt
    return Qt.MouseButton.LeftButton
