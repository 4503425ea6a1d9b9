"""Make the bundled sample speech set with espeak-ng, in the Speech Commands layout.

    PYTHONPATH=. python scripts/make_sample_set.py [--out resources/sample_speech]

Speaks a few command words in several synthetic "speakers" (an espeak-ng
accent + voice variant + pitch + speed + loudness, fixed by a seeded RNG),
resamples to 16 kHz mono, low-passes at 5.5 kHz, trims the silence around each word (keeping 30 ms
either side), and writes 16-bit WAV files as ``<word>/<speaker>_nohash_0.wav``
with ``validation_list.txt`` and ``testing_list.txt`` holding whole speakers
(as in Speech Commands, a speaker is in one split only). Needs the
``espeak-ng`` program.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf

from wavenetlike.data.audio_io import resample, write_wav
from wavenetlike.data.silence import trim_bounds

WORDS = ["yes", "no", "up", "down", "left", "right"]
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan",
           "en-gb-x-gbcwmd"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"]
N_SPEAKERS = 28
N_VALIDATION = 3
N_TEST = 3
SAMPLE_RATE = 16000
SEED = 20240611
LOWPASS_HZ = 5500.0
LOWPASS_ORDER = 6
PAD_MS = 30.0


def speakers(n: int, seed: int) -> list[dict]:
    """Fixed synthetic speakers: every variant used before any repeats, accents cycled."""
    rng = np.random.default_rng(seed)
    variants = [VARIANTS[i % len(VARIANTS)] for i in range(n)]
    rng.shuffle(variants)
    out = []
    for i in range(n):
        s = {"voice": f"{ACCENTS[i % len(ACCENTS)]}+{variants[i]}",
             "pitch": int(rng.integers(20, 80)),      # espeak-ng -p, 0..99
             "speed": int(rng.integers(120, 190)),    # words per minute
             "gain": round(float(rng.uniform(0.35, 0.9)), 2)}
        s["id"] = f"{zlib.crc32(repr(sorted(s.items())).encode()):08x}"
        out.append(s)
    return out


def speak(word: str, speaker: dict, workdir: Path) -> np.ndarray:
    """One word as float32 16 kHz mono, trimmed and scaled to the speaker's peak gain."""
    wav = workdir / "say.wav"
    subprocess.run(["espeak-ng", "-v", speaker["voice"], "-p", str(speaker["pitch"]), "-s", str(speaker["speed"]),
                    "-w", str(wav), word], check=True, capture_output=True)
    x, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    x = resample(x.mean(axis=1), sr, SAMPLE_RATE)
    # espeak-ng leaves a faint broadband hiss above ~5 kHz that no model can predict sample by sample;
    # a zero-phase low-pass removes it (see README: "Low-pass")
    sos = scipy.signal.butter(LOWPASS_ORDER, LOWPASS_HZ, fs=SAMPLE_RATE, output="sos")
    x = scipy.signal.sosfiltfilt(sos, x.astype(np.float64)).astype(np.float32)
    bounds = trim_bounds(x, SAMPLE_RATE, pad_ms=PAD_MS)
    if bounds is None:
        raise RuntimeError(f"espeak-ng produced silence for {word!r} with {speaker}")
    x = x[bounds[0]:bounds[1]]
    return (x * (speaker["gain"] / max(float(np.abs(x).max()), 1e-6))).astype(np.float32)


README = """# Bundled sample speech set

A small speech corpus in the Speech Commands layout (`<word>/<speaker>_nohash_<n>.wav`,
`validation_list.txt`, `testing_list.txt`) so that wavenetlike works offline: it is the
default dataset of the app and of `wavenetlike demo`.

- Words: {words}
- Speakers: {n_speakers} synthetic voices ({n_val} in validation, {n_test} in test, the rest in training);
  one clip per word and speaker, {n_clips} clips, {seconds:.1f} s of audio in all.
- Format: 16 kHz, mono, 16-bit PCM WAV, low-passed at {lowpass:g} Hz (see below); the silence around each word is trimmed ({pad:g} ms kept either side),
  so clips are shorter than the 1 s clips of Speech Commands.

## How it was made

`PYTHONPATH=. python scripts/make_sample_set.py` speaks each word with espeak-ng
({espeak}). A "speaker" is an espeak-ng accent plus a voice variant (`+m1` … `+m7`, `+f1` … `+f5`),
a pitch (`-p`), a speed (`-s`) and a peak level, drawn from a seeded random generator; the
speaker id in the file name is a CRC-32 of those settings. `speakers.txt` lists them. The output
of espeak-ng is resampled from 22.05 kHz with soxr. Running the script again gives the same set
(for the same espeak-ng version).

## Low-pass

After resampling, every clip is low-passed at {lowpass:g} Hz (a zero-phase order-{order} Butterworth
filter, so the bandwidth is wider than a telephone's 3.4 kHz). espeak-ng leaves a faint broadband hiss
above about 5 kHz (around -40 dB); it carries nothing a model can learn, yet at the sample level it
decides most next-sample errors: a 32-tap linear predictor gets 30 % of 64 mu-law classes right on the
unfiltered set and about 79 % on the filtered one. Removing it lets the toy model learn the speech
itself within minutes on a CPU.

This is synthetic speech: useful to see a WaveNet-like model learn quickly, not a substitute
for recorded speech such as Speech Commands (`wavenetlike.SpeechCommands`).
"""

LICENSE = """The audio in this folder was generated by the wavenetlike project with the espeak-ng
speech synthesizer (scripts/make_sample_set.py). It contains no recorded voices.
The generated files are released under the same licence as wavenetlike (MIT).
espeak-ng itself is GPL-3.0-or-later; its output is not covered by that licence.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="resources/sample_speech", help="output folder (replaced)")
    args = ap.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (apt install espeak-ng)", file=sys.stderr)
        return 1
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    spk = speakers(N_SPEAKERS, SEED)
    validation = {s["id"] for s in spk[:N_VALIDATION]}
    test = {s["id"] for s in spk[N_VALIDATION:N_VALIDATION + N_TEST]}
    val_list, test_list = [], []
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for word in WORDS:
            for s in spk:
                x = speak(word, s, Path(tmp))
                rel = f"{word}/{s['id']}_nohash_0.wav"
                write_wav(out / rel, x, SAMPLE_RATE)
                total += len(x)
                if s["id"] in validation:
                    val_list.append(rel)
                elif s["id"] in test:
                    test_list.append(rel)
    (out / "validation_list.txt").write_text("\n".join(sorted(val_list)) + "\n")
    (out / "testing_list.txt").write_text("\n".join(sorted(test_list)) + "\n")
    (out / "speakers.txt").write_text("id\tvoice\tpitch\tspeed\tgain\n" + "".join(
        f"{s['id']}\t{s['voice']}\t{s['pitch']}\t{s['speed']}\t{s['gain']}\n" for s in spk))
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip()
    (out / "README.md").write_text(README.format(words=", ".join(WORDS), n_speakers=len(spk), n_val=N_VALIDATION,
                                                 n_test=N_TEST, n_clips=len(WORDS) * len(spk), lowpass=LOWPASS_HZ, order=LOWPASS_ORDER, pad=PAD_MS,
                                                 seconds=total / SAMPLE_RATE, espeak=version))
    (out / "LICENSE").write_text(LICENSE)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {len(WORDS) * len(spk)} clips, {total / SAMPLE_RATE:.1f} s, {size / 1e6:.2f} MB to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
