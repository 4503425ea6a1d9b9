"""Downloading and unpacking archives: resumable HTTP download, integrity check, safe tar extraction.

Used for Speech Commands (:func:`download_speech_commands`), but nothing here
is specific to it. A download goes to ``<dest>.part``; when interrupted (an
error, a lost connection, ``cancel``) the part stays and the next call asks
the server for the rest with an HTTP Range request. The finished file is
checked against a SHA-256 and/or a size before it is renamed into place; a
file that fails the check is deleted and the error says so.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

from ..progress import CancelFn, Cancelled, ProgressFn

__all__ = ["download", "extract_tar", "download_speech_commands", "DownloadError", "IntegrityError",
           "UnsafeArchiveError", "sha256_of", "OFFICIAL_URLS", "OFFICIAL_SHA256"]

# Where the Speech Commands archives are (download_speech_commands's default for each version).
OFFICIAL_URLS = {
    "v0.01": "http://download.tensorflow.org/data/speech_commands_v0.01.tar.gz",
    "v0.02": "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
}
# Published SHA-256 of the official archives (the same figures torchaudio checks).
OFFICIAL_SHA256 = {
    "v0.01": "743935421bb51cccdb6bdd152e04c5c70274e935c82119ad7faeec31780d811d",
    "v0.02": "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
}


class DownloadError(RuntimeError):
    """The download could not be completed; what was received is kept to resume from."""


class IntegrityError(DownloadError):
    """The downloaded file or archive is not what was expected (checksum, size, or damaged data)."""


class UnsafeArchiveError(IntegrityError):
    """An archive member would be written outside the target folder (or is a link); nothing was extracted."""


def sha256_of(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, sha256: str | None, size: int | None) -> None:
    actual = path.stat().st_size
    if size is not None and actual != size:
        raise IntegrityError(f"{path.name}: size is {actual} bytes, expected {size}")
    if sha256 is not None:
        digest = sha256_of(path)
        if digest.lower() != sha256.lower():
            raise IntegrityError(f"{path.name}: SHA-256 is {digest}, expected {sha256.lower()} — the file is damaged "
                                 "or not the expected one")


class _Pace:
    """Enforces an overall deadline and a minimum average rate over a sliding window (seconds)."""

    def __init__(self, url: str, deadline: float | None, min_rate: float, window: float) -> None:
        self.url, self.deadline, self.min_rate, self.window = url, deadline, min_rate, window
        self.start = time.monotonic()
        self.mark_time, self.mark_bytes = self.start, 0

    def check(self, have: int) -> None:
        now = time.monotonic()
        if self.deadline is not None and now - self.start > self.deadline:
            raise DownloadError(f"{self.url}: the download took longer than its overall limit of "
                                f"{self.deadline:g} s ({have:,} bytes received, kept); run again to resume")
        if now - self.mark_time >= self.window:
            rate = (have - self.mark_bytes) / (now - self.mark_time)
            if self.min_rate and rate < self.min_rate:
                raise DownloadError(f"{self.url}: the server sent {rate:,.1f} bytes/s over {now - self.mark_time:.0f} s, "
                                    f"below the minimum of {self.min_rate:,.0f} bytes/s ({have:,} bytes kept); "
                                    "run again to resume")
            self.mark_time, self.mark_bytes = now, have


def _read_block(response: Any, size: int, pace: _Pace, have: int) -> bytes:
    """Up to ``size`` bytes (fewer only at the end), checking the pace after every receive, so a
    trickling server is noticed instead of blocking one ``read(size)`` for ever."""
    if not hasattr(response, "read1"):
        pace.check(have)
        return response.read(size)
    parts: list[bytes] = []
    got = 0
    while got < size:
        try:
            pace.check(have + got)
        except DownloadError:
            if parts:  # keep what came (written by the caller); the next call raises again
                break
            raise
        piece = response.read1(size - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def download(url: str, dest: str | os.PathLike, *, sha256: str | None = None, size: int | None = None,
             progress: ProgressFn | None = None, cancel: CancelFn | None = None, chunk_size: int = 1 << 16,
             timeout: float = 30.0, retries: int = 3, deadline: float | None = None, min_rate: float = 0.0,
             rate_window: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` (resuming a ``dest.part`` left by an earlier try) and verify it.

    ``progress(bytes_done, bytes_total, what)`` (total 0 when unknown);
    ``cancel()`` → :class:`Cancelled` (the part is kept). A lost connection
    is retried ``retries`` times from where it stopped; then
    :class:`DownloadError`. A file failing ``sha256`` / ``size`` raises
    :class:`IntegrityError` and is deleted. ``deadline`` (seconds, all tries
    together) and ``min_rate`` (bytes/s averaged over ``rate_window`` seconds)
    end a stalled or trickling transfer with :class:`DownloadError` (the part
    is kept to resume from).
    """
    dest = Path(dest)
    if dest.parent.exists() and not dest.parent.is_dir():
        raise DownloadError(f"{dest.parent} is a file, not a folder to download into")
    dest.parent.mkdir(parents=True, exist_ok=True)
    from ..safe_io import WriteRefusedError, check_target
    try:
        check_target(dest, what="download")
        check_target(dest.with_name(dest.name + ".part"), what="download")
    except WriteRefusedError as e:
        raise DownloadError(str(e)) from None
    pace = _Pace(url, deadline, min_rate, rate_window)
    if dest.exists():
        _verify(dest, sha256, size)
        return dest
    part = dest.with_name(dest.name + ".part")
    attempts = 0
    total = size or 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if size is not None and have >= size:
            break
        request = urllib.request.Request(url, headers={"User-Agent": "wavenetlike"})
        if have:
            request.add_header("Range", f"bytes={have}-")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status = getattr(response, "status", 200)
                length = response.headers.get("Content-Length")
                if status == 206:
                    start = _content_range_start(response.headers.get("Content-Range", ""))
                    if start != have:
                        raise DownloadError(f"{url}: the server resumed at byte {start}, not {have}")
                    mode = "ab"
                    total = have + int(length) if length else total
                else:  # 200: the server sent the whole file (it ignores Range, or there was nothing yet)
                    mode, have = "wb", 0
                    total = int(length) if length else total
                with open(part, mode) as f:
                    while True:
                        if cancel is not None and cancel():
                            raise Cancelled(f"download cancelled after {have} bytes; run again to resume")
                        block = _read_block(response, chunk_size, pace, have)
                        if not block:
                            break
                        f.write(block)
                        have += len(block)
                        if progress is not None:
                            progress(have, total, f"downloading {dest.name}")
            if total and have < total:
                raise http.client.IncompleteRead(b"", total - have)
            break
        except urllib.error.HTTPError as e:
            if e.code == 416 and have:  # nothing left to send: the part is complete
                break
            raise DownloadError(f"{url}: the server answered {e.code} {e.reason}") from None
        except (http.client.HTTPException, urllib.error.URLError, socket.timeout, ConnectionError, OSError) as e:
            attempts += 1
            got = part.stat().st_size if part.exists() else 0
            if attempts > retries:
                raise DownloadError(f"{url}: the download was interrupted after {got:,} of "
                                    f"{total or '?'} bytes ({type(e).__name__}: {e}); run again to resume") from None
    try:
        _verify(part, sha256, size if size is not None else (total or None))
    except IntegrityError as e:
        part.unlink(missing_ok=True)
        raise IntegrityError(f"{e}; the download was deleted, run again to fetch it anew") from None
    os.replace(part, dest)
    return dest


def _content_range_start(value: str) -> int:
    # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return -1


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The member's relative path, or None when it is absolute or climbs out with '..'."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [x for x in p.parts if x not in ("", ".")]
    if any(x == ".." for x in parts):
        return None
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def extract_tar(archive: str | os.PathLike, dest: str | os.PathLike, *, progress: ProgressFn | None = None,
                cancel: CancelFn | None = None) -> list[str]:
    """Extract a (gzip/bz2/xz) tar archive into ``dest`` safely; returns the files written (relative paths).

    Every member is checked: absolute paths, ``..`` components, symbolic and
    hard links, and device files make the whole archive rejected with
    :class:`UnsafeArchiveError`. Files are written by this function (never
    by ``tarfile.extract``) into a staging folder that is moved into place
    only when the whole archive was read without error, so a damaged or
    unsafe archive leaves ``dest`` as it was.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    staging = dest / f".extracting-{archive.name}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    written: list[str] = []
    total = archive.stat().st_size
    try:
        with open(archive, "rb") as raw:
            try:
                with tarfile.open(fileobj=raw, mode="r|*") as tar:
                    for member in tar:
                        if cancel is not None and cancel():
                            raise Cancelled("extraction cancelled")
                        rel = _safe_member_path(member.name)
                        if rel is None:
                            raise UnsafeArchiveError(f"{archive.name}: member {member.name!r} would be written outside "
                                                     "the target folder; the archive was not extracted")
                        if member.issym() or member.islnk():
                            raise UnsafeArchiveError(f"{archive.name}: member {member.name!r} is a link; the archive "
                                                     "was not extracted")
                        if member.isdir():
                            (staging / rel).mkdir(parents=True, exist_ok=True)
                            continue
                        if not member.isfile():
                            raise UnsafeArchiveError(f"{archive.name}: member {member.name!r} is a special file; the "
                                                     "archive was not extracted")
                        target = staging / rel
                        target.parent.mkdir(parents=True, exist_ok=True)
                        src = tar.extractfile(member)
                        assert src is not None
                        with open(target, "wb") as out:
                            shutil.copyfileobj(src, out, 1 << 20)
                        written.append(rel.as_posix())
                        if progress is not None:
                            progress(raw.tell(), total, f"extracting {rel.as_posix()}")
            except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
                raise IntegrityError(f"{archive.name}: the archive is damaged or not a tar archive ({e})") from None
        for entry in staging.iterdir():
            target = dest / entry.name
            if target.exists():
                if target.is_dir() and entry.is_dir():
                    _merge(entry, target)
                    continue
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink()
            os.replace(entry, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _merge(src: Path, dst: Path) -> None:
    for entry in src.iterdir():
        target = dst / entry.name
        if entry.is_dir() and target.is_dir():
            _merge(entry, target)
        else:
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(entry, target)


def download_speech_commands(root: str | os.PathLike, version: str = "v0.02", *, url: str | None = None,
                             sha256: str | None = None, progress: ProgressFn | None = None,
                             cancel: CancelFn | None = None, keep_archive: bool = False,
                             deadline: float | None = 6 * 3600.0, min_rate: float = 10_000.0) -> Path:
    """Download and unpack Speech Commands into ``root``; returns ``root``.

    Does nothing when ``root`` already holds an unpacked copy (it has
    ``validation_list.txt``). With the official URL the archive's published
    SHA-256 is checked; for another ``url`` pass ``sha256`` (or none).
    ``deadline`` (s) and ``min_rate`` (bytes/s over a minute) bound the
    transfer; a complete archive that turns out damaged is deleted.
    """
    if version not in OFFICIAL_URLS:
        raise ValueError(f"version = {version!r} must be one of {', '.join(OFFICIAL_URLS)}")
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise DownloadError(f"{root} is a file, not a folder: give a folder to download into")
    if (root / "validation_list.txt").is_file() and (root / ".complete").is_file():
        return root
    url = url or OFFICIAL_URLS[version]
    if sha256 is None and url == OFFICIAL_URLS[version]:
        sha256 = OFFICIAL_SHA256[version]
    archive = download(url, root / f"speech_commands_{version}.tar.gz", sha256=sha256, progress=progress,
                       cancel=cancel, deadline=deadline, min_rate=min_rate)
    try:
        extract_tar(archive, root, progress=progress, cancel=cancel)
    except IntegrityError as e:  # complete but damaged: delete it, so running again fetches it anew
        archive.unlink(missing_ok=True)
        raise IntegrityError(f"{e}; the damaged archive was deleted, run again to fetch it anew") from None
    (root / ".complete").write_text(f"{url}\n")
    if not keep_archive:
        archive.unlink(missing_ok=True)
    return root
