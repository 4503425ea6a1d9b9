"""From dataset to model: candidate configs trained briefly, scored on held-out audio (Optuna study)."""
from __future__ import annotations

from .candidates import Candidate, candidate_ladder, stack_for_delta
from .select import LeaderboardRow, Selection, SelectionEvent, SelectionResult, choose_winner, select
from .study import default_storage_path, open_storage

__all__ = ["select", "Selection", "SelectionEvent", "SelectionResult", "LeaderboardRow", "Candidate",
           "candidate_ladder", "stack_for_delta", "choose_winner", "open_storage", "default_storage_path"]
