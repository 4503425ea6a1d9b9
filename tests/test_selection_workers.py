"""Selections shared between processes: a SIGKILLed worker's study resumes, two workers split the candidates."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from wavenetlike.selection import open_storage
from wavenetlike.selection.study import candidate_of, is_live

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = "suggested,delta-2,delta-4,width-16,output-mixture3"


def _command(storage: Path, study: str, chunk_steps: int) -> list[str]:
    return [sys.executable, "-m", "wavenetlike", "select", "--ar2", "0.6,-0.3", "--ar2-count", "4",
            "--ar2-length", "3000", "--chunk-steps", str(chunk_steps), "--reduction-factor", "2", "--rungs", "2",
            "--device", "cpu", "--storage", str(storage), "--study", study, "--candidates", CANDIDATES]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def _trials(storage: Path, study: str) -> list:
    try:
        return optuna.load_study(study_name=study, storage=open_storage(storage)[0]).get_trials(deepcopy=False)
    except KeyError:  # the worker has not created the study yet
        return []


def _live_by_candidate(trials: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for t in trials:
        if is_live(t):
            out.setdefault(candidate_of(t), []).append(t)
    return out


def test_sigkilled_selection_resumes_without_repeating_finished_trials(tmp_path):
    storage, study = tmp_path / "study.db", "killed"
    worker = subprocess.Popen(_command(storage, study, 40), env=_env(), cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    finished: dict[int, str] = {}
    try:
        while time.monotonic() < deadline:
            trials = _trials(storage, study)
            done = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
            running = [t for t in trials if t.state == TrialState.RUNNING and t.user_attrs.get("steps")]
            if done and running:  # one trial finished, another one is half way: kill the worker now
                os.kill(worker.pid, signal.SIGKILL)
                finished = {t.number: candidate_of(t) for t in _trials(storage, study)
                            if t.state in (TrialState.COMPLETE, TrialState.PRUNED)}
                killed = [t.number for t in running]
                break
            assert worker.poll() is None, "the worker ended before it could be interrupted"
            time.sleep(0.05)
        else:
            pytest.fail("no trial finished in time")
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
    assert finished and killed
    before = {t.number: t.user_attrs.get("bits_history") for t in _trials(storage, study)}

    rerun = subprocess.run(_command(storage, study, 40), env=_env(), cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    trials = _trials(storage, study)
    by_number = {t.number: t for t in trials}
    for number, name in finished.items():               # finished trials stay as they were …
        assert by_number[number].state in (TrialState.COMPLETE, TrialState.PRUNED)
        assert by_number[number].user_attrs.get("bits_history") == before[number]
    live = _live_by_candidate(trials)
    assert sorted(live) == sorted(CANDIDATES.split(","))
    assert all(len(ts) == 1 for ts in live.values())    # … and no candidate was trained twice
    for number in killed:                               # the interrupted trial failed and was run again
        assert by_number[number].state == TrialState.FAIL and by_number[number].user_attrs.get("stale")
        assert live[candidate_of(by_number[number])][0].state in (TrialState.COMPLETE, TrialState.PRUNED)
    assert "suggested" in rerun.stdout and "bits/sample" in rerun.stdout


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_two_workers_share_one_study_without_repeating_a_trial(tmp_path, kind):
    storage = tmp_path / ("study.log" if kind == "journal" else "study.db")
    study = "shared"
    def start() -> subprocess.Popen:
        return subprocess.Popen(_command(storage, study, 40), env=_env(), cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    workers = [start()]
    deadline = time.monotonic() + 120
    while not any(t.state == TrialState.RUNNING for t in _trials(storage, study)):  # the first is at work …
        assert time.monotonic() < deadline and workers[0].poll() is None, "the first worker did not start a trial"
        time.sleep(0.05)
    workers.append(start())                                                        # … when the second joins
    outputs = [w.communicate(timeout=300) for w in workers]
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0, err[-2000:]
        assert "bits/sample" in out
    trials = _trials(storage, study)
    live = _live_by_candidate(trials)
    assert sorted(live) == sorted(CANDIDATES.split(","))
    assert all(len(ts) == 1 for ts in live.values())                     # no candidate trained twice
    assert all(ts[0].state in (TrialState.COMPLETE, TrialState.PRUNED) for ts in live.values())
    trained_by = {ts[0].user_attrs["worker"] for ts in live.values()}
    assert 1 <= len(trained_by) <= 2
    # Whether the second worker gets a candidate at all depends on timing: on an idle machine the first
    # worker had trained every candidate before the second finished importing torch (CI, journal storage);
    # under load the SQLite worker was once starved. "No candidate trained twice" is what holds always.
    extra = [t for t in trials if not is_live(t)]
    assert all(t.user_attrs.get("duplicate") and not t.user_attrs.get("steps") for t in extra)
