"""The Generate panel, driven like a user: generate, see the waveform, export, play (for real, into a file)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import soundfile as sf  # noqa: E402
import torch  # noqa: E402
from gui2_helpers import running_threads, temp_settings, tiny_config, tiny_dataset  # noqa: E402

from wavenetlike_gui.audio_player import can_stream_without_gaps  # noqa: E402
from wavenetlike_gui.panels.base import StepState  # noqa: E402
from wavenetlike_gui.panels.generate_panel import GeneratePanel  # noqa: E402
from wavenetlike_gui.project import Project  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert not running_threads(), f"threads left running: {running_threads()}"


def _model(**overrides):
    from wavenetlike import build_wavenetlike
    torch.manual_seed(0)
    return build_wavenetlike(tiny_config(**overrides)).eval()


@pytest.fixture
def panel(qtbot, tmp_path):
    project = Project()
    project.set_dataset(tiny_dataset())
    project.set_config(tiny_config())
    p = GeneratePanel(project, temp_settings(tmp_path))
    qtbot.addWidget(p)
    yield p
    p.shutdown()


def test_needs_a_model_then_generates_plots_and_exports(qtbot, panel, tmp_path):
    assert panel.state() is StepState.NEEDS_PREVIOUS
    assert not panel.generate_button.isEnabled()
    panel.project.set_model(_model())
    assert panel.state() is StepState.READY and panel.generate_button.isEnabled()
    assert not panel.label_combo.isEnabled() and not panel.resynth_combo.isEnabled()

    panel.stream_check.setChecked(False)
    panel.random_seed_check.setChecked(False)
    panel.seed_spin.setValue(7)
    panel.seconds_spin.setValue(0.5)
    panel.temperature_spin.setValue(0.9)
    with qtbot.waitSignal(panel.generation_finished, timeout=60000) as blocker:
        qtbot.mouseClick(panel.generate_button, _left())
    take = blocker.args[0]
    assert take.audio.shape == (4000,) and take.audio.dtype == np.float32
    assert np.all(np.abs(take.audio) <= 1.0) and np.std(take.audio) > 0
    assert panel.waveform_point_count() == 4000
    assert panel.state() is StepState.DONE
    assert panel.progress.value() == panel.progress.maximum()

    # Same seed, same model: the library's generate gives the same samples.
    from wavenetlike.generate import generate
    again = generate(panel.project.model, seconds=0.5, temperature=0.9, seed=7)
    np.testing.assert_allclose(take.audio, again, atol=1e-6)

    # the Statistics tab shows the library's generated-vs-real figures for this take
    from wavenetlike.analysis.audio_stats import compare_generated
    stats = panel.compare.widget(panel.compare.count() - 1)
    assert panel.compare.tabText(panel.compare.count() - 1) == "Statistics" and stats is panel.stats_table
    ref = panel.stats_table.comparison
    assert ref is not None and ref.generated.seconds == pytest.approx(0.5)
    expected = compare_generated([take.audio], [a for a in (c.audio / panel.project.dataset.scale
                                                             for c in panel.project.dataset.split(0.1, 0)[1])],
                                 8000)
    assert ref.generated.silent_fraction == pytest.approx(expected.generated.silent_fraction)
    assert panel.stats_table.cell_text("silent frames", 0) == f"{100 * expected.generated.silent_fraction:.0f} %"
    assert panel.stats_table.cell_text("voiced share (non-silent)", 1).endswith("%")

    out = tmp_path / "take.wav"
    assert panel.export_wav(out)
    data, rate = sf.read(str(out), dtype="float32")
    assert rate == 8000 and len(data) == 4000
    np.testing.assert_array_equal(data, take.audio)


def test_prime_label_and_cancel(qtbot, tmp_path):
    from wavenetlike import AR2, Dataset
    project = Project()
    ds = Dataset(AR2(length=3000, count=2, seed=1, sample_rate=8000))
    for i, c in enumerate(ds.clips):
        c.label = ["low", "high"][i]
    project.set_dataset(ds)
    project.set_model(_model(global_condition_classes=2, labels=["low", "high"]))
    panel = GeneratePanel(project, temp_settings(tmp_path))
    qtbot.addWidget(panel)
    assert panel.label_combo.isEnabled() and panel.label_combo.itemText(1) == "high"
    panel.label_combo.setCurrentIndex(1)
    panel.prime_combo.setCurrentIndex(1)   # the first clip
    panel.prime_seconds_spin.setValue(0.05)
    panel.stream_check.setChecked(False)
    kwargs = panel.generation_kwargs()
    assert kwargs["global_cond"] == 1 and kwargs["prime"].shape == (400,)
    np.testing.assert_allclose(kwargs["prime"], np.clip(ds.clips[0].audio[:400] / ds.scale, -1, 1))

    panel.seconds_spin.setValue(600.0)     # long enough to cancel midway
    with qtbot.waitSignal(panel.generation_finished, timeout=60000) as blocker:
        panel.generate()
        qtbot.waitUntil(lambda: panel._generated > 0, timeout=30000)
        qtbot.mouseClick(panel.cancel_button, _left())
    take = blocker.args[0]
    assert 0 < len(take.audio) < 600 * 8000
    assert take.settings["global_cond"] == 1 and take.settings["prime"]["seconds"] == pytest.approx(0.05)
    assert "cancelled" in panel.message.text()
    panel.shutdown()


def test_without_sound_output_the_panel_says_so_and_export_works(qtbot, panel, tmp_path, monkeypatch):
    from wavenetlike_gui import audio_player

    def no_portaudio():
        raise audio_player.PlaybackUnavailable("Sound playback needs the PortAudio library, which was not found")

    monkeypatch.setattr(audio_player, "load_sounddevice", no_portaudio)
    panel.project.set_model(_model())
    panel.seconds_spin.setValue(0.1)
    with qtbot.waitSignal(panel.generation_finished, timeout=60000):
        panel.generate()                   # "play as it generates" is on: it tries, and says why it cannot
    assert "PortAudio" in panel.playback_label.text()
    qtbot.mouseClick(panel.play_button, _left())
    assert "PortAudio" in panel.playback_label.text()
    assert not panel.playback.stop_button.isEnabled()  # nothing can be playing: Stop is off too
    assert "PortAudio" in panel.playback.stop_button.toolTip()
    assert panel.export_wav(tmp_path / "still.wav")
    assert sf.info(str(tmp_path / "still.wav")).frames == 800


def test_stream_start_rule():
    sr = 16000
    assert can_stream_without_gaps(2000, 32000, rate=50000, sample_rate=sr)       # 3× real time: go
    assert not can_stream_without_gaps(2000, 32000, rate=8000, sample_rate=sr)    # half real time: wait
    assert can_stream_without_gaps(22000, 32000, rate=8000, sample_rate=sr)       # enough in hand
    assert can_stream_without_gaps(32000, 32000, rate=0, sample_rate=sr)          # all there
    assert not can_stream_without_gaps(0, 32000, rate=1e6, sample_rate=sr)


PROBE = r"""
import json, os, sys, time
import numpy as np
import torch
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
sys.path.insert(0, os.environ["TEST_DIR"])
from gui2_helpers import temp_settings, tiny_config, tiny_dataset
from pathlib import Path
from wavenetlike import build_wavenetlike
from wavenetlike_gui.panels.generate_panel import GeneratePanel
from wavenetlike_gui.project import Project

app = QApplication([])
project = Project()
project.set_dataset(tiny_dataset())
torch.manual_seed(0)
project.set_model(build_wavenetlike(tiny_config()).eval())
panel = GeneratePanel(project, temp_settings(Path(os.environ["TMP"])))
panel.random_seed_check.setChecked(False)
panel.seed_spin.setValue(3)
panel.seconds_spin.setValue(float(os.environ["SECONDS"]))
panel.stream_check.setChecked(os.environ["MODE"] == "stream")
done = {}
loop = QEventLoop()
panel.generation_finished.connect(lambda take: (done.__setitem__("take", take), loop.quit()))
panel.generation_failed.connect(lambda m: (done.__setitem__("error", m), loop.quit()))
QTimer.singleShot(0, panel.generate)
QTimer.singleShot(60000, loop.quit)
loop.exec()
if os.environ["MODE"] == "after":
    panel.play()
player = panel.player
ok = player is not None and player.wait(60)
np.save(os.environ["OUT"], done["take"].audio)
print(json.dumps({"played": bool(ok), "underruns": player.underruns if player else -1,
                  "streamed": "while generating" in panel.playback_label.text(),
                  "label": panel.playback_label.text()}))
panel.shutdown()
"""


@pytest.mark.parametrize("mode", ["stream", "after"])
def test_playback_captured_by_alsa_equals_generated(tmp_path, mode):
    """Play through sounddevice into ALSA's file plugin; the captured float32 samples are the generated ones."""
    capture = tmp_path / "capture.raw"
    env = dict(os.environ, ALSA_CONFIG_PATH=f"/usr/share/alsa/alsa.conf:{HERE / 'data' / 'asound-file.conf'}",
               PLAYBACK_CAPTURE_FILE=str(capture), QT_QPA_PLATFORM="offscreen", TEST_DIR=str(HERE),
               TMP=str(tmp_path), OUT=str(tmp_path / "generated.npy"), MODE=mode, SECONDS="1.0",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT))
    if "PortAudio library" in proc.stdout + proc.stderr:
        pytest.skip("PortAudio (libportaudio2) is not installed")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["played"], report
    generated = np.load(tmp_path / "generated.npy")
    captured = np.fromfile(capture, dtype=np.float32)
    start = int(np.flatnonzero(captured)[0])
    first = int(np.flatnonzero(generated)[0])  # in case the clip itself starts with exact zeros
    assert start >= first
    played = captured[start - first:start - first + len(generated)]
    np.testing.assert_array_equal(played, np.clip(generated, -1, 1))
    assert not captured[start - first + len(generated):].any()   # nothing after it but silence padding
    if mode == "stream":
        assert report["streamed"], report                        # tiny model: far faster than real time
        assert report["underruns"] == 0


def _left():
    from PySide6.QtCore import Qt
    return Qt.MouseButton.LeftButton


def test_resynthesize_a_clip_with_the_library_features(qtbot, tmp_path):
    from wavenetlike import condition_on_features
    from wavenetlike.conditioning import features_for_clip
    from wavenetlike.generate import generate
    project = Project()
    ds = tiny_dataset(count=2, length=1200)
    project.set_dataset(ds)
    config = condition_on_features(tiny_config(), n_mels=8)
    torch.manual_seed(0)
    from wavenetlike import build_wavenetlike
    project.set_model(build_wavenetlike(config).eval())
    panel = GeneratePanel(project, temp_settings(tmp_path))
    qtbot.addWidget(panel)
    assert panel.resynth_combo.isEnabled() and not panel.label_combo.isEnabled()
    panel.resynth_combo.setCurrentIndex(2)  # the second clip
    assert panel.seconds_spin.value() == pytest.approx(1200 / 8000)
    panel.random_seed_check.setChecked(False)
    panel.seed_spin.setValue(3)
    panel.stream_check.setChecked(False)
    kwargs = panel.generation_kwargs()
    expected = features_for_clip(config, ds.clips[1].audio, ds.scale).numpy()
    np.testing.assert_allclose(kwargs["local_features"], expected)
    with qtbot.waitSignal(panel.generation_finished, timeout=60000) as blocker:
        qtbot.mouseClick(panel.generate_button, _left())
    take = blocker.args[0]
    assert take.settings["resynthesized"] == ds.clips[1].name
    again = generate(project.model, seconds=1200 / 8000, seed=3, local_features=expected)
    np.testing.assert_allclose(take.audio, again, atol=1e-6)
    panel.shutdown()
