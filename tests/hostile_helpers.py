"""Helpers for the hostile-input tests: hashes, hand-made checkpoints, and bounded subprocesses."""
from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: Address-space limit for the bounded subprocesses: importing torch and the
#: library takes about 0.85 GB of address space (measured, VmPeak of `wavenetlike
#: info` on the toy preset); the hostile files tried to allocate 6.5–8 GiB.
MEMORY_LIMIT = 3 * 1024 ** 3
TINY = dict(n_blocks=1, layers_per_block=2, residual_channels=4, gate_channels=4, skip_channels=4,
            output_channels=4, quantization_channels=8)


def sha(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(folder: str | os.PathLike) -> dict[str, str]:
    """{relative path: sha256} of every regular file under ``folder`` (what must stay unchanged)."""
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[p.relative_to(folder).as_posix()] = sha(p)
    return out


def tiny_checkpoint(path: Path, **config: Any) -> Path:
    from wavenetlike import build_wavenetlike, save
    import torch
    torch.manual_seed(0)
    save(build_wavenetlike(**{**TINY, **config}), path)
    return path


def rewrite_checkpoint(src: Path, dst: Path, *, metadata: dict[str, str] | None = None,
                       json_fields: dict[str, Any] | None = None, tensors: Any = None) -> Path:
    """Copy a checkpoint with some metadata replaced (``json_fields`` are dumped to JSON strings)."""
    from safetensors import safe_open
    from safetensors.torch import save_file
    with safe_open(str(src), framework="pt") as f:
        meta = dict(f.metadata())
        ts = {k: f.get_tensor(k) for k in f.keys()}
    for k, v in (json_fields or {}).items():
        meta[k] = json.dumps(v)
    meta.update(metadata or {})
    if tensors is not None:
        ts = tensors(ts)
    save_file(ts, str(dst), metadata=meta)
    return dst


def header_only_checkpoint(dst: Path, shapes: dict[str, list[int]], metadata: dict[str, str],
                           with_data: bool = False) -> Path:
    """A safetensors file whose header claims ``shapes`` (float32); the data is there only when asked."""
    header: dict[str, Any] = {"__metadata__": metadata}
    offset = 0
    for name, shape in shapes.items():
        n = 4
        for d in shape:
            n *= d
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header).encode()
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        if with_data:
            f.write(b"\0" * offset)
    return dst


def run_bounded(code: str, *, memory: int = MEMORY_LIMIT, timeout: float = 120.0, cwd: str | os.PathLike | None = None,
                fsize: int | None = None) -> subprocess.CompletedProcess:
    """Run Python ``code`` in a subprocess under RLIMIT_AS = ``memory`` (and RLIMIT_FSIZE = ``fsize``).

    ``subprocess.TimeoutExpired`` (a hang) fails the calling test. One torch thread.
    """
    prelude = textwrap.dedent(f"""
        import resource, signal, sys
        resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
        if {fsize!r} is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize!r}, {fsize!r}))
        import torch
        torch.set_num_threads(1)
    """)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)


def run_cli(*args: str, memory: int = MEMORY_LIMIT, timeout: float = 120.0, fsize: int | None = None,
            cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """``wavenetlike ARGS`` in a bounded subprocess; returns the completed process (rc, stdout, stderr)."""
    code = f"from wavenetlike.cli import main\nsys.exit(main({list(args)!r}))\n"
    return run_bounded(code, memory=memory, timeout=timeout, fsize=fsize, cwd=cwd)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The error line of a CLI run; asserts there is no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [l for l in proc.stderr.splitlines() if "error" in l]
    assert lines, proc.stderr[-2000:]
    return lines[-1]
