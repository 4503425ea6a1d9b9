"""Recording clips from the microphone through a sounddevice ``InputStream`` (mono, float32).

:class:`ClipRecorder` records exactly ``seconds × sample_rate`` frames: the
stream's callback (PortAudio's thread) appends blocks until enough frames
have arrived, keeps the peak of the newest block for a level meter, then
stops the stream. Counting frames, not wall time, makes a clip exactly as
long as asked, on a real microphone and on ALSA's ``file`` plugin alike
(which delivers a raw file as fast as it is read).

sounddevice is imported lazily; without PortAudio or without an input
device :class:`RecordingUnavailable` says so in words.
"""
from __future__ import annotations

import logging
import math
import threading
from typing import Any

import numpy as np

__all__ = ["ClipRecorder", "RecordingUnavailable", "peak_dbfs", "NO_INPUT_TEXT"]

log = logging.getLogger(__name__)

NO_INPUT_TEXT = ("This computer has no usable microphone or sound input, so nothing can be recorded here. "
                 "Plug one in (or allow the app to use it) and try again, or load audio files instead.")


class RecordingUnavailable(RuntimeError):
    """Recording cannot work here; the message says why and what to do."""


def peak_dbfs(block: np.ndarray) -> float:
    """Peak level of ``block`` in dB re full scale (−inf dB for silence is reported as −120)."""
    peak = float(np.max(np.abs(block))) if np.size(block) else 0.0
    return 20.0 * math.log10(peak) if peak > 1e-6 else -120.0


class ClipRecorder:
    """One recording of ``seconds`` at ``sample_rate`` Hz; :meth:`start`, then poll :attr:`finished`."""

    def __init__(self, seconds: float, sample_rate: int) -> None:
        if not seconds > 0:
            raise ValueError(f"the clip length must be more than 0 s, got {seconds}")
        self.sample_rate = int(sample_rate)
        self.target = max(1, int(round(float(seconds) * self.sample_rate)))
        self._blocks: list[np.ndarray] = []
        self._frames = 0
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self.level_db = -120.0
        self.overflows = 0
        self._stream: Any = None

    # ------------------------------------------------------------ GUI thread
    def start(self) -> None:
        """Open the default input and start recording (raises :class:`RecordingUnavailable`)."""
        try:
            import sounddevice as sd
        except (OSError, ImportError) as exc:
            log.warning("sounddevice unavailable: %s", exc)
            raise RecordingUnavailable("Recording needs the PortAudio library and the Python package "
                                       "'sounddevice' (Debian/Ubuntu: sudo apt install libportaudio2).") from exc
        try:
            self._stream = sd.InputStream(samplerate=self.sample_rate, channels=1, dtype="float32",
                                          callback=self._callback)
            self._stream.start()
        except Exception as exc:  # sd.PortAudioError: no input device, unsupported rate, busy
            log.warning("recording failed to start: %s", exc)
            self._stream = None
            raise RecordingUnavailable(NO_INPUT_TEXT) from exc

    @property
    def finished(self) -> bool:
        """True once all frames are in (or :meth:`stop` was called)."""
        return self._finished.is_set()

    @property
    def progress(self) -> float:
        """Fraction of the clip recorded, 0…1."""
        return min(1.0, self._frames / self.target)

    def stop(self) -> None:
        """Stop now (what was recorded so far is kept) and close the stream."""
        self._finished.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:  # noqa: BLE001 - the device may be gone already
                log.exception("closing the input stream")

    def audio(self) -> np.ndarray:
        """The recorded samples, shape ``(n,)`` float32, at most ``target`` of them."""
        with self._lock:
            data = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        return data[: self.target].astype(np.float32, copy=False)

    # -------------------------------------------------------- PortAudio thread
    def _callback(self, indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        if self._finished.is_set():
            return
        block = np.array(indata[:, 0], dtype=np.float32)
        with self._lock:
            need = self.target - self._frames
            block = block[:need]
            self._blocks.append(block)
            self._frames += len(block)
        self.level_db = peak_dbfs(block)
        if self._frames >= self.target:
            self._finished.set()
