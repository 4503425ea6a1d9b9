"""The Generate step's playback: Play / Stop of the shown take (streamed while it is generated), and A/B
against a dataset clip.

:class:`TakePlayback` owns the controls (Play, Stop, "Play as it generates",
the playback line and the "Compare with a dataset clip" box) and the one
:class:`~wavenetlike_gui.audio_player.StreamPlayer`; the panel places the
controls, tells it about the take being generated, and supplies the sample
rate and the dataset whose clips the compare box offers. Streaming starts only when
:func:`~wavenetlike_gui.audio_player.can_stream_without_gaps` says the
measured generation rate cannot let it run dry; otherwise at the end.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ..audio_player import PlaybackUnavailable, StreamPlayer, can_stream_without_gaps, output_problem
from ..generation import TakeInProgress
from .generate_settings import chosen_clip

__all__ = ["TakePlayback", "PLAY_TIP", "CONTROLS"]

PLAY_TIP = "Play the shown take (during generation: as soon as it can play without gaps)."
CLIP_TIP = "Play the chosen dataset clip (A)."
TAKE_TIP = "Play the shown generated take (B)."
AB_TIP = "Switch between the real clip and the generated take, at the same moment."
CONTROLS = ("play_button", "stop_button", "stream_check", "playback_label", "compare_combo", "play_clip_button",
            "play_take_button", "ab_button")
"""The controls, reachable on the Generate panel under the same names."""


class TakePlayback(QObject):
    """Play / Stop / A/B for the Generate panel.

    ``sample_rate()`` gives the model's rate, ``dataset()`` the loaded dataset
    (or None), whose clips ``compare_combo`` offers (the panel fills it). The shown take
    is :attr:`take` and the take being generated :attr:`in_progress` (the panel
    sets both, the latter through :meth:`prepare` and :meth:`generation_ended`). Signals: ``message(str)`` with every
    playback line; ``output_failed`` when playback turned out impossible (the
    play buttons then say why in their tooltips).
    """

    message = Signal(str)
    output_failed = Signal()

    def __init__(self, sample_rate: Callable[[], int], dataset: Callable[[], Any],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sample_rate = sample_rate
        self._dataset = dataset
        self.take: Any = None  # the shown GeneratedClip
        self.in_progress: TakeInProgress | None = None  # the take being generated
        self.player: StreamPlayer | None = None
        self.playing: str = ""  # "A" (real clip), "B" (generated take) or ""
        self.sound_problem = output_problem()  # '' when there is a sound output
        self._player_offset = 0
        self._streaming = False
        self._armed = False  # play as soon as it can (while generating)

        self.play_button = QPushButton("▶ Play")
        self.stop_button = QPushButton("■ Stop")
        self.stream_check = QCheckBox("Play as it generates (when fast enough)")
        self.stream_check.setChecked(True)
        self.play_button.setToolTip(PLAY_TIP)
        self.stop_button.setToolTip("Stop playing.")
        self.stream_check.setToolTip("Start playing while generation goes on, when it runs fast enough "
                                     "that playback never has to wait.")
        self.play_button.clicked.connect(self.play)
        self.stop_button.clicked.connect(self.stop)
        self.playback_label = QLabel("")
        self.playback_label.setWordWrap(True)
        self.playback_label.setStyleSheet("color: #555;")

        self.compare_combo = QComboBox()
        self.play_clip_button = QPushButton("▶ A: real")
        self.play_clip_button.clicked.connect(self.play_reference)
        self.play_take_button = QPushButton("▶ B: generated")
        self.play_take_button.clicked.connect(self.play)
        self.ab_button = QPushButton("⇄ A/B")
        self.ab_button.clicked.connect(self.toggle_ab)
        self.compare_combo.setToolTip("A clip of the dataset, drawn below the generated audio for comparison.")
        self.play_clip_button.setToolTip(CLIP_TIP)
        self.play_take_button.setToolTip(TAKE_TIP)
        self.ab_button.setToolTip(AB_TIP)
        compare_col = QVBoxLayout()
        compare_col.addWidget(self.compare_combo)
        ab_row = QHBoxLayout()
        for b in (self.play_clip_button, self.play_take_button, self.ab_button):
            ab_row.addWidget(b)
        compare_col.addLayout(ab_row)
        self.compare_box = QGroupBox("Compare with a dataset clip")
        self.compare_box.setLayout(compare_col)

    # -------------------------------------------------------- the dataset clip
    def reference(self) -> tuple[np.ndarray, int, str] | None:
        """The clip chosen in the compare box: (audio in model units, its sample rate, its name), or None."""
        dataset = self._dataset()
        clip = chosen_clip(self.compare_combo, getattr(dataset, "clips", None))
        if clip is None:
            return None
        # divided by its own dataset's scale, not the loaded model's: a model trained on other data has
        # another scale, and dividing by it drew a speech clip at a fraction of its level next to an AR(2) take
        scale = float(getattr(dataset, "scale", 1.0) or 1.0)
        return np.asarray(clip.audio, np.float32) / scale, int(clip.sample_rate), clip.name

    # ------------------------------------------------------- while generating
    def prepare(self, so_far: TakeInProgress) -> None:
        """Generating ``so_far`` starts: stop what plays; play while generating if the box is ticked."""
        self.stop()
        self.in_progress = so_far
        self._armed = self.stream_check.isChecked()
        self._streaming = False

    def disarm(self) -> None:
        """Generation failed: nothing is to be played when it ends."""
        self._armed = False

    def chunk_arrived(self, chunk: np.ndarray, now: float) -> None:
        """A chunk was added to :attr:`in_progress`: feed a streaming player, or start one once it cannot run dry."""
        so_far = self.in_progress
        if so_far is None:
            return
        if self._streaming and self.player is not None:
            self.player.feed(chunk)
        elif self._armed:
            self._maybe_start_stream(so_far, now)
        if self._streaming and self.player is not None and so_far.complete:
            self.player.finish()

    def generation_ended(self) -> None:
        """No more chunks will come: a streaming player plays out what it has."""
        self.in_progress = None
        if self.player is not None and self._streaming:
            self.player.finish()

    def play_if_armed(self, audio: np.ndarray) -> None:
        """The take is complete: play it now if Play was asked for but streaming never could start."""
        if self._armed:
            self._armed = False
            self._start_player(audio, more_to_come=False)

    def _maybe_start_stream(self, so_far: TakeInProgress, now: float) -> None:
        rate = so_far.rate(now)
        if can_stream_without_gaps(so_far.generated, so_far.total, rate, self._sample_rate()):
            self._armed = False
            self._streaming = self._start_player(np.concatenate(so_far.chunks), more_to_come=not so_far.complete)
            if self._streaming:
                self._say(f"Playing while generating ({rate:,.0f} samples/s, "
                          f"{rate / self._sample_rate():.1f}× real time).")

    # --------------------------------------------------------------- playing
    def _start_player(self, audio: np.ndarray, more_to_come: bool) -> bool:
        self.stop()
        player = StreamPlayer(self._sample_rate())
        player.feed(audio)
        if not more_to_come:
            player.finish()
        try:
            player.start()
        except PlaybackUnavailable as exc:
            self._no_output(exc)
            return False
        self.player = player
        if not more_to_come:
            self._say(f"Playing {len(audio) / self._sample_rate():.2f} s.")
        return True

    def play(self) -> None:
        """Play the shown take (B); during generation, start as soon as it can play without gaps."""
        so_far = self.in_progress
        if so_far is not None:
            self._armed = True
            self._say("Will play as soon as it can play without gaps (at the latest when done).")
            if so_far.chunks:
                self._maybe_start_stream(so_far, time.perf_counter())
            return
        if self.take is not None:
            if self._start_player(self.take.audio, more_to_come=False):
                self.playing = "B"
                self._player_offset = 0

    def play_reference(self) -> None:
        """Play the chosen dataset clip (A, in model units, as the model heard it)."""
        ref = self.reference()
        if ref is None:
            return
        self._streaming = False
        self.stop()
        audio, rate, name = ref
        self._play_from(audio, rate, "A", f"the dataset clip {name}")

    def _play_from(self, audio: np.ndarray, sample_rate: int, which: str, what: str, start: int = 0) -> bool:
        player = StreamPlayer(sample_rate)
        try:
            player.play(audio[start:])
        except PlaybackUnavailable as exc:
            self._no_output(exc)
            return False
        self.player = player
        self.playing = which
        self._player_offset = start
        where = f" from {start / sample_rate:.2f} s" if start else ""
        self._say(f"Playing {'A' if which == 'A' else 'B'}: {what}{where}.")
        return True

    def toggle_ab(self) -> None:
        """Switch playback between the real clip (A) and the generated take (B), at the same moment."""
        ref = self.reference()
        if ref is None or self.take is None:
            self._say("A/B needs a generated take and a dataset clip.")
            return
        position = 0
        if self.player is not None and self.player.active:
            position = self._player_offset + self.player.played
        target = "B" if self.playing == "A" else "A"
        self.stop()
        if target == "A":
            audio, sr, what = ref[0], ref[1], f"the dataset clip {ref[2]}"
        else:
            audio, sr, what = np.asarray(self.take.audio, np.float32), int(self.take.sample_rate), "the generated take"
        self._play_from(audio, sr, target, what, start=position if position < len(audio) else 0)

    def stop(self) -> None:
        """Stop playing."""
        if self.player is not None:
            self.player.stop()
            self.player = None
        self._streaming = False
        self.playing = ""

    # -------------------------------------------------------------- plumbing
    def update_controls(self, busy: bool) -> None:
        """Enable what can play now (a take, a dataset clip, a sound output); without output the tooltips say why."""
        sound = not self.sound_problem
        has_take = self.take is not None
        clips = self.compare_combo.count() > 0
        self.play_button.setEnabled(sound and (busy or has_take))
        self.play_clip_button.setEnabled(sound and clips)
        self.play_take_button.setEnabled(sound and has_take and not busy)
        self.ab_button.setEnabled(sound and has_take and clips and not busy)
        self.stop_button.setEnabled(sound)  # without a sound output nothing can be playing
        self.stop_button.setToolTip("Stop playing." if sound else self.sound_problem)
        for button, tip in ((self.play_button, PLAY_TIP), (self.play_clip_button, CLIP_TIP),
                            (self.play_take_button, TAKE_TIP), (self.ab_button, AB_TIP)):
            button.setToolTip(tip if sound else self.sound_problem)

    def _no_output(self, exc: Exception) -> None:
        """Playback failed: say why in words; the panel then disables the play buttons."""
        self.sound_problem = str(exc)
        self._say(self.sound_problem)
        self.output_failed.emit()

    def _say(self, text: str) -> None:
        self.playback_label.setText(text)
        self.message.emit(text)
