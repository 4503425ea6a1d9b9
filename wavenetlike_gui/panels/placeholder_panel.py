"""A step that is not built yet: says what it will do and what it needs."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..project import Project
from ..settings import Settings
from .base import StepPanel, StepState

__all__ = ["TrainingPlaceholder", "GeneratePlaceholder"]


class _Placeholder(StepPanel):
    needs = "config"
    text = ""

    def __init__(self, project: Project, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(project, settings, parent)
        layout = QVBoxLayout(self)
        label = QLabel(f"<h2>{self.title}</h2><p>{self.text}</p>")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(label)
        project.changed.connect(lambda _name: self.refresh_state())
        self.refresh_state()

    def state(self) -> StepState:
        if self.needs == "config":
            return StepState.READY if self.project.config is not None else StepState.NEEDS_PREVIOUS
        ready = self.project.model is not None or self.project.checkpoint is not None
        return StepState.READY if ready else StepState.NEEDS_PREVIOUS


class TrainingPlaceholder(_Placeholder):
    title = "Training"
    hint = "Train the chosen architecture on the dataset."
    needs = "config"
    text = "Training is not part of this version of the app yet."


class GeneratePlaceholder(_Placeholder):
    title = "Generate"
    hint = "Make new audio with the trained model."
    needs = "model"
    text = "Generation is not part of this version of the app yet."
