"""The Architecture step's editor form: an editor per ModelConfig field, in groups, each with its error line,
and the conditioning switches.

The form only shows and reads values: :meth:`ArchitectureForm.field_values`
gives ``ModelConfig`` keyword arguments, and :class:`wavenetlike.ModelConfig`
itself decides what is valid (its message goes next to the field it names).
Every edit a user makes is reported as ``edited(name)``; :meth:`set_field`
sets an editor as a user would.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QScrollArea,
                               QSpinBox, QVBoxLayout, QWidget)

from wavenetlike.config import ModelConfig
from wavenetlike.model.distributions import INPUT_KINDS

from ..field_help import FIELD_HELP, FIELD_LABELS

__all__ = ["ArchitectureForm", "ParseError", "GROUPS", "fit_wrapped_height", "field_in_error"]

BOOL_FIELDS = ["continuous", "use_bias", "adaptive_scale", "pitch_predictor"]
GROUPS = [
    ("Receptive field", ["n_blocks", "layers_per_block", "kernel_size", "dilation_base", "dilations",
                         "initial_conv_width"]),
    ("Widths", ["residual_channels", "gate_channels", "skip_channels", "output_channels"]),
    ("Input and output", ["input_kind", "quantization_channels", "continuous", "mixture_components",
                          "linear_order", "adaptive_scale", "pitch_predictor", "use_bias", "sample_rate"]),
    ("Conditioning", ["global_condition_classes", "global_condition_channels", "labels",
                      "local_condition_channels", "local_condition_hop"]),
]
ERROR_SUFFIX = " (the readouts show the last valid shape)"
_FIELD_IN_MESSAGE = re.compile(r"ModelConfig\.(\w+)")


class ParseError(ValueError):
    """A field's text cannot be read as a value (``field`` names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def field_in_error(exc: Exception) -> str | None:
    """The ModelConfig field an error is about (its ``field``, else the one its message names), or None."""
    field = getattr(exc, "field", None)
    if field is None:
        m = _FIELD_IN_MESSAGE.search(str(exc))
        field = m.group(1) if m else None
    return field


def fit_wrapped_height(label: QLabel, width: int) -> None:
    """Give a word-wrapped label the height its text needs at ``width`` px.

    A form row inside a scroll area does not ask its wrapped labels for height-for-width,
    so a long error message would be cut off at one or two lines.
    """
    width = max(120, width)
    rect = label.fontMetrics().boundingRect(QRect(0, 0, width, 10_000),
                                            int(Qt.TextFlag.TextWordWrap), label.text())
    label.setMinimumHeight(rect.height() + 4)


class ArchitectureForm(QScrollArea):
    """The editors (``editors[name]``), their error lines (``error_labels[name]``) and the conditioning switches.

    ``footer`` (the panel's message bar: errors of no single field) goes under
    the groups. Signals: ``edited(object)`` with the field's name after every
    change of an editor.
    """

    edited = Signal(object)

    def __init__(self, footer: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
        holder = QWidget()
        column = QVBoxLayout(holder)
        for group_title, names in GROUPS:
            box = QGroupBox(group_title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            if group_title == "Conditioning":
                self._add_conditioning_switches(form)
            for name in names:
                form.addRow(*self._field_row(name))
            column.addWidget(box)
        if footer is not None:
            column.addWidget(footer)
        column.addStretch(1)
        self.setWidget(holder)
        self.setWidgetResizable(True)
        # wide enough for the widest row: nothing cut off at the right, no horizontal scrolling
        self.setMinimumWidth(holder.minimumSizeHint().width()
                             + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth())
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _field_row(self, name: str) -> tuple[QLabel, QWidget]:
        """The label and the editor with its (hidden) error line below, for field ``name``."""
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
        self.editors[name] = editor
        self.error_labels[name] = err
        return label, holder

    def _make_editor(self, name: str) -> QWidget:
        report = lambda *_: self.edited.emit(name)  # noqa: E731 - one slot per field
        if name in BOOL_FIELDS:
            box = QCheckBox()
            box.toggled.connect(report)
            return box
        if name == "input_kind":
            combo = QComboBox()
            combo.addItems(list(INPUT_KINDS))
            combo.currentTextChanged.connect(report)
            return combo
        if name in ("dilations", "labels"):
            edit = QLineEdit()
            edit.setPlaceholderText("from blocks, layers and base" if name == "dilations" else "none")
            edit.textChanged.connect(report)
            return edit
        spin = QSpinBox()
        # The spin box admits a wide range on purpose: the library decides what is valid
        # and its message says why, next to the field.
        spin.setRange(-1, 10_000_000)
        spin.setGroupSeparatorShown(False)
        spin.setKeyboardTracking(True)
        spin.valueChanged.connect(report)
        return spin

    def _add_conditioning_switches(self, form: QFormLayout) -> None:
        self.cond_labels_check = QCheckBox("Condition on the dataset's labels")
        self.cond_labels_check.setToolTip(
            "Global conditioning: a learned embedding of each clip's label (a word, a sub-folder name) "
            "enters every layer, so Generate can be asked for a chosen label. No effect on Δ; adds "
            "parameters (see the Conditioning readout).")
        self.cond_features_check = QCheckBox("Condition on log-mel features (resynthesis)")
        self.cond_features_check.setToolTip(
            "Local conditioning (vocoder mode): log-mel frames of the clip itself, upsampled to the sample "
            "rate, enter every layer; Generate can then resynthesize a chosen clip. No effect on Δ; adds "
            "parameters (see the Conditioning readout).")
        self.cond_note = QLabel("")
        self.cond_note.setWordWrap(True)
        self.cond_note.setStyleSheet("color: #555;")
        form.addRow(self.cond_labels_check)
        form.addRow(self.cond_features_check)
        form.addRow(self.cond_note)

    # ------------------------------------------------------------- values
    def set_field(self, name: str, value: Any) -> None:
        """Set one editor as a user would (``edited`` follows)."""
        editor = self.editors[name]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(value if isinstance(value, str) else ", ".join(str(v) for v in value or []))
        else:
            editor.setValue(int(value))

    def field_values(self, shown: ModelConfig) -> dict[str, Any]:
        """What the editors show, as ModelConfig keyword arguments (raises ParseError on unreadable text).

        A field the form has no editor for (a newer ModelConfig) keeps ``shown``'s value.
        """
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
                        raise ParseError(name, f"ModelConfig.dilations: {text!r} is not a list of whole "
                                               "numbers separated by commas") from None
            elif name == "labels":
                values[name] = [p.strip() for p in editor.text().split(",") if p.strip()]
            else:
                values[name] = editor.value()
        return values

    # ------------------------------------------------------------- errors
    def clear_errors(self) -> None:
        """Hide every field's error line."""
        for label in self.error_labels.values():
            label.setVisible(False)
            label.setText("")

    def show_error(self, exc: Exception) -> bool:
        """Show ``exc`` next to the field it is about; False when it is about no field of the form."""
        field = field_in_error(exc)
        if field not in self.error_labels:
            return False
        label = self.error_labels[field]
        label.setText(str(exc) + ERROR_SUFFIX)
        label.setVisible(True)
        fit_wrapped_height(label, self.editors[field].width())
        return True

    def field_error(self, name: str) -> str:
        """The message shown next to field ``name`` ('' when none)."""
        return self.error_labels[name].text()

    # ------------------------------------------------------- conditioning
    def sync_switches(self, config: ModelConfig, labels: list[str]) -> None:
        """Tick the conditioning switches as ``config`` is (without reporting a toggle); the note says what
        the dataset's ``labels`` allow."""
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
