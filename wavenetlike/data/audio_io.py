"""Audio file input and output: soundfile (libsndfile) to read and write, soxr to resample.

Reading gives float32 mono at the requested rate, plus what the file was
(rate, channels, format), or raises :class:`AudioReadError` with a reason a
person can act on. Nothing here decides what to do with a bad file; the
caller (``sources.py``) lists it and goes on.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

__all__ = ["AUDIO_EXTENSIONS", "AudioReadError", "AudioInfo", "LoadedAudio", "probe", "read_audio",
           "to_mono", "resample", "write_wav"]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff", ".au", ".w64")
"""File name endings a folder search picks up (case-insensitive)."""


class AudioReadError(Exception):
    """A file could not be used as audio; ``str(err)`` is the reason in words."""


@dataclass
class AudioInfo:
    """What a file says about itself, without reading the samples."""

    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str


@dataclass
class LoadedAudio:
    """Samples read from a file: float32 mono at ``sample_rate``, and where they came from."""

    audio: np.ndarray
    sample_rate: int
    original_sample_rate: int
    original_channels: int
    subtype: str
    notes: list[str]


def _wav_declared_data_bytes(path: Path) -> tuple[int, int] | None:
    """For a RIFF/WAVE file: (bytes the 'data' chunk header declares, bytes actually present).

    None when the file is not a plain RIFF WAV (RF64, WAVEX with odd chunks are
    left to libsndfile) or the data chunk is not found in the first 64 kB.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
            total = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(head):
        chunk_id = head[pos:pos + 4]
        (size,) = struct.unpack("<I", head[pos + 4:pos + 8])
        if chunk_id == b"data":
            return size, max(0, total - (pos + 8))
        pos += 8 + size + (size & 1)
    return None


def probe(path: str | os.PathLike) -> AudioInfo:
    """Header information of an audio file, or :class:`AudioReadError` saying why not."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise AudioReadError(f"cannot open the file ({e.strerror or e})") from None
    if size == 0:
        raise AudioReadError("the file is empty (0 bytes)")
    try:
        info = sf.info(str(p))
    except Exception as e:  # soundfile raises LibsndfileError / RuntimeError / TypeError
        head = b""
        try:
            with open(p, "rb") as f:
                head = f.read(512)
        except OSError:
            pass
        if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
            raise AudioReadError("not an audio file: it holds plain text") from None
        raise AudioReadError(f"not a readable audio file ({_short(e)})") from None
    return AudioInfo(int(info.samplerate), int(info.channels), int(info.frames), str(info.format),
                     str(info.subtype))


def _short(e: Exception) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    # libsndfile messages repeat the path; keep the reason only
    if "Error opening" in msg and ":" in msg:
        msg = msg.rsplit(":", 1)[-1].strip() or msg
    return msg


def to_mono(x: np.ndarray) -> np.ndarray:
    """Average the channels of a (frames, channels) array; 1-D input is returned as is."""
    if x.ndim == 1:
        return x
    if x.shape[1] == 1:
        return x[:, 0]
    return x.mean(axis=1, dtype=np.float64).astype(np.float32)


def resample(x: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a mono float array with soxr (high quality); a no-op when the rates agree."""
    if from_rate == to_rate or len(x) == 0:
        return x.astype(np.float32, copy=False)
    y = soxr.resample(x.astype(np.float32, copy=False), from_rate, to_rate, quality="HQ")
    return np.ascontiguousarray(y, dtype=np.float32)


def read_audio(path: str | os.PathLike, sample_rate: int | None = None, *,
               allow_truncated: bool = False) -> LoadedAudio:
    """Read an audio file as float32 mono in [-1, 1], resampled to ``sample_rate`` (None: keep).

    Integer formats (8-bit unsigned, 16/24/32-bit signed) and float formats are
    all scaled to [-1, 1] by libsndfile. Raises :class:`AudioReadError` for
    an empty, unreadable, truncated (unless ``allow_truncated``) or
    zero-length file, or one with NaN / infinite samples.
    """
    p = Path(path)
    info = probe(p)
    notes: list[str] = []
    declared = _wav_declared_data_bytes(p) if p.suffix.lower() in (".wav", ".wave") else None
    if declared is not None:
        want, have = declared
        if want != 0xFFFFFFFF and have < want:
            msg = (f"truncated: the header declares {want} bytes of samples but only {have} are "
                   f"present ({100.0 * have / max(want, 1):.0f}%)")
            if not allow_truncated:
                raise AudioReadError(msg)
            notes.append(msg + "; kept the part that is there")
    if info.frames == 0:
        raise AudioReadError("holds no samples (zero-length clip)")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except Exception as e:
        raise AudioReadError(f"could not decode the samples ({_short(e)})") from None
    if data.shape[0] == 0:
        raise AudioReadError("holds no samples (zero-length clip)")
    if not np.all(np.isfinite(data)):
        bad = int(np.count_nonzero(~np.isfinite(data)))
        raise AudioReadError(f"contains {bad} NaN or infinite sample value(s)")
    channels = data.shape[1]
    mono = to_mono(data)
    if channels > 1:
        notes.append(f"mixed {channels} channels to mono")
    target = int(sample_rate) if sample_rate else int(sr)
    if target != sr:
        mono = resample(mono, int(sr), target)
        notes.append(f"resampled from {sr} Hz to {target} Hz")
        if len(mono) == 0:
            raise AudioReadError(f"too short to resample from {sr} Hz to {target} Hz")
    return LoadedAudio(np.ascontiguousarray(mono, dtype=np.float32), target, int(sr), channels,
                       info.subtype, notes)


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> Path:
    """Write mono (or (frames, channels)) float audio in [-1, 1] as a WAV file; values are clipped.

    ``subtype`` is a soundfile subtype: "PCM_16" (default), "PCM_24", "PCM_32",
    "PCM_U8" or "FLOAT". Parent folders are created.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    x = np.asarray(audio, dtype=np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{p.name}: audio holds NaN or infinite values; nothing written")
    if subtype != "FLOAT":
        x = np.clip(x, -1.0, 1.0)
    sf.write(str(p), x, int(sample_rate), subtype=subtype, format="WAV")
    return p
