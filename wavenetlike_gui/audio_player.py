"""Streaming playback through sounddevice: audio can be fed while it plays.

sounddevice (and with it PortAudio) is imported only when playback is first
asked for. Without PortAudio or without an output device,
:class:`StreamPlayer` raises :class:`PlaybackUnavailable` with a message in
words; the rest of the app goes on (export still works).

A :class:`StreamPlayer` owns one ``sounddevice.OutputStream`` (mono,
float32) and a feeder thread that writes queued chunks to it with blocking
writes: :meth:`StreamPlayer.feed` queues chunks from the GUI thread while
the stream plays, :meth:`StreamPlayer.finish` says no more will come, and
the thread lets the stream play out and closes it. Nothing is ever written
but the fed samples, so what the device receives is exactly the clip; if the
queue ran dry on a real-time device PortAudio would report an underflow,
which is counted (the Generate panel only starts streaming when the
generation rate promises none).

The one playback module of the app: the Dataset panel plays whole clips with
:meth:`StreamPlayer.play`, the Generate panel feeds chunks while generating.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import numpy as np

__all__ = ["PlaybackUnavailable", "StreamPlayer", "load_sounddevice", "can_stream_without_gaps", "output_problem",
           "NO_OUTPUT_TEXT"]

log = logging.getLogger(__name__)


NO_OUTPUT_TEXT = ("This computer has no usable sound output, so audio cannot be played here. "
                  "Export the audio to a file to listen to it elsewhere.")


def output_problem() -> str:
    """'' when a sound output device is there; otherwise why playback cannot work, in plain words."""
    try:
        sd = load_sounddevice()
    except PlaybackUnavailable as exc:
        return str(exc)
    try:
        sd.query_devices(kind="output")
    except Exception as exc:  # noqa: BLE001 - sd.PortAudioError "Error querying device -1": no output device
        log.info("no sound output device: %s", exc)
        return NO_OUTPUT_TEXT
    return ""


class PlaybackUnavailable(RuntimeError):
    """Audio cannot be played here; the message says why and what to do."""


def load_sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio or package into :class:`PlaybackUnavailable`."""
    try:
        import sounddevice as sd
    except OSError as exc:
        log.warning("PortAudio could not be loaded: %s", exc)
        raise PlaybackUnavailable(
            "Sound playback needs the PortAudio library, which was not found on this computer. "
            "On Debian/Ubuntu: sudo apt install libportaudio2. Export to WAV still works.") from exc
    except ImportError as exc:
        raise PlaybackUnavailable("Sound playback needs the Python package 'sounddevice' "
                                  "(pip install sounddevice). Export to WAV still works.") from exc
    return sd


def can_stream_without_gaps(buffered: int, total: int, rate: float, sample_rate: int, margin: float = 0.8) -> bool:
    """True when playing now, while generating the rest at ``rate`` samples/s, cannot run dry.

    Playback consumes ``sample_rate`` samples/s; generation adds ``rate`` (taken
    at ``margin`` of its measured value to allow for jitter). Starting with
    ``buffered`` of ``total`` samples, the buffer never empties when
    ``buffered ≥ total · (1 − r/fs)`` with ``r = margin · rate``.
    """
    if buffered >= total:
        return True
    if buffered <= 0 or rate <= 0:
        return False
    r = margin * rate
    lead = min(total, int(0.1 * sample_rate))  # always keep ~100 ms in hand
    return buffered >= lead and buffered >= total * max(0.0, 1.0 - r / sample_rate)


class StreamPlayer:
    """One mono float32 output stream that plays chunks as they are fed."""

    WRITE_FRAMES = 2048  # per blocking write: keeps stop() responsive

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = int(sample_rate)
        self._queue: "queue.Queue[np.ndarray | None]" = queue.Queue()
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: Any = None
        self.underruns = 0
        self.played = 0
        self.error = ""

    # ----------------------------------------------------------- GUI thread
    def feed(self, chunk: np.ndarray) -> None:
        """Queue samples (float, roughly in [−1, 1]; clipped) for playing."""
        data = np.clip(np.asarray(chunk, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if data.size:
            self._queue.put(data)

    def finish(self) -> None:
        """No more samples will be fed: the stream ends when the queue is played out."""
        self._queue.put(None)

    def start(self) -> None:
        """Open the output stream and start playing what is queued (raises PlaybackUnavailable)."""
        sd = load_sounddevice()
        try:
            self._stream = sd.OutputStream(samplerate=self.sample_rate, channels=1, dtype="float32")
            self._stream.start()
        except Exception as exc:  # sd.PortAudioError: no device, unsupported rate, busy
            log.warning("playback failed: %s", exc)
            self._stream = None
            raise PlaybackUnavailable(NO_OUTPUT_TEXT) from exc
        self._thread = threading.Thread(target=self._run, name="audio-feeder", daemon=True)
        self._thread.start()

    def play(self, audio: np.ndarray) -> None:
        """Play a whole clip."""
        self.feed(audio)
        self.finish()
        self.start()

    def stop(self) -> None:
        """Stop at once, close the stream and join the feeder thread."""
        self._stopping.set()
        self._queue.put(None)
        stream = self._stream
        if stream is not None:
            try:
                stream.abort()
            except Exception:  # noqa: BLE001 - the feeder may have closed it already
                pass
        if self._thread is not None:
            self._thread.join(5.0)
        self._done.set()

    @property
    def active(self) -> bool:
        """True while the stream plays (or waits for fed samples)."""
        return self._thread is not None and not self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything fed has been played (for scripts and tests); True when it has."""
        return self._done.wait(timeout)

    # --------------------------------------------------------- feeder thread
    def _run(self) -> None:
        stream = self._stream
        try:
            while not self._stopping.is_set():
                chunk = self._queue.get()
                if chunk is None:
                    break
                for i in range(0, len(chunk), self.WRITE_FRAMES):
                    if self._stopping.is_set():
                        break
                    block = chunk[i:i + self.WRITE_FRAMES]
                    if stream.write(block.reshape(-1, 1)):
                        self.underruns += 1
                    self.played += len(block)
            if not self._stopping.is_set():
                stream.stop()  # returns when the buffered audio has played
        except Exception as exc:  # noqa: BLE001 - aborted by stop(), or the device went away
            if not self._stopping.is_set():
                self.error = str(exc)
                log.warning("playback stopped: %s", exc)
        finally:
            try:
                stream.close()
            except Exception:  # noqa: BLE001
                pass
            self._done.set()
