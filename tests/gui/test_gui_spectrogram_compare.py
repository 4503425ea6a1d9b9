"""Spectrograms of a dataset clip and of a take; real vs generated on shared scales; A/B playback."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import soundfile as sf
import torch
from PySide6.QtCore import Qt

from gui2_helpers import temp_settings, tiny_config

RATE = 16000


def _two_tone_wav(path, f1=440.0, f2=2500.0, seconds=0.8, rate=RATE):
    t = np.arange(int(rate * seconds)) / rate
    audio = (0.4 * np.sin(2 * np.pi * f1 * t) + 0.2 * np.sin(2 * np.pi * f2 * t)).astype(np.float32)
    sf.write(str(path), audio, rate, subtype="FLOAT")
    return audio


def _click_tab(qtbot, tabs, index):
    qtbot.mouseClick(tabs.tabBar(), Qt.MouseButton.LeftButton, pos=tabs.tabBar().tabRect(index).center())
    assert tabs.currentIndex() == index


def test_dataset_clip_spectrogram_peaks_at_its_two_tones(qtbot, window, tmp_path):
    _two_tone_wav(tmp_path / "tones.wav")
    panel = window.dataset_panel
    panel.add_paths([str(tmp_path / "tones.wav")])
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    _click_tab(qtbot, panel.view_tabs, 1)
    view = panel.spectrogram
    assert view.spec is not None
    peaks = view.drawn_peak_frequencies_khz(2)
    resolution_khz = (view.spec.freqs[1] - view.spec.freqs[0]) / 1000
    assert peaks[0] == pytest.approx(0.44, abs=resolution_khz)
    assert peaks[1] == pytest.approx(2.5, abs=resolution_khz)
    assert view.plot.getAxis("left").labelText == "frequency (kHz)"
    assert view.plot.getAxis("bottom").labelUnits == "s"
    assert view.colorbar.levels() == pytest.approx((-100.0, 0.0))
    qtbot.waitUntil(lambda: not window.panel("Analysis").is_busy(), timeout=30000)


class _FakeOutput:
    """A sound card for the test: records what every stream is given."""

    def __init__(self):
        self.streams = []

    def OutputStream(self, samplerate, channels, dtype):  # noqa: N802 - sounddevice's name
        fake = self
        written = []
        fake.streams.append(written)

        class Stream:
            def start(self):
                pass

            def write(self, block):
                written.append(np.array(block).reshape(-1))
                return False

            def stop(self):
                pass

            def abort(self):
                pass

            def close(self):
                pass
        return Stream()

    @staticmethod
    def query_devices(kind=None):
        return {"name": "fake"}


@pytest.fixture
def generate_panel(qtbot, tmp_path, monkeypatch):
    """A Generate panel on a speech-like dataset (a clip peaking at ±0.4) with a model of *other* data."""
    from wavenetlike import Dataset, build_wavenetlike
    from wavenetlike_gui import audio_player
    from wavenetlike_gui.panels.generate_panel import GeneratePanel
    from wavenetlike_gui.project import Project

    fake = _FakeOutput()
    monkeypatch.setattr(audio_player, "load_sounddevice", lambda: fake)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    _two_tone_wav(tmp_path / "real.wav", seconds=0.3)
    project = Project()
    project.set_dataset(Dataset(str(tmp_path / "real.wav")))
    torch.manual_seed(0)
    config = tiny_config(sample_rate=RATE)
    project.set_config(config)
    project.set_model(build_wavenetlike(config).eval())
    panel = GeneratePanel(project, temp_settings(tmp_path))
    # the loaded model was trained on data 8x louder (an AR(2) model): its scale must not touch the real clip
    monkeypatch.setattr(panel, "scale", lambda: 8.0)
    qtbot.addWidget(panel)
    panel.resize(1000, 650)
    panel.show()
    panel.fake_output = fake
    yield panel
    panel.shutdown()


def _generate(qtbot, panel, seconds=0.2):
    panel.stream_check.setChecked(False)
    panel.random_seed_check.setChecked(False)
    panel.seconds_spin.setValue(seconds)
    with qtbot.waitSignal(panel.generation_finished, timeout=60000) as blocker:
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_compare_draws_the_real_clip_at_its_own_level_on_a_shared_scale(qtbot, generate_panel):
    panel = generate_panel
    take = _generate(qtbot, panel)
    panel.compare_combo.setCurrentIndex(0)
    clip = panel.project.dataset.clips[0]
    drawn = panel.ref_curve.yData
    np.testing.assert_allclose(drawn, clip.audio / panel.project.dataset.scale, rtol=1e-6)
    assert np.abs(drawn).max() == pytest.approx(np.abs(clip.audio).max(), rel=1e-6)  # not divided by 8
    gen_range, ref_range = panel.compare.y_ranges()
    assert gen_range == pytest.approx(ref_range)
    loudest = max(np.abs(take.audio).max(), np.abs(drawn).max())
    assert gen_range[1] >= loudest and gen_range[0] <= -loudest
    # the time axes are shared too: both show the longer of the two
    gen_x = panel.wave_plot.getViewBox().viewRange()[0]
    ref_x = panel.ref_plot.getViewBox().viewRange()[0]
    assert gen_x == pytest.approx(ref_x)

    _click_tab(qtbot, panel.compare, 1)
    gen_spec, ref_spec = panel.compare.gen_spec, panel.compare.ref_spec
    assert gen_spec.spec is not None and ref_spec.spec is not None
    for axis in (0, 1):  # time and frequency
        assert gen_spec.plot.getViewBox().viewRange()[axis] == pytest.approx(ref_spec.plot.getViewBox().viewRange()[axis])
    ref_spec.set_levels((-80.0, -10.0))  # one colour range for both (dragging a bar does the same)
    assert gen_spec.colorbar.levels() == pytest.approx((-80.0, -10.0))
    assert ref_spec.drawn_peak_frequencies_khz(2) == pytest.approx([0.44, 2.5], abs=0.07)


def test_ab_playback_switches_between_real_and_generated(qtbot, generate_panel):
    panel = generate_panel
    take = _generate(qtbot, panel)
    panel.compare_combo.setCurrentIndex(0)
    fake = panel.fake_output
    assert panel.ab_button.isEnabled()

    qtbot.mouseClick(panel.play_clip_button, Qt.MouseButton.LeftButton)
    assert panel.playing == "A" and panel.playback_label.text().startswith("Playing A")
    qtbot.waitUntil(lambda: not panel.player.active, timeout=10000)
    np.testing.assert_allclose(np.concatenate(fake.streams[-1]), panel.project.dataset.clips[0].audio, rtol=1e-6)

    qtbot.mouseClick(panel.ab_button, Qt.MouseButton.LeftButton)
    assert panel.playing == "B" and panel.playback_label.text().startswith("Playing B")
    qtbot.waitUntil(lambda: not panel.player.active, timeout=10000)
    np.testing.assert_allclose(np.concatenate(fake.streams[-1]), np.clip(take.audio, -1, 1), rtol=1e-6)

    qtbot.mouseClick(panel.ab_button, Qt.MouseButton.LeftButton)
    assert panel.playing == "A"
    qtbot.mouseClick(panel.play_take_button, Qt.MouseButton.LeftButton)
    assert panel.playing == "B"
    qtbot.waitUntil(lambda: not panel.player.active, timeout=10000)


@pytest.mark.parametrize("choice, suffix, subtype", [("WAV, 16-bit PCM (*.wav)", ".wav", "PCM_16"),
                                                     ("FLAC, 16-bit (*.flac)", ".flac", "PCM_16"),
                                                     ("WAV, 32-bit float (*.wav)", ".wav", "FLOAT")])
def test_export_as_16_bit_wav_flac_or_float(qtbot, generate_panel, tmp_path, monkeypatch, choice, suffix, subtype):
    from PySide6.QtWidgets import QFileDialog
    panel = generate_panel
    take = _generate(qtbot, panel)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "take.wav"), choice)))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    out = tmp_path / f"take{suffix}"
    info = sf.info(str(out))
    assert info.subtype == subtype and info.samplerate == RATE and info.frames == len(take.audio)
    data, _ = sf.read(str(out), dtype="float32")
    tolerance = 1 / 32768 if subtype == "PCM_16" else 0
    np.testing.assert_allclose(data, np.clip(take.audio, -1, 1), atol=tolerance)
    assert panel.message.text().startswith("Exported")


def test_a_long_clip_name_does_not_push_the_colour_bar_out_of_the_view(qtbot):
    from wavenetlike_gui.widgets.spectrogram_view import SpectrogramView
    view = SpectrogramView()
    qtbot.addWidget(view)
    view.resize(420, 300)
    view.show()
    qtbot.waitExposed(view)
    name = "dataset clip: " + "a_rather_long_recording_name_" * 4 + ".wav"
    view.set_title(name)
    view.set_audio(np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.1, RATE)
    shown = view.plot.getPlotItem().titleLabel.text
    assert view.title() == name and "…" in shown and shown.endswith(".wav")

    def bar_on_screen() -> bool:  # the colour bar's dB labels all inside the view, once the layout has settled
        bar = view.plot.mapFromScene(view.colorbar.axis.sceneBoundingRect()).boundingRect()
        return bar.right() <= view.plot.viewport().width()
    qtbot.waitUntil(bar_on_screen, timeout=2000)
    view.resize(1400, 300)  # room for the whole name: shown whole
    qtbot.waitUntil(lambda: view.plot.getPlotItem().titleLabel.text == name, timeout=2000)


def test_a_narrowed_view_keeps_its_colour_bar_after_the_title_label_is_laid_out_again(qtbot):
    """The Generate step at 1024×700 after 1366×768: the view narrows from 744 to 402 px.

    pyqtgraph's title label sets its minimum width to its text's width each
    time it is resized; that minimum made the plot 28 px wider than the view
    and cut the colour bar's labels ("-2" for "-20").
    """
    from wavenetlike_gui.widgets.spectrogram_view import SpectrogramView
    view = SpectrogramView()
    qtbot.addWidget(view)
    view.resize(744, 290)
    view.show()
    qtbot.waitExposed(view)
    view.set_title("dataset clip: down/0d29376e_nohash_0.wav")
    view.set_audio(np.random.default_rng(0).standard_normal(10000).astype(np.float32) * 0.1, RATE)
    view.resize(402, 290)

    def fits() -> bool:
        plot_item = view.plot.getPlotItem()
        bar = view.plot.mapFromScene(view.colorbar.axis.sceneBoundingRect()).boundingRect()
        return plot_item.geometry().width() <= view.plot.viewport().width() and bar.right() <= view.plot.viewport().width()
    qtbot.waitUntil(fits, timeout=2000)
    from PySide6.QtWidgets import QApplication
    for _ in range(3):  # and it stays so while the label is laid out again
        QApplication.processEvents()
        assert fits()
