"""Render every step of the app to PNG, offscreen.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [OUT_DIR] [--source bundled|ar2]

Loads the dataset (the bundled sample set by default, AR(2) if that cannot
be loaded), waits for the analysis and the suggestion, then saves one PNG of
the whole window per step into OUT_DIR (default ``docs/screenshots/``).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _wait(app, signals, timeout_ms: int) -> bool:
    """Run the event loop until one of ``signals`` fires (True) or the timeout passes (False)."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    fired = []
    for s in signals:
        s.connect(lambda *a: (fired.append(True), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return bool(fired)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots", help="folder for the PNG files")
    parser.add_argument("--source", choices=["bundled", "ar2"], default="bundled")
    parser.add_argument("--size", default="1280x820", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import torch
    torch.set_num_threads(1)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from wavenetlike_gui.main_window import MainWindow
    from wavenetlike_gui.settings import Settings

    app = QApplication.instance() or QApplication([])
    settings = Settings(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings=settings, load_bundled=False)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    dataset_panel = window.dataset_panel
    analysis = window.panel("Analysis")

    ok = False
    if args.source == "bundled":
        dataset_panel.load_bundled()
        ok = _wait(app, [dataset_panel.loaded, dataset_panel.load_failed], 120000) and window.project.dataset is not None
        if not ok:
            print("bundled set not loaded:", dataset_panel.message.text(), file=sys.stderr)
    if not ok:
        dataset_panel.select_kind("ar2")
        dataset_panel.ar2_a.setValue(1.6)
        dataset_panel.ar2_b.setValue(-0.7)
        dataset_panel.ar2_length.setValue(8000)
        dataset_panel.ar2_count.setValue(6)
        dataset_panel.load_current()
        _wait(app, [dataset_panel.loaded, dataset_panel.load_failed], 60000)
    if window.project.dataset is not None and window.project.report is None:
        _wait(app, [analysis.analysed, analysis.analysis_failed], 120000)
    app.processEvents()

    for i, panel in enumerate(window.panels):
        window.go_to(i)
        app.processEvents()
        app.processEvents()
        path = out / f"{i + 1}-{panel.title.lower()}.png"
        window.grab().save(str(path))
        print(path)
        pictures = getattr(panel, "pictures", None)
        if pictures is not None:  # the Architecture panel's second picture
            for tab in range(1, pictures.count()):
                pictures.setCurrentIndex(tab)
                app.processEvents()
                extra = out / f"{i + 1}-{panel.title.lower()}-{tab + 1}.png"
                window.grab().save(str(extra))
                print(extra)
            pictures.setCurrentIndex(0)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
