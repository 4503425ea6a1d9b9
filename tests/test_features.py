import numpy as np
import torch

from wavenetlike.features import log_mel, mel_filterbank, n_frames


def test_frame_count_and_shape():
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    f = log_mel(x, 16000, n_mels=10, hop=64)
    assert f.shape == (1, 10, n_frames(1000, 64)) == (1, 10, 16)


def test_a_sine_lights_up_the_mel_band_of_its_frequency():
    sr, hop = 16000, 128
    t = np.arange(sr // 4) / sr
    low = log_mel(np.sin(2 * np.pi * 300 * t), sr, n_mels=24, hop=hop)[0].mean(-1)
    high = log_mel(np.sin(2 * np.pi * 3000 * t), sr, n_mels=24, hop=hop)[0].mean(-1)
    assert int(low.argmax()) < int(high.argmax())
    fb = mel_filterbank(24, 4 * hop, sr)
    freqs = torch.linspace(0, sr / 2, 4 * hop // 2 + 1)
    # the loudest band of each sine contains its frequency
    for f0, prof in [(300, low), (3000, high)]:
        band = fb[int(prof.argmax())]
        assert band[int(torch.argmin((freqs - f0).abs()))] > 0
