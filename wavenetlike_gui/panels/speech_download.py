"""Download Speech Commands from inside the app: the library's downloader in a worker thread.

:class:`SpeechCommandsDownload` is the row under the Speech Commands source:
Download / Cancel, a progress bar and a line of text. It calls
:func:`wavenetlike.data.download.download_speech_commands`, which resumes an
interrupted download (the ``.part`` file is kept on cancel or error), checks
the archive's SHA-256 and unpacks it safely. Pressing Download again after a
cancel continues where it stopped.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from ..widgets.message_bar import MessageBar
from ..tasks import TaskRunner
from ..widgets.controls import button, row
from ..workers import Worker

__all__ = ["SpeechCommandsDownload", "format_bytes"]

log = logging.getLogger(__name__)


def format_bytes(n: float) -> str:
    """``1.2 GB``, ``340 MB``, ``12 kB``, ``512 B`` (powers of 1000, as download sizes are quoted)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def _download(root: str, url: str | None, sha256: str | None, progress: Any = None, cancel: Any = None) -> str:
    from wavenetlike.data.download import download_speech_commands
    return str(download_speech_commands(root, url=url, sha256=sha256, progress=progress, cancel=cancel))


class SpeechCommandsDownload(QWidget):
    """Download / Cancel with progress for the Speech Commands folder that ``root()`` names.

    ``url`` and ``sha256`` default to the official archive and its published
    checksum (None); tests and mirrors set them. Signals: ``downloaded(str)``
    with the folder, ``failed(str)`` with the reason in words, ``cancelled``.
    """

    downloaded = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, root: Callable[[], str], start_worker: Callable[[Worker], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._root = root
        self.url: str | None = None
        self.sha256: str | None = None
        self.tasks = TaskRunner(self, start_worker)  # the download; the panel owns its thread
        self.download_button = button("Download…", "Download Google's Speech Commands corpus (about 2.3 GB) into "
                                      "the folder above and unpack it. An interrupted download continues where it "
                                      "stopped; the archive's checksum is verified.", self.start)
        self.cancel_button = button("Cancel download", "Stop downloading; what was received is kept, and Download "
                                    "continues it.", self.cancel, enabled=False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        self.messages = MessageBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row(self.download_button, self.cancel_button, stretch=True))
        layout.addWidget(self.progress)
        layout.addWidget(self.messages)

    @property
    def status(self) -> QLabel:
        """The message bar's line a user reads now (the error line while an error is shown)."""
        return self.messages.shown_line()

    def is_running(self) -> bool:
        return self.tasks.running

    def start(self) -> bool:
        """Start (or continue) the download into ``root()``; False with a message when it cannot."""
        if self.is_running():
            return False
        root = self._root().strip()
        if not root:
            self.messages.say("Enter or choose the folder to download into first (it may be empty or new).",
                              error=True)
            return False
        part = next(Path(root).glob("*.tar.gz.part"), None) if Path(root).is_dir() else None
        self.messages.say(f"Continuing the download into {root}…" if part is not None
                          else f"Downloading into {root}…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.tasks.start(_download, root, self.url, self.sha256, name="download Speech Commands",
                         on_progress=self._on_progress, on_done=self._on_done, on_error=self._on_failed,
                         on_cancelled=self._on_cancelled, on_finished=self._on_finished)
        return True

    def cancel(self) -> None:
        if self.is_running():
            self.tasks.cancel()
            self.messages.say("Cancelling…")

    # ---------------------------------------------------------- worker news
    def _on_progress(self, done: int, total: int, what: str) -> None:
        extracting = what.startswith("extracting")
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))
            if extracting:
                self.progress.setFormat("unpacking (%p%)")
            else:
                self.progress.setFormat(f"{format_bytes(done)} of {format_bytes(total)} (%p%)")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(format_bytes(done))
        self.last_progress = (done, total, what)

    def _on_done(self, root: str) -> None:
        self.messages.say(f"Speech Commands is in {root} (checksum verified). Press Load to use it.")
        self.downloaded.emit(root)

    def _on_failed(self, message: str, _details: str) -> None:
        text = f"The download stopped: {message}. What was received is kept; press Download to continue."
        self.messages.say(text, error=True)
        self.failed.emit(text)

    def _on_cancelled(self) -> None:
        self.messages.say("Download cancelled; what was received is kept. Press Download to continue it.")
        self.cancelled.emit()

    def _on_finished(self) -> None:
        self.progress.setVisible(False)
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)