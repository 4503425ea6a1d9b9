"""Project files: save a trained project with takes, reopen it in a fresh window, everything is back."""
from __future__ import annotations

import json

import numpy as np
import pytest
from gui2_helpers import ar2_spec, running_threads, temp_settings, tiny_config  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from wavenetlike_gui.main_window import MainWindow  # noqa: E402
from wavenetlike_gui.panels.generate_panel import GeneratePanel  # noqa: E402
from wavenetlike_gui.panels.training_panel import TrainingPanel  # noqa: E402
from wavenetlike_gui.project import Project  # noqa: E402
from wavenetlike_gui.project_file import (GeneratedClip, ProjectData, ProjectFileError, load_project,  # noqa: E402
                                          save_project, spec_from_reference)
from wavenetlike_gui.sources import load_dataset  # noqa: E402


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert not running_threads(), f"threads left running: {running_threads()}"


def _window(qtbot, tmp_path, project=None):
    w = MainWindow(project or Project(), temp_settings(tmp_path), step_classes=[TrainingPanel, GeneratePanel],
                   load_bundled=False)
    qtbot.addWidget(w)
    return w


def test_save_and_reopen_restores_everything(qtbot, tmp_path, monkeypatch):
    project = Project()
    spec = ar2_spec()
    dataset = load_dataset(spec)
    project.set_dataset(dataset, spec)
    report = None
    try:
        from wavenetlike.analysis.dataset_report import analyze_dataset
        report = analyze_dataset(dataset, max_lag=64)
        project.set_report(report)
    except ImportError:
        pass
    project.set_config(tiny_config())
    w = _window(qtbot, tmp_path, project)
    training, generate = w.panel("Training"), w.panel("Generate")
    training.runs_edit.setText(str(tmp_path / "runs"))
    training.window_spin.setValue(128)
    training.stop_spin.setValue(8)
    training.val_spin.setValue(4)
    with qtbot.waitSignal(training.run_finished, timeout=30000):
        training.start()
    generate.seconds_spin.setValue(0.2)
    generate.stream_check.setChecked(False)
    for _ in range(2):
        with qtbot.waitSignal(generate.generation_finished, timeout=60000):
            generate.generate()
    assert project.modified

    folder = tmp_path / "mine.wnlproj"
    with qtbot.waitSignal(w.project_actions.saved):
        assert w.project_actions.save_to(folder)
    assert not project.modified
    manifest = json.loads((folder / "project.json").read_text())
    assert manifest["format"] == "wavenetlike-project" and manifest["checkpoint"] == "checkpoint.safetensors"
    assert len(manifest["generated"]) == 2 and (folder / "generated" / "take-02.wav").is_file()
    assert manifest["dataset"]["reference"]["kind"] == "ar2"
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pt"))

    # A fresh window opens it: dataset, report, config, model, checkpoint, history, takes, settings.
    w2 = _window(qtbot, tmp_path / "second")
    with qtbot.waitSignal(w2.project_actions.opened, timeout=30000):
        assert w2.project_actions.open(folder)
    p2 = w2.project
    assert p2.config == project.config
    assert p2.checkpoint == str(folder / "checkpoint.safetensors")
    assert [r.folder for r in p2.runs] == [r.folder for r in project.runs]  # the session's runs listed again
    assert p2.current_run is not None and p2.current_run.folder == project.current_run.folder
    assert p2.model is not None and p2.model.config == project.config
    assert p2.dataset_spec == spec and len(p2.dataset.clips) == len(dataset.clips)
    np.testing.assert_array_equal(p2.dataset.clips[0].audio, dataset.clips[0].audio)
    if report is not None:
        assert p2.report is not None and p2.report.n_clips == report.n_clips
    t2, g2 = w2.panel("Training"), w2.panel("Generate")
    assert t2.history == training.history
    assert t2.curve_point_counts()["train_loss"] == 8 and t2.curve_point_counts()["val_loss"] >= 2
    assert t2.window_spin.value() == 128
    assert [len(t.audio) for t in g2.takes] == [1600, 1600]
    np.testing.assert_array_equal(g2.takes[1].audio, generate.takes[1].audio)
    assert g2.takes[1].settings["seed"] == generate.takes[1].settings["seed"]
    assert g2.waveform_point_count() == 1600
    assert not p2.modified
    assert w2.project_actions.recent()[0] == str(folder)

    # The reopened model generates, and closing the unmodified project asks nothing.
    with qtbot.waitSignal(g2.generation_finished, timeout=60000):
        g2.generate()
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail("asked although nothing to ask"))
    p2.modified = False
    assert w2.close()
    w.project.modified = False
    w.close()


def test_close_with_unsaved_changes_asks(qtbot, tmp_path, monkeypatch):
    project = Project()
    project.set_config(tiny_config())
    w = _window(qtbot, tmp_path, project)
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard])
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: next(answers))
    assert not w.close()
    assert w.close()
    project.modified = False   # discarded: qtbot's own close at teardown must not ask again


def test_save_replaces_atomically_and_bad_folders_are_refused(tmp_path):
    take = GeneratedClip(np.linspace(-1, 1, 100, dtype=np.float32), 8000, {"seed": 1})
    folder = save_project(tmp_path / "p.wnlproj", ProjectData(config={"n_blocks": 1}, takes=[take]))
    save_project(folder, ProjectData(config={"n_blocks": 2}))
    data = load_project(folder)
    assert data.config == {"n_blocks": 2} and data.takes == []
    assert not (folder / "generated").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["p.wnlproj"]     # no temporary folders left behind
    with pytest.raises(ProjectFileError, match="no project.json"):
        load_project(tmp_path)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("mine")
    with pytest.raises(ProjectFileError, match="not a wavenetlike project"):
        save_project(tmp_path / "other", ProjectData())
    assert (tmp_path / "other" / "keep.txt").read_text() == "mine"
    with pytest.raises(ProjectFileError, match="does not exist"):
        save_project(tmp_path / "q.wnlproj", ProjectData(checkpoint=str(tmp_path / "missing.safetensors")))
    from wavenetlike import DatasetSpec
    assert spec_from_reference({"kind": "ar2", "ar2": {"a": 0.5}}) == DatasetSpec.ar2(a=0.5).to_dict()
    assert spec_from_reference({"kind": "folder", "path": "/x", "sample_rate": 8000}) == {
        "kind": "files", "paths": ["/x"], "sample_rate": 8000, "labels_from_folders": False}
    assert spec_from_reference({"kind": "folder", "path": "/x", "sample_rate": 8000,
                                "options": {"labels_from_folders": True}})["labels_from_folders"] is True


def test_an_older_projects_training_settings_that_fit_are_used_the_others_ignored_with_a_note(qtbot, tmp_path):
    """An app version before TrainConfig saved its own settings: what still fits TrainConfig is shown in the form,
    the steps-or-minutes choice is mapped, and a key this version does not know is named in a note."""
    from wavenetlike_gui.widgets.message_bar import Level
    older = {"batch_size": 6, "target_length": 200, "stop_by": "minutes", "max_steps": 1000, "max_minutes": 2.5,
             "checkpoint_path": "", "threads": 0, "validation_batches": 4, "turbo": True}
    folder = save_project(tmp_path / "old.wnlproj", ProjectData(config=tiny_config().to_dict(),
                                                                training_settings=older))
    w = _window(qtbot, tmp_path)
    with qtbot.waitSignal(w.project_actions.opened, timeout=30000):
        assert w.project_actions.open(folder)
    training = w.panel("Training")
    config = training.train_config()
    assert training.batch_spin.value() == 6 and training.window_spin.value() == 200 and config.batch_size == 6
    assert training.stop_combo.currentData() == "minutes" and config.max_seconds == pytest.approx(150.0)
    assert training.messages.level is Level.WARNING
    assert "turbo" in training.message.text() and "batch_size" not in training.message.text()
    w.project.modified = False
