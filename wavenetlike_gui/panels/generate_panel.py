"""Step 5: generate audio with the trained model, look at it, listen to it, export it.

Generation is the library's ``generate_stream`` (the fast cached path) run as
the panel's current task (:meth:`~wavenetlike_gui.panels.base.StepPanel.start_task`);
chunks arrive through the worker's queued ``item`` signal. Playback goes through
:class:`~wavenetlike_gui.audio_player.StreamPlayer`: when the measured
generation rate promises that the stream cannot run dry, Play starts while
the rest is still being generated; otherwise it starts when enough (at worst
all) is there; Play / Stop, A/B against a dataset clip and the compare box are
:class:`~wavenetlike_gui.widgets.take_playback.TakePlayback`. Audio is shown,
played and exported in model units ([−1, 1]).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ..audio_player import StreamPlayer
from ..generation import EXPORT_FORMATS, TakeInProgress, checkpoint_state, generation_chunks, write_take
from ..project import Project
from ..project_file import GeneratedClip
from ..settings import Settings
from ..widgets.compare_view import CompareView
from ..widgets.generate_settings import GenerateSettingsForm, fill_clip_combo
from ..widgets.generated_stats import GeneratedStatsTable
from ..widgets.take_list import MAX_TAKES, TakeList
from ..widgets.take_playback import CONTROLS as PLAYBACK_CONTROLS, TakePlayback
from .base import StepPanel, StepState

__all__ = ["GeneratePanel", "GeneratedClip", "checkpoint_state", "generation_chunks", "EXPORT_FORMATS", "MAX_TAKES"]

log = logging.getLogger(__name__)

REDRAW_MS = 100
FORM_CONTROLS = ("seconds_spin", "temperature_spin", "seed_spin", "random_seed_check", "prime_combo",
                 "prime_seconds_spin", "label_combo", "resynth_combo")


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
        self._so_far = TakeInProgress()
        self._run_settings: dict[str, Any] = {}
        self._dirty_plot = False
        self.build()
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

    def build_controls(self, layout: QVBoxLayout) -> None:
        self.form = GenerateSettingsForm()
        for name in FORM_CONTROLS:
            setattr(self, name, getattr(self.form, name))
        self.playback = TakePlayback(self.sample_rate, lambda: self.project.dataset, self)
        self.playback.message.connect(self.playback_message)
        self.playback.output_failed.connect(self._update_controls)
        for name in PLAYBACK_CONTROLS:
            setattr(self, name, getattr(self.playback, name))
        self.compare_combo.currentIndexChanged.connect(self._show_reference)
        self.generate_button = QPushButton("Generate")
        self.cancel_button = QPushButton("Cancel")
        self.export_button = QPushButton("Export…")
        self.generate_button.setToolTip("Generate audio in the background with these settings.")
        self.cancel_button.setToolTip("Stop generating; what was made so far is kept as a take.")
        self.export_button.setToolTip("Save the shown take as WAV (32-bit float or 16-bit PCM) or FLAC.")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._export_dialog)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.take_combo = TakeList()
        self.take_combo.chosen.connect(self._show_take)
        row1 = QHBoxLayout()
        row1.addWidget(self.generate_button)
        row1.addWidget(self.cancel_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.play_button)
        row2.addWidget(self.stop_button)
        row2.addWidget(self.export_button)
        layout.addWidget(self.form)
        layout.addLayout(row1)
        layout.addWidget(self.progress)
        layout.addWidget(self.stream_check)
        layout.addLayout(row2)
        layout.addWidget(QLabel("Takes"))
        layout.addWidget(self.take_combo)
        layout.addWidget(self.messages)
        layout.addWidget(self.playback_label)
        layout.addWidget(self.playback.compare_box)
        layout.addStretch(1)

    def build_main(self, layout: QVBoxLayout) -> None:
        self.compare = CompareView()
        self.stats_table = GeneratedStatsTable()
        self.compare.addTab(self.stats_table, "Statistics")
        self.compare.setTabToolTip(self.compare.count() - 1,
                                   "The take against the dataset's held-out clips: silence, level, voicing, "
                                   "spectral shape (for AR(2): the fitted a, b beside the truth).")
        self.wave_plot, self.wave_curve = self.compare.gen_plot, self.compare.gen_curve
        self.ref_plot, self.ref_curve = self.compare.ref_plot, self.compare.ref_curve
        layout.addWidget(self.compare, 1)

    @property
    def player(self) -> StreamPlayer | None:
        """The player of what plays now (None when nothing does)."""
        return self.playback.player

    @property
    def playing(self) -> str:
        """What plays: "A" (the dataset clip), "B" (the generated take) or ""."""
        return self.playback.playing

    @property
    def _generated(self) -> int:
        """Samples of the take being generated (or last generated) so far."""
        return self._so_far.generated

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

    # ---------------------------------------------------------- generation
    def is_generating(self) -> bool:
        return self.task_running

    def _clips(self) -> list[Any]:
        return getattr(self.project.dataset, "clips", None) or []

    def generation_kwargs(self) -> dict[str, Any]:
        """The arguments for ``generate_stream`` as the form shows them (seed fixed here)."""
        return self.form.generation_kwargs(self.model_config(), self.sample_rate(), self.scale(), self._clips())

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
        self._so_far = TakeInProgress(total=int(round(kwargs["seconds"] * self.sample_rate())))
        self.playback.prepare(self._so_far)
        self._run_settings = self.form.take_settings(kwargs, self._clips())
        self.progress.setRange(0, max(1, self._so_far.total))
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
        self._so_far.add(chunk, now)
        self._dirty_plot = True
        self.playback.chunk_arrived(chunk, now)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress.setFormat(f"{what} %p%" if total > 0 else what)

    def _tick(self) -> None:
        if self._dirty_plot and self._so_far.chunks:
            self._dirty_plot = False
            self.compare.set_generated(self._so_far.audio(), self.sample_rate())

    def _on_failed(self, message: str, _details: str) -> None:
        self._failed = True
        self.messages.info("")
        self.messages.error(f"Generation failed: {message}")
        self.playback.disarm()
        self.generation_failed.emit(message)

    def _on_finished(self) -> None:
        self.redraw_timer.stop()
        self._tick()
        failed, so_far = self._failed, self._so_far
        self.progress.setFormat("failed" if failed else ("done" if so_far.complete else
                                                          f"stopped at {so_far.generated:,} samples"))
        audio = so_far.audio()
        self.playback.generation_ended()
        if not failed and len(audio):
            take = GeneratedClip(audio, self.sample_rate(), dict(self._run_settings))
            self.add_take(take)
            partial = len(audio) < so_far.total
            self.messages.info(f"Generated {take.seconds:.2f} s" + (" (cancelled: kept what was made)" if partial
                                                                     else "")
                               + f" at {so_far.rate():,.0f} samples/s, seed {self._run_settings.get('seed')}.")
            self.playback.play_if_armed(audio)  # never fast enough to stream: play now that it is all here
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
        self.current = self.playback.take = take
        self.compare.set_generated(*((None, self.sample_rate()) if take is None else (take.audio, take.sample_rate)))
        # the take against the held-out clips (the library's compare_generated, in model units)
        self.stats_table.show_take(None if self.current is None else self.current.audio, self.project.dataset,
                                   self.project.checkpoint)
        self._update_controls()

    def waveform_point_count(self) -> int:
        x = self.wave_curve.xData
        return 0 if x is None else len(x)

    def _show_reference(self) -> None:
        ref = self.playback.reference()
        if ref is None:
            self.compare.set_reference(None, self.sample_rate())
            return
        audio, rate, name = ref
        self.compare.set_reference(audio, rate, f"dataset clip: {name}")

    # ------------------------------------------------------------- playback
    def play(self) -> None:
        """Play the shown take; during generation, start as soon as it can play without gaps."""
        self.playback.play()

    def stop_playback(self) -> None:
        """Stop playing."""
        self.playback.stop()

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
    def _update_controls(self) -> None:
        busy = self.is_generating()
        has_model = self.project.model is not None or self.project.checkpoint is not None
        self.generate_button.setEnabled(has_model and not busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(self.current is not None and not busy)
        self.playback.update_controls(busy)
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
