"""Packaging pieces that can be checked without building: the Linux installer script, the desktop entry, icons."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _fake_archive(tmp_path: Path) -> Path:
    """An unpacked archive laid out as build.sh makes it, with a stand-in app executable."""
    unpacked = tmp_path / "wavenetlike-0.1.0-linux-x86_64"
    (unpacked / "wavenetlike" / "_internal").mkdir(parents=True)
    exe = unpacked / "wavenetlike" / "wavenetlike"
    exe.write_text("#!/bin/sh\necho frozen-app \"$@\"\n")
    exe.chmod(0o755)
    shutil.copy(ROOT / "packaging" / "linux" / "install.sh", unpacked / "install.sh")
    shutil.copy(ROOT / "resources" / "wavenetlike.desktop", unpacked)
    shutil.copy(ROOT / "resources" / "icons" / "wavenetlike.png", unpacked)
    return unpacked


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux installer is a POSIX shell script")
def test_install_script_installs_and_uninstalls(tmp_path):
    unpacked = _fake_archive(tmp_path)
    prefix = tmp_path / "prefix"
    env = dict(os.environ, PATH="/usr/bin:/bin")
    run = subprocess.run(["sh", str(unpacked / "install.sh"), "--prefix", str(prefix)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    app_dir = prefix / "opt" / "wavenetlike"
    command = prefix / "bin" / "wavenetlike"
    desktop = prefix / "share" / "applications" / "wavenetlike.desktop"
    icon = prefix / "share" / "icons" / "hicolor" / "256x256" / "apps" / "wavenetlike.png"
    assert (app_dir / "_internal").is_dir() and icon.is_file()
    assert subprocess.run([str(command), "--self-test"], capture_output=True, text=True).stdout.strip() \
        == "frozen-app --self-test"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(desktop)
    assert entry["Desktop Entry"]["Exec"] == str(app_dir / "wavenetlike")
    assert "not on your PATH" in run.stdout

    run = subprocess.run(["sh", str(unpacked / "install.sh"), "--prefix", str(prefix), "--uninstall"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert not app_dir.exists() and not command.exists() and not desktop.exists() and not icon.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux installer is a POSIX shell script")
def test_install_script_refuses_to_run_outside_an_archive(tmp_path):
    script = tmp_path / "install.sh"
    shutil.copy(ROOT / "packaging" / "linux" / "install.sh", script)
    run = subprocess.run(["sh", str(script), "--prefix", str(tmp_path / "p")], capture_output=True, text=True)
    assert run.returncode == 1 and "wavenetlike/ missing" in run.stderr
    assert not (tmp_path / "p" / "opt").exists()


def test_desktop_entry_has_the_required_keys():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "resources" / "wavenetlike.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] and section["Exec"]
    assert section["Icon"] == "wavenetlike"  # the name install.sh gives the icon file
    assert section["Terminal"] == "false"


def test_icons_are_present_and_the_png_is_256_pixels():
    icons = ROOT / "resources" / "icons"
    png = (icons / "wavenetlike.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (256, 256)
    assert (icons / "wavenetlike.ico").stat().st_size > 0 and (icons / "wavenetlike.icns").stat().st_size > 0
    assert b"<svg" in (icons / "wavenetlike.svg").read_bytes()


def test_spec_uses_no_absolute_or_platform_specific_paths():
    spec = (ROOT / "packaging" / "wavenetlike.spec").read_text()
    for needle in ("/usr/", "/home/", "/work/", "/tmp/", "C:\\\\", "site-packages"):
        assert needle not in spec, needle
    assert "SPECPATH" in spec
