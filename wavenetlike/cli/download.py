"""``wavenetlike download ROOT``: the Speech Commands corpus, resumable and checked."""
from __future__ import annotations

import argparse

from ..data.download import DownloadError, download_speech_commands
from .common import CLIError, Command, bounded_float
from .output import Output

__all__ = ["DownloadCommand"]


class DownloadCommand(Command):
    name = "download"
    help = "download the Speech Commands corpus (resumable, checked)"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("root", help="folder to download and unpack into")
        p.add_argument("--version", choices=["v0.01", "v0.02"], default="v0.02")
        p.add_argument("--url", help="another address for the archive (a mirror)")
        p.add_argument("--sha256", help="expected SHA-256 of the archive (known for the official URLs)")
        p.add_argument("--keep-archive", action="store_true", help="keep the .tar.gz after unpacking")
        p.add_argument("--deadline", type=bounded_float("deadline_minutes"), default=360.0,
                       help="give up after this many minutes in all (default 360; run again to resume)")
        p.add_argument("--min-rate", type=bounded_float("min_rate", 0.0, True), default=10_000.0,
                       help="give up when the server sends fewer bytes/s than this over a minute (default 10000)")

    def run(self, args: argparse.Namespace, out: Output) -> int:
        with out.progress(f"Speech Commands {args.version}", unit="B") as progress:
            try:
                root = download_speech_commands(args.root, args.version, url=args.url, sha256=args.sha256,
                                                progress=progress, keep_archive=args.keep_archive,
                                                deadline=args.deadline * 60.0, min_rate=args.min_rate)
            except DownloadError as e:
                again = "" if "run again" in str(e) or " is a file" in str(e) \
                    else " (run the same command again to resume)"
                raise CLIError(f"{e}{again}") from None
        out.say(f"Speech Commands {args.version} is in {root}; load it with "
                f"`wavenetlike analyze {root}` or Dataset(SpeechCommands({str(root)!r}))")
        return 0
