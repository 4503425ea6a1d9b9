"""Record a dataset: a real recording through ALSA's file plugin's capture side, saved as WAV and loaded."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

PROBE = r"""
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
sys.path.insert(0, os.environ["TEST_DIR"])
from gui2_helpers import temp_settings
from wavenetlike_gui.panels.dataset_panel import DatasetPanel
from wavenetlike_gui.project import Project

app = QApplication([])
panel = DatasetPanel(Project(), temp_settings(Path(os.environ["TMP"])))
panel.show()
QTest.mouseClick(panel.source_radios["record"], Qt.MouseButton.LeftButton)
page = panel.record_page
page.folder_edit.clear()
QTest.keyClicks(page.folder_edit, os.environ["FOLDER"])
page.label_edit.clear()
QTest.keyClicks(page.label_edit, "hello")
page.seconds_spin.setValue(0.5)
page.countdown_spin.setValue(1)
out = {"countdown": [], "saved": None}
loop = QEventLoop()
page.clip_saved.connect(lambda p: (out.__setitem__("saved", p), loop.quit()))
page.failed.connect(lambda m: (out.__setitem__("error", m), loop.quit()))
QTimer.singleShot(0, lambda: QTest.mouseClick(page.record_button, Qt.MouseButton.LeftButton))
QTimer.singleShot(300, lambda: out["countdown"].append(page.status.text()))
QTimer.singleShot(30000, loop.quit)
loop.exec()
out["meter"] = page.meter.value()
out["meter_text"] = page.meter.format()
out["listed"] = [page.clip_list.item(i).text() for i in range(page.clip_list.count())]
loop2 = QEventLoop()
panel.loaded.connect(lambda ds: (out.__setitem__("clips", [(c.label, len(c.audio)) for c in ds.clips]),
                                 loop2.quit()))
panel.load_failed.connect(lambda m: (out.__setitem__("load_error", m), loop2.quit()))
QTest.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
QTimer.singleShot(30000, loop2.quit)
loop2.exec()
print(json.dumps(out))
panel.shutdown()
"""


def test_recording_through_alsa_capture_equals_the_fed_samples_and_loads(tmp_path):
    rate = 16000
    t = np.arange(rate) / rate
    fed = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * np.random.default_rng(0).standard_normal(rate))
    fed = fed.astype(np.float32)
    fed.tofile(tmp_path / "mic.raw")            # 1 s in the stream's own format; the clip takes 0.5 s of it
    folder = tmp_path / "my voice"
    env = dict(os.environ,
               ALSA_CONFIG_PATH=f"/usr/share/alsa/alsa.conf:{ROOT / 'tests' / 'data' / 'asound-capture.conf'}",
               RECORD_SOURCE_FILE=str(tmp_path / "mic.raw"), PLAYBACK_CAPTURE_FILE=str(tmp_path / "out.raw"),
               QT_QPA_PLATFORM="offscreen", TEST_DIR=str(ROOT / "tests"), TMP=str(tmp_path), FOLDER=str(folder),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT))
    if "PortAudio library" in proc.stdout + proc.stderr:
        pytest.skip("PortAudio (libportaudio2) is not installed")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in out, out
    assert out["countdown"] == ["Recording “hello” in 1…"]
    saved = Path(out["saved"])
    assert saved == folder / "hello" / "hello_001.wav"
    audio, sr = sf.read(str(saved), dtype="float32")
    assert sr == rate and sf.info(str(saved)).subtype == "FLOAT"
    np.testing.assert_array_equal(audio, fed[: rate // 2])   # bit for bit
    peak = 20 * np.log10(np.abs(fed[: rate // 2]).max())
    assert out["meter"] == int(peak) and f"{peak:.1f} dB" in out["meter_text"]
    assert out["listed"] and out["listed"][0].startswith("hello/hello_001.wav")
    assert out["clips"] == [["hello", rate // 2]]


def test_record_refuses_a_missing_folder_or_bad_label_in_words(qtbot, window):
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["record"], Qt.MouseButton.LeftButton)
    page = panel.record_page
    page.folder_edit.setText("")
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    assert "folder" in page.status.text() and page.record_button.isEnabled()
    page.folder_edit.setText("/tmp/x")
    page.label_edit.setText("../up")
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    assert "label" in page.status.text() and not page.is_busy()
    # the refusal is the page's message bar's error line (full text as tooltip), not its news
    assert page.status is page.messages.error_label and "label" in page.messages.error_text()
    assert page.messages.error_label.toolTip() == page.messages.error_text() and page.messages.news() == ""


def test_next_clip_path_counts_up(tmp_path):
    from wavenetlike_gui.panels.record_page import next_clip_path
    assert next_clip_path(tmp_path, "yes") == tmp_path / "yes" / "yes_001.wav"
    (tmp_path / "yes").mkdir()
    (tmp_path / "yes" / "yes_001.wav").write_bytes(b"")
    assert next_clip_path(tmp_path, "yes") == tmp_path / "yes" / "yes_002.wav"


class _PacedMicrophone:
    """A microphone for the test: delivers a known signal in 400-frame blocks, 20 ms apart (about real time)."""

    def __init__(self, signal: np.ndarray, quiet_pace: float = 0.02, quiet_until: int = 0) -> None:
        self.signal = signal
        self.quiet_pace, self.quiet_until = quiet_pace, quiet_until

    def InputStream(self, samplerate, channels, dtype, callback):  # noqa: N802 - sounddevice's name
        import threading
        import time
        signal, quiet_pace, quiet_until = self.signal, self.quiet_pace, self.quiet_until
        stop = threading.Event()

        class Stream:
            def start(self):
                def run():
                    for i in range(0, len(signal), 400):
                        if stop.is_set():
                            return
                        callback(signal[i:i + 400].reshape(-1, 1), 400, None, None)
                        # the fake microphone delivers at its own pace (not a test wait)
                        time.sleep(quiet_pace if i < quiet_until else 0.02)
                self.thread = threading.Thread(target=run, daemon=True)
                self.thread.start()

            def abort(self):
                stop.set()

            def close(self):
                self.thread.join(5)
        return Stream()


def test_level_meter_follows_the_input_while_recording(qtbot, window, tmp_path, monkeypatch):
    rate = 16000
    signal = np.concatenate([np.full(8000, 0.01, np.float32), np.full(8000, 0.5, np.float32)])  # -40 dB, -6 dB
    # the quiet half comes slowly (1 s), so a busy machine's GUI still shows it before the loud half
    monkeypatch.setitem(sys.modules, "sounddevice", _PacedMicrophone(signal, quiet_pace=0.05, quiet_until=8000))
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["record"], Qt.MouseButton.LeftButton)
    page = panel.record_page
    page.folder_edit.setText(str(tmp_path / "rec"))
    page.label_edit.setText("up")
    page.countdown_spin.setValue(0)
    seen: list[int] = []
    page.meter.valueChanged.connect(seen.append)
    with qtbot.waitSignal(page.clip_saved, timeout=20000) as blocker:
        qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
        assert page.status.text().startswith("Recording “up”") and page.stop_button.isEnabled()
    quiet = [i for i, v in enumerate(seen) if v <= -35]
    loud = [i for i, v in enumerate(seen) if v >= -10]
    assert quiet and loud and quiet[0] < loud[0], seen   # the meter showed the quiet part, then the loud one
    assert seen[-1] == -6                                 # and ends on the clip's peak
    audio, sr = sf.read(blocker.args[0], dtype="float32")
    assert sr == rate and len(audio) == rate
    np.testing.assert_array_equal(audio, signal)
    assert not page.stop_button.isEnabled() and page.record_button.isEnabled()
