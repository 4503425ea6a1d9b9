"""The Dataset panel driven like a user: AR(2) values, Load, Cancel, clips, waveform, playback."""
from __future__ import annotations

import threading
import types

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from wavenetlike import AR2
from wavenetlike.data.ar2 import stationarity_message
from wavenetlike.data.dataset import Cancelled


def test_ar2_load_shows_clips_and_waveform(qtbot, window, ui):
    dataset = ui.load_ar2(qtbot, window, a=0.5, b=-0.25, length=3200, count=3, seed=7)
    panel = window.dataset_panel
    expected = AR2(a=0.5, b=-0.25, length=3200, count=3, seed=7).generate()
    assert len(dataset.clips) == 3
    np.testing.assert_array_equal(dataset.clips[1].audio, expected[1])
    model = panel.clip_model
    assert model.rowCount() == 3
    row = [model.index(1, c).data() for c in range(4)]
    assert row == ["ar2_001", "—", "0.200", "16000"]
    panel.clip_table.selectRow(2)
    assert panel.waveform.point_count() == 3200
    np.testing.assert_array_equal(panel.waveform.curve.yData, expected[2])
    assert panel.waveform.curve.opts["autoDownsample"] is True
    assert panel.waveform.curve.opts["downsampleMethod"] == "peak"
    assert panel.waveform.curve.opts["clipToView"] is True
    assert "3 clips" in panel.summary_label.text()


def test_nonstationary_note_and_refusal(qtbot, window, ui):
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["ar2"], Qt.MouseButton.LeftButton)
    assert panel.ar2_note.text().startswith("✓ Stationary")
    ui.set_spin(qtbot, panel.ar2_a, 1.2)
    ui.set_spin(qtbot, panel.ar2_b, 0.1)
    assert panel.ar2_note.text() == "⚠ " + stationarity_message(1.2, 0.1)
    assert panel.ar2_allow.isVisibleTo(panel)
    with qtbot.waitSignal(panel.load_failed, timeout=10000) as blocker:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert "not stationary" in blocker.args[0]
    assert "allow_nonstationary" in blocker.args[0]
    qtbot.waitUntil(lambda: not panel.is_busy())
    assert window.project.dataset is None


def test_cancel_keeps_previous_dataset(qtbot, window, ui, monkeypatch):
    first = ui.load_ar2(qtbot, window, count=1, length=500)
    import wavenetlike_gui.panels.dataset_panel as dp
    started = threading.Event()

    def slow(spec, progress=None, cancel=None):
        started.set()
        for i in range(10**9):
            progress(i, 10**9, f"file {i}")
            if cancel():
                raise Cancelled()

    monkeypatch.setattr(dp, "load_dataset", slow)
    panel = window.dataset_panel
    qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert started.wait(10)
    assert "working" in window.step_state_text(0)
    assert panel.cancel_button.isEnabled() and not panel.load_button.isEnabled()
    qtbot.waitUntil(lambda: panel.progress_label.text().startswith("file "), timeout=10000)
    with qtbot.waitSignal(panel.load_cancelled, timeout=10000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.load_button.isEnabled(), timeout=10000)
    assert window.project.dataset is first
    assert "cancelled" in panel.message.text()
    assert "done" in window.step_state_text(0)


def test_drop_files_selects_custom_source_and_loads(qtbot, window, tmp_path, monkeypatch):
    import wavenetlike_gui.panels.dataset_panel as dp
    calls = []

    def fake_load(spec, progress=None, cancel=None):
        calls.append(spec)
        raise ValueError("stand-in loader: nothing here")

    monkeypatch.setattr(dp, "load_dataset", fake_load)
    panel = window.dataset_panel
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(panel.load_failed, timeout=10000) as blocker:
        panel.dropEvent(event)
    assert panel.selected_kind() == "files"
    assert calls[0]["kind"] == "files" and calls[0]["paths"] == [str(tmp_path)]
    assert blocker.args[0].endswith(": stand-in loader: nothing here") and "ValueError" not in blocker.args[0]
    qtbot.waitUntil(lambda: not panel.is_busy())


def test_unreadable_files_are_listed_with_reasons(qtbot, window, tmp_path):
    import soundfile as sf
    sf.write(tmp_path / "good.wav", (0.1 * np.sin(np.arange(8000) / 5)).astype(np.float32), 16000)
    (tmp_path / "notes.wav").write_text("this is not audio")
    panel = window.dataset_panel
    panel.add_paths([str(tmp_path)])
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert panel.clip_model.rowCount() == 1
    assert panel.error_list.count() == 1
    assert panel.error_list.item(0).text().startswith("notes.wav")
    assert panel.info_tabs.tabText(0) == "Unreadable files (1)"
    qtbot.waitUntil(lambda: not window.panel("Analysis").is_busy(), timeout=30000)


def test_play_without_portaudio_or_device_says_so(qtbot, window, ui, monkeypatch):
    import sys

    from wavenetlike_gui import audio_player

    def no_portaudio():
        raise audio_player.PlaybackUnavailable(
            "Sound playback needs the PortAudio library, which was not found on this computer")

    monkeypatch.setattr(audio_player, "load_sounddevice", no_portaudio)
    assert "PortAudio library" in audio_player.output_problem()

    # A device was there when the app started, then refuses to open: Play says why in words
    # (no raw "Error querying device -1") and is disabled, its tooltip saying why.
    ui.load_ar2(qtbot, window, count=1, length=400)
    panel = window.dataset_panel
    panel._sound_problem = ""
    panel.show_clip(0)
    assert panel.play_button.isEnabled()
    opened, fed = [], []

    def refuse(samplerate, channels, dtype):
        opened.append(samplerate)
        raise RuntimeError("Error querying device -1")

    real_feed = audio_player.StreamPlayer.feed
    monkeypatch.setattr(audio_player.StreamPlayer, "feed",
                        lambda self, chunk: (fed.append(np.array(chunk)), real_feed(self, chunk)))
    fake = types.SimpleNamespace(OutputStream=refuse)
    monkeypatch.setattr(audio_player, "load_sounddevice", lambda: fake)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    assert panel.playback_message.text().startswith("This computer has no usable sound output")
    assert "-1" not in panel.playback_message.text() and "Error" not in panel.playback_message.text()
    assert not panel.play_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.play_button.toolTip().startswith("This computer has no usable sound output")
    assert panel.stop_button.toolTip().startswith("This computer has no usable sound output")
    assert opened == [16000] and panel.player is None
    data = np.concatenate(fed)
    assert np.abs(data).max() <= 1.0
    np.testing.assert_allclose(data, window.project.dataset.clips[0].audio / window.project.dataset.scale,
                               rtol=1e-6)


def test_no_output_device_at_start_disables_play_with_a_tooltip(qtbot, settings, monkeypatch):
    from wavenetlike_gui import audio_player
    from wavenetlike_gui.main_window import MainWindow

    class NoOutput:
        @staticmethod
        def query_devices(kind=None):
            raise RuntimeError("Error querying device -1")

    monkeypatch.setattr(audio_player, "load_sounddevice", lambda: NoOutput)
    w = MainWindow(settings=settings, load_bundled=False)
    qtbot.addWidget(w)
    panel, generate = w.dataset_panel, w.panel("Generate")
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        panel.select_kind("ar2")
        panel.load_current()
    assert not panel.play_button.isEnabled()
    assert panel.play_button.toolTip() == audio_player.NO_OUTPUT_TEXT
    assert not generate.play_clip_button.isEnabled()
    assert generate.play_clip_button.toolTip() == audio_player.NO_OUTPUT_TEXT
    w.project.modified = False
    w.close()
    w.shutdown()


def _write_words(root, words, per_word, speakers=("0000000a", "0000000b", "0000000c")):
    import soundfile as sf
    rng = np.random.default_rng(5)
    for w in words:
        for k in range(per_word):
            path = root / w / f"{speakers[k % len(speakers)]}_nohash_{k}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, (0.2 * rng.standard_normal(800)).astype(np.float32), 16000)


def test_speech_commands_folder_loads_chosen_words_with_cap(qtbot, window, tmp_path):
    root = tmp_path / "sc"
    _write_words(root, ["yes", "no", "up"], per_word=4)
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["speech_commands"], Qt.MouseButton.LeftButton)
    panel.sc_root.setText(str(root))
    panel.sc_words.setText("yes, up")
    panel.sc_cap.setValue(3)
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    dataset = blocker.args[0]
    assert dataset.kind == "speech_commands"
    assert sorted(dataset.labels) == ["up", "yes"]
    assert sorted(c.label for c in dataset.clips) == ["up"] * 3 + ["yes"] * 3
    qtbot.waitUntil(lambda: not window.panel("Analysis").is_busy(), timeout=30000)


def test_own_files_labels_from_sub_folder_names(qtbot, window, tmp_path):
    _write_words(tmp_path / "mine", ["low", "high"], per_word=2)
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["files"], Qt.MouseButton.LeftButton)
    panel.file_list.addItem(str(tmp_path / "mine"))
    panel.files_labels_check.setChecked(True)
    assert panel.current_spec()["labels_from_folders"] is True
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert sorted(c.label for c in blocker.args[0].clips) == ["high", "high", "low", "low"]
    qtbot.waitUntil(lambda: not window.panel("Analysis").is_busy(), timeout=30000)
