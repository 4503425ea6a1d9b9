"""Readout cards: a caption, a big value, and a small line underneath."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

__all__ = ["ReadoutCard", "ReadoutGrid"]


class ReadoutCard(QFrame):
    """One figure: caption, value and detail line (all plain text)."""

    def __init__(self, caption: str, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("readoutCard")
        self.caption_label = QLabel(caption)
        self.caption_label.setStyleSheet("color: #555;")
        self.caption_label.setWordWrap(True)
        self.value_label = QLabel("—")
        self.value_label.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label = QLabel("")
        self.detail_label.setStyleSheet("color: #555;")
        self.detail_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(1)
        layout.addWidget(self.caption_label)
        layout.addWidget(self.value_label)
        layout.addWidget(self.detail_label)
        if tooltip:
            self.setToolTip(tooltip)

    def set_value(self, value: str, detail: str = "") -> None:
        self.value_label.setText(value)
        self.detail_label.setText(detail)

    def value(self) -> str:
        return self.value_label.text()

    def detail(self) -> str:
        return self.detail_label.text()


class ReadoutGrid(QWidget):
    """Cards in a grid, addressed by key."""

    def __init__(self, columns: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.cards: dict[str, ReadoutCard] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)

    def add(self, key: str, caption: str, tooltip: str = "") -> ReadoutCard:
        card = ReadoutCard(caption, tooltip)
        n = len(self.cards)
        self.grid.addWidget(card, n // self.columns, n % self.columns)
        self.cards[key] = card
        return card

    def __getitem__(self, key: str) -> ReadoutCard:
        return self.cards[key]
