"""scripts/spectrograms.py: the STFT puts a tone where it is, and the PNG is written."""
import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("spectrograms", ROOT / "scripts" / "spectrograms.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_spectrogram_finds_a_tone_and_the_png_is_written(tmp_path, qapp):
    mod = _script()
    sr = 16000
    tone = 0.3 * np.sin(2 * np.pi * 1000 * np.arange(sr) / sr)
    t, f, db = mod.spectrogram_db(tone, sr)
    assert abs(f[int(np.argmax(db[:, len(t) // 2]))] - 1000) < 40
    out = mod.render([("tone", tone), ("noise", 0.1 * np.random.default_rng(0).standard_normal(sr))], sr,
                     tmp_path / "s.png", width=600)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    from PySide6.QtGui import QImage
    img = QImage(str(out))
    assert img.width() == 600 and img.height() > 300
