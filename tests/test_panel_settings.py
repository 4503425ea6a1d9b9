"""Training and Generate panels: values remembered between sessions, bad values refused, tooltips everywhere."""
from __future__ import annotations

import json

import pytest
from gui2_helpers import temp_settings, tiny_config, tiny_dataset
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit

from wavenetlike.train_config import TrainConfig
from wavenetlike_gui.panels.generate_panel import GeneratePanel
from wavenetlike_gui.panels.training_panel import TrainingPanel
from wavenetlike_gui.project import Project


def _project():
    project = Project()
    project.set_dataset(tiny_dataset(count=2, length=800))
    project.set_config(tiny_config())
    return project


def _panel(qtbot, cls, settings):
    panel = cls(_project(), settings)
    qtbot.addWidget(panel)
    return panel


def test_training_values_are_remembered(qtbot, tmp_path):
    settings = temp_settings(tmp_path)
    first = _panel(qtbot, TrainingPanel, settings)
    first.batch_spin.setValue(5)
    first.window_spin.setValue(777)
    first.lr_spin.setValue(0.0025)
    first.stop_combo.setCurrentIndex(first.stop_combo.findData("minutes"))
    first.stop_spin.setValue(12.5)
    first.val_spin.setValue(33)
    first.ckpt_every_spin.setValue(44)
    again = _panel(qtbot, TrainingPanel, temp_settings(tmp_path))  # a new session reads the same file
    s = again.train_config()
    assert (s.batch_size, s.target_length, s.lr, s.max_steps, s.max_seconds) == (5, 777, 0.0025, None, 750.0)
    assert (s.validation_every, s.checkpoint_every) == (33, 44)


def test_generate_values_are_remembered(qtbot, tmp_path):
    first = _panel(qtbot, GeneratePanel, temp_settings(tmp_path))
    first.seconds_spin.setValue(3.25)
    first.temperature_spin.setValue(0.7)
    first.random_seed_check.setChecked(False)
    first.seed_spin.setValue(1234)
    first.stream_check.setChecked(False)
    again = _panel(qtbot, GeneratePanel, temp_settings(tmp_path))
    assert again.seconds_spin.value() == pytest.approx(3.25)
    assert again.temperature_spin.value() == pytest.approx(0.7)
    assert not again.random_seed_check.isChecked() and again.seed_spin.value() == 1234
    assert not again.stream_check.isChecked()


def test_bad_remembered_values_are_refused_with_a_message(qtbot, tmp_path):
    settings = temp_settings(tmp_path)
    settings.q.setValue("panels/training", json.dumps({"batch_size": "lots", "window": -5, "lr": 0.004,
                                                       "device": "tpu:7", "stop_by": "steps",
                                                       "stop_after": 0}))
    settings.q.setValue("panels/generate", "{not json")
    training = _panel(qtbot, TrainingPanel, settings)
    assert (training.batch_spin.value(), training.window_spin.value()) == (
        TrainConfig.quick().batch_size, TrainConfig.quick().target_length)  # defaults kept
    assert training.lr_spin.value() == pytest.approx(0.004)  # the good value is used
    text = training.message.text()
    assert "could not be used" in text and "batch_size='lots'" in text and "window=-5" in text
    assert "device='tpu:7'" in text and "stop_after=0" in text
    assert json.loads(settings.q.value("panels/training"))["batch_size"] == TrainConfig.quick().batch_size  # replaced by what is shown
    generate = _panel(qtbot, GeneratePanel, settings)  # unreadable JSON: defaults, no crash
    assert generate.seconds_spin.value() == pytest.approx(2.0)


def test_bad_runs_folder_is_refused_with_a_message(qtbot, tmp_path):
    panel = _panel(qtbot, TrainingPanel, temp_settings(tmp_path))
    (tmp_path / "file").write_text("a file, not a folder")
    for path, words in ((str(tmp_path / "file"), "is not a folder"),
                        (str(tmp_path / "file" / "runs"), "cannot be created"),
                        ("", "Enter a runs folder")):
        panel.runs_edit.setText(path)
        assert panel.start() is False
        assert words in panel.error_label.text()
        assert not panel.is_training()


@pytest.mark.parametrize("cls", [TrainingPanel, GeneratePanel])
def test_every_control_has_a_tooltip(qtbot, tmp_path, cls):
    panel = _panel(qtbot, cls, temp_settings(tmp_path))
    controls = [w for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit)
                for w in panel.findChildren(kind)
                if not (isinstance(w, QLineEdit) and isinstance(w.parent(), (QAbstractSpinBox, QComboBox)))]
    assert len(controls) > 10
    missing = [w.text() if hasattr(w, "text") else type(w).__name__ for w in controls if not w.toolTip()]
    assert not missing, f"controls without a tooltip: {missing}"


def test_learning_rate_auto_follows_the_model_and_a_typed_value_wins(qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from wavenetlike import Dataset, analyze, suggest
    from wavenetlike.train_config import LINEAR_TERM_LR
    panel = _panel(qtbot, TrainingPanel, temp_settings(tmp_path))
    assert panel.lr_spin.text() == "auto (the model's recipe)" and "quick_for" in panel.lr_spin.toolTip()
    assert panel.train_config().lr == TrainConfig.quick().lr  # the tiny categorical model: quick's rate
    suggested = suggest(analyze(Dataset(None)))  # audio: a linear term with an adaptive scale
    panel.project.set_config(suggested)
    assert panel.train_config().lr == LINEAR_TERM_LR == TrainConfig.quick_for(suggested).lr
    panel.lr_spin.setFocus()
    panel.lr_spin.selectAll()
    qtbot.keyClicks(panel.lr_spin.lineEdit(), "0.004")
    qtbot.keyClick(panel.lr_spin.lineEdit(), Qt.Key.Key_Enter)
    assert panel.train_config().lr == pytest.approx(0.004)  # typed: used as it is, for any model
    panel.lr_spin.selectAll()
    qtbot.keyClicks(panel.lr_spin.lineEdit(), "0")
    qtbot.keyClick(panel.lr_spin.lineEdit(), Qt.Key.Key_Enter)
    assert panel.lr_spin.text() == "auto (the model's recipe)" and panel.train_config().lr == LINEAR_TERM_LR
