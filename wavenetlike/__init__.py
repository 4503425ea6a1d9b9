"""wavenetlike: build, analyse, train and listen to WaveNet-like models.

The public API; see README.md and docs/ for the workflow.
"""
from .analysis import ModelReport, analyze
from .analysis.audio_stats import GeneratedVsReal, compare_generated
from .analysis.dataset_report import DatasetReport
from .analysis.suggest import suggest
from .conditioning import condition_on_features, condition_on_labels, features_for_clip
from .config import (PRESETS, AR2BlockConstants, ModelConfig, WavenetConstants,
                     WavenetToyConstants)
from .data.ar2 import AR2, ar2_process
from .data.dataset import Clip, Dataset, DatasetEmptyError, LoadError
from .data.speech_commands import SpeechCommands
from .evaluate import EvaluationReport, evaluate
from .generate import generate, generate_stream
from .model import Block, WaveNetLike, build_wavenet, build_wavenet_toy, build_wavenetlike
from .train_config import TrainConfig
from .session import DatasetSpec, Run, Session
from .train import (Losses, TrainEvent, Trainer, load, load_checkpoint, predict, save, train,
                    train_stack_ar)
from .train.distributed import DistributedContext, init_distributed

__version__ = "0.1.0"

__all__ = [
    "AR2", "AR2BlockConstants", "Block", "Clip", "Dataset", "DatasetEmptyError", "DatasetReport", "DatasetSpec",
    "DistributedContext", "EvaluationReport", "LoadError", "Losses", "ModelConfig", "ModelReport", "PRESETS", "Run",
    "Session", "SpeechCommands", "TrainConfig", "TrainEvent", "Trainer", "WaveNetLike", "WavenetConstants",
    "WavenetToyConstants", "analyze", "ar2_process", "build_wavenet", "build_wavenet_toy",
    "build_wavenetlike", "compare_generated", "condition_on_features", "evaluate", "GeneratedVsReal", "condition_on_labels", "features_for_clip",
    "generate", "generate_stream", "init_distributed", "load", "load_checkpoint", "predict", "save", "suggest", "train",
    "train_stack_ar", "select",
]


def __getattr__(name: str):
    """``select`` is imported on first use (it brings in Optuna)."""
    if name == "select":
        from .selection import select
        return select
    raise AttributeError(f"module 'wavenetlike' has no attribute {name!r}")
