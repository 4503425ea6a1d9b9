"""Training loop, losses, checkpoints."""
from .ar import ols_ar, train_stack_ar
from .checkpoint import Checkpoint, CheckpointError, load, load_checkpoint, save
from .lazy_imports import import_optimizer_dependencies
from .losses import Losses
from .predict import predict
from .trainer import TrainConfig, TrainEvent, Trainer, TrainingError, train

__all__ = ["TrainConfig", "Checkpoint", "CheckpointError", "Losses", "TrainEvent", "Trainer", "TrainingError",
           "import_optimizer_dependencies", "load", "load_checkpoint", "ols_ar", "predict", "save", "train",
           "train_stack_ar"]
