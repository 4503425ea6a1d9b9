"""Model selection against the plain suggestion, on the bundled speech set, at equal total time.

``select(dataset, budget=minutes)`` spends the whole budget on its trials (the
ladder around the suggestion, successive halving); the plain ``suggest()``
config is trained for the same total time with the same recipe (the quick
recipe, one torch thread). Both are scored the same way: ``evaluate()``'s
held-out bits/sample on the first 10 s of the held-out clips. The winner's
score is reported twice: as its trial reached it inside the budget, and
trained afresh for the same time as the plain suggestion (when the winner is
not the suggestion itself) — the two readings of "the selected config against
the suggestion trained for the same total time". The two afresh trainings run
side by side in two processes (one thread each), so whatever else loads the
machine slows both alike.

    python -m benchmarks --only selection --select-minutes 10
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from .common import Figure

HELD_OUT_SECONDS = 10.0


def run(minutes: float = 10.0, threads: int = 1) -> list[Figure]:
    import optuna
    import torch
    from wavenetlike import Dataset, analyze, suggest
    from wavenetlike.selection import select

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.set_num_threads(threads)
    seconds = 60.0 * minutes
    dataset = Dataset(None)
    report = analyze(dataset)
    config = suggest(report)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = select(dataset, seconds, report=report, storage=Path(tmp) / "selection.db", threads=threads,
                        device="cpu", max_held_out_seconds=HELD_OUT_SECONDS)
        select_wall = time.monotonic() - started
    print(result.summary(), flush=True)

    configs = [config] if result.winner in (None, "suggested") else [config, result.config]
    with ProcessPoolExecutor(max_workers=len(configs), mp_context=multiprocessing.get_context("spawn")) as pool:
        scores = list(pool.map(_trained, [c.to_dict() for c in configs], [seconds] * len(configs),
                               [threads] * len(configs)))
    plain = scores[0]
    retrained = scores[-1]
    winner = next((r for r in result.leaderboard if r.name == result.winner), None)
    own = next((r for r in result.leaderboard if r.name == "suggested"), None)
    params = {"minutes": minutes, "threads": threads, "context_needed": report.context_needed,
              "suggested_delta": config.receptive_field, "winner": result.winner,
              "winner_delta": winner.delta if winner else None, "select_wall_s": round(select_wall, 1),
              "candidates": len(result.leaderboard)}
    gain = None if winner is None or winner.bits_per_sample is None else plain - winner.bits_per_sample
    return [
        Figure("selection/selected config, held-out bits/sample", winner.bits_per_sample if winner else None,
               "bits/sample", params=params,
               note=f"{result.winner}: Δ {winner.delta if winner else '—'}, {winner.train_seconds if winner else 0:.0f} s "
                    f"of training inside the {minutes:g}-min selection"),
        Figure("selection/suggest() trained the same total time", plain, "bits/sample", params=params,
               note=f"Δ {config.receptive_field}, {seconds:.0f} s of training"),
        Figure("selection/suggest() inside the selection", own.bits_per_sample if own else None, "bits/sample",
               params=params, note="the suggestion's own trial"),
        Figure("selection/gain over the plain suggestion", gain, "bits/sample", params=params,
               note="positive: the selection's choice (as trained in its trial) is better"),
        Figure("selection/selected config trained the same total time", retrained, "bits/sample", params=params,
               note=f"{result.winner} trained {seconds:.0f} s like the suggestion"),
        Figure("selection/gain at equal training", None if retrained is None else plain - retrained, "bits/sample",
               params=params, note="positive: the selected config is better than the suggestion"),
    ]


def _trained(config: dict, seconds: float, threads: int) -> float | None:
    """Held-out bits/sample of ``config`` trained ``seconds`` with the quick recipe (in a worker process)."""
    import torch
    from wavenetlike import Dataset, ModelConfig, TrainConfig, build_wavenetlike
    from wavenetlike.evaluate import evaluate
    from wavenetlike.train import Trainer
    torch.set_num_threads(threads)
    dataset = Dataset(None)
    torch.manual_seed(0)
    model = build_wavenetlike(ModelConfig.from_dict(config))
    trainer = Trainer(model, dataset, TrainConfig.quick_for(model.config, max_seconds=seconds, validation_every=None,
                                                            threads=threads, device="cpu"))
    for _ in trainer.steps():
        pass
    return evaluate(model, dataset, max_held_out_seconds=HELD_OUT_SECONDS, baselines=False).bits_per_sample
