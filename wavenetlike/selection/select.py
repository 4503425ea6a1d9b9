"""``select(dataset, budget=…)``: candidate configs trained briefly, scored on held-out audio, the best kept.

The candidates are the ladder around the suggestion (see
:mod:`wavenetlike.selection.candidates`). Each trial trains its config in
chunks (seconds, or steps in tests) and is scored after chunk 1, η, η², …
(``reduction_factor`` η, ``rungs`` of them) by the library's
:func:`wavenetlike.evaluate.evaluate` — held-out bits/sample on whole held-out
clips. Optuna's successive-halving pruner stops a trial at a rung when it is
not among the best 1/η of the trials that reached that rung. Trials live in an
Optuna study (SQLite by default, any storage URL — see
:mod:`wavenetlike.selection.study`), so a selection can be resumed and several
workers, on one machine or many, can share it.

The winner: among the trials that ran to the end, those within ``tie_bits``
of the best bits/sample count as tied (a short trial cannot tell such a small
difference), and of them the one with the least compute per sample wins — the
suggestion when it is the cheapest of the tied. A cheaper model of the same
quality gets more steps from the same training time and generates faster: on
the bundled speech ``delta-129`` (half the compute) tied with the Δ = 256
suggestion in its trial, and trained 600 s side by side with it scored
2.364 vs 2.410, then 2.37 vs 2.36 bits/sample in a second run — equal within
the run-to-run spread, at half the cost.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator

import optuna
import torch
from optuna.trial import TrialState

from ..config import ModelConfig, macs_per_sample, parameter_count, receptive_field
from ..data.dataset import Dataset
from .candidates import Candidate, candidate_ladder
from .study import (candidate_of, enqueue_missing, fail_stale_trials, is_duplicate, is_live, open_storage,
                    worker_id)

__all__ = ["select", "Selection", "SelectionEvent", "SelectionResult", "LeaderboardRow", "DEFAULT_TIE_BITS"]

DEFAULT_TIE_BITS = 0.02
EVAL_SHARE = 0.8            # share of a budget planned for training (the rest: evaluations, start-up)


@dataclass
class LeaderboardRow:
    """One candidate's trial: its config and what it scored."""

    name: str
    change: str
    trial: int
    state: str                       # "complete", "cut short", "pruned", "running", "waiting", "failed"
    delta: int
    parameters: int
    macs_per_sample: int
    bits_per_sample: float | None    # held-out, at the last rung reached
    train_seconds: float
    steps: int
    rungs: int
    config: dict[str, Any] = field(default_factory=dict)
    worker: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SelectionEvent:
    """Something that happened: ``kind`` is "trial" (started), "rung" (scored), "trial_end", "wait" or "done"."""

    kind: str
    trial: int | None = None
    name: str = ""
    bits_per_sample: float | None = None
    message: str = ""
    leaderboard: list[LeaderboardRow] = field(default_factory=list)
    elapsed: float = 0.0


@dataclass
class SelectionResult:
    """The winning config (with ``.rationale``), the leaderboard (best first) and the study's whereabouts."""

    config: ModelConfig | None
    winner: str | None
    leaderboard: list[LeaderboardRow]
    rationale: str
    study_name: str
    storage: str
    suggested: str = "suggested"

    def table(self) -> str:
        """The leaderboard as a plain-text table."""
        w = max([22] + [len(r.name) for r in self.leaderboard])  # the name column fits the longest rung name
        head = f"{'#':>3} {'candidate':<{w}} {'Δ':>6} {'params':>9} {'MACs/sample':>11} {'bits/sample':>11} " \
               f"{'train s':>8} {'state':<9}"
        lines = [head, "-" * len(head)]
        for i, r in enumerate(self.leaderboard, 1):
            bits = "—" if r.bits_per_sample is None else f"{r.bits_per_sample:.3f}"
            mark = " *" if r.name == self.winner else ""
            lines.append(f"{i:>3} {r.name:<{w}} {r.delta:>6} {r.parameters:>9,} {r.macs_per_sample:>11,} {bits:>11} "
                         f"{r.train_seconds:>8.1f} {r.state:<9}{mark}")
        return "\n".join(lines)

    def summary(self) -> str:
        return f"{self.table()}\n\n{self.rationale}"

    def to_dict(self) -> dict[str, Any]:
        return {"winner": self.winner, "config": self.config.to_dict() if self.config else None,
                "leaderboard": [r.to_dict() for r in self.leaderboard], "rationale": self.rationale,
                "study_name": self.study_name, "storage": self.storage}


def _seconds(budget: Any) -> float | None:
    if budget is None:
        return None
    if isinstance(budget, (int, float)) and not isinstance(budget, bool):
        if budget <= 0:
            raise ValueError(f"budget = {budget!r} seconds must be > 0")
        return float(budget)
    from ..analysis.suggest import parse_budget
    b = parse_budget(budget)
    if b.seconds is None:
        raise ValueError(f"select budget = {budget!r} must be a time ('10min', '90s', or seconds as a number)")
    return float(b.seconds)


class Selection:
    """One worker on a selection study; :meth:`events` runs it, :meth:`result` reads the study.

    Arguments as for :func:`select`. A worker that joins an existing study
    uses the study's stored candidates and trial settings, so every worker
    trains its trials the same way.
    """

    def __init__(self, dataset: Dataset, budget: Any = "10min", *, report: Any = None,
                 candidates: list[Candidate] | None = None, storage: Any = None, study_name: str | None = None,
                 chunk_seconds: float | None = None, chunk_steps: int | None = None, reduction_factor: int = 3,
                 rungs: int = 3, tie_bits: float = DEFAULT_TIE_BITS, max_held_out_seconds: float | None = 10.0,
                 train_options: dict[str, Any] | None = None, seed: int = 0, threads: int | None = 1,
                 device: str = "auto", wait_for_others: bool = True, stale_after: float = 600.0,
                 poll_seconds: float = 2.0) -> None:
        if not isinstance(dataset, Dataset):
            raise TypeError(f"select needs a Dataset, not {type(dataset).__name__}")
        if reduction_factor < 2 or rungs < 1:
            raise ValueError(f"reduction_factor = {reduction_factor} must be ≥ 2 and rungs = {rungs} ≥ 1")
        if chunk_steps is not None and chunk_steps < 1:
            raise ValueError(f"chunk_steps = {chunk_steps} must be ≥ 1")
        self.dataset = dataset
        self.seconds = _seconds(budget)
        self.threads, self.device = threads, device
        self.wait_for_others, self.stale_after, self.poll_seconds = wait_for_others, stale_after, poll_seconds
        self._cancelled = False
        if candidates is None:
            candidates = self._ladder(report)
        names = [c.name for c in candidates]
        if len(set(names)) != len(names):
            raise ValueError(f"candidate names must be unique: {names}")
        if chunk_steps is None and chunk_seconds is None:
            if self.seconds is None:
                raise ValueError("select needs a time budget, chunk_seconds or chunk_steps")
            units = len(candidates) * (1 + (rungs - 1) * (1 - 1 / reduction_factor))
            chunk_seconds = max(1.0, EVAL_SHARE * self.seconds / units)
        settings = {"unit": "steps" if chunk_steps is not None else "seconds",
                    "chunk": float(chunk_steps if chunk_steps is not None else chunk_seconds),
                    "reduction_factor": int(reduction_factor), "rungs": int(rungs), "tie_bits": float(tie_bits),
                    "max_held_out_seconds": max_held_out_seconds, "seed": int(seed),
                    "train_options": dict(train_options or {})}  # over TrainConfig.quick_for(each candidate)
        self.storage, self.storage_text = open_storage(storage)
        self.study_name = study_name or self._default_name(names, settings)
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=reduction_factor)
        self.study = optuna.create_study(storage=self.storage, study_name=self.study_name, direction="minimize",
                                         pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=seed),
                                         load_if_exists=True)
        attrs = self.study.user_attrs
        if "candidates" not in attrs:  # the first worker describes the study for every later one
            self.study.set_user_attr("candidates", {c.name: c.config.to_dict() for c in candidates})
            self.study.set_user_attr("changes", {c.name: c.change for c in candidates})
            self.study.set_user_attr("order", names)
            self.study.set_user_attr("settings", settings)
            self.study.set_user_attr("dataset", dataset.reference())
            attrs = self.study.user_attrs
        self.candidates = {n: ModelConfig.from_dict(d) for n, d in attrs["candidates"].items()}
        self.changes: dict[str, str] = dict(attrs.get("changes", {}))
        self.order: list[str] = list(attrs.get("order", list(self.candidates)))
        self.settings: dict[str, Any] = dict(attrs["settings"])
        self.max_chunks = self.settings["reduction_factor"] ** (self.settings["rungs"] - 1)
        self.rung_ends = [self.settings["reduction_factor"] ** r for r in range(self.settings["rungs"])]
        self._started = time.monotonic()

    # ------------------------------------------------------------ set-up
    def _ladder(self, report: Any) -> list[Candidate]:
        from ..analysis import analyze
        from ..analysis.suggest import suggest
        if report is None:
            report = analyze(self.dataset)
        return candidate_ladder(suggest(report), getattr(report, "context_needed", None))

    def _default_name(self, names: list[str], settings: dict[str, Any]) -> str:
        import hashlib
        import json
        fingerprint = hashlib.sha1()  # the data themselves: in-memory arrays have no path to tell them apart
        for clip in self.dataset.clips:
            fingerprint.update(str(len(clip.audio)).encode())
            fingerprint.update(clip.audio[:2048].tobytes())
        key = json.dumps({"data": self.dataset.reference(), "fingerprint": fingerprint.hexdigest(),
                          "candidates": names, "settings": settings}, sort_keys=True, default=str)
        return "select-" + hashlib.sha1(key.encode()).hexdigest()[:12]

    # ------------------------------------------------------------ control
    def cancel(self) -> None:
        """Stop at the next training step; the running trial is failed (a resume runs it again)."""
        self._cancelled = True

    def _time_left(self) -> float:
        if self.seconds is None:
            return math.inf
        return self.seconds - (time.monotonic() - self._started)

    def _out_of_time(self) -> bool:
        return self._cancelled or self._time_left() <= 0

    # -------------------------------------------------------------- work
    def events(self) -> Iterator[SelectionEvent]:
        """Run trials until none is left (or the budget or a cancel stops this worker), yielding events."""
        while not self._out_of_time():
            fail_stale_trials(self.study, self.stale_after)
            enqueue_missing(self.study, self.order)
            waiting = self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
            if not waiting:
                running = [t for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                           if is_live(t)]
                if not running or not self.wait_for_others:
                    break
                yield SelectionEvent("wait", message=f"waiting for {len(running)} trial(s) of other workers",
                                     leaderboard=self.leaderboard(), elapsed=self._elapsed())
                time.sleep(self.poll_seconds)
                continue
            yield from self._run_one()
        yield SelectionEvent("done", message="cancelled" if self._cancelled else "finished",
                             leaderboard=self.leaderboard(), elapsed=self._elapsed())

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _run_one(self) -> Iterator[SelectionEvent]:
        trial = self.study.ask()
        frozen = self.study._storage.get_trial(trial._trial_id)
        name = candidate_of(frozen)
        if name is None or name not in self.candidates or is_duplicate(self.study, trial.number, name):
            trial.set_user_attr("duplicate", True)  # another worker holds it: never trained twice
            self.study.tell(trial, state=TrialState.FAIL)
            return
        trial.suggest_categorical("candidate", self.order)
        config = self.candidates[name]
        trial.set_user_attr("worker", worker_id())
        trial.set_user_attr("alive_at", time.time())
        try:  # from here on a closed generator (a cancel) leaves no trial RUNNING: the finally fails it
            yield SelectionEvent("trial", trial.number, name, message=self.changes.get(name, ""),
                                 leaderboard=self.leaderboard(), elapsed=self._elapsed())
            yield from self._train(trial, name, config)
        finally:
            if self._frozen_state(trial) == TrialState.RUNNING:
                self.study.tell(trial, state=TrialState.FAIL)  # cancelled or closed: a resume runs it again

    def _frozen_state(self, trial: optuna.Trial) -> TrialState:
        return self.study._storage.get_trial(trial._trial_id).state

    def _train(self, trial: optuna.Trial, name: str, config: ModelConfig) -> Iterator[SelectionEvent]:
        from ..evaluate import evaluate
        from ..model import build_wavenetlike
        from ..train import Trainer
        from ..train_config import TrainConfig
        s = self.settings
        torch.manual_seed(s["seed"])
        model = build_wavenetlike(config)
        run_length = {"max_steps": int(s["chunk"] * self.max_chunks)} if s["unit"] == "steps" else \
            {"max_seconds": s["chunk"] * self.max_chunks}
        options = {**TrainConfig.quick_for(config).non_default(), **s["train_options"]}
        trainer = Trainer(model, self.dataset, validation_every=None, threads=self.threads, device=self.device,
                          seed=s["seed"], **run_length, **options)
        steps = trainer.steps()
        done_chunks, step, elapsed = 0, 0, 0.0
        history: list[float] = []
        bits = None
        try:
            for rung, end in enumerate(self.rung_ends):
                target = end * s["chunk"]
                cut = False
                for event in steps:
                    if self._out_of_time():
                        cut = True
                        break
                    if event.kind == "step":
                        step, elapsed = event.step, event.elapsed
                        if (step if s["unit"] == "steps" else elapsed) >= target:
                            break
                    elif event.kind in ("done", "error"):
                        if event.kind == "error":
                            raise RuntimeError(event.message)
                        break
                if cut and (self._cancelled or not history and step == 0):
                    trial.set_user_attr("note", "cancelled" if self._cancelled else "out of budget before a score")
                    return  # failed by the caller's finally: a resume runs it again
                done_chunks = end
                score = evaluate(model, self.dataset, max_held_out_seconds=s["max_held_out_seconds"],
                                 baselines=False, device=trainer.device)
                bits = score.bits_per_sample
                if bits is None or not math.isfinite(bits):
                    raise RuntimeError(f"{name}: no held-out score ({'; '.join(score.notes) or 'no targets'})")
                history.append(bits)
                trial.report(bits, step=done_chunks)
                for key, value in (("bits_history", history), ("train_seconds", elapsed), ("steps", step),
                                   ("rungs", rung + 1), ("alive_at", time.time())):
                    trial.set_user_attr(key, value)
                yield SelectionEvent("rung", trial.number, name, bits, f"rung {rung + 1}: {bits:.3f} bits/sample "
                                     f"after {step} steps ({elapsed:.1f} s)", self.leaderboard(), self._elapsed())
                if cut:
                    trial.set_user_attr("note", CUT_SHORT_NOTE)
                    break
                if rung < len(self.rung_ends) - 1 and trial.should_prune():
                    self.study.tell(trial, state=TrialState.PRUNED)
                    yield SelectionEvent("trial_end", trial.number, name, bits, "pruned", self.leaderboard(),
                                         self._elapsed())
                    return
            self.study.tell(trial, bits)
            yield SelectionEvent("trial_end", trial.number, name, bits, "complete", self.leaderboard(),
                                 self._elapsed())
        finally:
            steps.close()

    # ------------------------------------------------------------ reading
    def leaderboard(self) -> list[LeaderboardRow]:
        """Every live trial of the study (all workers), best bits/sample first."""
        rows = []
        state_names = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned", TrialState.RUNNING: "running",
                       TrialState.WAITING: "waiting"}
        for t in self.study.get_trials(deepcopy=False):
            name = candidate_of(t)
            if not is_live(t) or name not in self.candidates:
                continue
            cfg = self.candidates[name]
            history = t.user_attrs.get("bits_history") or []
            rows.append(LeaderboardRow(
                name=name, change=self.changes.get(name, ""), trial=t.number, state=_state_name(t, state_names),
                delta=receptive_field(cfg), parameters=parameter_count(cfg), macs_per_sample=macs_per_sample(cfg),
                bits_per_sample=float(history[-1]) if history else None,
                train_seconds=float(t.user_attrs.get("train_seconds", 0.0)), steps=int(t.user_attrs.get("steps", 0)),
                rungs=int(t.user_attrs.get("rungs", 0)), config=cfg.to_dict(),
                worker=str(t.user_attrs.get("worker", ""))))
        rows.sort(key=lambda r: (r.bits_per_sample is None, r.bits_per_sample or 0.0, r.trial))
        return rows

    def result(self) -> SelectionResult:
        """The winner and the rationale from the study as it stands."""
        rows = self.leaderboard()
        winner, why = choose_winner(rows, self.settings["tie_bits"], self.settings, self.order)
        config = None
        if winner is not None:
            config = self.candidates[winner].replace()
            object.__setattr__(config, "rationale", why)  # an explanation riding on the frozen value
        return SelectionResult(config, winner, rows, why, self.study_name, self.storage_text)


CUT_SHORT_NOTE = "cut short by the time budget"


def _state_name(trial: Any, names: dict[Any, str]) -> str:
    """The trial's state in words; a trial the budget ended before its last rung is "cut short", not "complete"
    (an untrained model with a linear start already scores near the baseline, so its score says little)."""
    if trial.state == TrialState.COMPLETE and trial.user_attrs.get("note") == CUT_SHORT_NOTE:
        return "cut short"
    return names[trial.state]


def choose_winner(rows: list[LeaderboardRow], tie_bits: float, settings: dict[str, Any],
                  order: list[str]) -> tuple[str | None, str]:
    """(winning candidate, plain-words rationale) from leaderboard rows (see the module docstring)."""
    scored = [r for r in rows if r.bits_per_sample is not None]
    if not scored:
        return None, "No trial has been scored yet, so there is no winner."
    full = [r for r in scored if r.state == "complete"]
    pool = full or scored
    best = min(pool, key=lambda r: r.bits_per_sample)
    close = [r for r in pool if r.bits_per_sample <= best.bits_per_sample + tie_bits]
    suggested = order[0] if order else "suggested"
    unit = "training steps" if settings.get("unit") == "steps" else "s of training"
    chunk = settings.get("chunk", 0)
    eta = settings.get("reduction_factor", 3)
    longest = chunk * eta ** (settings.get("rungs", 1) - 1)
    untried = len(rows) - len(scored)
    amount = (lambda v: f"{v:,.0f}") if unit.endswith("steps") or chunk >= 10 else (lambda v: f"{v:.3g}")
    lead = (f"Of {len(rows)} candidates around the suggestion (its receptive field, width and input/output kinds "
            f"changed one at a time), {len(scored)} were trained for up to {amount(longest)} {unit} each and scored "
            f"by held-out bits/sample on whole held-out clips; successive halving stopped a trial after "
            f"{amount(chunk)}, {amount(chunk * eta)}, … {unit} when it was not among the best 1/{eta} at that point "
            f"({sum(r.state == 'pruned' for r in rows)} stopped early)"
            + (f"; {untried} {'was' if untried == 1 else 'were'} not reached within the budget (run again to resume)"
               if untried else "") + ". ")
    if not full:
        lead += "No trial ran to the end (the budget or a cancel stopped them), so the best partial score decides. "
    by_name = {r.name: r for r in pool}
    # Within the tie, the least compute: a short trial cannot tell the tied apart, and the cheaper model
    # gets more steps from the same training time and generates faster (bundled speech: delta-129, half
    # the suggestion's compute, stayed equal to it within the run-to-run spread at 600 s side by side;
    # benchmarks/README.md).
    pick = min(close, key=lambda r: (r.macs_per_sample, r.parameters, r.name != suggested))
    s = by_name.get(suggested)
    if pick.name == suggested:
        if pick is best:
            return suggested, lead + (f"The suggestion scored best ({pick.bits_per_sample:.3f} bits/sample, Δ = "
                                      f"{pick.delta}), so it stays.")
        return suggested, lead + (f"The best, {best.name} ({best.change}), scored {best.bits_per_sample:.3f} "
                                  f"bits/sample; the suggestion ({pick.bits_per_sample:.3f}, Δ = {pick.delta}) is "
                                  f"within {tie_bits:g} bits/sample of it, too close for trials this short to tell "
                                  "apart, and needs no more compute per sample, so the suggestion — measured from "
                                  "the data — stays.")
    text = lead + f"Best: {best.name} ({best.change}) at {best.bits_per_sample:.3f} bits/sample."
    if pick is not best:
        text += (f" {pick.name} ({pick.change}) is within {tie_bits:g} bits/sample of it "
                 f"({pick.bits_per_sample:.3f}) with less compute per sample ({pick.macs_per_sample:,} MACs), "
                 "so it is chosen.")
    if s is not None and s in close:
        text += (f" It ties with the suggestion ({s.bits_per_sample:.3f} bits/sample, {s.macs_per_sample:,} MACs) "
                 f"at {s.macs_per_sample / max(pick.macs_per_sample, 1):.1f}× less compute per sample: it trains "
                 "more steps in the same time and generates faster, so it is chosen over it.")
    elif s is not None:
        text += (f" It beats the suggestion ({s.bits_per_sample:.3f} bits/sample) by "
                 f"{s.bits_per_sample - pick.bits_per_sample:.3f}.")
    return pick.name, text + f" Chosen: Δ = {pick.delta}, {pick.parameters:,} parameters."


def select(dataset: Dataset, budget: Any = "10min", *, progress: Callable[[SelectionEvent], None] | None = None,
           cancel: Callable[[], bool] | None = None, **options: Any) -> SelectionResult:
    """Choose a model for ``dataset`` by short trials (see the module docstring).

    ``budget``: this worker's time ("10min", "90s", seconds). ``storage``: an
    Optuna storage URL or file (default: an SQLite file in the user data
    folder); ``study_name`` (default: derived from the data, the candidates
    and the trial settings, so the same call resumes the same study).
    ``chunk_seconds`` / ``chunk_steps``: the training between scores at the
    first rung (default: from the budget and the number of candidates).
    Other options: see :class:`Selection`. ``progress(event)`` is called with
    each :class:`SelectionEvent`; ``cancel()`` returning True stops the work
    (the running trial is failed, and a later call runs it again).
    """
    selection = Selection(dataset, budget, **options)
    for event in selection.events():
        if progress is not None:
            progress(event)
        if cancel is not None and cancel():
            selection.cancel()
    return selection.result()
