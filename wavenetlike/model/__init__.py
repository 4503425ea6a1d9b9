"""Model layers and the WaveNet-like module."""
from .layers import Block, CausalConv1d, ResidualLayer
from .wavenet import WaveNetLike, build_wavenet, build_wavenet_toy, build_wavenetlike

__all__ = ["Block", "CausalConv1d", "ResidualLayer", "WaveNetLike",
           "build_wavenet", "build_wavenet_toy", "build_wavenetlike"]
