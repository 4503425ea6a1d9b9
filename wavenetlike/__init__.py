"""wavenetlike: build, analyse, train and listen to WaveNet-like models.

The public API; see README.md and docs/ for the workflow.
"""
from .analysis import ModelReport, analyze
from .config import (PRESETS, AR2BlockConstants, ModelConfig, WavenetConstants,
                     WavenetToyConstants)
from .data.ar2 import AR2, ar2_process
from .data.dataset import Clip, Dataset, DatasetEmptyError, LoadError
from .generate import generate, generate_stream
from .model import Block, WaveNetLike, build_wavenet, build_wavenet_toy, build_wavenetlike

__version__ = "0.1.0"

__all__ = [
    "AR2", "AR2BlockConstants", "Block", "Clip", "Dataset", "DatasetEmptyError", "LoadError",
    "ModelConfig", "ModelReport", "PRESETS", "WaveNetLike", "WavenetConstants",
    "WavenetToyConstants", "analyze", "ar2_process", "build_wavenet", "build_wavenet_toy",
    "build_wavenetlike",
]
__all__ += ["generate", "generate_stream"]
