#!/usr/bin/env bash
# The main job: set up, then start the app — or, on a machine with no screen,
# the headless demo that runs the whole workflow on the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${WAVENETLIKE_HEADLESS:-}" ]; then
  exec .venv/bin/wavenetlike-gui "$@"
else
  echo "No screen found: running the headless demo (output in ./out/demo)."
  exec .venv/bin/wavenetlike demo --out out/demo "$@"
fi
