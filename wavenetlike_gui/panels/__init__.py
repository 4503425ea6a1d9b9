"""One panel per workflow step. Every panel is a :class:`StepPanel`."""
from .base import StepPanel, StepState

__all__ = ["StepPanel", "StepState"]
