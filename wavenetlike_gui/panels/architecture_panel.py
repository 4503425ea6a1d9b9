"""Step 3: choose the model's shape, with live readouts from the library's model report.

Every figure shown (Δ, parameters, depth, γ, compute, memory) comes from
:func:`wavenetlike.analysis.model_report.model_report`; invalid values are
refused by :class:`wavenetlike.ModelConfig` itself and its message is shown
next to the field, while the last valid configuration stays in force. The
editors, their error lines and the conditioning switches are
:class:`~wavenetlike_gui.widgets.architecture_form.ArchitectureForm` (the
controls column); presets, readouts, warnings and pictures are the main area.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea, QTabWidget,
                               QVBoxLayout, QWidget)

from wavenetlike.analysis.model_report import ModelReport, model_report
from wavenetlike.config import PRESETS, ModelConfig

from ..field_help import FIELD_HELP, FIELD_LABELS
from ..project import Project
from ..settings import Settings
from ..widgets.acf_plot import AcfPlot
from ..widgets.architecture_form import (ERROR_SUFFIX, ArchitectureForm, ParseError, field_in_error,
                                         fit_wrapped_height)
from ..widgets.model_readouts import ModelReadouts
from ..widgets.receptive_field_diagram import ReceptiveFieldDiagram
from ..widgets.selection_view import SelectionView
from ..workers import user_message
from .base import StepPanel, StepState

__all__ = ["ArchitecturePanel", "FIELD_HELP", "FIELD_LABELS"]

log = logging.getLogger(__name__)

FORM_PARTS = ("editors", "error_labels", "cond_labels_check", "cond_features_check", "cond_note")
PRESET_TITLES = {"wavenet": "WaveNet (published, large)", "toy": "Toy WaveNet (learns speech in a minute on a CPU)",
                 "ar2": "AR(2) block (tiny, continuous)"}


class ArchitecturePanel(StepPanel):
    """Controls for every ModelConfig field, presets and the suggestion, live readouts and warnings."""

    title = "Architecture"
    hint = "Choose the model's shape. The readouts update as you type; Δ is how far back the model sees."
    controls_width = (0, None)  # the form is as wide as its widest row
    areas_in_splitter = True
    config_applied = Signal(object)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self._applying = False
        self.suggestion: ModelConfig | None = None
        self.choices: dict[str, ModelConfig] = {}
        self.valid_config: ModelConfig = PRESETS["toy"]()
        self.report: ModelReport | None = None
        self.warnings: list[str] = []
        self.auto_config: ModelConfig | None = None  # the last config the app filled in by itself
        self.filling_in = False  # True while the app (not the user) fills in a config

        self.build()
        self.splitter.setSizes([self.form.minimumWidth(), 800])
        self._fill_presets()
        project.report_changed.connect(self._on_report_changed)
        project.dataset_changed.connect(self._on_dataset_changed)
        project.config_changed.connect(self._on_project_config)
        self.apply_config(self.valid_config)
        self.auto_config = self.valid_config

    def build_controls(self, layout: QVBoxLayout) -> None:
        # the message bar under the groups: errors of no single field (the field's own go next to it)
        self.form = ArchitectureForm(footer=self.messages)
        self.form.edited.connect(self._on_edit)
        for name in FORM_PARTS:
            setattr(self, name, getattr(self.form, name))
        self.cond_labels_check.toggled.connect(self.set_label_conditioning)
        self.cond_features_check.toggled.connect(self.set_feature_conditioning)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form)

    def build_main(self, layout: QVBoxLayout) -> None:
        # ---- presets
        self.preset_combo = QComboBox()
        self.preset_combo.setToolTip("Start from the suggestion for this dataset, one of its alternatives, "
                                     "or a fixed preset; then adjust the fields.")
        self.apply_button = QPushButton("Use")
        self.apply_button.clicked.connect(self.apply_selected_preset)
        preset_row = QHBoxLayout()
        preset_row.addWidget(QLabel("Start from:"))
        preset_row.addWidget(self.preset_combo, 1)
        preset_row.addWidget(self.apply_button)

        # ---- readouts
        self.readouts = ModelReadouts()
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #8a4b00;")

        # ---- pictures
        self.acf = AcfPlot()
        self.diagram = ReceptiveFieldDiagram()
        self.pictures = QTabWidget()
        self.pictures.addTab(self.acf, "Δ vs. autocorrelation")
        self.pictures.addTab(self.diagram, "Δ layer by layer")
        self.finder = SelectionView(self.project, self.start_worker)  # "Find the best model" (issue 14)
        self.finder.use_requested.connect(self.apply_config)
        self.pictures.addTab(self.finder, "Find the best model")

        self.rationale = QLabel("Load and analyse a dataset to get a suggestion; until then a preset is shown.")
        self.rationale.setWordWrap(True)
        self.rationale.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rationale_scroll = QScrollArea()  # long rationales scroll instead of squeezing the readouts
        rationale_scroll.setWidget(self.rationale)
        rationale_scroll.setWidgetResizable(True)
        rationale_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        rationale_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # a third tab rather than a box under the pictures: at 1024×700 the readouts, warnings
        # and pictures need all the height there is
        self.pictures.addTab(rationale_scroll, "Why this suggestion")

        layout.addLayout(preset_row)
        layout.addWidget(self.readouts)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.pictures, 1)

    # ------------------------------------------------------------ editors
    def dataset_labels(self) -> list[str]:
        """The loaded dataset's label names ([] when none or no dataset)."""
        return [str(x) for x in (getattr(self.project.dataset, "labels", None) or [])]

    def set_label_conditioning(self, on: bool) -> None:
        """Turn global conditioning on the dataset's labels on or off (the library sizes the config)."""
        from wavenetlike.conditioning import condition_on_labels
        config = self.valid_config
        try:
            if on:
                config = condition_on_labels(config, self.dataset_labels())
            else:
                config = config.replace(global_condition_classes=0, labels=[])
        except ValueError as exc:
            self.messages.error(str(exc))
            self._sync_conditioning_switches()
            return
        self.apply_config(config)

    def set_feature_conditioning(self, on: bool) -> None:
        """Turn local conditioning on the clips' own log-mel features on or off."""
        from wavenetlike.conditioning import condition_on_features
        config = self.valid_config
        config = condition_on_features(config) if on else config.replace(local_condition_channels=0)
        self.apply_config(config)

    def _sync_conditioning_switches(self) -> None:
        self.form.sync_switches(self.valid_config, self.dataset_labels())

    def set_field(self, name: str, value: Any) -> None:
        """Set one editor as a user would (the change goes through validation)."""
        self.form.set_field(name, value)

    def field_values(self) -> dict[str, Any]:
        """What the editors show, as ModelConfig keyword arguments (raises ParseError on unreadable text)."""
        return self.form.field_values(self.valid_config)

    def apply_config(self, config: ModelConfig) -> None:
        """Show ``config`` in the editors (one validation at the end)."""
        self._applying = True
        try:
            self.valid_config = config  # also the source of the fields without an editor
            for f in dataclasses.fields(ModelConfig):
                if f.name in self.editors:
                    self.set_field(f.name, getattr(config, f.name))
        finally:
            self._applying = False
        self._on_edit(None)
        self.config_applied.emit(config)

    def user_edited(self) -> bool:
        """True when the shown config is the user's work, not what the app filled in by itself."""
        return self.valid_config != self.auto_config

    def _on_project_config(self, config: Any) -> None:
        """Follow a config installed from outside (an opened project) in the editors."""
        if config is not None and config != self.valid_config and not self._applying:
            self.apply_config(config)

    def _on_edit(self, _name: str | None) -> None:
        if self._applying:
            return
        self.form.clear_errors()
        self.messages.clear_error()
        try:
            config = ModelConfig(**self.field_values())
        except (ParseError, ValueError, TypeError) as exc:
            self._show_error(exc)
            self.project.set_config_problem(self._problem_text(exc))
            self.refresh_state()
            return
        self.project.set_config_problem("")
        self.valid_config = config
        self._sync_conditioning_switches()
        self.editors["mixture_components"].setEnabled(config.continuous)
        self.editors["linear_order"].setEnabled(config.continuous and "value" in config.input_kind)
        self.editors["adaptive_scale"].setEnabled(config.linear_order > 0 or config.adaptive_scale)
        self.editors["pitch_predictor"].setEnabled(config.linear_order > 0 or config.pitch_predictor)
        self.project.set_config(config)
        self.update_readouts()
        self.refresh_state()

    def _show_error(self, exc: Exception) -> None:
        if not self.form.show_error(exc):
            self.messages.error(str(exc) + ERROR_SUFFIX)

    def _problem_text(self, exc: Exception) -> str:
        """The error as the other steps say it: the field's label and the message."""
        field = field_in_error(exc)
        label = FIELD_LABELS.get(field, field) if field else ""
        return f"{label}: {user_message(exc)}" if label else user_message(exc)

    def field_error(self, name: str) -> str:
        """The message shown next to field ``name`` ('' when none)."""
        return self.form.field_error(name)

    # ------------------------------------------------------------ presets
    def _fill_presets(self) -> None:
        self.preset_combo.clear()
        self.choices = {}
        if self.suggestion is not None:
            self.choices["Suggested for this dataset"] = self.suggestion
            for alt, cfg in (getattr(self.suggestion, "alternatives", None) or {}).items():
                self.choices[f"Suggestion, {alt} alternative"] = cfg
        for key, fn in PRESETS.items():
            self.choices[PRESET_TITLES.get(key, key)] = fn()
        for title in self.choices:
            self.preset_combo.addItem(title)

    def apply_selected_preset(self) -> None:
        """Load the chosen preset or suggestion into the editors."""
        self.apply_choice(self.preset_combo.currentText())

    def apply_choice(self, title: str) -> None:
        config = self.choices[title]
        rate = self.project.sample_rate
        if rate and title in [PRESET_TITLES.get(k, k) for k in PRESETS] and config.sample_rate != rate:
            config = config.replace(sample_rate=rate)
        self.preset_combo.setCurrentText(title)
        self.apply_config(config)

    def _on_report_changed(self, report: Any) -> None:
        if report is None:
            self.update_readouts()
            return
        try:
            from wavenetlike.analysis.suggest import suggest
            self.suggestion = suggest(report)
        except Exception as exc:  # noqa: BLE001 - a failed suggestion must not lose the editor
            log.exception("suggest() failed")
            self.suggestion = None
            self.rationale.setText(f"No suggestion could be made: {user_message(exc)}")
            self._fill_presets()
            self.update_readouts()
            return
        self.rationale.setText(getattr(self.suggestion, "rationale", "") or "(no rationale given)")
        self._fill_presets()
        if self.user_edited() and not self.confirm_replace_edited():
            self.status_message.emit("Architecture: your edited architecture is kept; the suggestion for the "
                                     "new dataset is in the preset list.")
            self.update_readouts()
            return
        self.filling_in = True  # the app's own choice: undo merges it into the dataset switch
        try:
            self.apply_choice("Suggested for this dataset")
        finally:
            self.filling_in = False
        self.auto_config = self.valid_config
        self.status_message.emit("Architecture: the suggestion for this dataset is filled in.")

    def confirm_replace_edited(self) -> bool:
        """Ask before the suggestion for a new dataset replaces the architecture the user edited."""
        answer = QMessageBox.question(
            self, "Replace your architecture?",
            "The analysis of the new dataset suggests an architecture. Replace the architecture you edited "
            "with the suggestion? (No keeps yours; the suggestion stays in the preset list.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _on_dataset_changed(self, dataset: Any) -> None:
        if dataset is not None and self.valid_config.sample_rate != dataset.sample_rate:
            automatic = not self.user_edited()
            self.filling_in = automatic
            try:
                self.set_field("sample_rate", dataset.sample_rate)
            finally:
                self.filling_in = False
            if automatic:
                self.auto_config = self.valid_config
        self._sync_conditioning_switches()
        self.update_readouts()
        self.refresh_state()

    # ----------------------------------------------------------- readouts
    def update_readouts(self) -> None:
        """Recompute the readouts, pictures and warnings from the library's model report."""
        config = self.valid_config
        rate = self.project.sample_rate or config.sample_rate
        rep = model_report(config, sample_rate=rate)
        self.report = rep
        self.readouts.show_report(rep)
        data_report = self.project.report
        corr = int(data_report.correlation_length) if data_report is not None else None
        self.diagram.set_config(config, corr)
        if data_report is not None:
            self.acf.set_acf(data_report.acf, data_report.correlation_length, data_report.correlation_length_ms,
                             data_report.correlation_length_definition)
        else:
            self.acf.set_acf(None)
        self.acf.set_delta(rep.receptive_field, rep.receptive_field_ms)
        self.warnings = self._warnings(rep, data_report)
        self.warning_label.setText("\n".join("⚠ " + w for w in self.warnings))
        QTimer.singleShot(0, self, self._fit_warning)

    def _warnings(self, rep: ModelReport, data_report: Any) -> list[str]:
        """The library's checks of the shown architecture against the data (the panel only shows them)."""
        from wavenetlike.session import architecture_checks
        labels = self.dataset_labels() if self.project.dataset is not None else None
        return architecture_checks(self.valid_config, data_report, labels=labels, suggestion=self.suggestion)

    # -------------------------------------------------------------- state
    def _fit_warning(self) -> None:
        fit_wrapped_height(self.warning_label, self.warning_label.width())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        # after the layout has given the label its new width
        QTimer.singleShot(0, self, self._fit_warning)

    def state(self) -> StepState:
        if self.project.dataset is None:
            return StepState.NEEDS_PREVIOUS
        if self.project.config_problem:
            return StepState.INVALID
        return StepState.DONE if self.project.config is not None else StepState.READY

    def state_reason(self) -> str:
        return self.project.config_problem
