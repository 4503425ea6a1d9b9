"""Log-mel features computed with torch (for local conditioning; no torchaudio)."""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["hz_to_mel", "mel_to_hz", "mel_filterbank", "log_mel", "n_frames"]


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """HTK mel scale: 2595·log10(1 + f/700)."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, f_min: float = 0.0,
                   f_max: float | None = None) -> torch.Tensor:
    """Triangular mel filters, shape (n_mels, n_fft // 2 + 1), each peaking at 1."""
    f_max = f_max or sample_rate / 2
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(f"mel_filterbank: need 0 ≤ f_min < f_max ≤ sample_rate/2, got {f_min}, {f_max}")
    bins = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (bins[None, :] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - bins[None, :]) / np.maximum(hi - mid, 1e-9)
    return torch.from_numpy(np.clip(np.minimum(up, down), 0, None).astype(np.float32))


def n_frames(n_samples: int, hop: int) -> int:
    """Number of feature frames for ``n_samples``: ceil(n_samples / hop)."""
    return max(1, math.ceil(n_samples / hop))


def log_mel(audio: torch.Tensor | np.ndarray, sample_rate: int, n_mels: int = 20, hop: int = 256,
            n_fft: int | None = None) -> torch.Tensor:
    """Log-mel frames of a waveform: (T,) or (B, T) → (B, n_mels, ceil(T / hop)).

    Frame f is centred on samples f·hop … (f+1)·hop − 1 (a Hann window of
    ``n_fft`` samples, default 4·hop), so upsampling by repeating each frame
    ``hop`` times lines it up with the samples it describes.
    """
    x = torch.as_tensor(audio, dtype=torch.float32)
    if x.dim() == 1:
        x = x.unsqueeze(0)
    n_fft = int(n_fft or 4 * hop)
    T = x.shape[-1]
    F = n_frames(T, hop)
    left = (n_fft - hop) // 2
    right = F * hop + n_fft - hop - left - T
    x = torch.nn.functional.pad(x, (left, right))
    window = torch.hann_window(n_fft, device=x.device)
    spec = torch.stft(x, n_fft, hop_length=hop, window=window, center=False, return_complex=True)
    power = spec.abs() ** 2  # (B, n_fft//2+1, F)
    fb = mel_filterbank(n_mels, n_fft, sample_rate).to(x.device)
    mel = torch.einsum("mf,bft->bmt", fb, power)
    return torch.log10(mel.clamp_min(1e-6))[..., :F]
