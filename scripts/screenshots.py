"""Render every step of the app to PNG, offscreen, as a first-time user would see it.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [OUT_DIR] [--size 1200x780] [--source bundled|ar2]

Loads the bundled sample speech set (AR(2) if it cannot be loaded), waits for
the real analysis and suggestion, accepts the suggestion, trains it in the app
until the curves have some shape and grabs the Training step while the run
still goes on, stops it (checkpoint written), generates audio and grabs the
Generate step with its waveform. Writes ``1-dataset.png`` … ``5-generate.png``
(plus ``3-architecture-2.png``, the second picture) and ``app.png`` (the
whole window at the Architecture step, for the README) into OUT_DIR (default
``docs/screenshots/``).
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
    for _ in range(3):
        app.processEvents()
    window.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots", help="folder for the PNG files")
    parser.add_argument("--source", choices=["bundled", "ar2"], default="bundled")
    parser.add_argument("--size", default="1200x780", help="window size, WIDTHxHEIGHT")
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
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
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
    if 3 in wanted:
        architecture.pictures.setCurrentIndex(1)
        _grab(app, window, out / "3-architecture-2.png")
        architecture.pictures.setCurrentIndex(0)
        shutil.copyfile(out / "3-architecture.png", out / "app.png")

    # 4. Training mid-run, on the suggested architecture.
    if wanted & {4, 5}:
        training.ckpt_edit.setText(str(tmp / "screenshot-run.safetensors"))
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

    project.modified = False
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
