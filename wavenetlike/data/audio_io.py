"""Audio file input and output: soundfile (libsndfile) to read and write, soxr to resample.

Reading gives float32 mono at the requested rate, plus what the file was
(rate, channels, format), or raises :class:`AudioReadError` with a reason a
person can act on. Nothing here decides what to do with a bad file; the
caller (``sources.py``) lists it and goes on.
"""
from __future__ import annotations

import io
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

__all__ = ["AUDIO_EXTENSIONS", "AudioReadError", "AudioInfo", "LoadedAudio", "probe", "read_audio",
           "to_mono", "resample", "write_wav", "encode_audio", "open_regular", "MAX_DECODED_SAMPLES",
           "FLOAT_SAMPLE_BOUND"]

MAX_DECODED_SAMPLES = 50_000_000
"""The most samples one clip may have once decoded and resampled (about 52 min at 16 kHz, 200 MB);
checked from the header before anything is decoded or resampled."""
FLOAT_SAMPLE_BOUND = 16.0
"""Samples of a float file beyond ±this (+24 dB over full scale) are absurd: clipped to ±1 with a note."""

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


def open_regular(path: str | os.PathLike) -> io.BufferedReader:
    """Open ``path`` for reading only if it is a regular file, never blocking (a FIFO is refused, not opened).

    Raises :class:`AudioReadError`: "permission denied", "not a regular file …", or the system's reason.
    Works for any file name the system allows, also one that is not valid UTF-8.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise AudioReadError("permission denied (the file cannot be read by this user)") from None
    except FileNotFoundError:
        raise AudioReadError("no such file") from None
    except OSError as e:
        raise AudioReadError(f"cannot open the file ({e.strerror or e})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else \
                "a folder" if stat.S_ISDIR(st.st_mode) else "a device or socket"
            raise AudioReadError(f"not a regular file: it is {kind}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def probe(path: str | os.PathLike) -> AudioInfo:
    """Header information of an audio file, or :class:`AudioReadError` saying why not."""
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise AudioReadError("the file is empty (0 bytes)")
        try:
            info = sf.info(f)
        except Exception as e:  # soundfile raises LibsndfileError / RuntimeError / TypeError
            f.seek(0)
            head = f.read(512)
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


def check_decoded_length(info: AudioInfo, sample_rate: int | None) -> int:
    """Samples the clip will have after resampling to ``sample_rate``, from its header alone.

    Raises :class:`AudioReadError` when that (or the decoded size before
    resampling) exceeds :data:`MAX_DECODED_SAMPLES`, before anything is
    decoded or resampled: a lying header (a 1 Hz WAV in a 16 kHz folder) is
    refused, not turned into a memory bomb.
    """
    if info.sample_rate < 1:
        raise AudioReadError(f"the header claims a sample rate of {info.sample_rate} Hz")
    target = int(sample_rate) if sample_rate else info.sample_rate
    after = -(-info.frames * target // info.sample_rate)
    if info.frames * info.channels > MAX_DECODED_SAMPLES or after > MAX_DECODED_SAMPLES:
        raise AudioReadError(
            f"too long: {info.frames:,} frames at {info.sample_rate} Hz would be {after:,} samples at {target} Hz, "
            f"more than the limit of {MAX_DECODED_SAMPLES:,} per clip (is the header's sample rate right?)")
    return after


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
    check_decoded_length(info, sample_rate)
    try:
        with open_regular(p) as f:
            data, sr = sf.read(f, dtype="float32", always_2d=True)
    except AudioReadError:
        raise
    except MemoryError:
        raise AudioReadError(f"too large to decode in the memory available ({info.frames:,} frames × "
                             f"{info.channels} channels)") from None
    except Exception as e:
        raise AudioReadError(f"could not decode the samples ({_short(e)})") from None
    if data.shape[0] == 0:
        raise AudioReadError("holds no samples (zero-length clip)")
    if not np.all(np.isfinite(data)):
        bad = int(np.count_nonzero(~np.isfinite(data)))
        raise AudioReadError(f"contains {bad} NaN or infinite sample value(s)")
    if info.subtype in ("FLOAT", "DOUBLE"):
        absurd = np.abs(data) > FLOAT_SAMPLE_BOUND
        n_absurd = int(np.count_nonzero(absurd))
        if n_absurd:
            peak = float(np.max(np.abs(data)))
            data = np.where(absurd, np.clip(data, -1.0, 1.0), data)
            notes.append(f"absurd values: {n_absurd} sample(s) beyond ±{FLOAT_SAMPLE_BOUND:g} (largest {peak:.3g}) "
                         "clipped to ±1")
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


def encode_audio(audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16", format: str = "WAV") -> bytes:
    """The bytes of an audio file (``format`` "WAV" or "FLAC") holding ``audio``; values are clipped to [-1, 1]
    unless ``subtype`` is "FLOAT". NaN or infinite values raise ``ValueError``."""
    x = np.asarray(audio, dtype=np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError("audio holds NaN or infinite values; nothing written")
    if subtype != "FLOAT":
        x = np.clip(x, -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, x, int(sample_rate), subtype=subtype, format=format)
    return buf.getvalue()


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16", *,
              overwrite: bool = True) -> Path:
    """Write mono (or (frames, channels)) float audio in [-1, 1] as a WAV (or, for a ``.flac`` name, FLAC) file.

    ``subtype`` is a soundfile subtype: "PCM_16" (default), "PCM_24", "PCM_32",
    "PCM_U8" or "FLOAT"; values are clipped except for "FLOAT". Parent folders
    are created. The write is atomic (:mod:`wavenetlike.safe_io`): a target that
    is not a regular file is refused, ``overwrite=False`` refuses an existing
    file, and a failed write leaves the previous file intact.
    """
    from ..safe_io import atomic_write_bytes, check_target
    p = Path(path)
    check_target(p, overwrite=overwrite, what="audio file")
    fmt = "FLAC" if p.suffix.lower() == ".flac" else "WAV"
    if fmt == "FLAC" and subtype in ("FLOAT", "PCM_32", "PCM_U8"):
        subtype = "PCM_24"
    try:
        data = encode_audio(audio, sample_rate, subtype, fmt)
    except ValueError as e:
        raise ValueError(f"{p.name}: {e}") from None
    return atomic_write_bytes(p, data, overwrite=overwrite, what="audio file")
