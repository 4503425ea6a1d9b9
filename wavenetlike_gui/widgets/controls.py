"""Small builders for the controls every panel makes: buttons, spin boxes, rows, captions, folder rows.

Each returns a plain Qt widget or layout with its tooltip set, so no control is
left without one and the panels do not repeat the same five lines per control.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import (QDoubleSpinBox, QHBoxLayout, QLabel, QLayout, QLineEdit,
                               QPushButton, QSpinBox, QWidget)

__all__ = ["button", "spin", "row", "caption", "folder_row"]


def button(text: str, tip: str = "", slot: Callable[..., Any] | None = None, *, enabled: bool = True) -> QPushButton:
    """A push button with its tooltip, connected to ``slot`` when given."""
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setEnabled(enabled)
    if slot is not None:
        b.clicked.connect(slot)
    return b


def spin(lo: float, hi: float, value: float, tip: str = "", *, decimals: int | None = None, step: float | None = None,
         suffix: str = "", special: str = "") -> QSpinBox | QDoubleSpinBox:
    """A spin box: whole numbers, or with ``decimals`` a double spin box; ``special`` names its minimum."""
    box: QSpinBox | QDoubleSpinBox = QSpinBox() if decimals is None else QDoubleSpinBox()
    if decimals is not None:
        box.setDecimals(decimals)
    box.setRange(lo, hi)
    if step is not None:
        box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    if suffix:
        box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)
    return box


def row(*items: QWidget | QLayout | tuple[QWidget, int], stretch: bool = False) -> QHBoxLayout:
    """Widgets (or ``(widget, stretch)`` pairs, or layouts) side by side; ``stretch``: pushed to the left."""
    layout = QHBoxLayout()
    for item in items:
        if isinstance(item, tuple):
            layout.addWidget(*item)
        elif isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    if stretch:
        layout.addStretch(1)
    return layout


def caption(text: str = "", tip: str = "") -> QLabel:
    """A grey, word-wrapped line that explains what is above it."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    if tip:
        label.setToolTip(tip)
    return label


def folder_row(edit: QLineEdit, browse: Callable[[], Any], tip: str = "Choose the folder.") -> QHBoxLayout:
    """A folder's text field with a Browse… button beside it."""
    b = button("Browse…", tip, browse)
    return row((edit, 1), b)