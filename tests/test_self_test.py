"""The installation self-test (``python -m wavenetlike_gui --self-test``).

The full run starts a fresh interpreter, as a user (or the packaging script
on the frozen app) would; the failure paths simulate a missing PortAudio
library and a missing torch with stand-in modules placed first on the path.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def _run_self_test(extra_path: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="2")
    paths = [str(ROOT)] + ([str(extra_path)] if extra_path else [])
    if extra_path:
        paths.reverse()  # the stand-ins must shadow the real modules
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-m", "wavenetlike_gui", "--self-test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _status_of(output: str, check: str) -> str | None:
    for line in output.splitlines():
        if line.startswith("[") and "] " in line and line.split("] ", 1)[1].startswith(check + ":"):
            return line[1:5].strip()
    return None


def test_self_test_passes_from_source():
    result = _run_self_test()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for check in ("Qt platform plugin", "torch", "soundfile", "main window", "training (AR(2) Block)",
                  "generation"):
        assert _status_of(result.stdout, check) == "ok", f"{check} did not pass:\n{output}"
    # PortAudio and the native plugin may only warn on a headless machine, but must not fail
    for check in ("PortAudio (sounddevice)", "native Qt platform plugin"):
        assert _status_of(result.stdout, check) in ("ok", "warn"), output
    assert result.stdout.strip().splitlines()[-1].startswith("self-test passed")


def test_missing_portaudio_fails_with_a_message_naming_it(tmp_path, monkeypatch):
    # sounddevice raises OSError("PortAudio library not found") when the library is missing
    (tmp_path / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    from wavenetlike_gui.self_test import SelfTest
    lines: list[str] = []
    test = SelfTest(out=lines.append, workdir=tmp_path)
    result = test.check("PortAudio (sounddevice)", test.check_portaudio)
    assert result.status == "FAIL"
    assert "PortAudio library is missing" in result.detail and "libportaudio2" in result.detail
    assert lines == [f"[FAIL] PortAudio (sounddevice): {result.detail} ({result.seconds:.1f} s)"]


def test_missing_torch_exits_non_zero_naming_torch(tmp_path):
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise ImportError("simulated: torch is not installed")\n')
    result = _run_self_test(extra_path=tmp_path, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert _status_of(result.stdout, "torch") == "FAIL", output
    assert "simulated: torch is not installed" in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("self-test FAILED: missing or broken:") and "torch" in last, output
    # what does not need torch still passes
    assert _status_of(result.stdout, "soundfile") == "ok", output
