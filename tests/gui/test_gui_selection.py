"""“Find the best model” on the Architecture step: live leaderboard, cancel, and “Use” on a row."""
from __future__ import annotations

import numpy as np
import optuna
import pytest
from PySide6.QtCore import Qt

from wavenetlike import ModelConfig
from wavenetlike.selection import candidate_ladder, open_storage

optuna.logging.set_verbosity(optuna.logging.WARNING)
FAST = {"batch_size": 16, "target_length": 256, "lr": 3e-2}


@pytest.fixture
def finder(qtbot, window, ui):
    """The Architecture step's search, on an AR(2) dataset loaded and analysed through the app."""
    analysis = window.panel("Analysis")
    with qtbot.waitSignal(analysis.analysed, timeout=60000):
        ui.load_ar2(qtbot, window, a=0.6, b=-0.3, length=3000, count=4)
    qtbot.waitUntil(lambda: not analysis.is_busy(), timeout=10000)
    arch = window.panel("Architecture")
    arch.pictures.setCurrentWidget(arch.finder)
    return arch.finder


def _tiny(finder, window, steps: int, n: int) -> list:
    report = window.project.report
    ladder = candidate_ladder(window.panel("Architecture").suggestion, report.context_needed)[:n]
    finder.selection_options = {"candidates": ladder, "chunk_steps": steps, "reduction_factor": 2, "rungs": 2,
                                "device": "cpu", "train_options": FAST}
    return ladder


def test_leaderboard_fills_sorts_and_use_installs_a_row(qtbot, window, finder, tmp_path):
    ladder = _tiny(finder, window, steps=3, n=3)
    finder.storage_edit.setText(str(tmp_path / "study.db"))
    seen_rows = []
    finder.table.model().rowsInserted.connect(lambda *_: seen_rows.append(finder.table.rowCount()))
    with qtbot.waitSignal(finder.run_finished, timeout=120000) as blocker:
        qtbot.mouseClick(finder.start_button, Qt.MouseButton.LeftButton)
        assert finder.cancel_button.isEnabled() and not finder.start_button.isEnabled()
    result = blocker.args[0]
    assert result is not None and seen_rows                          # rows appeared while it ran
    assert sorted(finder.row_names()) == sorted(c.name for c in ladder)
    states = {finder.table.item(r, 0).data(Qt.ItemDataRole.UserRole + 1): finder.table.item(r, 6).text()
              for r in range(finder.table.rowCount())}
    assert set(states.values()) <= {"complete", "pruned"}
    # sorted by bits/sample (the default), and re-sorted by Δ when that header is clicked
    bits = [float(finder.table.item(r, 4).text()) for r in range(finder.table.rowCount())]
    assert bits == sorted(bits)
    finder.table.horizontalHeader().sectionClicked.emit(1)
    finder.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    deltas = [int(finder.table.item(r, 1).text().replace(",", "")) for r in range(finder.table.rowCount())]
    assert deltas == sorted(deltas)
    # the scatter shows every scored candidate at (compute, bits)
    points = finder.scatter_points()
    assert len(points) == len(result.leaderboard)
    assert sorted(points[:, 1]) == pytest.approx(sorted(r.bits_per_sample for r in result.leaderboard))
    assert f"★" in finder.table.item(finder.row_names().index(result.winner), 0).text()
    assert result.rationale and finder.rationale.text() == result.rationale
    # “Use” on a row that is not the winner installs exactly that config
    other = next(r for r in result.leaderboard if r.name != result.winner)
    qtbot.mouseClick(finder.use_button(other.name), Qt.MouseButton.LeftButton)
    assert window.project.config == ModelConfig.from_dict(other.config)
    arch = window.panel("Architecture")
    assert arch.readouts["delta"].value() == f"{other.delta:,}"
    assert not finder.cancel_button.isEnabled() and finder.start_button.isEnabled()


def test_cancel_stops_the_worker_and_the_trial_is_redone_later(qtbot, window, finder, tmp_path):
    _tiny(finder, window, steps=100_000, n=2)                         # trials far longer than the test
    finder.storage_edit.setText(str(tmp_path / "cancel.db"))
    qtbot.mouseClick(finder.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(r.state == "running" for r in finder.rows), timeout=60000)
    with qtbot.waitSignal(finder.run_finished, timeout=60000) as blocker:
        qtbot.mouseClick(finder.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] is None
    assert not finder.is_running() and "Cancelled" in finder.status.text()
    from wavenetlike_gui.workers import running_workers
    assert not running_workers()
    study = optuna.load_study(study_name=finder.run.selection.study_name,
                              storage=open_storage(tmp_path / "cancel.db")[0])
    assert [t.state for t in study.trials if t.state != optuna.trial.TrialState.WAITING] == \
        [optuna.trial.TrialState.FAIL]                               # interrupted, to be run again on resume
    assert np.all(np.isfinite(finder.scatter_points()))
