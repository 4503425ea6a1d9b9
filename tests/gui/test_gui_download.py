"""Speech Commands download in the app, against a slow server on 127.0.0.1: progress, cancel, resume, checksum."""
from __future__ import annotations

import hashlib
import io
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PySide6.QtCore import Qt

from wavenetlike.data.audio_io import write_wav


def _corpus(tmp_path) -> bytes:
    """Speech Commands layout, 2 words × 3 speakers, padded with incompressible noise so it takes many chunks."""
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for word in ("yes", "no"):
            for spk in ("aaaa1111", "bbbb2222", "cccc3333"):
                p = tmp_path / f"{word}_{spk}.wav"
                write_wav(p, 0.3 * rng.standard_normal(1600).astype(np.float32), 16000)
                add(f"./{word}/{spk}_nohash_0.wav", p.read_bytes())
        noise = tmp_path / "noise.wav"
        write_wav(noise, rng.uniform(-1, 1, 200_000).astype(np.float32), 16000)  # ~800 kB, incompressible
        add("./_background_noise_/white.wav", noise.read_bytes())
        add("./validation_list.txt", b"yes/bbbb2222_nohash_0.wav\nno/bbbb2222_nohash_0.wav\n")
        add("./testing_list.txt", b"yes/cccc3333_nohash_0.wav\nno/cccc3333_nohash_0.wav\n")
    return buf.getvalue()


class SlowServer:
    """Serves one archive in 32 kB pieces; honours Range. The first response stops after 64 kB until
    :attr:`gate` is set, so a test can press Cancel part-way however busy the machine is."""

    def __init__(self, payload: bytes, pause: float = 0.0) -> None:
        self.payload, self.pause = payload, pause
        self.gate = threading.Event()
        self.ranges: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                body = outer.payload[start:]
                self.send_response(206 if rng else 200)
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(outer.payload) - 1}/{len(outer.payload)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(0, len(body), 32768):
                        if i >= 65536 and len(outer.ranges) == 1:
                            outer.gate.wait(30)
                        self.wfile.write(body[i:i + 32768])
                        self.wfile.flush()
                        time.sleep(outer.pause)  # a throttled server (not a test wait): the download must take time
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the app cancelled

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/speech_commands_v0.02.tar.gz"

    def __enter__(self) -> "SlowServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def test_download_shows_progress_cancels_resumes_and_loads(qtbot, window, tmp_path):
    payload = _corpus(tmp_path)
    root = tmp_path / "speech_commands"
    panel = window.dataset_panel
    qtbot.mouseClick(panel.source_radios["speech_commands"], Qt.MouseButton.LeftButton)
    dl = panel.sc_download
    panel.sc_root.setText(str(root))
    with SlowServer(payload) as server:
        dl.url = server.url
        dl.sha256 = hashlib.sha256(payload).hexdigest()

        # 1. start, see progress in bytes, cancel part-way
        with qtbot.waitSignal(dl.cancelled, timeout=30000):
            qtbot.mouseClick(dl.download_button, Qt.MouseButton.LeftButton)
            assert not dl.download_button.isEnabled() and dl.cancel_button.isEnabled()
            qtbot.waitUntil(lambda: dl.progress.maximum() == 1000 and " of " in dl.progress.text(), timeout=20000)
            assert 0 < dl.progress.value() < 1000
            qtbot.mouseClick(dl.cancel_button, Qt.MouseButton.LeftButton)
            server.gate.set()  # the server goes on; the app stops reading at its next piece
        qtbot.waitUntil(lambda: not dl.is_running(), timeout=10000)
        part = root / "speech_commands_v0.02.tar.gz.part"
        assert part.is_file() and 0 < part.stat().st_size < len(payload)
        assert "cancelled" in dl.status.text() and dl.download_button.isEnabled()
        received = part.stat().st_size

        # 2. Download again: it continues from where it stopped, checks the SHA-256 and unpacks
        with qtbot.waitSignal(dl.downloaded, timeout=60000):
            qtbot.mouseClick(dl.download_button, Qt.MouseButton.LeftButton)
            assert dl.status.text().startswith("Continuing")
        assert server.ranges[-1] == f"bytes={received}-"
    qtbot.waitUntil(lambda: not dl.is_running(), timeout=10000)
    assert "checksum verified" in dl.status.text()
    assert (root / "yes" / "aaaa1111_nohash_0.wav").is_file() and not part.exists()

    # 3. the corpus loads as a dataset
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert len(blocker.args[0].clips) == 6 and blocker.args[0].labels == ["no", "yes"]
    qtbot.waitUntil(lambda: not window.panel("Analysis").is_busy(), timeout=30000)


def test_a_damaged_download_is_refused_in_words(qtbot, window, tmp_path):
    payload = _corpus(tmp_path)
    panel = window.dataset_panel
    dl = panel.sc_download
    panel.sc_root.setText(str(tmp_path / "sc"))
    with SlowServer(payload) as server:
        server.gate.set()
        dl.url = server.url
        dl.sha256 = "0" * 64
        with qtbot.waitSignal(dl.failed, timeout=30000) as blocker:
            dl.start()
    qtbot.waitUntil(lambda: not dl.is_running(), timeout=10000)
    assert "SHA-256" in blocker.args[0] and "Error" not in blocker.args[0]


def test_download_needs_a_folder(qtbot, window):
    dl = window.dataset_panel.sc_download
    window.dataset_panel.sc_root.setText("")
    assert not dl.start()
    assert "folder" in dl.status.text()
    assert "folder" in dl.messages.error_text() and dl.messages.news() == ""  # said on the row's message bar
