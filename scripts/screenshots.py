"""Render every step of the app to PNG, offscreen, as a first-time user would see it.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [OUT_DIR] [--sizes 1024x700,1366x768] [--source bundled|ar2]

Loads the bundled sample speech set (AR(2) if it cannot be loaded), waits for
the real analysis and suggestion, accepts the suggestion, trains it in the app
until the curves have some shape and grabs the Training step while the run
still goes on, stops it (checkpoint written), generates audio and grabs the
Generate step with its waveforms and spectrograms. Every picture is taken at
each size in ``--sizes`` (the window resized, laid out again, grabbed):
``1-dataset-1024x700.png``, ``1-dataset-spectrogram-…``, ``1-dataset-record-…``,
``1-dataset-speech-commands-…``, ``2-analysis-…``,
``3-architecture-…``, ``3-architecture-layers-…``, ``4-training-…``,
``5-generate-…``, ``5-generate-spectrograms-…``, plus ``app.png`` (the
Architecture step at the last size, for the README), into OUT_DIR (default
``docs/screenshots/``). PNGs are written with maximum compression.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _wait_until(app, condition, timeout_s: float) -> bool:
    """Run the event loop until ``condition()`` holds (True) or the time is up (False)."""
    from PySide6.QtCore import QEventLoop, QTimer
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    poll.start()
    loop.exec()
    poll.stop()
    return condition()


def _grab(app, window, path: Path) -> None:
    """Grab the window at every size in ``window.sizes``: ``<path stem>-<W>x<H>.png``."""
    for width, height in window.sizes:
        window.resize(width, height)
        for _ in range(5):
            app.processEvents()
        out = path.with_name(f"{path.stem}-{width}x{height}.png")
        window.grab().save(str(out), "PNG", 0)  # quality 0: maximum compression
        hint = window.minimumSizeHint()
        print(out, f"(window {window.width()}x{window.height()}, needs at least {hint.width()}x{hint.height()})")
        if window.width() > width:
            from PySide6.QtWidgets import QWidget
            wide = sorted(((w.minimumSizeHint().width(), type(w).__name__, w.objectName())
                           for w in window.findChildren(QWidget) if w.isVisible()), reverse=True)[:12]
            print("  wider than asked; widest visible widgets:", wide)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots", help="folder for the PNG files")
    parser.add_argument("--source", choices=["bundled", "ar2"], default="bundled")
    parser.add_argument("--sizes", default="1024x700,1366x768", help="window sizes, WIDTHxHEIGHT,…")
    parser.add_argument("--train-seconds", type=float, default=40.0,
                        help="train at most this long before the mid-run screenshot")
    parser.add_argument("--steps-only", default="", help="comma-separated step numbers to render (default all)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {int(s) for s in args.steps_only.split(",") if s.strip()} or {1, 2, 3, 4, 5}

    import torch
    torch.set_num_threads(2)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from wavenetlike_gui.main_window import MainWindow
    from wavenetlike_gui.settings import Settings

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings=settings, load_bundled=False)
    window.sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",") if size.strip()]
    window.resize(*window.sizes[0])
    window.show()
    project = window.project
    dataset_panel = window.dataset_panel
    architecture = window.panel("Architecture")
    training = window.panel("Training")
    generate = window.panel("Generate")

    # 1-2. Dataset and its analysis.
    if args.source == "bundled":
        dataset_panel.load_bundled()
        _wait_until(app, lambda: project.dataset is not None or not dataset_panel.is_busy(), 120)
        if project.dataset is None:
            print("bundled set not loaded:", dataset_panel.message.text(), file=sys.stderr)
    if project.dataset is None:
        dataset_panel.select_kind("ar2")
        dataset_panel.ar2_a.setValue(1.6)
        dataset_panel.ar2_b.setValue(-0.7)
        dataset_panel.load_current()
        _wait_until(app, lambda: project.dataset is not None or not dataset_panel.is_busy(), 60)
    _wait_until(app, lambda: project.report is not None and architecture.suggestion is not None, 120)
    dataset_panel.clip_table.selectRow(0)
    for i in (1, 2, 3):
        if i in wanted:
            window.go_to(i - 1)
            _grab(app, window, out / f"{i}-{window.panels[i - 1].title.lower()}.png")
    if 1 in wanted:
        window.go_to(0)
        dataset_panel.view_tabs.setCurrentIndex(1)
        _grab(app, window, out / "1-dataset-spectrogram.png")
        dataset_panel.view_tabs.setCurrentIndex(0)
        dataset_panel.select_kind("record")
        _grab(app, window, out / "1-dataset-record.png")
        dataset_panel.select_kind("speech_commands")
        _grab(app, window, out / "1-dataset-speech-commands.png")
        dataset_panel.select_kind("bundled")
    if 3 in wanted:
        window.go_to(2)
        architecture.pictures.setCurrentIndex(1)
        _grab(app, window, out / "3-architecture-layers.png")
        architecture.pictures.setCurrentIndex(0)
        w, h = window.sizes[-1]
        shutil.copyfile(out / f"3-architecture-{w}x{h}.png", out / "app.png")

    # 4. Training mid-run, on the suggested architecture.
    if wanted & {4, 5}:
        training.runs_edit.setText(str(tmp / "runs"))
        training.stop_spin.setValue(5000)
        training.val_spin.setValue(20)
        training.ckpt_every_spin.setValue(100)
        window.go_to(3)
        training.start()
        t0 = time.monotonic()
        _wait_until(app, lambda: training.last_event is not None and training.last_event.step >= 200,
                    args.train_seconds)
        _wait_until(app, lambda: len(training.loss_curves.vx) >= 2, max(1.0, args.train_seconds - (time.monotonic() - t0)))
        training.redraw()
        if 4 in wanted:
            _grab(app, window, out / "4-training.png")
        print("training screenshot at step", training.last_event.step if training.last_event else None)
        training.stop()
        _wait_until(app, lambda: not training.is_training(), 120)

    # 5. Generate, continuing a real clip.
    if 5 in wanted:
        window.go_to(4)
        generate.stream_check.setChecked(False)
        generate.random_seed_check.setChecked(False)
        generate.seed_spin.setValue(1)
        generate.seconds_spin.setValue(0.5)
        generate.prime_combo.setCurrentIndex(1)
        generate.prime_seconds_spin.setValue(0.2)
        generate.compare_combo.setCurrentIndex(0)
        done: list = []
        generate.generation_finished.connect(done.append)
        generate.generate()
        _wait_until(app, lambda: bool(done) or not generate.is_generating(), 240)
        _grab(app, window, out / "5-generate.png")
        generate.compare.setCurrentIndex(1)
        _grab(app, window, out / "5-generate-spectrograms.png")
        generate.compare.setCurrentWidget(generate.stats_table)
        _grab(app, window, out / "5-generate-statistics.png")

    project.modified = False
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
