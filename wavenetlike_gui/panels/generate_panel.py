"""Step 5: generate audio with the trained model, look at it, listen to it, export it.

Generation is the library's ``generate_stream`` (the fast cached path) run as
the panel's current task (:meth:`~wavenetlike_gui.panels.base.StepPanel.start_task`);
chunks arrive through the worker's queued ``item`` signal. Playback goes through
:class:`~wavenetlike_gui.audio_player.StreamPlayer`: when the measured
generation rate promises that the stream cannot run dry, Play starts while
the rest is still being generated; otherwise it starts when enough (at worst
all) is there. Audio is shown, played and exported in model units ([−1, 1]).

Above ~450 lines for now: playback (streaming, A/B against a dataset clip) still
lives here; it is the next part to move out (issue 11).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QAbstractButton, QCheckBox, QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from ..audio_player import PlaybackUnavailable, StreamPlayer, can_stream_without_gaps, output_problem
from ..project import Project
from ..project_file import GeneratedClip
from ..settings import Settings
from ..widgets.compare_view import CompareView
from ..generation import EXPORT_FORMATS, checkpoint_state, generation_chunks, take_statistics, write_take
from ..widgets.generate_settings import GenerateSettingsForm, fill_clip_combo
from ..widgets.generated_stats import GeneratedStatsTable
from ..widgets.take_list import MAX_TAKES, TakeList
from ..workers import user_message

from .base import StepPanel, StepState

__all__ = ["GeneratePanel", "GeneratedClip", "checkpoint_state", "generation_chunks", "EXPORT_FORMATS", "MAX_TAKES"]

log = logging.getLogger(__name__)

REDRAW_MS = 100
FORM_CONTROLS = ("seconds_spin", "temperature_spin", "seed_spin", "random_seed_check", "prime_combo",
                 "prime_seconds_spin", "label_combo", "resynth_combo")
PLAY_TIP = "Play the shown take (during generation: as soon as it can play without gaps)."


class GeneratePanel(StepPanel):
    """Length, temperature, seed, prime, label; Generate / Cancel; waveform; Play / Stop; Export WAV.

    Signals: ``generation_finished(object)`` with the new :class:`GeneratedClip`
    (also after a cancel, with what was made so far; not emitted on errors);
    ``generation_failed(str)``; ``playback_message(str)``.
    """

    title = "Generate"
    hint = "Make new audio with the trained model, listen to it and export it."
    settings_key = "generate"
    settings_version = 1
    remembered_settings = {"seconds": "seconds_spin", "temperature": "temperature_spin",
                           "new_seed_each_time": "random_seed_check", "seed": "seed_spin",
                           "prime_seconds": "prime_seconds_spin", "play_while_generating": "stream_check"}
    generation_finished = Signal(object)
    generation_failed = Signal(str)
    playback_message = Signal(str)

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        self._failed = False
        self.current: GeneratedClip | None = None
        self.player: StreamPlayer | None = None
        self._chunks: list[np.ndarray] = []
        self._generated = 0
        self._total = 0
        self._t_first: float | None = None
        self._first_len = 0
        self._play_armed = False
        self._streaming = False
        self._run_settings: dict[str, Any] = {}
        self._dirty_plot = False
        self._player_offset = 0
        self._sound_problem = output_problem()  # '' when there is a sound output

        self.form = GenerateSettingsForm()
        for name in FORM_CONTROLS:
            setattr(self, name, getattr(self.form, name))

        # ---- actions
        self.generate_button = QPushButton("Generate")
        self.cancel_button = QPushButton("Cancel")
        self.play_button = QPushButton("▶ Play")
        self.stop_button = QPushButton("■ Stop")
        self.export_button = QPushButton("Export…")
        self.stream_check = QCheckBox("Play as it generates (when fast enough)")
        self.stream_check.setChecked(True)
        self.generate_button.setToolTip("Generate audio in the background with these settings.")
        self.cancel_button.setToolTip("Stop generating; what was made so far is kept as a take.")
        self.play_button.setToolTip(PLAY_TIP)
        self.stop_button.setToolTip("Stop playing.")
        self.export_button.setToolTip("Save the shown take as WAV (32-bit float or 16-bit PCM) or FLAC.")
        self.stream_check.setToolTip("Start playing while generation goes on, when it runs fast enough "
                                     "that playback never has to wait.")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.play_button.clicked.connect(self.play)
        self.stop_button.clicked.connect(self.stop_playback)
        self.export_button.clicked.connect(self._export_dialog)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.playback_label = QLabel("")
        self.playback_label.setWordWrap(True)
        self.playback_label.setStyleSheet("color: #555;")
        self.take_combo = TakeList()
        self.take_combo.chosen.connect(self._show_take)
        row1 = QHBoxLayout()
        row1.addWidget(self.generate_button)
        row1.addWidget(self.cancel_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.play_button)
        row2.addWidget(self.stop_button)
        row2.addWidget(self.export_button)

        # ---- comparison with a real clip
        self.compare_combo = QComboBox()
        self.compare_combo.currentIndexChanged.connect(self._show_reference)
        self.play_clip_button = QPushButton("▶ A: real")
        self.play_clip_button.clicked.connect(self.play_reference)
        self.play_take_button = QPushButton("▶ B: generated")
        self.play_take_button.clicked.connect(self.play)
        self.ab_button = QPushButton("⇄ A/B")
        self.ab_button.clicked.connect(self.toggle_ab)
        self.compare_combo.setToolTip("A clip of the dataset, drawn below the generated audio for comparison.")
        self.play_clip_button.setToolTip("Play the chosen dataset clip (A).")
        self.play_take_button.setToolTip("Play the shown generated take (B).")
        self.ab_button.setToolTip("Switch between the real clip and the generated take, at the same moment.")
        compare_col = QVBoxLayout()
        compare_col.addWidget(self.compare_combo)
        ab_row = QHBoxLayout()
        for b in (self.play_clip_button, self.play_take_button, self.ab_button):
            ab_row.addWidget(b)
        compare_col.addLayout(ab_row)
        compare_box = QGroupBox("Compare with a dataset clip")
        compare_box.setLayout(compare_col)
        self.playing: str = ""  # "A" (real clip), "B" (generated take) or ""

        left = QVBoxLayout()
        left.addWidget(self.form)
        left.addLayout(row1)
        left.addWidget(self.progress)
        left.addWidget(self.stream_check)
        left.addLayout(row2)
        left.addWidget(QLabel("Takes"))
        left.addWidget(self.take_combo)
        left.addWidget(self.messages)
        left.addWidget(self.playback_label)
        left.addWidget(compare_box)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setMaximumWidth(400)

        self.compare = CompareView()
        self.stats_table = GeneratedStatsTable()
        self.compare.addTab(self.stats_table, "Statistics")
        for button in self.stats_table.findChildren(QAbstractButton):  # the table's corner button
            button.setToolTip("Select the whole table (to copy it).")
        self.compare.setTabToolTip(self.compare.count() - 1,
                                   "The take against the dataset's held-out clips: silence, level, voicing, "
                                   "spectral shape (for AR(2): the fitted a, b beside the truth).")
        self.wave_plot, self.wave_curve = self.compare.gen_plot, self.compare.gen_curve
        self.ref_plot, self.ref_curve = self.compare.ref_plot, self.compare.ref_curve
        right = QVBoxLayout()
        right.addWidget(self.compare, 1)

        outer = QHBoxLayout(self)
        outer.addWidget(left_widget)
        outer.addLayout(right, 1)

        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self._tick)

        project.changed.connect(self._on_project_changed)
        self._fill_from_project()
        note = self.restore_settings()
        self._update_controls()
        if note:
            self.messages.warning(note)
        self.refresh_state()

    # ------------------------------------------------------------ project
    def _on_project_changed(self, name: str) -> None:
        if name == "run":
            self.refresh_state()
        if name in ("dataset", "config", "model", "checkpoint"):
            self._fill_from_project()
            self._update_controls()
            self.refresh_state()

    def model_config(self) -> Any:
        """The config of the model that will generate (the model's, else the project's)."""
        model = self.project.model
        return getattr(model, "config", None) or self.project.config

    def scale(self) -> float:
        """Model units × scale = data units (the checkpoint's, else the dataset's)."""
        s = checkpoint_state(self.project.checkpoint).get("scale")
        if s:
            return float(s)
        ds = self.project.dataset
        return float(getattr(ds, "scale", 1.0) or 1.0)

    def sample_rate(self) -> int:
        config = self.model_config()
        if config is not None:
            return int(config.sample_rate)
        return int(self.project.sample_rate or 16000)

    def _fill_from_project(self) -> None:
        clips = list(getattr(self.project.dataset, "clips", []) or [])
        names = [f"{c.name} ({len(c.audio) / c.sample_rate:.2f} s)" for c in clips]
        self.form.fill_clips(names, [len(c.audio) / c.sample_rate for c in clips])
        fill_clip_combo(self.compare_combo, names)
        self.form.fill_model(self.model_config())
        self._show_reference()

    def _clip(self, combo: QComboBox) -> Any:
        i = combo.currentData()
        clips = getattr(self.project.dataset, "clips", None)
        if i is None or i < 0 or not clips or i >= len(clips):
            return None
        return clips[i]

    # ---------------------------------------------------------- generation
    def is_generating(self) -> bool:
        return self.task_running

    def generation_kwargs(self) -> dict[str, Any]:
        """The arguments for ``generate_stream`` as the form shows them (seed fixed here)."""
        if self.random_seed_check.isChecked():
            self.seed_spin.setValue(int(np.random.default_rng().integers(0, 2**31 - 1)))
        config = self.model_config()
        sr = self.sample_rate()
        kwargs: dict[str, Any] = {"seconds": float(self.seconds_spin.value()),
                                  "temperature": float(self.temperature_spin.value()),
                                  "seed": int(self.seed_spin.value()), "method": "auto"}
        scale = self.scale()
        prime = self._clip(self.prime_combo)
        if prime is not None:
            n = max(1, int(round(self.prime_seconds_spin.value() * sr)))
            kwargs["prime"] = np.clip(np.asarray(prime.audio[:n], dtype=np.float32) / scale, -1.0, 1.0)
        if self.label_combo.isEnabled() and self.label_combo.currentData() is not None:
            kwargs["global_cond"] = int(self.label_combo.currentData())
        resynth = self._clip(self.resynth_combo) if self.resynth_combo.isEnabled() else None
        if resynth is not None and config is not None:
            # The library's own features (scaled as in training), so resynthesis hears what training heard.
            from wavenetlike.conditioning import features_for_clip
            kwargs["local_features"] = features_for_clip(config, np.asarray(resynth.audio, np.float32),
                                                         scale).numpy()
        return kwargs

    def generate(self) -> bool:
        """Start generating in the background; False (with a message) when it cannot start."""
        if self.is_generating():
            return False
        model, checkpoint = self.project.model, self.project.checkpoint
        if model is None and not checkpoint:
            self.messages.error("Train a model first (step 4), or open a project with a checkpoint.")
            return False
        try:
            kwargs = self.generation_kwargs()
        except Exception as exc:  # noqa: BLE001 - a bad choice is shown, not raised
            self.messages.failure("Cannot generate with these settings", exc)
            return False
        self.stop_playback()
        sr = self.sample_rate()
        self._chunks = []
        self._generated = 0
        self._total = int(round(kwargs["seconds"] * sr))
        self._t_first = None
        self._run_settings = {k: v for k, v in kwargs.items() if k in ("seconds", "temperature", "seed",
                                                                        "global_cond")}
        prime = self._clip(self.prime_combo)
        if prime is not None:
            self._run_settings["prime"] = {"clip": prime.name, "seconds": self.prime_seconds_spin.value()}
        resynth = self._clip(self.resynth_combo) if self.resynth_combo.isEnabled() else None
        if resynth is not None:
            self._run_settings["resynthesized"] = resynth.name
        self._play_armed = self.stream_check.isChecked()
        self._streaming = False
        self.progress.setRange(0, max(1, self._total))
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self._failed = False
        self.messages.clear_error()
        self.start_task(generation_chunks, model, checkpoint, name="generate", on_item=self._on_chunk,
                        on_progress=self._on_progress, on_error=self._on_failed, on_finished=self._on_finished,
                        **kwargs)
        self.redraw_timer.start()
        self.messages.info(f"Generating {kwargs['seconds']:g} s (seed {kwargs['seed']})…")
        self._update_controls()
        self.refresh_state()
        return True

    def cancel(self) -> None:
        self.cancel_task()

    def _on_chunk(self, chunk: np.ndarray) -> None:
        now = time.perf_counter()
        if self._t_first is None:
            self._t_first, self._first_len = now, len(chunk)
        self._chunks.append(chunk)
        self._generated += len(chunk)
        self._dirty_plot = True
        if self._streaming and self.player is not None:
            self.player.feed(chunk)
        elif self._play_armed:
            self._maybe_start_stream(now)
        if self._streaming and self.player is not None and self._generated >= self._total:
            self.player.finish()

    def generation_rate(self, now: float | None = None) -> float:
        """Samples per second measured since the first chunk (0 until two chunks arrived)."""
        if self._t_first is None:
            return 0.0
        dt = (now or time.perf_counter()) - self._t_first
        return (self._generated - self._first_len) / dt if dt > 0 else 0.0

    def _maybe_start_stream(self, now: float) -> None:
        rate = self.generation_rate(now)
        if can_stream_without_gaps(self._generated, self._total, rate, self.sample_rate()):
            self._play_armed = False
            self._streaming = self._start_player(np.concatenate(self._chunks),
                                                 more_to_come=self._generated < self._total)
            if self._streaming:
                self._say_playback(f"Playing while generating ({rate:,.0f} samples/s, "
                                   f"{rate / self.sample_rate():.1f}× real time).")

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress.setFormat(f"{what} %p%" if total > 0 else what)

    def _tick(self) -> None:
        if self._dirty_plot and self._chunks:
            self._dirty_plot = False
            audio = np.concatenate(self._chunks)
            self._set_waveform(audio, self.sample_rate())

    def _on_failed(self, message: str, _details: str) -> None:
        self._failed = True
        self.messages.info("")
        self.messages.error(f"Generation failed: {message}")
        self._play_armed = False
        self.generation_failed.emit(message)

    def _on_finished(self) -> None:
        self.redraw_timer.stop()
        self._tick()
        failed = self._failed
        self.progress.setFormat("failed" if failed else ("done" if self._generated >= self._total else
                                                          f"stopped at {self._generated:,} samples"))
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        if self.player is not None and self._streaming:
            self.player.finish()
        if not failed and len(audio):
            take = GeneratedClip(audio, self.sample_rate(), dict(self._run_settings))
            self.add_take(take)
            partial = len(audio) < self._total
            self.messages.info(f"Generated {take.seconds:.2f} s" + (" (cancelled: kept what was made)" if partial else "")
                      + f" at {self.generation_rate():,.0f} samples/s, seed {self._run_settings.get('seed')}.")
            if self._play_armed:  # never fast enough to stream: play now that it is all here
                self._play_armed = False
                self._start_player(audio, more_to_come=False)
            self.generation_finished.emit(take)
        elif not failed:
            self.messages.info("Generation cancelled before any sample was made.")
        self._update_controls()
        self.refresh_state()

    # --------------------------------------------------------------- takes
    @property
    def takes(self) -> list[GeneratedClip]:
        """The takes kept (the newest MAX_TAKES)."""
        return self.take_combo.takes

    def add_take(self, take: GeneratedClip) -> None:
        """Keep a take (the newest MAX_TAKES) and show it."""
        self.take_combo.add(take)
        self.project.modified = True  # after the take is kept: the window counts what is worth saving

    def set_takes(self, takes: list[GeneratedClip]) -> None:
        """Replace the takes (used when a project is opened)."""
        self.take_combo.set_takes(takes)
        self.refresh_state()

    def _show_take(self, take: GeneratedClip | None) -> None:
        self.current = take
        if take is None:
            self._set_waveform(None, self.sample_rate())
        else:
            self._set_waveform(take.audio, take.sample_rate)
        self._show_statistics()
        self._update_controls()

    def _show_statistics(self) -> None:
        """The current take against the held-out clips (the library's compare_generated, in model units)."""
        ds = self.project.dataset
        if self.current is None or ds is None or not len(getattr(ds, "clips", [])):
            self.stats_table.setRowCount(0)
            return
        try:
            result = take_statistics(self.current.audio, ds, self.project.checkpoint)
        except Exception as exc:  # noqa: BLE001 - statistics are a view: say why, never crash the panel
            self.stats_table.setRowCount(0)
            self.stats_table.setToolTip(f"No statistics for this take: {user_message(exc)}")
            return
        self.stats_table.show_comparison(result)

    def _set_waveform(self, audio: np.ndarray | None, sample_rate: int) -> None:
        self.compare.set_generated(audio, sample_rate)

    def waveform_point_count(self) -> int:
        x = self.wave_curve.xData
        return 0 if x is None else len(x)

    def _show_reference(self) -> None:
        clip = self._clip(self.compare_combo)
        if clip is None:
            self.compare.set_reference(None, self.sample_rate())
            return
        self.compare.set_reference(self.reference_audio(clip), int(clip.sample_rate), f"dataset clip: {clip.name}")

    def reference_audio(self, clip: Any) -> np.ndarray:
        """A dataset clip in model units: divided by its own dataset's scale, not the loaded model's.

        (A model trained on other data has another scale; dividing by it drew a speech clip
        at a fraction of its level next to an AR(2) model's output.)
        """
        ds_scale = float(getattr(self.project.dataset, "scale", 1.0) or 1.0)
        return np.asarray(clip.audio, np.float32) / ds_scale

    # ------------------------------------------------------------- playback
    def _start_player(self, audio: np.ndarray, more_to_come: bool) -> bool:
        self.stop_playback()
        player = StreamPlayer(self.sample_rate())
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
            self._say_playback(f"Playing {len(audio) / self.sample_rate():.2f} s.")
        return True

    def play(self) -> None:
        """Play the shown take; during generation, start as soon as it can play without gaps."""
        if self.is_generating():
            self._play_armed = True
            self._say_playback("Will play as soon as it can play without gaps (at the latest when done).")
            if self._chunks:
                self._maybe_start_stream(time.perf_counter())
            return
        if self.current is not None:
            if self._start_player(self.current.audio, more_to_come=False):
                self.playing = "B"
                self._player_offset = 0

    def play_reference(self) -> None:
        """Play the chosen dataset clip (in model units, as the model heard it)."""
        clip = self._clip(self.compare_combo)
        if clip is None:
            return
        self._streaming = False
        self.stop_playback()
        self._play_from(self.reference_audio(clip), int(clip.sample_rate), "A", f"the dataset clip {clip.name}")

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
        self._say_playback(f"Playing {'A' if which == 'A' else 'B'}: {what}{where}.")
        return True

    def toggle_ab(self) -> None:
        """Switch playback between the real clip (A) and the generated take (B), at the same moment."""
        clip = self._clip(self.compare_combo)
        if clip is None or self.current is None:
            self._say_playback("A/B needs a generated take and a dataset clip.")
            return
        position = 0
        if self.player is not None and self.player.active:
            position = getattr(self, "_player_offset", 0) + self.player.played
        target = "B" if self.playing == "A" else "A"
        self.stop_playback()
        if target == "A":
            audio, sr, what = self.reference_audio(clip), int(clip.sample_rate), f"the dataset clip {clip.name}"
        else:
            audio, sr, what = np.asarray(self.current.audio, np.float32), int(self.current.sample_rate), \
                "the generated take"
        self._play_from(audio, sr, target, what, start=position if position < len(audio) else 0)

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player = None
        self._streaming = False
        self.playing = ""

    # --------------------------------------------------------------- export
    def _export_dialog(self) -> None:
        if self.current is None:
            return
        folder = self.settings.last_folder("export")
        filters = {f"{label} (*{suffix})": key for key, (label, suffix, _) in EXPORT_FORMATS.items()}
        path, chosen = QFileDialog.getSaveFileName(self, "Export audio", str(Path(folder) / "generated.wav"),
                                                   ";;".join(filters))
        if path:
            self.settings.set_last_folder("export", str(Path(path).parent))
            self.export_audio(path, fmt=filters.get(chosen, "float"))

    def export_wav(self, path: str | Path, take: GeneratedClip | None = None) -> bool:
        """Write the take (default: the shown one) as 32-bit float WAV; False (with a message) on failure."""
        return self.export_audio(path, take, fmt="float")

    def export_audio(self, path: str | Path, take: GeneratedClip | None = None, fmt: str = "float") -> bool:
        """Write the take as ``fmt``: 'float' (WAV 32-bit float), 'pcm16' (WAV 16-bit) or 'flac' (FLAC 16-bit).

        The suffix is set to the format's (.wav / .flac). False (with a message) on failure.
        """
        take = take or self.current
        if take is None:
            self.messages.error("Nothing to export yet: generate first.")
            return False
        if fmt not in EXPORT_FORMATS:
            self.messages.error(f"Unknown export format {fmt!r}.")
            return False
        try:
            path = write_take(path, take.audio, take.sample_rate, fmt)
        except Exception as exc:  # noqa: BLE001 - disk full, no permission: say so
            log.warning("export to %s failed: %s", path, exc)
            reason = getattr(exc, "strerror", None) or "the file could not be written there"
            self.messages.error(f"Could not write {path}: {reason}. Choose another folder or name.")
            return False
        label = EXPORT_FORMATS[fmt][0]
        self.messages.clear_error()
        self.messages.info(f"Exported {take.seconds:.2f} s to {path} ({label}).")
        return True

    # ------------------------------------------------------------- plumbing
    def _no_output(self, exc: Exception) -> None:
        """Playback failed: say why in words and disable the play buttons (their tooltip says why)."""
        self._sound_problem = str(exc)
        self._say_playback(self._sound_problem)
        self._update_controls()

    def _say_playback(self, text: str) -> None:
        self.playback_label.setText(text)
        self.playback_message.emit(text)

    def _update_controls(self) -> None:
        busy = self.is_generating()
        has_model = self.project.model is not None or self.project.checkpoint is not None
        self.generate_button.setEnabled(has_model and not busy)
        self.cancel_button.setEnabled(busy)
        sound = not self._sound_problem
        self.play_button.setEnabled(sound and (busy or self.current is not None))
        self.export_button.setEnabled(self.current is not None and not busy)
        self.play_clip_button.setEnabled(sound and self.compare_combo.count() > 0)
        self.play_take_button.setEnabled(sound and self.current is not None and not busy)
        self.ab_button.setEnabled(sound and self.current is not None and self.compare_combo.count() > 0 and not busy)
        for button, tip in ((self.play_button, PLAY_TIP), (self.play_clip_button, "Play the chosen dataset clip (A)."),
                            (self.play_take_button, "Play the shown generated take (B)."),
                            (self.ab_button, "Switch between the real clip and the generated take, "
                                             "at the same moment.")):
            button.setToolTip(tip if sound else self._sound_problem)
        if not has_model and not busy:
            self.messages.info("Train a model first (step 4), or open a project with a checkpoint.")
        elif self.message.text().startswith("Train a model first"):
            self.messages.info("Ready: press Generate.")

    def state(self) -> StepState:
        if self.is_generating():
            return StepState.BUSY
        if self.project.model is None and self.project.checkpoint is None:
            return StepState.NEEDS_PREVIOUS
        if self.project.stale_reasons():
            return StepState.STALE  # the model on screen was trained on another architecture or dataset
        return StepState.DONE if self.takes else StepState.READY

    def state_reason(self) -> str:
        reasons = self.project.stale_reasons()
        return ("the model on screen was trained on something else: " + "; ".join(reasons) +
                ". It still generates; train a new run for what is on screen.") if reasons else ""

    def shutdown(self) -> None:
        self.stop_playback()
        self.redraw_timer.stop()
        super().shutdown()
