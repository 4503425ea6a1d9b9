"""Training panel display: EMA smoothing, loss unit, no accuracy plot for continuous models,
'Stop after' keeps each unit's value, 'done' only when the run finished."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui2_helpers import running_threads, temp_settings, tiny_config, tiny_dataset  # noqa: E402

from wavenetlike_gui.panels.base import StepState  # noqa: E402
from wavenetlike_gui.panels.training_panel import TrainingPanel  # noqa: E402
from wavenetlike_gui.project import Project  # noqa: E402
from wavenetlike_gui.widgets.smoothing import ema_smooth  # noqa: E402


@pytest.fixture
def panel(qtbot, tmp_path):
    project = Project()
    project.set_dataset(tiny_dataset())
    project.set_config(tiny_config())
    p = TrainingPanel(project, temp_settings(tmp_path))
    qtbot.addWidget(p)
    p.runs_edit.setText(str(tmp_path / "runs"))
    p.window_spin.setValue(128)
    p.batch_spin.setValue(4)
    p.show()
    yield p
    p.shutdown()
    assert not running_threads()


def test_ema_matches_tensorboard():
    x = np.array([1.0, 2.0, 3.0, np.nan, 4.0])
    w = 0.6
    s, out = 0.0, []
    n = 0
    for v in x:  # TensorBoard's scalar smoothing, written out
        if np.isfinite(v):
            s = w * s + (1 - w) * v
            n += 1
        out.append(s / (1 - w ** n))
    np.testing.assert_allclose(ema_smooth(x, w), out)
    np.testing.assert_array_equal(ema_smooth(x[:3], 0.0), x[:3])
    assert ema_smooth(np.array([5.0]), 0.9)[0] == pytest.approx(5.0)  # debiased: no pull towards 0


def test_run_curves_are_smoothed_and_stop_early_is_not_done(qtbot, panel):
    assert panel.loss_plot.getAxis("left").labelText == "nats/sample"
    assert panel.acc_plot.isVisible()
    panel.stop_spin.setValue(1000)
    panel.val_spin.setValue(0)
    panel.ckpt_every_spin.setValue(0)
    with qtbot.waitSignal(panel.run_started):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_event is not None and panel.last_event.step >= 23, timeout=30000)
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert panel.last_event.step < 1000
    assert panel.state() is StepState.STOPPED

    raw = np.asarray(panel.loss_curves.ty)
    panel.smoothing.slider.setValue(90)
    np.testing.assert_allclose(panel.loss_curves.train.yData, ema_smooth(raw, 0.9))
    np.testing.assert_allclose(panel.loss_curves.raw.yData, raw)
    assert panel.loss_curves.raw.isVisible()
    assert np.std(np.diff(panel.loss_curves.train.yData)) < np.std(np.diff(raw))
    panel.smoothing.slider.setValue(0)
    np.testing.assert_allclose(panel.loss_curves.train.yData, raw)

    # a short run to its end is "done"
    panel.stop_spin.setValue(3)
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.state() is StepState.DONE


def test_continuous_model_has_no_accuracy_plot(qtbot, panel):
    panel.project.set_config(tiny_config(continuous=True))
    assert not panel.acc_plot.isVisible()
    assert not panel.readouts["accuracy"].isVisible()
    assert panel.loss_plot.getAxis("left").labelText == "nats/sample, 16-bit"
    panel.project.set_config(tiny_config())
    assert panel.acc_plot.isVisible()


def test_stop_after_keeps_its_value_per_unit(qtbot, panel):
    from gui.conftest import set_spin
    set_spin(qtbot, panel.stop_spin, 250)
    panel.stop_combo.setCurrentIndex(panel.stop_combo.findData("minutes"))
    assert panel.stop_spin.value() == pytest.approx(5.0)
    set_spin(qtbot, panel.stop_spin, "2.5")
    panel.stop_combo.setCurrentIndex(panel.stop_combo.findData("steps"))
    assert panel.stop_spin.value() == 250
    panel.stop_combo.setCurrentIndex(panel.stop_combo.findData("minutes"))
    assert panel.stop_spin.value() == pytest.approx(2.5)
    assert panel.train_config().max_seconds == pytest.approx(150.0) and panel.train_config().max_steps is None
