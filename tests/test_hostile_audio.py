"""Hostile audio input (issue 12): lying headers bounded before resampling (in a subprocess under
RLIMIT_AS), one bad file never loses the good ones (also on MemoryError), absurd float samples
clipped with a note, FIFOs never block, non-UTF-8 names load, unreadable files say "permission denied"."""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hostile_helpers import run_bounded, snapshot
from wavenetlike.data.audio_io import MAX_DECODED_SAMPLES, read_audio
from wavenetlike.data.dataset import Dataset


def _speechy(n: int = 16000, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """A voiced-ish test signal: 220 Hz with harmonics under a slow envelope, plus a little noise."""
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    x = sum(np.sin(2 * np.pi * 220 * h * t) / h for h in (1, 2, 3)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (0.3 * x / np.max(np.abs(x)) + 0.01 * rng.standard_normal(n)).astype(np.float32)


def _good_folder(folder: Path, n: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sf.write(str(folder / f"good{i}.wav"), _speechy(seed=i), 16000, subtype="PCM_16")
    return folder


@pytest.mark.timeout(120)
def test_lying_sample_rate_is_refused_before_resampling(tmp_path):
    """A 32 KB and a 600 KB WAV claiming 1 Hz in a 16 kHz folder: refused from the header; good files kept."""
    folder = _good_folder(tmp_path / "data")
    sf.write(str(folder / "liar_small.wav"), _speechy(16000), 1, subtype="PCM_16")      # 32 KB → 256 M samples
    sf.write(str(folder / "liar_big.wav"), _speechy(300000), 1, subtype="PCM_16")       # 600 KB → 4.8 G samples
    assert 30_000 < os.path.getsize(folder / "liar_small.wav") < 40_000
    before = snapshot(folder)
    code = f"""
        import json
        from wavenetlike.data.dataset import Dataset
        d = Dataset({str(folder)!r}, sample_rate=16000)
        print(json.dumps({{"clips": [c.name for c in d.clips], "errors": [[e.name, e.reason] for e in d.errors]}}))
    """
    proc = run_bounded(code, memory=2 * 1024 ** 3, timeout=100)   # the bomb needed 1.5 GB for one file
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["clips"] == ["good0.wav", "good1.wav"]
    reasons = dict(out["errors"])
    assert set(reasons) == {"liar_small.wav", "liar_big.wav"}
    assert "would be 256,000,000 samples at 16000 Hz" in reasons["liar_small.wav"]
    assert f"limit of {MAX_DECODED_SAMPLES:,} per clip" in reasons["liar_big.wav"]
    assert snapshot(folder) == before


def test_memory_error_on_one_file_keeps_the_others(tmp_path, monkeypatch):
    folder = _good_folder(tmp_path / "data", 3)
    from wavenetlike.data import sources
    real = sources.read_audio

    def flaky(path, *a, **k):
        if Path(path).name == "good1.wav":
            raise MemoryError("std::bad_alloc")
        if Path(path).name == "good2.wav":
            raise RuntimeError("a decoder surprise")
        return real(path, *a, **k)
    monkeypatch.setattr(sources, "read_audio", flaky)
    d = Dataset(str(folder))
    assert [c.name for c in d.clips] == ["good0.wav"]
    reasons = {e.name: e.reason for e in d.errors}
    assert "too large to load in the memory available" in reasons["good1.wav"]
    assert "RuntimeError: a decoder surprise" in reasons["good2.wav"]


def test_one_huge_float_sample_is_clipped_with_a_note_and_analysis_holds(tmp_path):
    from wavenetlike.analysis.dataset_report import analyze_dataset
    clean_dir, bad_dir = tmp_path / "clean", tmp_path / "bad"
    clean_dir.mkdir(), bad_dir.mkdir()
    x = _speechy(16000)
    sf.write(str(clean_dir / "a.wav"), x, 16000, subtype="FLOAT")
    y = x.copy()
    y[8000] = 1e30
    sf.write(str(bad_dir / "a.wav"), y, 16000, subtype="FLOAT")
    clean, bad = Dataset(str(clean_dir)), Dataset(str(bad_dir))
    assert len(bad.clips) == 1 and float(np.max(np.abs(bad.clips[0].audio))) <= 1.0
    assert any("a.wav: absurd values: 1 sample(s) beyond ±16 (largest 1e+30) clipped to ±1" in n for n in bad.notes)
    r_clean, r_bad = analyze_dataset(clean, max_lag=4000), analyze_dataset(bad, max_lag=4000)
    assert r_bad.correlation_length == pytest.approx(r_clean.correlation_length, rel=0.1)
    assert r_bad.dominant_frequencies[0] == pytest.approx(r_clean.dominant_frequencies[0], rel=0.05)
    assert r_bad.peak <= 1.0


@pytest.mark.timeout(30)
def test_fifo_in_a_folder_never_blocks(tmp_path):
    folder = _good_folder(tmp_path / "data", 1)
    os.mkfifo(folder / "pipe.wav")
    done: dict = {}
    t = threading.Thread(target=lambda: done.setdefault("d", Dataset(str(folder))), daemon=True)
    t.start()
    t.join(20)
    if t.is_alive():  # unblock the reader so the test process can end, then fail
        fd = os.open(folder / "pipe.wav", os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("loading a folder with a FIFO blocked")
    d = done["d"]
    assert [c.name for c in d.clips] == ["good0.wav"]
    assert "not a regular file: it is a FIFO" in {e.name: e.reason for e in d.errors}["pipe.wav"]


def test_non_utf8_file_names_load(tmp_path):
    folder = _good_folder(tmp_path / "data", 1)
    odd = Path(os.fsdecode(bytes(folder) + b"/caf\xe9-\xff.wav"))
    shutil.copy(folder / "good0.wav", odd)
    d = Dataset(str(folder))
    assert sorted(c.name for c in d.clips) == ["caf\ufffd-\ufffd.wav", "good0.wav"] and not d.errors
    one = read_audio(odd)
    assert len(one.audio) == 16000
    print(d.summary(), [c.name for c in d.clips])   # printable: no UnicodeEncodeError


def test_unreadable_file_says_permission_denied(tmp_path, monkeypatch):
    """A mode-000 file: "permission denied" (not libsndfile's "System error."), and the good file next to it loads.

    Root reads mode-000 files anyway, so under root the system call answers EACCES as it does for a user.
    """
    import errno
    folder = _good_folder(tmp_path / "data", 1)
    locked = folder / "locked.wav"
    sf.write(str(locked), _speechy(), 16000)
    os.chmod(locked, 0)
    if os.geteuid() == 0:
        real_open = os.open

        def as_a_user(path, *a, **k):
            if Path(os.fsdecode(path)).name == "locked.wav":
                raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
            return real_open(path, *a, **k)
        monkeypatch.setattr(os, "open", as_a_user)
    try:
        d = Dataset(str(folder))
    finally:
        os.chmod(locked, 0o600)
    assert [c.name for c in d.clips] == ["good0.wav"]
    reason = {e.name: e.reason for e in d.errors}["locked.wav"]
    assert reason.startswith("permission denied") and "System error" not in reason
