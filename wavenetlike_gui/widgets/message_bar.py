"""A panel's message bar: one line of news (information or a warning) and one line for an error.

Every step panel has one (:attr:`wavenetlike_gui.panels.base.StepPanel.messages`).
Texts are plain words a user can act on; the full text is also the line's
tooltip (a long path stays readable). Exceptions are turned into words by
:func:`wavenetlike_gui.workers.user_message`, never shown raw.
"""
from __future__ import annotations

import enum
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..workers import user_message

__all__ = ["Level", "MessageBar"]

log = logging.getLogger(__name__)


class Level(enum.Enum):
    """How serious a message is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_STYLE = {Level.INFO: "", Level.WARNING: "color: #8a4b00;", Level.ERROR: "color: #b00020;"}


def _line() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMinimumWidth(1)  # a long path cannot be wrapped: it is clipped (full text in the tooltip), never widens the window
    return label


class MessageBar(QWidget):
    """News in :attr:`message` (info or warning), the last error in :attr:`error_label` (hidden when none).

    ``error_shown(str)`` is emitted with every error, for the window's status bar.
    """

    error_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = _line()
        self.error_label = _line()
        self.error_label.setStyleSheet(_STYLE[Level.ERROR])
        self.error_label.hide()
        self.level = Level.INFO
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.error_label)

    def info(self, text: str) -> None:
        """Say how things stand (replaces the last news)."""
        self._news(text, Level.INFO)

    def warning(self, text: str) -> None:
        """Say something the user should know but that stops nothing."""
        self._news(text, Level.WARNING)

    def error(self, text: str) -> None:
        """Show what went wrong; it stays until :meth:`clear_error` or the next error."""
        self.error_label.setText(text)
        self.error_label.setToolTip(text)
        self.error_label.show()
        self.error_shown.emit(text)

    def failure(self, what: str, exc: BaseException) -> None:
        """An error from an exception: ``what`` followed by the exception in words (the details go to the log)."""
        log.warning("%s", what, exc_info=exc)
        self.error(f"{what}: {user_message(exc)}")

    def clear_error(self) -> None:
        """Forget the shown error."""
        self.error_label.clear()
        self.error_label.setToolTip("")
        self.error_label.hide()

    def say(self, text: str, error: bool = False) -> None:
        """Show only ``text``: as the news (any error cleared) or, with ``error``, as the error (the news cleared).

        For small parts (a source page, a download row) that show one line at a time.
        """
        if error:
            self._news("", Level.INFO)
            self.error(text)
        else:
            self.clear_error()
            self.info(text)

    def shown_line(self) -> QLabel:
        """The line a user reads now: the error line while an error is shown, else the news line."""
        return self.error_label if self.error_text() else self.message

    def news(self) -> str:
        """The news line's text."""
        return self.message.text()

    def error_text(self) -> str:
        """The shown error ('' when none)."""
        return self.error_label.text() if not self.error_label.isHidden() else ""

    def _news(self, text: str, level: Level) -> None:
        self.level = level
        self.message.setStyleSheet(_STYLE[level])
        self.message.setText(text)
        self.message.setToolTip(text)
