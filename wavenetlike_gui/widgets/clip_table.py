"""The clips of a dataset as a table model: name, label, duration, sample rate (tooltips: path, resampling)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

__all__ = ["ClipTableModel"]


class ClipTableModel(QAbstractTableModel):
    """The clips of a dataset as rows: name, label, duration, sample rate."""

    HEADERS = ["Name", "Label", "Duration (s)", "Sample rate (Hz)"]

    def __init__(self) -> None:
        super().__init__()
        self.clips: list[Any] = []

    def set_clips(self, clips: list[Any]) -> None:
        self.beginResetModel()
        self.clips = list(clips)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.clips)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        clip = self.clips[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return [clip.name, clip.label or "—", f"{clip.duration:.3f}", str(clip.sample_rate)][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [clip.path or clip.name]
            if clip.original_sample_rate and clip.original_sample_rate != clip.sample_rate:
                parts.append(f"resampled from {clip.original_sample_rate} Hz")
            if clip.original_channels and clip.original_channels > 1:
                parts.append(f"mixed down from {clip.original_channels} channels")
            return "\n".join(parts)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
