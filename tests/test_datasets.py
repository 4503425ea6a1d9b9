"""Audio sources: formats, resampling, mono mixing, bad files, Speech Commands layout, the bundled set."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wavenetlike import Dataset, DatasetEmptyError, SpeechCommands
from wavenetlike.data.audio_io import write_wav
from wavenetlike.data.dataset import Cancelled
from wavenetlike.data.speech_commands import bundled_root

SR = 16000


def _tone(freq: float, seconds: float, sr: int, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spec)])


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Three good clips in two labelled sub-folders, plus every kind of bad or odd file."""
    root = tmp_path / "mixed"
    write_wav(root / "hello" / "good1.wav", _tone(300, 0.5, SR), SR)
    write_wav(root / "hello" / "good2.wav", _tone(500, 0.4, SR), SR)
    write_wav(root / "bye" / "good3.wav", _tone(700, 0.3, SR), SR)
    (root / "bad").mkdir()
    (root / "bad" / "empty.wav").write_bytes(b"")
    (root / "bad" / "notes.wav").write_text("this is a text file pretending to be a wav\n" * 5)
    full = root / "bad" / "_full.wav"
    write_wav(full, _tone(400, 0.5, SR), SR)
    data = full.read_bytes()
    full.unlink()
    (root / "bad" / "truncated.wav").write_bytes(data[: len(data) // 2])
    sf.write(str(root / "bad" / "zero.wav"), np.zeros(0, np.float32), SR)
    nan = _tone(400, 0.2, SR)
    nan[100:110] = np.nan
    sf.write(str(root / "bad" / "nan.wav"), nan, SR, subtype="FLOAT")
    six = np.stack([_tone(1000, 0.25, 192000, amp=0.1 * (k + 1)) for k in range(6)], axis=1)
    sf.write(str(root / "odd" / "six_192k.wav") if (root / "odd").mkdir() is None else "", six, 192000,
             subtype="PCM_24")
    sf.write(str(root / "odd" / "u8.wav"), _tone(250, 0.25, 8000), 8000, subtype="PCM_U8")
    (root / "readme.txt").write_text("not audio by name: skipped with a note")
    return root


def test_bad_files_are_reported_by_name_and_reason_and_good_clips_load(mixed_folder: Path) -> None:
    ds = Dataset(mixed_folder, sample_rate=SR, labels_from_folders=True)
    errors = {e.name: e.reason for e in ds.errors}
    assert set(errors) == {"bad/empty.wav", "bad/notes.wav", "bad/truncated.wav", "bad/zero.wav", "bad/nan.wav"}
    assert "empty (0 bytes)" in errors["bad/empty.wav"]
    assert "plain text" in errors["bad/notes.wav"]
    assert "truncated" in errors["bad/truncated.wav"] and "declares" in errors["bad/truncated.wav"]
    assert "no samples" in errors["bad/zero.wav"]
    assert "NaN" in errors["bad/nan.wav"]
    names = sorted(c.name for c in ds.clips)
    assert names == ["bye/good3.wav", "hello/good1.wav", "hello/good2.wav", "odd/six_192k.wav", "odd/u8.wav"]
    labels = {c.name: c.label for c in ds.clips}
    assert labels["hello/good1.wav"] == "hello" and labels["bye/good3.wav"] == "bye"
    notes = " | ".join(ds.notes)
    assert "from 192000 Hz to 16000 Hz: odd/six_192k.wav" in notes
    assert "with 6 channels to mono: odd/six_192k.wav" in notes
    assert "8-bit samples" in notes and "odd/u8.wav" in notes
    assert "readme.txt" in notes
    six = next(c for c in ds.clips if c.name == "odd/six_192k.wav")
    assert six.original_channels == 6 and six.original_sample_rate == 192000
    assert len(six.audio) == pytest.approx(0.25 * SR, abs=2)
    core = six.audio[400:-400]
    assert np.max(np.abs(core)) == pytest.approx(np.mean([0.1 * (k + 1) for k in range(6)]), rel=0.02)
    assert _peak_hz(six.audio, SR) == pytest.approx(1000, abs=20)
    u8 = next(c for c in ds.clips if c.name == "odd/u8.wav")
    # 8-bit unsigned is centred (silence at 128 → 0), not offset by +0.5
    assert abs(float(np.mean(u8.audio))) < 0.01 and np.max(np.abs(u8.audio)) == pytest.approx(0.5, abs=0.03)


def test_truncated_wav_can_be_kept_on_request(mixed_folder: Path) -> None:
    ds = Dataset(mixed_folder / "bad", sample_rate=SR, allow_truncated=True)
    assert [c.name for c in ds.clips] == ["truncated.wav"]
    assert len(ds.clips[0]) == pytest.approx(0.25 * SR, rel=0.02)
    assert any("truncated.wav: truncated" in n for n in ds.notes)


def test_all_bad_folder_gives_a_clear_error(mixed_folder: Path, tmp_path: Path) -> None:
    bad = mixed_folder / "bad"
    with pytest.raises(DatasetEmptyError) as err:
        Dataset(bad)
    msg = str(err.value)
    for name in ("empty.wav", "notes.wav", "truncated.wav", "zero.wav", "nan.wav"):
        assert name in msg
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DatasetEmptyError, match="holds no audio files"):
        Dataset(tmp_path / "nothing")
    with pytest.raises(DatasetEmptyError, match="no such file or folder"):
        Dataset(tmp_path / "missing.wav")


def test_resampling_and_mono_mixing(tmp_path: Path) -> None:
    left, right = _tone(440, 1.0, 44100, 0.6), _tone(440, 1.0, 44100, 0.2)
    sf.write(str(tmp_path / "stereo.wav"), np.stack([left, right], axis=1), 44100, subtype="PCM_16")
    ds = Dataset(tmp_path / "stereo.wav", sample_rate=SR)
    clip = ds.clips[0]
    assert clip.sample_rate == SR and clip.original_sample_rate == 44100 and clip.original_channels == 2
    assert len(clip) == SR
    assert _peak_hz(clip.audio, SR) == pytest.approx(440, abs=2)
    assert np.max(np.abs(clip.audio[200:-200])) == pytest.approx(0.4, rel=0.01)  # (0.6 + 0.2) / 2
    # with no sample_rate the files' own (most common) rate is used
    assert Dataset(tmp_path / "stereo.wav").sample_rate == 44100


@pytest.mark.parametrize("fmt,subtype,tol", [("WAV", "PCM_16", 1e-4), ("WAV", "PCM_24", 1e-6),
                                             ("WAV", "PCM_32", 1e-6), ("WAV", "FLOAT", 1e-7),
                                             ("FLAC", "PCM_16", 1e-4), ("OGG", "VORBIS", None),
                                             ("MP3", "MPEG_LAYER_III", None)])
def test_formats_and_bit_depths(tmp_path: Path, fmt: str, subtype: str, tol: float | None) -> None:
    x = _tone(300, 0.5, SR, 0.5)
    path = tmp_path / f"tone.{fmt.lower()}"
    sf.write(str(path), x, SR, format=fmt, subtype=subtype)
    ds = Dataset([path], sample_rate=SR)
    y = ds.clips[0].audio
    assert ds.errors == []
    if tol is not None:
        assert len(y) == len(x) and np.max(np.abs(y - x)) < tol
    else:  # lossy codecs: same pitch and level, length within a codec frame
        assert abs(len(y) - len(x)) < 2000
        assert _peak_hz(y, SR) == pytest.approx(300, abs=5)
        assert np.sqrt(np.mean(y ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_list_of_files_progress_cancel_and_unknown_option(tmp_path: Path) -> None:
    paths = [write_wav(tmp_path / f"c{i}.wav", _tone(200 + 100 * i, 0.1, SR), SR) for i in range(4)]
    seen = []
    ds = Dataset(paths, progress=lambda d, t, w: seen.append((d, t, w)))
    assert len(ds) == 4 and seen[-1] == (4, 4, "c3.wav")
    with pytest.raises(Cancelled):
        Dataset(paths, cancel=lambda: len(seen) > 5, progress=lambda d, t, w: seen.append(d))
    with pytest.raises(ValueError, match="unknown Dataset option.*trim_silense"):
        Dataset(paths, trim_silense=True)


def test_trim_silence_reports_and_never_drops_silently(tmp_path: Path) -> None:
    quiet = np.zeros(SR // 2, np.float32)
    write_wav(tmp_path / "padded.wav", np.concatenate([quiet, _tone(300, 0.25, SR), quiet]), SR)
    write_wav(tmp_path / "silent.wav", np.zeros(SR // 4, np.float32), SR)
    ds = Dataset(tmp_path, trim_silence=True)
    assert [c.name for c in ds.clips] == ["padded.wav"]
    assert len(ds.clips[0]) == pytest.approx(0.25 * SR + 2 * 0.02 * SR, abs=0.02 * SR)
    assert [e.name for e in ds.errors] == ["silent.wav"] and "silent" in ds.errors[0].reason
    assert any("trim_silence" in n and "removed 0.96 s of 1.25 s" in n and "1 entirely silent" in n for n in ds.notes)


def _make_speech_commands(root: Path, words=("yes", "no", "up"), speakers=6) -> None:
    rng = np.random.default_rng(3)
    ids = [f"{k:08x}" for k in range(0xa0, 0xa0 + speakers)]
    for w in words:
        for s in ids:
            for n in range(2):
                write_wav(root / w / f"{s}_nohash_{n}.wav", 0.2 * rng.standard_normal(800).astype(np.float32), SR)
    write_wav(root / "_background_noise_" / "noise.wav", 0.1 * rng.standard_normal(SR).astype(np.float32), SR)
    (root / "validation_list.txt").write_text("".join(f"{w}/{ids[0]}_nohash_{n}.wav\n" for w in words for n in (0, 1)))
    (root / "testing_list.txt").write_text("".join(f"{w}/{ids[1]}_nohash_{n}.wav\n" for w in words for n in (0, 1)))


def test_speech_commands_layout_splits_words_and_cap(tmp_path: Path) -> None:
    root = tmp_path / "sc"
    _make_speech_commands(root)
    ds = Dataset(SpeechCommands(root))
    assert ds.kind == "speech_commands" and ds.sample_rate == SR
    assert len(ds) == 3 * 6 * 2 and ds.labels == ["no", "up", "yes"]
    assert not any("noise" in c.name for c in ds.clips)
    assert Counter(c.split for c in ds.clips) == {"train": 24, "validation": 6, "test": 6}
    assert any("_background_noise_ left out" in n for n in ds.notes)
    assert all(c.label == c.name.split("/")[0] for c in ds.clips)
    assert ds.speech_commands_version == "v0.01"
    # splits: validation only, and the dataset split keeps them
    val = Dataset(SpeechCommands(root, splits=("validation",)))
    assert {c.split for c in val.clips} == {"validation"} and len(val) == 6
    train, v = ds.split(0.1, seed=0)
    assert len(train) == 24 and len(v) == 6
    # a word subset and a cap per word
    sub = Dataset(SpeechCommands(root, words=["yes", "up"], max_per_word=5))
    assert Counter(c.label for c in sub.clips) == {"yes": 5, "up": 5}
    again = Dataset(SpeechCommands(root, words=["yes", "up"], max_per_word=5))
    assert [c.name for c in sub.clips] == [c.name for c in again.clips]  # the cap is deterministic
    assert len({c.name.split("_nohash_")[0] for c in sub.clips if c.label == "yes"}) >= 3  # spread over speakers
    # an unknown word is reported, the others load
    some = Dataset(SpeechCommands(root, words=["yes", "sheila"]))
    assert [e.name for e in some.errors] == ["sheila"] and "no folder for this word" in some.errors[0].reason
    assert some.labels == ["yes"]
    with pytest.raises(ValueError, match="splits"):
        SpeechCommands(root, splits=("training",))
    with pytest.raises(DatasetEmptyError, match="does not exist"):
        Dataset(SpeechCommands(tmp_path / "nowhere"))


def test_bundled_sample_set() -> None:
    root = bundled_root()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size <= 3_000_000
    ds = Dataset(None)
    assert Dataset("bundled").total_samples == ds.total_samples
    assert ds.kind == "bundled" and ds.sample_rate == SR and ds.errors == []
    assert len(ds.labels) >= 6 and ds.duration > 60
    assert set(Counter(c.split for c in ds.clips)) == {"train", "validation", "test"}
    assert all(c.original_sample_rate == SR and c.original_channels == 1 for c in ds.clips)
    speakers = {c.name.split("/")[1].split("_nohash_")[0] for c in ds.clips}
    assert len(speakers) >= 12
    assert (root / "README.md").is_file() and (root / "LICENSE").is_file()
    assert ds.reference()["kind"] == "bundled"
