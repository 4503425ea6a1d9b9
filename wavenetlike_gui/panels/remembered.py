"""Controls whose values a panel remembers between sessions, declared with a version.

A panel declares them (``remembered_settings`` and ``settings_version`` on
:class:`~wavenetlike_gui.panels.base.StepPanel`); :class:`RememberedControls`
restores, checks and saves them.
"""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

__all__ = ["RememberedControls"]


class RememberedControls:
    """A panel's controls whose values are remembered in the settings between sessions.

    ``controls`` maps a key to a spin box, combo box (its item data is stored)
    or check box, in the order they are restored (a combo that resets another
    control comes first). Every change is written at once, so nothing is lost
    if the app is killed. A remembered value of the wrong type, out of the
    control's range, or no longer offered is refused: the default stays and
    :attr:`refused` names it, for the panel to say so.

    ``version`` is the version of the declared set of controls: a panel raises it
    when a key changes meaning. Values saved under another version are dropped
    as a whole (:attr:`dropped_version` says which) and the defaults are shown.
    Values saved before versions existed count as version 1.
    """

    def __init__(self, settings: Any, panel: str, controls: dict[str, QWidget], version: int = 1) -> None:
        self.settings = settings
        self.panel = panel
        self.controls = controls
        self.version = int(version)
        self.refused: list[str] = []
        self.dropped_version: int | None = None
        self._restoring = False

    def restore(self) -> list[str]:
        """Put the remembered values into the controls; returns the refused ones as ``key=value``."""
        values = self.settings.panel_values(self.panel)
        self.refused = []
        self.dropped_version = None
        stored = self.settings.panel_values_version(self.panel)
        if values and stored != self.version:
            self.dropped_version = stored
            values = {}
        self._restoring = True
        try:
            for key, widget in self.controls.items():
                if key in values and not _set_control(widget, values[key]):
                    self.refused.append(f"{key}={values[key]!r}")
        finally:
            self._restoring = False
        for widget in self.controls.values():
            _changed_signal(widget).connect(self.save)
        if self.refused or self.dropped_version is not None:
            self.save()  # replace the unusable values by what is shown
        return self.refused

    def note(self) -> str:
        """What the last :meth:`restore` could not use, in words ('' when everything was used)."""
        if self.dropped_version is not None:
            return (f"The remembered settings were saved by another version of this step "
                    f"(version {self.dropped_version}, now {self.version}), so the defaults are shown.")
        if self.refused:
            return ("Some remembered settings could not be used, so the defaults are shown: "
                    + ", ".join(self.refused) + ".")
        return ""

    def values(self) -> dict[str, Any]:
        """The controls' current values, JSON-safe."""
        return {key: _control_value(w) for key, w in self.controls.items()}

    def save(self, *_: Any) -> None:
        """Write the controls' values (and their version) to the settings."""
        if not self._restoring:
            self.settings.set_panel_values(self.panel, self.values())
            self.settings.set_panel_values_version(self.panel, self.version)


def _changed_signal(widget: QWidget) -> Any:
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    return widget.toggled


def _control_value(widget: QWidget) -> Any:
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    return widget.isChecked()


def _set_control(widget: QWidget, value: Any) -> bool:
    """Show ``value`` in ``widget``; False (nothing changed) when it cannot hold it."""
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if not widget.minimum() <= value <= widget.maximum():
            return False
        if isinstance(widget, QSpinBox) and value != int(value):
            return False
        widget.setValue(int(value) if isinstance(widget, QSpinBox) else float(value))
        return True
    if isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index < 0:
            return False
        widget.setCurrentIndex(index)
        return True
    if isinstance(widget, QCheckBox):
        if not isinstance(value, bool):
            return False
        widget.setChecked(value)
        return True
    return False
