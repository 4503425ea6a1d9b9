#!/usr/bin/env bash
# Set up everything wavenetlike needs on a fresh Debian/Ubuntu machine:
# system libraries (PortAudio, Qt's xcb libraries, Xvfb, espeak-ng, sox) and
# a virtual environment in .venv with the pinned Python packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libportaudio2 libsndfile1 xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-cursor0 libxkbcommon-x11-0 \
libegl1 libgl1 libfontconfig1 libdbus-1-3 espeak-ng sox"

missing=""
for p in $APT_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "Note: could not install system packages ($missing); playback or the window may not work." >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating virtual environment in .venv"
  "$PY" -m venv .venv
fi
# torch first, pinned: an unpinned request would pull a CUDA build.
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
  .venv/bin/pip install -q --disable-pip-version-check "torch==2.13.0"
fi
.venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e ".[gui,test,fast]"
echo "Set-up complete: .venv ready."
