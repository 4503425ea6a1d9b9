"""Step 3: choose the model's shape, with live readouts from the library's model report.

Every figure shown (Δ, parameters, depth, γ, compute, memory) comes from
:func:`wavenetlike.analysis.model_report.model_report`; invalid values are
refused by :class:`wavenetlike.ModelConfig` itself and its message is shown
next to the field, while the last valid configuration stays in force.

Above ~450 lines for now: the editor form (editors, per-field errors, conditioning
switches) still lives here; it is the next part to move out (issue 11).
"""
from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

import numpy as np
from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QScrollArea, QSpinBox, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from wavenetlike.analysis.model_report import ModelReport, model_report
from wavenetlike.config import PRESETS, ModelConfig
from wavenetlike.model.distributions import INPUT_KINDS
from wavenetlike.train_config import TrainConfig

from ..project import Project
from ..field_help import FIELD_HELP, FIELD_LABELS
from ..settings import Settings
from ..widgets.acf_plot import AcfPlot
from ..widgets.readout_card import ReadoutGrid
from ..widgets.receptive_field_diagram import ReceptiveFieldDiagram
from ..widgets.selection_view import SelectionView
from .base import StepPanel, StepState

__all__ = ["ArchitecturePanel", "FIELD_HELP", "FIELD_LABELS"]

log = logging.getLogger(__name__)

INT_FIELDS = [f.name for f in dataclasses.fields(ModelConfig)
              if f.name not in ("dilations", "continuous", "use_bias", "labels", "input_kind")]
BOOL_FIELDS = ["continuous", "use_bias"]
GROUPS = [
    ("Receptive field", ["n_blocks", "layers_per_block", "kernel_size", "dilation_base", "dilations",
                         "initial_conv_width"]),
    ("Widths", ["residual_channels", "gate_channels", "skip_channels", "output_channels"]),
    ("Input and output", ["input_kind", "quantization_channels", "continuous", "mixture_components",
                          "linear_order", "use_bias", "sample_rate"]),
    ("Conditioning", ["global_condition_classes", "global_condition_channels", "labels",
                      "local_condition_channels", "local_condition_hop"]),
]
PRESET_TITLES = {"wavenet": "WaveNet (published, large)", "toy": "Toy WaveNet (learns speech in a minute on a CPU)",
                 "ar2": "AR(2) block (tiny, continuous)"}
_FIELD_IN_MESSAGE = re.compile(r"ModelConfig\.(\w+)")


class _ParseError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _fit_wrapped_height(label: QLabel, width: int) -> None:
    """Give a word-wrapped label the height its text needs at ``width`` px.

    A form row inside a scroll area does not ask its wrapped labels for height-for-width,
    so a long error message would be cut off at one or two lines.
    """
    width = max(120, width)
    rect = label.fontMetrics().boundingRect(QRect(0, 0, width, 10_000),
                                            int(Qt.TextFlag.TextWordWrap), label.text())
    label.setMinimumHeight(rect.height() + 4)


def _human(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.4g}"


def _bytes(n: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


class ArchitecturePanel(StepPanel):
    """Controls for every ModelConfig field, presets and the suggestion, live readouts and warnings."""

    title = "Architecture"
    hint = "Choose the model's shape. The readouts update as you type; Δ is how far back the model sees."
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

        # ---- fields
        self.editors: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
        form_holder = QWidget()
        form_col = QVBoxLayout(form_holder)
        for group_title, names in GROUPS:
            box = QGroupBox(group_title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            if group_title == "Conditioning":
                self._add_conditioning_switches(form)
            for name in names:
                editor = self._make_editor(name)
                label = QLabel(FIELD_LABELS[name])
                label.setToolTip(FIELD_HELP[name])
                editor.setToolTip(FIELD_HELP[name])
                err = QLabel("")
                err.setWordWrap(True)
                err.setStyleSheet("color: #b71c1c;")
                err.setVisible(False)
                holder = QWidget()
                hv = QVBoxLayout(holder)
                hv.setContentsMargins(0, 0, 0, 0)
                hv.setSpacing(1)
                hv.addWidget(editor)
                hv.addWidget(err)
                form.addRow(label, holder)
                self.editors[name] = editor
                self.error_labels[name] = err
            form_col.addWidget(box)
        form_col.addWidget(self.messages)  # errors of no single field (the field's own go next to it)
        form_col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(form_holder)
        scroll.setWidgetResizable(True)
        # wide enough for the widest row: nothing cut off at the right, no horizontal scrolling
        scroll.setMinimumWidth(form_holder.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth())
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

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
        self.readouts = ReadoutGrid(columns=4)
        self.readouts.add("delta", "Receptive field Δ (samples)",
                          "How many past samples (including the current one) each prediction can see.")
        self.readouts.add("parameters", "Parameters", "Trainable weights in the model.")
        # γ above Conditioning and Depth last: the narrow cards share columns, so the grid fits 1024 px
        self.readouts.add("gamma", "γ = parameters / depth",
                          "Parameters divided by depth (the convolutions on the longest path, not the number "
                          "of layers): how wide the model is for how deep it is.")
        self.readouts.add("depth", "Depth", "Convolutions on the longest path from input to output.")
        self.readouts.add("macs", "Compute per sample",
                          "Multiply-accumulates to generate one sample with the fast cached method.")
        quick = TrainConfig.quick()
        self.readouts.add("memory", "Training memory",
                          "Rough activation memory for one training step, forward and backward, at the "
                          f"default training settings: a batch of {quick.batch_size} windows, each Δ−1 samples "
                          f"of context plus {quick.target_length} scored targets (TrainConfig.quick()).")
        self.readouts.add("conditioning", "Conditioning",
                          "Parameters of the conditioning networks (label embedding, feature upsampler and "
                          "their 1×1 convolutions into every layer); included in the parameter count.")
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #8a4b00;")

        # ---- pictures
        self.acf = AcfPlot()
        self.diagram = ReceptiveFieldDiagram()
        self.pictures = QTabWidget()
        self.pictures.addTab(self.acf, "Δ vs. autocorrelation")
        self.pictures.addTab(self.diagram, "Δ layer by layer")
        self.finder = SelectionView(project, self.start_worker)  # "Find the best model" (issue 14)
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

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(preset_row)
        rv.addWidget(self.readouts)
        rv.addWidget(self.warning_label)
        rv.addWidget(self.pictures, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([scroll.minimumWidth(), 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._fill_presets()
        project.report_changed.connect(self._on_report_changed)
        project.dataset_changed.connect(self._on_dataset_changed)
        project.config_changed.connect(self._on_project_config)
        self.apply_config(self.valid_config)
        self.auto_config = self.valid_config

    # ------------------------------------------------------------ editors
    def _make_editor(self, name: str) -> QWidget:
        if name in BOOL_FIELDS:
            box = QCheckBox()
            box.toggled.connect(self._edit_slot(name))
            return box
        if name == "input_kind":
            combo = QComboBox()
            combo.addItems(list(INPUT_KINDS))
            combo.currentTextChanged.connect(self._edit_slot(name))
            return combo
        if name in ("dilations", "labels"):
            edit = QLineEdit()
            edit.setPlaceholderText("from blocks, layers and base" if name == "dilations" else "none")
            edit.textChanged.connect(self._edit_slot(name))
            return edit
        spin = QSpinBox()
        # The spin box admits a wide range on purpose: the library decides what is valid
        # and its message says why, next to the field.
        spin.setRange(-1, 10_000_000)
        spin.setGroupSeparatorShown(False)
        spin.setKeyboardTracking(True)
        spin.valueChanged.connect(self._edit_slot(name))
        return spin

    def _add_conditioning_switches(self, form: QFormLayout) -> None:
        self.cond_labels_check = QCheckBox("Condition on the dataset's labels")
        self.cond_labels_check.setToolTip(
            "Global conditioning: a learned embedding of each clip's label (a word, a sub-folder name) "
            "enters every layer, so Generate can be asked for a chosen label. No effect on Δ; adds "
            "parameters (see the Conditioning readout).")
        self.cond_labels_check.toggled.connect(self.set_label_conditioning)
        self.cond_features_check = QCheckBox("Condition on log-mel features (resynthesis)")
        self.cond_features_check.setToolTip(
            "Local conditioning (vocoder mode): log-mel frames of the clip itself, upsampled to the sample "
            "rate, enter every layer; Generate can then resynthesize a chosen clip. No effect on Δ; adds "
            "parameters (see the Conditioning readout).")
        self.cond_features_check.toggled.connect(self.set_feature_conditioning)
        self.cond_note = QLabel("")
        self.cond_note.setWordWrap(True)
        self.cond_note.setStyleSheet("color: #555;")
        form.addRow(self.cond_labels_check)
        form.addRow(self.cond_features_check)
        form.addRow(self.cond_note)

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
        config = self.valid_config
        labels = self.dataset_labels()
        for box, on in ((self.cond_labels_check, bool(config.global_condition_classes)),
                        (self.cond_features_check, bool(config.local_condition_channels))):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self.cond_labels_check.setEnabled(len(labels) >= 2 or bool(config.global_condition_classes))
        if len(labels) >= 2:
            shown = ", ".join(labels[:6]) + (", …" if len(labels) > 6 else "")
            note = f"The dataset has {len(labels)} labels: {shown}."
        else:
            note = ("The dataset has no labels to condition on. Speech Commands folders are labelled by "
                    "word; for your own files tick “Labels from sub-folder names” in step 1.")
        self.cond_note.setText(note)

    def _edit_slot(self, name: str):
        return lambda *_: self._on_edit(name)

    def set_field(self, name: str, value: Any) -> None:
        """Set one editor as a user would (the change goes through validation)."""
        editor = self.editors[name]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(value if isinstance(value, str) else ", ".join(str(v) for v in value or []))
        else:
            editor.setValue(int(value))

    def field_values(self) -> dict[str, Any]:
        """What the editors show, as ModelConfig keyword arguments (raises _ParseError on unreadable text)."""
        # a field the form has no editor for (a newer ModelConfig) keeps the shown config's value
        shown = self.valid_config
        values: dict[str, Any] = {f.name: getattr(shown, f.name) for f in dataclasses.fields(ModelConfig)
                                  if f.name not in self.editors}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentText()
            elif name == "dilations":
                text = editor.text().strip()
                if not text:
                    values[name] = None
                else:
                    parts = [p for p in re.split(r"[,\s]+", text) if p]
                    try:
                        values[name] = [int(p) for p in parts]
                    except ValueError:
                        raise _ParseError(name, f"ModelConfig.dilations: {text!r} is not a list of whole "
                                                "numbers separated by commas") from None
            elif name == "labels":
                values[name] = [p.strip() for p in editor.text().split(",") if p.strip()]
            else:
                values[name] = editor.value()
        return values

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
        for label in self.error_labels.values():
            label.setVisible(False)
            label.setText("")
        self.messages.clear_error()
        try:
            config = ModelConfig(**self.field_values())
        except (_ParseError, ValueError, TypeError) as exc:
            self._show_error(exc)
            self.project.set_config_problem(self._problem_text(exc))
            self.refresh_state()
            return
        self.project.set_config_problem("")
        self.valid_config = config
        self._sync_conditioning_switches()
        self.editors["mixture_components"].setEnabled(config.continuous)
        self.editors["linear_order"].setEnabled(config.continuous and "value" in config.input_kind)
        self.project.set_config(config)
        self.update_readouts()
        self.refresh_state()

    def _show_error(self, exc: Exception) -> None:
        message = str(exc)
        field = getattr(exc, "field", None)
        if field is None:
            m = _FIELD_IN_MESSAGE.search(message)
            field = m.group(1) if m else None
        suffix = " (the readouts show the last valid shape)"
        if field in self.error_labels:
            label = self.error_labels[field]
            label.setText(message + suffix)
            label.setVisible(True)
            _fit_wrapped_height(label, self.editors[field].width())
        else:
            self.messages.error(message + suffix)

    def _problem_text(self, exc: Exception) -> str:
        """The error as the other steps say it: the field's label and the message."""
        field = getattr(exc, "field", None)
        if field is None:
            m = _FIELD_IN_MESSAGE.search(str(exc))
            field = m.group(1) if m else None
        label = FIELD_LABELS.get(field, field) if field else ""
        return f"{label}: {exc}" if label else str(exc)

    def field_error(self, name: str) -> str:
        """The message shown next to field ``name`` ('' when none)."""
        return self.error_labels[name].text()

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
            self.rationale.setText(f"No suggestion could be made: {type(exc).__name__}: {exc}")
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
        # the unit goes in the caption, so the card stays narrow enough for a 1024-px window
        self.readouts["delta"].set_value(f"{rep.receptive_field:,}",
                                         f"{rep.receptive_field_ms:.2f} ms at {rep.sample_rate:,} Hz")
        self.readouts["parameters"].set_value(f"{rep.parameters:,}", f"about {_human(rep.parameters)}")
        self.readouts["depth"].set_value(f"{rep.depth}", f"{rep.n_layers} dilated layers")
        self.readouts["gamma"].set_value(f"{rep.gamma:,.1f}", "parameters per unit of depth")
        self.readouts["macs"].set_value(_human(rep.macs_per_sample),
                                        f"{rep.macs_per_sample:,} multiply-adds")
        self.readouts["memory"].set_value(_bytes(rep.training_memory_bytes),
                                          f"batch {rep.memory_batch_size} × (Δ−1 + "
                                          f"{rep.memory_window - rep.receptive_field + 1:,})")
        parts = rep.parameter_breakdown or {}
        cond = {"labels": int(parts.get("global_condition", 0)), "features": int(parts.get("local_condition", 0))}
        if any(cond.values()):
            detail = ", ".join(f"{k}: {v:,}" for k, v in cond.items() if v)
            self.readouts["conditioning"].set_value(f"{sum(cond.values()):,}", f"parameters ({detail})")
        else:
            self.readouts["conditioning"].set_value("off", "")
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
        out: list[str] = []
        if data_report is not None:
            corr = int(data_report.correlation_length)
            if rep.receptive_field < corr:
                out.append(f"Δ = {rep.receptive_field} samples ({rep.receptive_field_ms:.1f} ms) is shorter than the "
                           f"data's correlation length ({corr} samples, {data_report.correlation_length_ms:.1f} ms): "
                           "the model cannot see far enough back to use all the structure in the data. "
                           "Add layers or blocks.")
            lengths = np.asarray(data_report.lengths)
            if lengths.size:
                typical = int(np.median(lengths))
                if rep.receptive_field > typical:
                    out.append(f"Δ = {rep.receptive_field} samples is longer than the typical (median) clip "
                               f"of {typical} samples: most clips cannot fill one training window. "
                               "Use fewer layers or blocks.")
        config = self.valid_config
        if config.global_condition_classes and self.project.dataset is not None:
            labels = self.dataset_labels()
            if list(config.labels) != labels:
                out.append(f"The model is conditioned on the labels {list(config.labels)}, but the dataset's "
                           f"labels are {labels}: untick and tick “Condition on the dataset's labels” "
                           "to follow the dataset.")
        if self.suggestion is not None and self.valid_config == self.suggestion:
            out.extend(getattr(self.suggestion, "warnings", None) or [])
        return out

    # -------------------------------------------------------------- state
    def _fit_warning(self) -> None:
        _fit_wrapped_height(self.warning_label, self.warning_label.width())

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
