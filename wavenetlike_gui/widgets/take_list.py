"""The Generate step's takes: the newest few generated clips, one of them shown."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

__all__ = ["TakeList", "MAX_TAKES"]

MAX_TAKES = 12


class TakeList(QComboBox):
    """A combo box of takes (``1: 2.00 s, T=1.0, seed 7``); ``chosen(object)`` with the shown take or None."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.takes: list[Any] = []
        self.setToolTip(f"The takes generated so far (the newest {MAX_TAKES}); choose one to show, play or export.")
        self.currentIndexChanged.connect(lambda *_: self.chosen.emit(self.current()))

    def current(self) -> Any:
        """The shown take (None when there is none)."""
        i = self.currentIndex()
        return self.takes[i] if 0 <= i < len(self.takes) else None

    def add(self, take: Any) -> None:
        """Keep a take (the newest MAX_TAKES) and show it."""
        self.set_takes(self.takes + [take])

    def set_takes(self, takes: list[Any]) -> None:
        """Replace the takes and show the newest."""
        self.takes = list(takes)[-MAX_TAKES:]
        self.blockSignals(True)
        self.clear()
        for i, t in enumerate(self.takes):
            s = t.settings
            self.addItem(f"{i + 1}: {t.seconds:.2f} s, T={s.get('temperature', '?')}, seed {s.get('seed', '?')}")
        self.setCurrentIndex(len(self.takes) - 1)
        self.blockSignals(False)
        self.chosen.emit(self.current())
