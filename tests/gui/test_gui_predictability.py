"""The Analysis step plots the predictability curve (log-x) with the context needed and the threshold."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def pulse_report(qtbot, window, tmp_path):
    """Noise plus a pulse every 300 samples, as WAV files added in the Dataset panel and analysed."""
    import soundfile as sf
    rng = np.random.default_rng(0)
    for i in range(6):
        x = 0.05 * rng.standard_normal(6000)
        x[int(rng.integers(300))::300] += 0.8
        sf.write(tmp_path / f"pulses{i}.wav", x.astype(np.float32), 16000, subtype="FLOAT")
    panel = window.dataset_panel
    panel.add_paths([str(tmp_path)])
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000) as blocker:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    return blocker.args[0]


def test_curve_plotted_log_x_with_context_needed_and_threshold(qtbot, window, pulse_report):
    report = pulse_report
    curve = report.predictability
    assert curve is not None and 280 <= curve.context_needed <= 320
    panel = window.panel("Analysis")
    plot = panel.predictability
    assert plot.plot.getPlotItem().getAxis("bottom").logMode           # log-x
    np.testing.assert_allclose(plot.best_curve.xData, curve.contexts)
    np.testing.assert_allclose(plot.best_curve.getData()[0], np.log10(curve.contexts))  # drawn on log axes
    np.testing.assert_allclose(plot.best_curve.yData, curve.bits)
    assert plot.needed_line.isVisible()
    assert 10 ** plot.needed_line.value() == pytest.approx(curve.context_needed)
    assert plot.needed_label_text == f"L = {curve.context_needed} ({curve.context_needed_ms:.1f} ms)"
    assert plot.needed_line.label.toPlainText() == plot.needed_label_text
    assert plot.threshold_line.isVisible()
    assert plot.threshold_line.value() == pytest.approx(min(curve.bits) + 0.02)
    assert len(plot.pitch_curve.xData) > 0                               # the pitch predictor is drawn too
    assert f"Context needed: {curve.context_needed} samples" in panel.predictability_caption.text()
    assert "pitch predictor" in panel.predictability_caption.text()
    figures = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(panel.table.rowCount())}
    assert figures["Context needed"] == f"{curve.context_needed} samples = {curve.context_needed_ms:.2f} ms"
    # the suggestion on the next step takes its Δ from it, and says so
    arch = window.panel("Architecture")
    assert arch.suggestion.receptive_field >= curve.context_needed
    assert "predictability curve" in arch.suggestion.rationale
    assert math.isfinite(plot.plot.getPlotItem().viewRange()[0][1])


def test_curve_cleared_when_a_new_dataset_loads(qtbot, window, pulse_report, ui):
    panel = window.panel("Analysis")
    with qtbot.waitSignal(panel.analysed, timeout=60000) as blocker:
        ui.load_ar2(qtbot, window, a=1.6, b=-0.7, length=4000, count=3)
    curve = blocker.args[0].predictability
    assert 2 <= curve.context_needed <= 3
    assert 10 ** panel.predictability.needed_line.value() == pytest.approx(curve.context_needed)
    np.testing.assert_allclose(panel.predictability.best_curve.yData, curve.bits)
