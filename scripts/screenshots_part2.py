"""Render the Training (mid-run, with curves) and Generate (with a waveform) steps to PNG, offscreen.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_part2.py [OUT_DIR]

Loads the bundled speech set when it is there (AR(2) otherwise), installs a
small discrete model, trains it in the app until the curves have some shape,
grabs the window while training still runs, stops (checkpoint written),
generates a second of audio and grabs the Generate step. Writes
``4-training-running.png`` and ``5-generate-waveform.png`` into OUT_DIR (default
``docs/screenshots/``).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
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


def _dataset():
    from wavenetlike import AR2, Dataset
    try:
        ds = Dataset(None, sample_rate=16000)
        if ds.clips:
            return ds
    except Exception as exc:  # noqa: BLE001 - fall back to synthetic data
        print("bundled set not loaded:", exc, file=sys.stderr)
    return Dataset(AR2(a=1.6, b=-0.7, length=16000, count=8, seed=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots")
    parser.add_argument("--size", default="1280x820")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import torch
    torch.set_num_threads(1)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from wavenetlike import ModelConfig
    from wavenetlike_gui.main_window import MainWindow
    from wavenetlike_gui.panels.generate_panel import GeneratePanel
    from wavenetlike_gui.panels.training_panel import TrainingPanel
    from wavenetlike_gui.project import Project
    from wavenetlike_gui.settings import Settings

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    project = Project()
    dataset = _dataset()
    project.set_config(ModelConfig(n_blocks=2, layers_per_block=6, residual_channels=16, gate_channels=16,
                                   skip_channels=32, output_channels=64, quantization_channels=256,
                                   sample_rate=int(dataset.sample_rate)))
    window = MainWindow(project, settings, step_classes=[TrainingPanel, GeneratePanel], load_bundled=False)
    project.set_dataset(dataset, {"kind": "bundled"})
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    training: TrainingPanel = window.panel("Training")
    generate: GeneratePanel = window.panel("Generate")

    training.ckpt_edit.setText(str(tmp / "screenshot-run.safetensors"))
    training.batch_spin.setValue(8)
    training.window_spin.setValue(512)
    training.lr_spin.setValue(0.003)
    training.stop_spin.setValue(2000)
    training.val_spin.setValue(25)
    training.ckpt_every_spin.setValue(100)
    window.go_to(0)
    training.start()
    _wait_until(app, lambda: training.last_event is not None and training.last_event.step >= 240, 240)
    training.redraw()
    app.processEvents()
    path = out / "4-training-running.png"
    window.grab().save(str(path))
    print(path, "at step", training.last_event.step if training.last_event else None)
    training.stop()
    _wait_until(app, lambda: not training.is_training(), 60)
    app.processEvents()

    window.go_to(1)
    generate.stream_check.setChecked(False)
    generate.random_seed_check.setChecked(False)
    generate.seed_spin.setValue(1)
    generate.seconds_spin.setValue(1.0)
    generate.temperature_spin.setValue(0.9)
    generate.compare_combo.setCurrentIndex(0)
    generate.prime_combo.setCurrentIndex(1)      # continue the first clip
    generate.prime_seconds_spin.setValue(0.2)
    done: list = []
    generate.generation_finished.connect(done.append)
    generate.generate()
    _wait_until(app, lambda: bool(done), 120)
    app.processEvents()
    path = out / "5-generate-waveform.png"
    window.grab().save(str(path))
    print(path)
    project.modified = False
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
