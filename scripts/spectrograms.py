"""Spectrograms of real vs generated audio, side by side, as one PNG (numpy + pyqtgraph, offscreen).

    python scripts/spectrograms.py --checkpoint run.safetensors --data bundled --out out/spectrograms.png
    python scripts/spectrograms.py --train-seconds 60 --out out/spectrograms.png   # trains the toy preset first

Rows: real held-out audio (clips of the checkpoint's held-out split, joined,
``--seconds`` long), a take generated from silence, and a take primed with
the first 0.1 s of a held-out clip. Each: STFT (32 ms Hann, 8 ms hop) in dB
over 0 … Nyquist, the top 80 dB shown; the generated-vs-real statistics are
printed too. Output goes under ``out/`` (not committed).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from scipy.signal import stft

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DYNAMIC_RANGE_DB = 80.0


def spectrogram_db(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times s, frequencies Hz, dB (freqs, frames)) of a 32 ms / 8 ms-hop Hann STFT."""
    nper = 1 << int(round(np.log2(sample_rate * 0.032)))
    f, t, z = stft(np.asarray(audio, dtype=np.float64), fs=sample_rate, nperseg=nper, noverlap=nper - nper // 4)
    return t, f, 20 * np.log10(np.abs(z) + 1e-10)


def render(rows: list[tuple[str, np.ndarray]], sample_rate: int, out: Path, width: int = 1400) -> Path:
    """Draw one spectrogram per (title, audio) row, on a shared dB scale, and export a PNG."""
    import pyqtgraph as pg
    from pyqtgraph.exporters import ImageExporter
    app = pg.mkQApp()
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    win = pg.GraphicsLayoutWidget()
    win.resize(width, 260 * len(rows))
    specs = [spectrogram_db(a, sample_rate) for _, a in rows]
    top = max(float(s[2].max()) for s in specs)
    cmap = pg.colormap.get("viridis")
    for i, ((title, audio), (t, f, db)) in enumerate(zip(rows, specs)):
        plot = win.addPlot(row=i, col=0, title=title)
        img = pg.ImageItem(np.clip(db, top - DYNAMIC_RANGE_DB, top).T)  # (frames, freqs): x = time, y = frequency
        img.setColorMap(cmap)
        img.setLevels((top - DYNAMIC_RANGE_DB, top))
        dt = t[1] - t[0] if len(t) > 1 else len(audio) / sample_rate
        img.setRect(pg.QtCore.QRectF(0.0, 0.0, dt * db.shape[1], f[-1] / 1000.0))
        plot.addItem(img)
        plot.setLabel("bottom", "time", units="s")
        plot.setLabel("left", "frequency (kHz)")
        plot.setXRange(0, len(audio) / sample_rate, padding=0)
        plot.setYRange(0, f[-1] / 1000.0, padding=0)
    win.show()  # offscreen: lays the plots out at the window's size
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    exporter = ImageExporter(win.scene())
    exporter.parameters()["width"] = width
    exporter.export(str(out))
    win.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", help="a trained .safetensors checkpoint (default: train the toy preset)")
    ap.add_argument("--data", default="bundled", help="'bundled' or an audio file/folder (default bundled)")
    ap.add_argument("--train-seconds", type=float, default=60.0, help="without --checkpoint: training time")
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each row")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="out/spectrograms.png")
    args = ap.parse_args(argv)

    import torch
    from wavenetlike import Dataset, build_wavenet_toy, generate, load_checkpoint, train
    from wavenetlike.analysis.audio_stats import compare_generated
    from wavenetlike import TrainConfig
    torch.set_num_threads(1)
    dataset = Dataset(None if args.data == "bundled" else args.data)
    if args.checkpoint:
        ck = load_checkpoint(args.checkpoint)
        model, scale = ck.model, ck.scale
        fraction = float((ck.state.get("trainer") or {}).get("validation_fraction", 0.1))
        seed = int(ck.state.get("seed", 0))
        name = Path(args.checkpoint).name
    else:
        torch.manual_seed(args.seed)
        model = build_wavenet_toy()
        print(f"training the toy preset for {args.train_seconds:g} s (one thread) ...", flush=True)
        train(model, dataset, max_seconds=args.train_seconds, threads=1, seed=args.seed, device="cpu",
              validation_every=None, **TrainConfig.quick().non_default())
        scale, fraction, seed, name = float(dataset.scale or 1.0), 0.1, args.seed, f"toy, {args.train_seconds:g} s"
    sr = dataset.sample_rate
    n = int(args.seconds * sr)
    _, held = dataset.split(fraction, seed)
    held = held or dataset.clips
    real = np.concatenate([c.audio for c in held])[:n]
    prime = held[0].audio[:int(0.1 * sr)] / scale
    unprimed = generate(model, seconds=args.seconds, seed=args.seed) * scale
    primed = generate(model, seconds=args.seconds, seed=args.seed, prime=prime) * scale
    for title, take in (("unprimed", unprimed), ("primed", primed)):
        print(f"--- {title}")
        print(compare_generated([take], [c.audio for c in held], sr).summary())
    rows = [(f"real: held-out clips of {dataset.description}", real),
            (f"generated from silence ({name})", unprimed),
            (f"generated after 0.1 s of '{held[0].name}' ({name})", np.concatenate([held[0].audio[:len(prime)], primed]))]
    print(f"wrote {render(rows, sr, Path(args.out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
