"""Safe writes: every file the library or app writes goes through here.

A write goes to a temporary file in the target's own folder (named
``.<name>.<pid>-<random>.wnl.tmp``) and is renamed into place with
``os.replace`` only when it is complete and synced, so the previous file stays
intact when the write fails or the process is killed. Before any work:

* a target that exists and is not a regular file (a folder, a device node
  such as ``/dev/null``, a FIFO, a socket) is refused;
* a regular file that exists is replaced only with ``overwrite=True``
  (the CLI's ``--overwrite``; the app asks);
* temporary files of our own naming left by killed writers (their process is
  gone; for the ``.<name>.XXXXXXXX.tmp`` names of earlier versions: older than
  ten minutes) are removed.

A full disk (or a file-size limit) becomes :class:`DiskFullError`, whose
message names the path and the free space; the temporary file is removed.
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import time
from pathlib import Path
from typing import Callable

__all__ = ["WriteRefusedError", "TargetExistsError", "DiskFullError", "check_target", "atomic_write_bytes",
           "atomic_write_with", "clean_stale_temporaries", "is_disk_full", "disk_full_message", "TMP_SUFFIX"]

TMP_SUFFIX = ".wnl.tmp"
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}" + re.escape(TMP_SUFFIX) + "$")
_OLD_TMP_RE = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")  # tempfile.mkstemp names of earlier versions
_OLD_TMP_AGE = 600.0  # seconds: an old-style temporary this old has no writer any more
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class WriteRefusedError(ValueError):
    """A target that must not be written (not a regular file, an unwritable folder); names the path."""


class TargetExistsError(WriteRefusedError):
    """The target exists and overwriting was not allowed; ``path`` is the file."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class DiskFullError(OSError):
    """The disk (or the allowed file size) ran out; the message names the path and the free space."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: str | os.PathLike, *, overwrite: bool = True, what: str = "file") -> Path:
    """Refuse, before any work, a target that is not a regular file or (without ``overwrite``) exists.

    Returns the path. A symbolic link is judged by what it points to (it is
    replaced by the new file, never written through).
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise WriteRefusedError(f"{what} {p}: cannot be checked ({e.strerror or e})") from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise WriteRefusedError(f"{what} {p} is {_kind(st.st_mode)}, not a regular file: nothing was written")
        if not overwrite:
            raise TargetExistsError(f"{what} {p} already exists and was not written by this run", p)
    folder = p.parent if str(p.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise WriteRefusedError(f"{what} {p}: {folder} is not a folder")
    return p


def is_disk_full(e: BaseException) -> bool:
    """True for an OSError (or a library error whose text says so) meaning no space / file too large."""
    if isinstance(e, OSError) and e.errno in _DISK_FULL:
        return True
    text = str(e)
    return "No space left on device" in text or "os error 28" in text or "File too large" in text


def disk_full_message(path: Path, e: BaseException | None = None) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        free = f"{shutil.disk_usage(folder).free / 1e6:,.1f} MB free"
    except OSError:
        free = "free space unknown"
    reason = "the file would exceed the allowed file size" if isinstance(e, OSError) and e.errno == errno.EFBIG \
        else "the disk is full"
    return (f"{path} could not be written: {reason} ({free} in {folder}); "
            "the previous file, if any, is unchanged")


def clean_stale_temporaries(folder: str | os.PathLike, name: str | None = None) -> list[Path]:
    """Remove our temporary files in ``folder`` (for target ``name``, or all) whose writer process is gone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        old = None if m else _OLD_TMP_RE.match(entry.name)
        match = m or old
        if not match or (name is not None and match.group("name") != name):
            continue
        try:
            if m is not None and _alive(int(m.group("pid"))):
                continue
            if old is not None and now - entry.stat(follow_symlinks=False).st_mtime < _OLD_TMP_AGE:
                continue
        except OSError:
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers (an earlier failed write in this process) are stale too
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, OSError):
        return False
    return True


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_with(path: str | os.PathLike, write: Callable[[Path], None], *, overwrite: bool = True,
                      what: str = "file") -> Path:
    """Call ``write(tmp_path)`` to fill a temporary file beside ``path``, then rename it into place.

    ``write`` must write the whole file at ``tmp_path`` (it may replace it).
    Raises :class:`WriteRefusedError` before calling ``write`` for a bad
    target, :class:`DiskFullError` when space runs out; any failure removes
    the temporary file and leaves ``path`` as it was.
    """
    p = check_target(path, overwrite=overwrite, what=what)
    folder = p.parent if str(p.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteRefusedError(f"{what} {p}: its folder cannot be created ({e.strerror or e})") from None
    clean_stale_temporaries(folder, p.name)
    tmp = folder / f".{p.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
        os.close(fd)
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        check_target(p, overwrite=True, what=what)  # it may have become a device or folder meanwhile
        os.replace(tmp, p)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if is_disk_full(e):
            err = DiskFullError(disk_full_message(p, e))
            err.errno = errno.ENOSPC
            raise err from None
        if isinstance(e, PermissionError):
            raise PermissionError(f"{what} {p}: permission denied") from None
        raise
    return p


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = True,
                       what: str = "file") -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write_with`)."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
    return atomic_write_with(path, write, overwrite=overwrite, what=what)
