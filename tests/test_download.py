"""Download (resume, integrity) and safe extraction, against a server on 127.0.0.1 that the test starts."""
from __future__ import annotations

import hashlib
import io
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from wavenetlike.data.audio_io import write_wav
from wavenetlike.data.dataset import Cancelled, Dataset
from wavenetlike.data.download import (DownloadError, IntegrityError, UnsafeArchiveError, download,
                                       download_speech_commands, extract_tar)
from wavenetlike.data.speech_commands import SpeechCommands


class _Server:
    """Serves one payload at /archive.tar.gz, honours Range, and can cut the first response short."""

    def __init__(self, payload: bytes, cut_first_after: int | None = None, honour_range: bool = True) -> None:
        self.payload = payload
        self.cut_first_after = cut_first_after
        self.honour_range = honour_range
        self.requests: list[str | None] = []  # the Range header of every request
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                rng = self.headers.get("Range")
                outer.requests.append(rng)
                data, start = outer.payload, 0
                if rng and outer.honour_range:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_first_after is not None and len(outer.requests) == 1:
                    self.wfile.write(body[:outer.cut_first_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/archive.tar.gz"

    def __enter__(self) -> "_Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _speech_commands_tar(tmp: Path) -> bytes:
    """A tiny archive in the Speech Commands layout: 2 words × 3 speakers, the lists, and background noise."""
    rng = np.random.default_rng(0)
    files: dict[str, bytes] = {}
    for word in ("yes", "no"):
        for spk in ("aaaa1111", "bbbb2222", "cccc3333"):
            p = tmp / "src" / word / f"{spk}_nohash_0.wav"
            write_wav(p, 0.3 * rng.standard_normal(1600).astype(np.float32), 16000)
            files[f"./{word}/{p.name}"] = p.read_bytes()
    noise = tmp / "src" / "noise.wav"
    write_wav(noise, 0.1 * rng.standard_normal(16000).astype(np.float32), 16000)
    files["./_background_noise_/white.wav"] = noise.read_bytes()
    files["./validation_list.txt"] = b"yes/bbbb2222_nohash_0.wav\nno/bbbb2222_nohash_0.wav\n"
    files["./testing_list.txt"] = b"yes/cccc3333_nohash_0.wav\nno/cccc3333_nohash_0.wav\n"
    return _tar_gz(files)


def test_download_verifies_sha256_and_reports_progress(tmp_path: Path) -> None:
    payload = bytes(np.random.default_rng(1).integers(0, 256, 300_000, dtype=np.uint8))
    seen: list[tuple[int, int]] = []
    with _Server(payload) as srv:
        out = download(srv.url, tmp_path / "a.tar.gz", sha256=hashlib.sha256(payload).hexdigest(),
                       size=len(payload), progress=lambda d, t, w: seen.append((d, t)), chunk_size=65536)
    assert out.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload)) and len(seen) >= 4
    assert not (tmp_path / "a.tar.gz.part").exists()


def test_interrupted_download_resumes_with_range(tmp_path: Path) -> None:
    payload = bytes(np.random.default_rng(2).integers(0, 256, 200_000, dtype=np.uint8))
    digest = hashlib.sha256(payload).hexdigest()
    dest = tmp_path / "a.tar.gz"
    with _Server(payload, cut_first_after=70_000) as srv:
        with pytest.raises(DownloadError, match="interrupted after 70,000 of 200000 bytes"):
            download(srv.url, dest, sha256=digest, retries=0)
        part = tmp_path / "a.tar.gz.part"
        assert part.stat().st_size == 70_000 and not dest.exists()
        download(srv.url, dest, sha256=digest, retries=0)
        assert srv.requests == [None, "bytes=70000-"]
    assert dest.read_bytes() == payload


def test_interrupted_download_retries_by_itself(tmp_path: Path) -> None:
    payload = b"x" * 50_000
    with _Server(payload, cut_first_after=10_000) as srv:
        out = download(srv.url, tmp_path / "f.bin", size=len(payload), retries=2)
        assert srv.requests == [None, "bytes=10000-"]
    assert out.read_bytes() == payload


def test_server_without_range_support_restarts_cleanly(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 400
    with _Server(payload, cut_first_after=5000, honour_range=False) as srv:
        out = download(srv.url, tmp_path / "f.bin", sha256=hashlib.sha256(payload).hexdigest(), retries=1)
    assert out.read_bytes() == payload


def test_corrupted_download_is_rejected_and_deleted(tmp_path: Path) -> None:
    payload = bytearray(b"abc" * 10_000)
    digest = hashlib.sha256(bytes(payload)).hexdigest()
    payload[12345] ^= 0xFF  # one byte damaged on the way
    with _Server(bytes(payload)) as srv:
        with pytest.raises(IntegrityError, match="SHA-256"):
            download(srv.url, tmp_path / "a.tar.gz", sha256=digest)
        with pytest.raises(IntegrityError, match="size is 30000 bytes, expected 29999"):
            download(srv.url, tmp_path / "b.tar.gz", size=29_999)
    assert list(tmp_path.iterdir()) == []


def test_cancel_keeps_the_part_for_later(tmp_path: Path) -> None:
    payload = b"y" * 200_000
    with _Server(payload) as srv:
        calls = {"n": 0}

        def cancel() -> bool:
            calls["n"] += 1
            return calls["n"] > 2
        with pytest.raises(Cancelled):
            download(srv.url, tmp_path / "c.bin", cancel=cancel, chunk_size=10_000)
        assert (tmp_path / "c.bin.part").stat().st_size == 20_000
        download(srv.url, tmp_path / "c.bin", size=len(payload))
    assert (tmp_path / "c.bin").read_bytes() == payload


@pytest.mark.parametrize("bad_name", ["../evil.txt", "/tmp/evil_abs.txt", "ok/../../evil.txt"])
def test_extraction_refuses_path_traversal(tmp_path: Path, bad_name: str) -> None:
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(_tar_gz({"good.txt": b"fine", bad_name: b"evil"}))
    dest = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="outside the target folder"):
        extract_tar(archive, dest)
    assert not (tmp_path / "evil.txt").exists()
    assert list(dest.iterdir()) == []  # nothing half-extracted either


def test_extraction_refuses_links_and_damaged_archives(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    (tmp_path / "link.tar.gz").write_bytes(buf.getvalue())
    with pytest.raises(UnsafeArchiveError, match="is a link"):
        extract_tar(tmp_path / "link.tar.gz", tmp_path / "out1")
    data = _tar_gz({"a.txt": b"a" * 100_000})
    (tmp_path / "cut.tar.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IntegrityError, match="damaged"):
        extract_tar(tmp_path / "cut.tar.gz", tmp_path / "out2")
    assert list((tmp_path / "out2").iterdir()) == []


def test_download_speech_commands_from_local_server_then_load(tmp_path: Path) -> None:
    payload = _speech_commands_tar(tmp_path)
    root = tmp_path / "sc"
    with _Server(payload, cut_first_after=len(payload) // 3) as srv:
        spec = SpeechCommands(root, version="v0.02")
        spec.download(url=srv.url, sha256=hashlib.sha256(payload).hexdigest())
        assert srv.requests == [None, f"bytes={len(payload) // 3}-"]  # cut short, then resumed
    assert (root / "yes" / "aaaa1111_nohash_0.wav").is_file()
    assert not (root / "speech_commands_v0.02.tar.gz").exists()
    ds = Dataset(SpeechCommands(root))
    assert len(ds) == 6 and ds.labels == ["no", "yes"]
    assert sorted(c.split for c in ds.clips) == ["test", "test", "train", "train", "validation", "validation"]
    # a second call finds the unpacked copy and fetches nothing
    assert download_speech_commands(root, url="http://127.0.0.1:9/never") == root


def test_cli_download_resumes_and_the_corpus_loads(tmp_path: Path, capsys) -> None:
    from wavenetlike.cli import main
    payload = _speech_commands_tar(tmp_path)
    root = tmp_path / "sc"
    with _Server(payload, cut_first_after=len(payload) // 2) as srv:
        status = main(["download", str(root), "--url", srv.url, "--sha256", hashlib.sha256(payload).hexdigest()])
    assert status == 0, capsys.readouterr().err
    assert "Speech Commands v0.02 is in" in capsys.readouterr().out
    assert len(Dataset(SpeechCommands(root))) == 6


def test_cli_download_of_a_corrupted_archive_fails_with_a_message(tmp_path: Path, capsys) -> None:
    from wavenetlike.cli import main
    payload = _speech_commands_tar(tmp_path)
    with _Server(payload) as srv:
        status = main(["download", str(tmp_path / "sc"), "--url", srv.url, "--sha256", "0" * 64])
    assert status == 1
    err = capsys.readouterr().err
    assert "wavenetlike download: error:" in err and "sha" in err.lower()
