"""Persistent app settings (QSettings) with a version number.

What is remembered: window geometry and state, the last folder used per kind
of dialog, the Training and Generate panels' values, and the recent datasets (as specs, see :mod:`wavenetlike_gui.sources`).
When the stored version differs from :data:`SETTINGS_VERSION` the old
values are dropped instead of being misread.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

__all__ = ["Settings", "SETTINGS_VERSION"]

SETTINGS_VERSION = 1
MAX_RECENT = 8
log = logging.getLogger(__name__)


class Settings:
    """Typed access to the app's QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else QSettings("wavenetlike", "wavenetlike-gui")
        stored = self.q.value("settings_version")
        if stored is not None and str(stored) != str(SETTINGS_VERSION):
            log.info("settings version %s differs from %s: starting afresh", stored, SETTINGS_VERSION)
            self.q.clear()
        self.q.setValue("settings_version", SETTINGS_VERSION)

    # -------------------------------------------------------------- window
    def geometry(self) -> QByteArray | None:
        v = self.q.value("window/geometry")
        return v if isinstance(v, QByteArray) else None

    def set_geometry(self, data: QByteArray) -> None:
        self.q.setValue("window/geometry", data)

    def window_state(self) -> QByteArray | None:
        v = self.q.value("window/state")
        return v if isinstance(v, QByteArray) else None

    def set_window_state(self, data: QByteArray) -> None:
        self.q.setValue("window/state", data)

    # ------------------------------------------------------------- folders
    def last_folder(self, kind: str, default: str = "") -> str:
        """The folder last used by the dialog of ``kind`` (e.g. "dataset")."""
        v = self.q.value(f"folders/{kind}")
        return str(v) if v else default

    def set_last_folder(self, kind: str, folder: str) -> None:
        self.q.setValue(f"folders/{kind}", str(folder))

    # ------------------------------------------------------ recent datasets
    def recent_datasets(self) -> list[dict[str, Any]]:
        """Recent dataset specs, newest first (unreadable entries are skipped)."""
        raw = self.q.value("recent/datasets")
        if not raw:
            return []
        try:
            items = json.loads(str(raw))
        except ValueError:
            log.warning("recent datasets in the settings are unreadable; ignoring them")
            return []
        return [i for i in items if isinstance(i, dict) and "kind" in i]

    def add_recent_dataset(self, spec: dict[str, Any]) -> None:
        """Put ``spec`` first in the recent list (once), keeping at most MAX_RECENT."""
        items = [s for s in self.recent_datasets() if s != spec]
        items.insert(0, spec)
        self.q.setValue("recent/datasets", json.dumps(items[:MAX_RECENT]))

    def clear_recent_datasets(self) -> None:
        self.q.remove("recent/datasets")

    # ---------------------------------------------------------- panel values
    def panel_values(self, panel: str) -> dict[str, Any]:
        """The values a panel remembered (``{}`` when none or unreadable)."""
        raw = self.q.value(f"panels/{panel}")
        if not raw:
            return {}
        try:
            values = json.loads(str(raw))
        except ValueError:
            log.warning("remembered values of the %s panel are unreadable; ignoring them", panel)
            return {}
        return values if isinstance(values, dict) else {}

    def set_panel_values(self, panel: str, values: dict[str, Any]) -> None:
        """Remember a panel's values (JSON-safe numbers and strings)."""
        self.q.setValue(f"panels/{panel}", json.dumps(values))

    def panel_values_version(self, panel: str) -> int:
        """The version a panel's values were saved under (1 for values saved before versions existed)."""
        raw = self.q.value(f"panel_versions/{panel}")
        try:
            return int(raw) if raw is not None else 1
        except (TypeError, ValueError):
            return 0  # unreadable: older than any version

    def set_panel_values_version(self, panel: str, version: int) -> None:
        """Record the version of a panel's remembered values."""
        self.q.setValue(f"panel_versions/{panel}", int(version))

    def sync(self) -> None:
        self.q.sync()
