"""Hostile downloads (issue 12), against servers on 127.0.0.1: a trickling server meets an overall
deadline and a minimum rate; a completely transferred but damaged archive is deleted, so running
again fetches it anew."""
from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from test_download import _Server, _speech_commands_tar
from wavenetlike.cli import main
from wavenetlike.data.download import DownloadError, download


class _Trickle:
    """Announces 1 MB and sends one byte every ``every`` seconds."""

    def __init__(self, every: float) -> None:
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(1 << 20))
                self.end_headers()
                try:
                    while not outer.stop.wait(every):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/slow.tar.gz"

    def __enter__(self) -> "_Trickle":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.mark.timeout(60)
def test_trickling_server_meets_the_overall_deadline(tmp_path, capsys):
    root = tmp_path / "sc"
    with _Trickle(every=0.1) as srv:
        t0 = time.monotonic()
        status = main(["download", str(root), "--url", srv.url, "--deadline", "0.04", "--min-rate", "0"])
        took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert status == 1 and took < 30
    assert "took longer than its overall limit of 2.4 s" in err and "run again to resume" in err
    part = root / "speech_commands_v0.02.tar.gz.part"
    assert part.is_file() and 5 <= part.stat().st_size < 100       # what came is kept to resume from


@pytest.mark.timeout(60)
def test_trickling_server_below_the_minimum_rate(tmp_path):
    with _Trickle(every=0.1) as srv:
        with pytest.raises(DownloadError, match=r"bytes/s over 1 s, below the minimum of 1,000 bytes/s"):
            download(srv.url, tmp_path / "a.bin", min_rate=1000, rate_window=1.0, deadline=30)


@pytest.mark.timeout(60)
def test_damaged_complete_archive_is_deleted_so_running_again_refetches(tmp_path, capsys):
    root = tmp_path / "sc"
    damaged = os.urandom(50_000)
    with _Server(damaged) as srv:
        assert main(["download", str(root), "--url", srv.url]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "the damaged archive was deleted, run again to fetch it anew" in err
    assert not list(root.glob("*.tar.gz*")) and not (root / ".complete").exists()
    good = _speech_commands_tar(tmp_path)
    with _Server(good) as srv:
        assert main(["download", str(root), "--url", srv.url]) == 0
        assert srv.requests == [None]          # fetched anew from the start, not "resumed" from the bad file
    assert (root / "validation_list.txt").is_file() and (root / "yes").is_dir()
