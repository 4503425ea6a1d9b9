"""Hostile command lines (issue 12): upper bounds that name the argument, output paths checked before
any work, one line instead of a traceback. Each call is bounded by a pytest timeout (no hang)."""
from __future__ import annotations

import pytest

from hostile_helpers import sha, snapshot, tiny_checkpoint
from wavenetlike.cli import main

DATA = ["--ar2", "0.6,-0.3", "--ar2-count", "2", "--ar2-length", "400"]


@pytest.fixture(scope="module")
def ck(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("ck") / "m.safetensors")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("argv, named", [
    (["generate", "{ck}", "--out", "{tmp}/g.wav", "--seconds", "1e9"], "argument --seconds: '1e9' is more than"),
    (["generate", "{ck}", "--out", "{tmp}/g.wav", "--seconds", "nan"], "argument --seconds: 'nan' is not a finite"),
    (["generate", "{ck}", "--out", "{tmp}/g.wav", "--temperature", "inf"], "argument --temperature: 'inf'"),
    (["analyze", "{tmp}", "--sample-rate", "1e9"], "argument --sample-rate: '1e9' is more than the limit of 384,000"),
    (["analyze", "--ar2", "0.5,0.2", "--ar2-count", "1e9"], "argument --ar2-count: '1e9' is more than"),
    (["analyze", "--ar2", "0.5,0.2", "--ar2-length", "1e12"], "argument --ar2-length: '1e12' is more than"),
    (["analyze", "--ar2", "0.5,0.2", "--ar2-length", "10000000", "--ar2-count", "10000"],
     "--ar2-count 10000 × --ar2-length 10000000 = 100,000,000,000 samples is more than the limit"),
    (["train", *DATA, "--preset", "ar2", "--threads", "100000"], "argument --threads: '100000' is more than"),
    (["train", *DATA, "--preset", "ar2", "--steps", "1e30"], "argument --steps: '1e30' is more than"),
    (["train", *DATA, "--preset", "ar2", "--window", "1e12"], "argument --window: '1e12' is more than"),
    (["train", *DATA, "--preset", "ar2", "--minutes", "1e9"], "argument --minutes: '1e9' is more than"),
    (["train", *DATA, "--preset", "ar2", "--batch", "0"], "argument --batch: '0' must be ≥ 1"),
    (["demo", "--train-seconds", "1e9"], "argument --train-seconds: '1e9' is more than"),
    (["analyze", "bundled", "--max-lag", "1e15"], "argument --max-lag: '1e15' is more than"),
])
def test_numbers_have_upper_bounds_naming_the_argument(tmp_path, capsys, ck, argv, named):
    argv = [a.format(ck=ck, tmp=tmp_path) for a in argv]
    before = snapshot(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
    assert snapshot(tmp_path) == before


@pytest.mark.timeout(60)
def test_generate_output_paths_are_checked_before_generating(tmp_path, capsys, ck):
    folder = tmp_path / "outdir"
    folder.mkdir()
    for out, named in [(folder, f"--out {folder} is a folder; give a file name ending in .wav"),
                       (tmp_path / "g.txt", "g.txt: the file name must end in .wav or .flac")]:
        assert main(["generate", str(ck), "--out", str(out), "--seconds", "600"]) == 2  # 600 s would take minutes
        out_err = capsys.readouterr()
        assert named in out_err.err and "Wrote" not in out_err.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outdir"] and not any(folder.iterdir())
    flac = tmp_path / "g.flac"
    assert main(["generate", str(ck), "--out", str(flac), "--seconds", "0.01"]) == 0
    assert flac.read_bytes()[:4] == b"fLaC"


@pytest.mark.timeout(60)
def test_checkpoint_folder_is_refused_before_training(tmp_path, capsys):
    folder = tmp_path / "runs"
    folder.mkdir()
    assert main(["train", *DATA, "--preset", "ar2", "--steps", "100000", "--checkpoint", str(folder)]) == 2
    out = capsys.readouterr()
    assert f"--checkpoint {folder} is a folder; give a file name" in out.err
    assert "Model:" not in out.out and "Trained" not in out.out and not any(folder.iterdir())


@pytest.mark.timeout(60)
def test_json_outputs_need_overwrite_and_are_written_atomically(tmp_path, capsys):
    js = tmp_path / "report.json"
    js.write_text('{"mine": true}')
    assert main(["analyze", *DATA, "--json", str(js)]) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err and js.read_text() == '{"mine": true}'
    assert main(["suggest", *DATA, "--out", str(tmp_path / "cfg.txt")]) == 2
    assert "must end in .json" in capsys.readouterr().err
    assert main(["analyze", *DATA, "--json", str(js), "--overwrite", "--max-lag", "32"]) == 0
    assert '"mine"' not in js.read_text() and [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.timeout(60)
def test_download_root_that_is_a_file(tmp_path, capsys):
    root = tmp_path / "speech"
    root.write_text("not a folder")
    before = sha(root)
    assert main(["download", str(root), "--url", "http://127.0.0.1:9/none.tar.gz"]) == 1
    err = capsys.readouterr().err
    assert f"{root} is a file, not a folder" in err and "Traceback" not in err and "run again" not in err
    assert sha(root) == before
