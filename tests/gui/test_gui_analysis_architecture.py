"""Analysis and Architecture panels driven like a user, checked against the library's own figures."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

from wavenetlike import ModelConfig, WavenetConstants, analyze, build_wavenetlike
from wavenetlike.analysis.model_report import model_report
from wavenetlike_gui.panels.architecture_panel import FIELD_HELP, PRESET_TITLES


@pytest.fixture
def analysed(qtbot, window, ui):
    """An AR(2) dataset loaded through the Dataset panel and analysed by the Analysis panel."""
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000) as blocker:
        ui.load_ar2(qtbot, window, a=1.6, b=-0.7, length=4000, count=3)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    return blocker.args[0]


def test_analysis_shows_acf_with_correlation_length(qtbot, window, analysed):
    report = analysed
    panel = window.panel("Analysis")
    assert window.project.report is report
    np.testing.assert_allclose(panel.acf.curve.yData, report.acf)
    assert panel.acf.corr_line.isVisible()
    assert panel.acf.corr_line.value() == report.correlation_length
    assert panel.acf.corr_label_text == (f"correlation length {report.correlation_length} samples = "
                                         f"{report.correlation_length_ms:.2f} ms")
    figures = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(panel.table.rowCount())}
    assert figures["Clips"] == "3"
    assert figures["Correlation length"] == (f"{report.correlation_length} samples = "
                                             f"{report.correlation_length_ms:.2f} ms")
    assert int(panel.hist_bars.opts["height"].sum()) == 3
    assert panel.spec_curve.xData is not None and len(panel.spec_curve.xData) == len(report.spectrum_freqs)
    shown = [panel.issues.item(i).text() for i in range(panel.issues.count())]
    assert shown[: len(report.warnings)] == ["⚠ " + w for w in report.warnings]
    assert "done" in window.step_state_text(1)


def test_ar2_suggestion_delta_matches_built_model(qtbot, window, analysed):
    arch = window.panel("Architecture")
    config = window.project.config
    assert arch.preset_combo.currentText() == "Suggested for this dataset"
    assert config == arch.suggestion
    assert arch.rationale.text() == arch.suggestion.rationale
    built = analyze(build_wavenetlike(config)).receptive_field
    assert arch.readouts["delta"].value() == f"{built:,}"
    rep = model_report(config, sample_rate=window.project.sample_rate)
    assert arch.readouts["parameters"].value() == f"{rep.parameters:,}"
    assert arch.readouts["depth"].value() == str(rep.depth)
    assert arch.acf.delta_line.value() == built
    for alt in getattr(arch.suggestion, "alternatives", {}) or {}:
        assert f"Suggestion, {alt} alternative" in arch.choices


def test_layers_per_block_10_to_9_changes_delta(qtbot, window, ui):
    arch = window.panel("Architecture")
    arch.apply_choice(PRESET_TITLES["wavenet"])
    rate = arch.valid_config.sample_rate
    ten = model_report(WavenetConstants(sample_rate=rate), sample_rate=rate)
    assert arch.readouts["delta"].value() == f"{ten.receptive_field:,}"
    ui.set_spin(qtbot, arch.editors["layers_per_block"], 9)
    nine = model_report(WavenetConstants(layers_per_block=9, sample_rate=rate), sample_rate=rate)
    assert nine.receptive_field != ten.receptive_field
    assert arch.readouts["delta"].value() == f"{nine.receptive_field:,}"
    assert arch.readouts["delta"].detail() == f"{nine.receptive_field_ms:.2f} ms at {rate:,} Hz"
    assert arch.readouts["parameters"].value() == f"{nine.parameters:,}"
    assert window.project.config.layers_per_block == 9
    assert arch.diagram.deltas[-1] == nine.receptive_field


def test_gamma_and_memory_readouts_say_what_they_are(qtbot, window):
    """γ is parameters per unit of depth (not per layer); the memory readout names the batch and window it assumes."""
    from wavenetlike import TrainConfig
    arch = window.panel("Architecture")
    arch.apply_choice(PRESET_TITLES["wavenet"])
    rep = model_report(arch.valid_config)
    quick = TrainConfig.quick()
    assert arch.readouts["gamma"].detail() == "parameters per unit of depth"
    assert "per layer" not in arch.readouts["gamma"].toolTip()
    assert rep.memory_batch_size == quick.batch_size
    assert rep.memory_window == rep.receptive_field - 1 + quick.target_length
    assert arch.readouts["memory"].detail() == f"batch {quick.batch_size} × (Δ−1 + {quick.target_length})"
    tip = arch.readouts["memory"].toolTip()
    assert f"batch of {quick.batch_size} windows" in tip and f"{quick.target_length} scored targets" in tip


def test_invalid_value_shows_library_message_and_keeps_last_valid(qtbot, window, ui):
    arch = window.panel("Architecture")
    before = window.project.config
    delta_before = arch.readouts["delta"].value()
    ui.set_spin(qtbot, arch.editors["kernel_size"], 0)
    with pytest.raises(ValueError) as err:
        ModelConfig(**{**dataclasses.asdict(before), "kernel_size": 0})
    assert arch.field_error("kernel_size").startswith(str(err.value))
    assert arch.error_labels["kernel_size"].isVisibleTo(arch)
    assert window.project.config == before
    assert arch.readouts["delta"].value() == delta_before
    ui.set_spin(qtbot, arch.editors["kernel_size"], 3)
    assert arch.field_error("kernel_size") == ""
    assert window.project.config.kernel_size == 3


def test_unreadable_dilations_text_is_refused_next_to_the_field(qtbot, window):
    arch = window.panel("Architecture")
    edit = arch.editors["dilations"]
    qtbot.keyClicks(edit, "1, 2, four")
    assert "dilations" in arch.field_error("dilations")
    edit.clear()
    qtbot.keyClicks(edit, "1, 2, 4")
    assert arch.field_error("dilations") == ""
    assert window.project.config.dilations == [1, 2, 4]
    assert arch.readouts["delta"].value() == f"{model_report(window.project.config).receptive_field:,}"


def test_every_field_has_a_control_and_a_tooltip_about_delta_and_parameters(window):
    arch = window.panel("Architecture")
    for f in dataclasses.fields(ModelConfig):
        assert f.name in arch.editors, f.name
        tip = arch.editors[f.name].toolTip()
        assert tip == FIELD_HELP[f.name]
        assert "Δ" in tip and "parameters" in tip, f.name


def test_short_delta_warns_against_correlation_length(qtbot, window, ui, analysed):
    arch = window.panel("Architecture")
    corr = analysed.correlation_length
    arch.apply_choice(PRESET_TITLES["ar2"])
    assert model_report(arch.valid_config).receptive_field < corr  # AR(2) block: Δ = 3
    assert any("shorter than the data's correlation length" in w for w in arch.warnings)
    assert "shorter than the data's correlation length" in arch.warning_label.text()
    ui.set_spin(qtbot, arch.editors["n_blocks"], 3)
    ui.set_spin(qtbot, arch.editors["layers_per_block"], 12)
    assert any("longer than the typical (median) clip" in w for w in arch.warnings)


def test_conditioning_switches_follow_the_dataset_labels_and_count_parameters(qtbot, window):
    from wavenetlike import AR2, Dataset
    from wavenetlike.conditioning import condition_on_features, condition_on_labels

    arch = window.panel("Architecture")
    ds = Dataset(AR2(length=2000, count=4, seed=1, sample_rate=8000))
    window.panel("Analysis").auto_check.setChecked(False)
    window.project.set_dataset(ds)
    assert not arch.cond_labels_check.isEnabled()  # no labels yet: nothing to condition on
    assert "no labels" in arch.cond_note.text()
    assert arch.readouts["conditioning"].value() == "off"

    for i, c in enumerate(ds.clips):
        c.label = ["low", "high"][i % 2]
    window.project.set_dataset(ds)
    assert arch.cond_labels_check.isEnabled() and "2 labels: high, low" in arch.cond_note.text()
    base = arch.valid_config
    arch.cond_labels_check.click()
    expected = condition_on_labels(base, ds)
    assert window.project.config == expected and arch.valid_config.labels == ["high", "low"]
    assert arch.editors["global_condition_classes"].value() == 2
    rep = model_report(expected, sample_rate=8000)
    assert arch.readouts["parameters"].value() == f"{rep.parameters:,}"
    assert arch.readouts["conditioning"].value() == f"{rep.parameter_breakdown['global_condition']:,}"

    arch.cond_features_check.click()
    both = condition_on_features(expected)
    assert window.project.config == both
    rep = model_report(both, sample_rate=8000)
    parts = rep.parameter_breakdown
    assert arch.readouts["conditioning"].value() == f"{parts['global_condition'] + parts['local_condition']:,}"
    assert arch.readouts["parameters"].value() == f"{rep.parameters:,}"

    arch.cond_labels_check.click()  # off again
    assert window.project.config.global_condition_classes == 0 and window.project.config.labels == []
    assert window.project.config.local_condition_channels == both.local_condition_channels


def test_linear_order_field_follows_a_config_and_survives_edits(qtbot, window, ui):
    arch = window.panel("Architecture")
    config = arch.valid_config.replace(continuous=True, input_kind="value", linear_order=8)
    window.project.set_config(config)
    assert arch.editors["linear_order"].value() == 8 and arch.editors["linear_order"].isEnabled()
    ui.set_spin(qtbot, arch.editors["n_blocks"], config.n_blocks + 1)
    assert window.project.config.linear_order == 8 and window.project.config.n_blocks == config.n_blocks + 1
    # a field the form has no editor for (a newer ModelConfig) is carried over from the shown config
    editors = arch.editors
    arch.editors = {k: v for k, v in editors.items() if k != "linear_order"}
    try:
        assert arch.field_values()["linear_order"] == 8
    finally:
        arch.editors = editors


def test_adaptive_scale_box_needs_a_linear_order_and_grows_delta(qtbot, window, ui):
    arch = window.panel("Architecture")
    config = arch.valid_config.replace(continuous=True, input_kind="value", linear_order=0, adaptive_scale=False,
                                       n_blocks=1, layers_per_block=3)
    window.project.set_config(config)
    box = arch.editors["adaptive_scale"]
    assert not box.isEnabled() and not box.isChecked()  # nothing to follow without a linear term
    ui.set_spin(qtbot, arch.editors["linear_order"], 8)
    assert box.isEnabled()
    delta_before = arch.readouts["delta"].value()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)  # the box has no text beside it: space toggles it as a click would
    assert box.isChecked() and window.project.config.adaptive_scale
    expected = model_report(window.project.config).receptive_field
    assert expected == 8 + 32 and arch.readouts["delta"].value() == f"{expected:,}" != delta_before
    # taking the linear term away leaves the box checked: the library's message says why that cannot be
    ui.set_spin(qtbot, arch.editors["linear_order"], 0)
    assert "needs a linear term" not in arch.field_error("adaptive_scale")
    assert "unless the model has a linear term" in arch.field_error("adaptive_scale")
    assert window.project.config.adaptive_scale and window.project.config.linear_order == 8  # the last valid one


def test_pitch_term_box_needs_a_linear_order_and_grows_delta_by_its_reach(qtbot, window, ui):
    arch = window.panel("Architecture")
    config = arch.valid_config.replace(continuous=True, input_kind="value", linear_order=0, adaptive_scale=False,
                                       pitch_predictor=False, n_blocks=1, layers_per_block=3, sample_rate=16000)
    window.project.set_config(config)
    box = arch.editors["pitch_predictor"]
    assert not box.isEnabled() and not box.isChecked()  # no residual to predict without a linear term
    assert "period" in box.toolTip()  # the tooltip says what it does
    ui.set_spin(qtbot, arch.editors["linear_order"], 8)
    assert box.isEnabled()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() and window.project.config.pitch_predictor
    # order 8 + a 1.25-ms window (20) + the longest lag, 12.5 ms (200), at 16 kHz
    assert model_report(window.project.config).receptive_field == 8 + 20 + 200
    assert arch.readouts["delta"].value() == f"{8 + 20 + 200:,}"
