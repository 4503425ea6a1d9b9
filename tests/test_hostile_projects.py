"""Hostile project folders (issue 12): every manifest path stays inside the project, only regular
files are opened (a FIFO take never blocks), every type error is a ProjectFileError naming the entry,
and in the app opening one shows one message and pressing Train leaves the outside file unchanged."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from gui2_helpers import running_threads, temp_settings, tiny_config, tiny_dataset  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from hostile_helpers import sha, snapshot, tiny_checkpoint
from wavenetlike_gui.main_window import MainWindow  # noqa: E402
from wavenetlike_gui.panels.generate_panel import GeneratePanel  # noqa: E402
from wavenetlike_gui.panels.training_panel import TrainingPanel  # noqa: E402
from wavenetlike_gui.project import Project  # noqa: E402
from wavenetlike_gui.project_file import (GeneratedClip, ProjectData, ProjectFileError, load_project,  # noqa: E402
                                          save_project)


def _project(tmp_path: Path, **manifest_changes) -> tuple[Path, Path]:
    """A valid saved project (checkpoint, one take) plus an outside folder with a victim checkpoint."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    victim = tiny_checkpoint(outside / "victim.safetensors")
    (outside / "victim.wav").write_bytes(b"RIFF outside take")
    ck = tiny_checkpoint(tmp_path / "ck.safetensors")
    take = GeneratedClip(np.linspace(-0.5, 0.5, 800, dtype=np.float32), 8000, {"seed": 1})
    folder = save_project(tmp_path / "p.wnlproj", ProjectData(config=tiny_config().to_dict(), checkpoint=str(ck),
                                                              training_settings={"checkpoint_path": ""},
                                                              takes=[take]))
    manifest = json.loads((folder / "project.json").read_text())
    for dotted, value in manifest_changes.items():
        node = manifest
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        if isinstance(node, list):
            node[int(keys[-1])] = value
        else:
            node[keys[-1]] = value
    (folder / "project.json").write_text(json.dumps(manifest))
    return folder, victim


@pytest.mark.parametrize("entry, changes", [
    ("checkpoint", {"checkpoint": "../outside/victim.safetensors"}),
    ("checkpoint", {"checkpoint": "{outside}/victim.safetensors"}),
    ("checkpoint", {"checkpoint": "link.safetensors"}),
    ("generated[0].file", {"generated__0__file": "../outside/victim.wav"}),
    ("generated[0].file", {"generated__0__file": "{outside}/victim.wav"}),
    ("generated[0].file", {"generated__0__file": "generated/../../outside/victim.wav"}),
    ("training.settings.checkpoint_path", {"training__settings__checkpoint_path": "../outside/victim.safetensors"}),
    ("training.settings.checkpoint_path", {"training__settings__checkpoint_path": "{outside}/victim.safetensors"}),
    ("training.settings.checkpoint_path", {"training__settings__checkpoint_path": "~/x.safetensors"}),
])
def test_paths_leaving_the_project_are_refused(tmp_path, entry, changes):
    outside = tmp_path / "outside"
    folder, victim = _project(tmp_path, **{k: v.format(outside=outside) for k, v in changes.items()})
    os.symlink(victim, folder / "link.safetensors")
    before = snapshot(outside)
    with pytest.raises(ProjectFileError) as err:
        load_project(folder)
    assert entry in str(err.value) and "project.json" in str(err.value)
    assert any(w in str(err.value) for w in ("absolute", "climbs out", "outside the project"))
    assert snapshot(outside) == before


@pytest.mark.timeout(30)
def test_a_fifo_take_is_refused_without_blocking(tmp_path):
    folder, _ = _project(tmp_path)
    wav = folder / "generated" / "take-01.wav"
    wav.unlink()
    os.mkfifo(wav)
    result: dict = {}

    def load():
        try:
            load_project(folder)
        except ProjectFileError as e:
            result["error"] = str(e)
    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(15)
    if t.is_alive():
        os.close(os.open(wav, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("a FIFO take blocked loading")
    assert "generated[0].file (take-01.wav) is not a regular file" in result["error"]


@pytest.mark.parametrize("changes, entry", [
    ({"version": "1"}, "version"),
    ({"dataset": [1]}, "dataset"),
    ({"dataset__spec": "bundled"}, "dataset.spec"),
    ({"dataset__spec": {"kind": "files", "paths": "/x.wav"}}, "dataset.spec.paths"),
    ({"checkpoint": 5}, "checkpoint"),
    ({"config": {"n_blocks": "two"}}, "config"),
    ({"training": "fast"}, "training"),
    ({"training__settings": [1]}, "training.settings"),
    ({"training__settings__batch_size": "eight"}, "training.settings.batch_size"),
    ({"training__history": {"step": 1}}, "training.history"),
    ({"generated": {"file": "a.wav"}}, "generated"),
    ({"generated__0__file": 7}, "generated[0].file"),
    ({"generated__0__settings": "hot"}, "generated[0].settings"),
    ({"saved_at": 12}, "saved_at"),
])
def test_manifest_type_errors_name_the_entry(tmp_path, changes, entry):
    folder, _ = _project(tmp_path, **changes)
    with pytest.raises(ProjectFileError) as err:
        load_project(folder)
    assert f"project.json: {entry} " in str(err.value)


def test_saved_manifests_hold_only_paths_inside_the_project(tmp_path):
    ck = tiny_checkpoint(tmp_path / "ck.safetensors")
    folder = save_project(tmp_path / "p.wnlproj", ProjectData(
        checkpoint=str(ck), training_settings={"checkpoint_path": str(tmp_path / "elsewhere.safetensors")}))
    manifest = json.loads((folder / "project.json").read_text())
    assert manifest["checkpoint"] == "checkpoint.safetensors"
    assert manifest["training"]["settings"]["checkpoint_path"] == ""
    data = load_project(folder)
    assert data.checkpoint == str(folder / "checkpoint.safetensors")
    assert os.path.realpath(data.checkpoint) != os.path.realpath(ck)    # a copy inside, never the outside file
    os.unlink(folder / "project.json")
    os.symlink(tmp_path / "elsewhere.json", folder / "project.json")
    (tmp_path / "elsewhere.json").write_text(json.dumps({"format": "wavenetlike-project", "version": 1}))
    with pytest.raises(ProjectFileError, match="project.json.*outside the project"):
        load_project(folder)


# ------------------------------------------------------------------------------ the app
@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert not running_threads(), f"threads left running: {running_threads()}"


def test_app_shows_one_message_and_train_leaves_the_outside_file_alone(qtbot, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    folder, victim = _project(tmp_path, training__settings__checkpoint_path="../outside/victim.safetensors")
    victim_hash = sha(victim)
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: messages.append(text))
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.No)

    project = Project()
    project.set_dataset(tiny_dataset(), {"kind": "ar2"})
    project.set_config(tiny_config())
    w = MainWindow(project, temp_settings(tmp_path), step_classes=[TrainingPanel, GeneratePanel], load_bundled=False)
    qtbot.addWidget(w)
    w.show()
    training = w.panel("Training")
    default_runs = training.runs_edit.text()
    with qtbot.waitSignal(w.project_actions.open_failed, timeout=10000):
        assert not w.project_actions.open(folder)
    assert len(messages) == 1
    assert "training.settings.checkpoint_path" in messages[0] and "climbs out of the project folder" in messages[0]
    assert training.runs_edit.text() == default_runs      # the hostile path never reached the form

    # Pressing Start writes into a new run folder in the form's runs folder, not the outside file.
    training.runs_edit.setText(str(tmp_path / "runs"))
    training.window_spin.setValue(64)
    training.stop_spin.setValue(2)
    with qtbot.waitSignal(training.run_finished, timeout=60000):
        qtbot.mouseClick(training.start_button, Qt.MouseButton.LeftButton)
    assert sha(victim) == victim_hash and project.current_run.checkpoint.is_file()

    # Even pointed at the outside file's own folder, a run writes only into a new run folder of its own.
    training.runs_edit.setText(str(victim.parent))
    with qtbot.waitSignal(training.run_finished, timeout=60000):
        qtbot.mouseClick(training.start_button, Qt.MouseButton.LeftButton)
    assert project.current_run.folder.parent == victim.parent and project.current_run.checkpoint.is_file()
    assert not asked and sha(victim) == victim_hash and outside.is_dir()
    project.modified = False
    w.close()


@pytest.mark.parametrize("changes, entry", [({"config": {"n_blocks": "two"}}, "config"),
                                            ({"training__settings__lr": "fast"}, "training.settings.lr"),
                                            ({"generated": {"file": "a.wav"}}, "generated")])
def test_app_open_of_a_mistyped_manifest_shows_one_message(qtbot, tmp_path, monkeypatch, changes, entry):
    folder, _ = _project(tmp_path, **changes)
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: messages.append(text))
    w = MainWindow(Project(), temp_settings(tmp_path), step_classes=[TrainingPanel], load_bundled=False)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.project_actions.open_failed, timeout=10000):
        assert not w.project_actions.open(folder)
    assert len(messages) == 1 and f"project.json: {entry} " in messages[0]
    assert w.project.config is None and w.project_actions.path is None
    w.close()


@pytest.mark.timeout(60)
def test_training_panel_refuses_a_fifo_as_runs_folder(qtbot, tmp_path):
    project = Project()
    project.set_dataset(tiny_dataset(), {"kind": "ar2"})
    project.set_config(tiny_config())
    w = MainWindow(project, temp_settings(tmp_path), step_classes=[TrainingPanel], load_bundled=False)
    qtbot.addWidget(w)
    training = w.panel("Training")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    training.runs_edit.setText(str(fifo))
    qtbot.mouseClick(training.start_button, Qt.MouseButton.LeftButton)
    assert not training.is_training()
    assert "is not a folder" in training.error_label.text()
    project.modified = False
    w.close()
