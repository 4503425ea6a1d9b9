"""Playing audio through sounddevice, imported only when first needed.

Without the PortAudio library or without an output device, :func:`play`
raises :class:`PlaybackUnavailable` whose message says so in words; the
rest of the app goes on.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

__all__ = ["PlaybackUnavailable", "play", "stop", "sounddevice_module"]

log = logging.getLogger(__name__)


class PlaybackUnavailable(RuntimeError):
    """Audio cannot be played here; the message explains why."""


def sounddevice_module() -> Any:
    """Import sounddevice, turning a missing PortAudio into :class:`PlaybackUnavailable`."""
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise PlaybackUnavailable(
            "Sound playback needs the PortAudio library, which was not found on this computer "
            f"({exc}). On Debian/Ubuntu install it with: sudo apt install libportaudio2.") from exc
    except ImportError as exc:
        raise PlaybackUnavailable(
            "Sound playback needs the Python package 'sounddevice' (pip install sounddevice).") from exc
    return sd


def play(audio: np.ndarray, sample_rate: int) -> None:
    """Start playing ``audio`` (float, roughly in [−1, 1]) and return at once."""
    sd = sounddevice_module()
    data = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    try:
        sd.play(data, int(sample_rate))
    except Exception as exc:  # sd.PortAudioError and friends: no device, bad rate, busy
        log.warning("playback failed: %s", exc)
        raise PlaybackUnavailable(
            f"This computer has no usable sound output ({exc}). Export the audio to a WAV "
            "file to listen to it elsewhere.") from exc


def stop() -> None:
    """Stop playback, if sounddevice was ever loaded."""
    import sys
    sd = sys.modules.get("sounddevice")
    if sd is not None:
        try:
            sd.stop()
        except Exception:  # noqa: BLE001 - stopping must never fail loudly
            log.exception("stopping playback failed")
