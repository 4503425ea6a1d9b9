"""select(): the candidate ladder, the winner rule, and selections on data whose answer is known."""
from __future__ import annotations

import numpy as np
import optuna
import pytest

from wavenetlike import AR2, Dataset, ModelConfig, analyze, suggest
from wavenetlike.config import receptive_field, stack_receptive_field, with_linear_predictor
from wavenetlike.selection import (LeaderboardRow, Selection, candidate_ladder, choose_winner, open_storage, select,
                                   stack_for_delta)

optuna.logging.set_verbosity(optuna.logging.WARNING)
FAST = {"batch_size": 16, "target_length": 256, "lr": 3e-2}


def pulse_dataset() -> Dataset:
    rng = np.random.default_rng(0)
    clips = []
    for _ in range(8):
        x = 0.05 * rng.standard_normal(6000)
        x[int(rng.integers(300))::300] += 0.8
        clips.append(x.astype(np.float32))
    return Dataset(clips, sample_rate=16000)


def test_stack_for_delta_lands_just_above_the_target():
    base = suggest(analyze(Dataset(AR2(a=0.6, b=-0.3, length=3000, count=3))))
    for target in (2, 3, 10, 100, 300, 1000):
        cfg = stack_for_delta(base, target)
        assert target <= receptive_field(cfg) <= 1.5 * target, (target, receptive_field(cfg))
    assert receptive_field(stack_for_delta(base, 300)) == 383  # 3 blocks × 7 layers: the fewest layers in range


def test_ladder_changes_one_thing_at_a_time():
    report = analyze(pulse_dataset())
    s = suggest(report, budget=20_000)
    ladder = candidate_ladder(s, report.context_needed)
    names = [c.name for c in ladder]
    assert names[0] == "suggested" and len(set(names)) == len(names)
    deltas = sorted(c.describe()["delta"] for c in ladder if c.name.startswith("delta"))
    assert deltas[0] < report.context_needed < deltas[1]          # one below the need, the rest above
    # suggest() gives audio a mixture with a linear term; the ladder tries a categorical output, more components
    # and the mixture without the linear term, before the Δ and width rungs
    assert s.continuous and s.linear_order == 32 and s.adaptive_scale
    assert {"output-categorical", "output-mixture30", "output-mixture10-fixed-scale",
            "output-mixture10-no-lp"} <= set(names)
    assert names.index("output-mixture10-no-lp") < min(i for i, n in enumerate(names) if n.startswith("delta"))
    widths = {c.config.residual_channels for c in ladder if c.name.startswith("width")}
    assert widths == {s.residual_channels // 2, s.residual_channels * 2}
    kinds = {c.name: c.config for c in ladder}
    assert not kinds["output-categorical"].continuous and kinds["output-categorical"].linear_order == 0
    assert kinds["output-mixture30"].linear_order == 32 and kinds["output-mixture10-no-lp"].linear_order == 0
    fixed = kinds["output-mixture10-fixed-scale"]
    assert fixed.linear_order == 32 and not fixed.adaptive_scale and fixed.replace(adaptive_scale=True) == s
    # without the adaptive scale, the ladder tries it
    plain = {c.name: c.config for c in candidate_ladder(fixed, report.context_needed)}
    assert plain["output-mixture10-adaptive-scale"] == s
    # a categorical suggestion tries the other input kinds, the mixture, and the mixture with a linear term
    cat = s.replace(continuous=False, linear_order=0, adaptive_scale=False)
    cat_kinds = {c.name: c.config for c in candidate_ladder(cat, report.context_needed)}
    assert {"input-onehot", "input-value+onehot", "output-mixture10", "output-mixture10-lp32"} <= set(cat_kinds)
    assert cat_kinds["output-mixture10-lp32"].linear_order == 32 and cat_kinds["output-mixture10"].linear_order == 0
    assert cat_kinds["output-mixture10-lp32"].adaptive_scale  # the stack sees 32 + 32 samples: it is added
    assert all(c.config.receptive_field == s.receptive_field for c in ladder if not c.name.startswith("delta"))
    # a continuous suggestion tries the categorical output, more components and the linear term
    ar = ModelConfig(n_blocks=1, layers_per_block=2, continuous=True, mixture_components=1)
    ar_names = [c.name for c in candidate_ladder(ar)]
    assert {"output-categorical", "output-mixture3", f"output-mixture1-lp{ar.receptive_field}"} <= set(ar_names)
    short = {c.name: c.config for c in candidate_ladder(ar)}[f"output-mixture1-lp{ar.receptive_field}"]
    assert not short.adaptive_scale and short.receptive_field == ar.receptive_field  # it would lengthen Δ


def _row(name, bits, macs, state="complete", delta=10):
    return LeaderboardRow(name=name, change=name, trial=0, state=state, delta=delta, parameters=macs, macs_per_sample=macs,
                          bits_per_sample=bits, train_seconds=1.0, steps=10, rungs=2)


def test_winner_rules():
    settings = {"unit": "steps", "chunk": 5, "reduction_factor": 2, "rungs": 2}
    order = ["suggested", "a", "b"]
    # the suggestion within the tie of the best, and the cheaper: it stays
    name, why = choose_winner([_row("a", 3.00, 500), _row("suggested", 3.01, 100)], 0.02, settings, order)
    assert name == "suggested" and "stays" in why
    # a cheaper candidate tied with the suggestion wins: more steps per second, faster generation
    name, why = choose_winner([_row("a", 3.00, 50), _row("suggested", 2.995, 100)], 0.02, settings, order)
    assert name == "a" and "ties with the suggestion" in why and "2.0× less compute" in why
    # a clear improvement wins, and the rationale says by how much
    name, why = choose_winner([_row("a", 2.90, 500), _row("suggested", 3.00, 100)], 0.02, settings, order)
    assert name == "a" and "beats the suggestion" in why and "0.100" in why
    # among candidates tied for best (suggestion not among them), the least compute
    name, why = choose_winner([_row("a", 2.90, 500), _row("b", 2.91, 200), _row("suggested", 3.0, 100)], 0.02,
                              settings, order)
    assert name == "b" and "less compute" in why
    # pruned trials do not win over complete ones
    name, _ = choose_winner([_row("a", 2.0, 500, state="pruned"), _row("suggested", 3.0, 100)], 0.02, settings, order)
    assert name == "suggested"
    assert choose_winner([], 0.02, settings, order)[0] is None


def test_ar2_selection_keeps_the_minimal_model(tmp_path):
    """AR(2): context needed 2, and the trials end on the Δ = 2 model — the need itself, the least compute."""
    data = Dataset(AR2(a=0.6, b=-0.3, length=3000, count=5))
    report = analyze(data)
    assert 2 <= report.context_needed <= 3
    s = suggest(report)
    ladder = [c for c in candidate_ladder(s, report.context_needed)
              if c.name == "suggested" or c.name.startswith("delta")]
    result = select(data, None, candidates=ladder, storage=tmp_path / "ar2.db", chunk_steps=60,
                    reduction_factor=2, rungs=2, device="cpu", train_options=FAST)
    print("\n" + result.summary())
    assert result.config is not None and result.config.receptive_field <= 3
    winner = next(r for r in result.leaderboard if r.name == result.winner)
    assert winner.macs_per_sample <= next(r.macs_per_sample for r in result.leaderboard if r.name == "suggested")
    assert {r.name for r in result.leaderboard} == {c.name for c in ladder}
    assert result.rationale and result.config.rationale == result.rationale


def test_pulse_selection_covers_the_lag_without_going_far_beyond(tmp_path):
    """A pulse every 300 samples: the ladder brackets the need, and the chosen Δ covers it within 2×.

    A pulse is worth only a few hundredths of a bit per sample, less than short trials can resolve: the
    trials that see the lag tie, and the suggestion — whose Δ comes from the measured context need —
    stays; the rationale says so. (The Δ below the need is pruned.)
    """
    data = pulse_dataset()
    report = analyze(data)
    s = suggest(report, budget=8_000)
    ladder = [c for c in candidate_ladder(s, report.context_needed)
              if c.name == "suggested" or (c.name.startswith("delta") and c.config.receptive_field < 1000)]
    assert sorted(c.config.receptive_field for c in ladder) == [191, 512, 767]  # ½×, the suggestion, 2×
    result = select(data, None, candidates=ladder, storage=tmp_path / "pulse.db", chunk_steps=15, reduction_factor=2,
                    rungs=2, device="cpu", train_options={"batch_size": 4, "target_length": 128, "lr": 1e-2})
    print("\n" + result.summary())
    assert report.context_needed <= result.config.receptive_field <= 2 * report.context_needed
    assert len(result.leaderboard) == len(ladder)
    assert result.winner == "suggested" and "stays" in result.rationale


def test_same_call_resumes_the_same_study_without_new_trials(tmp_path):
    data = Dataset(AR2(a=0.6, b=-0.3, length=2000, count=3))
    report = analyze(data)
    ladder = candidate_ladder(suggest(report, budget=3_000), report.context_needed)[:3]
    kw = dict(candidates=ladder, storage=tmp_path / "r.db", chunk_steps=2, reduction_factor=2, rungs=2,
              device="cpu", train_options=FAST)
    first = select(data, None, **kw)
    again = select(data, None, **kw)
    assert again.study_name == first.study_name
    study = optuna.load_study(study_name=first.study_name, storage=open_storage(tmp_path / "r.db")[0])
    assert len(study.trials) == 3                      # nothing was trained twice
    assert [r.bits_per_sample for r in again.leaderboard] == [r.bits_per_sample for r in first.leaderboard]


def test_cancel_fails_the_running_trial_and_a_resume_runs_it(tmp_path):
    data = Dataset(AR2(a=0.6, b=-0.3, length=2000, count=3))
    report = analyze(data)
    ladder = candidate_ladder(suggest(report, budget=3_000), report.context_needed)[:2]
    kw = dict(candidates=ladder, storage=tmp_path / "c.db", study_name="c", chunk_steps=2, reduction_factor=2,
              rungs=2, device="cpu", train_options=FAST)
    selection = Selection(data, None, **kw)
    for event in selection.events():
        if event.kind == "rung":
            selection.cancel()
    states = [t.state for t in selection.study.trials]
    assert states[0] == optuna.trial.TrialState.FAIL                  # the cancelled trial
    assert optuna.trial.TrialState.COMPLETE not in states
    result = select(data, None, **kw)
    assert sorted(r.name for r in result.leaderboard) == sorted(c.name for c in ladder)
    assert all(r.state in ("complete", "pruned") for r in result.leaderboard)


def test_closing_the_events_right_after_a_trial_starts_leaves_no_trial_running(tmp_path):
    """The app closes the event stream on cancel, wherever it stands: even at the trial's first event."""
    data = Dataset(AR2(a=0.6, b=-0.3, length=2000, count=3))
    report = analyze(data)
    ladder = candidate_ladder(suggest(report, budget=3_000), report.context_needed)[:2]
    selection = Selection(data, None, candidates=ladder, storage=tmp_path / "c.db", study_name="c", chunk_steps=2,
                          reduction_factor=2, rungs=2, device="cpu", train_options=FAST)
    events = selection.events()
    first = next(e for e in events if e.kind == "trial")
    events.close()
    trial = selection.study.trials[first.trial]
    assert trial.state == optuna.trial.TrialState.FAIL                # to be run again on resume, not left RUNNING


def test_storage_arguments_are_checked():
    with pytest.raises(ValueError, match="storage 'results.txt'"):
        open_storage("results.txt")
    with pytest.raises(ValueError, match="budget"):
        Selection(Dataset(AR2(length=500, count=2)), "lots", storage=":memory:.db")


def test_a_trial_cut_short_by_the_budget_does_not_win_over_finished_ones():
    settings = {"unit": "seconds", "chunk": 20, "reduction_factor": 3, "rungs": 3}
    order = ["suggested", "width-64"]
    rows = [_row("width-64", 1.63, 400, state="cut short"), _row("suggested", 1.70, 100)]
    name, why = choose_winner(rows, 0.02, settings, order)
    assert name == "suggested"  # the cut trial scored near an untrained start, after too little training to say
    name, why = choose_winner([rows[0]], 0.02, settings, order)
    assert name == "width-64" and "No trial ran to the end" in why


def test_the_leaderboard_table_keeps_its_columns_with_long_rung_names():
    from wavenetlike.selection.select import LeaderboardRow, SelectionResult
    rows = [LeaderboardRow(name=name, change="", trial=i, state="complete", delta=424, parameters=108_894, macs_per_sample=106_528,
                           bits_per_sample=1.5, train_seconds=20.0, steps=10, rungs=1)
            for i, name in enumerate(("suggested", "output-mixture10-fixed-scale", "delta-424"))]
    table = SelectionResult(None, "suggested", rows, "", "s", "sqlite://").table().splitlines()
    columns = {line.index(" 424 ") for line in table[2:]}
    assert len(columns) == 1 and table[0].index("Δ") + 1 == columns.pop() + 4  # Δ heads the column of 424s


def test_delta_rungs_change_the_stack_when_a_pitch_term_sets_the_models_reach():
    """A pitch term reaches 284 samples back whatever the stack: the Δ rungs must still be different stacks."""
    s = ModelConfig(n_blocks=2, layers_per_block=7, continuous=True, mixture_components=10, input_kind="value",
                    quantization_channels=64, sample_rate=16000)
    s = with_linear_predictor(s, 32, adaptive_scale=True, pitch_predictor=True)
    assert receptive_field(s) > stack_receptive_field(s)          # the pitch term's reach sets the model's Δ
    ladder = {c.name: c.config for c in candidate_ladder(s, 181)}
    rungs = {name: cfg for name, cfg in ladder.items() if name.startswith("delta")}
    stacks = sorted(stack_receptive_field(cfg) for cfg in rungs.values())
    assert len(stacks) == 3 and stacks[0] < 181 < stacks[1] < stacks[2]   # one below the need, two above
    assert all(f"delta-{stack_receptive_field(cfg)}" == name for name, cfg in rungs.items())
    below = min(rungs.values(), key=stack_receptive_field)
    assert below.n_layers < s.n_layers and below.pitch_predictor and below.linear_order == 32
