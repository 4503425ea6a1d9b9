#!/usr/bin/env bash
# Build the wavenetlike app with PyInstaller and package it (Linux; also macOS).
#
#   packaging/build.sh [--python PY] [--venv DIR] [--no-excludes] [--no-archive] [--no-self-test] [--label TEXT]
#
# Python: --python PY uses that interpreter as is (it must have the project's
# dependencies and pyinstaller); --venv DIR creates/uses a build venv there
# and installs what is missing (torch first, pinned by constraints.txt, so no
# CUDA gigabytes are pulled); default: the `python3` on PATH if it has
# PyInstaller, else a venv in packaging/.build-venv.
#
# Steps: PyInstaller (packaging/wavenetlike.spec) -> dist/wavenetlike/;
# archive dist/wavenetlike-<version>-linux-<arch>.tar.gz holding the app
# folder, a .desktop entry, the icon and install.sh (on macOS:
# dist/wavenetlike-<version>-macos-<arch>.zip of wavenetlike.app); then the frozen app's
# --self-test; the sizes, build time and self-test output are appended to
# packaging/BUILD_REPORT.md. --no-excludes builds with the spec's exclusions
# off (to measure what they save; the archive is skipped).
# The script exits non-zero if the build or the self-test fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY=""
VENV=""
EXCLUDES=1
ARCHIVE=1
SELF_TEST=1
LABEL=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) PY="$2"; shift 2 ;;
        --venv) VENV="$2"; shift 2 ;;
        --no-excludes) EXCLUDES=0; ARCHIVE=0; shift ;;
        --no-archive) ARCHIVE=0; shift ;;
        --no-self-test) SELF_TEST=0; shift ;;
        --label) LABEL="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

CONSTRAINTS="$ROOT/constraints.txt"
[[ -f "$CONSTRAINTS" ]] || CONSTRAINTS=""
pip_c() { if [[ -n "$CONSTRAINTS" ]]; then echo "-c $CONSTRAINTS"; fi; }

if [[ -z "$PY" ]]; then
    if [[ -z "$VENV" ]] && python3 -c "import PyInstaller" 2>/dev/null; then
        PY="$(command -v python3)"
    else
        VENV="${VENV:-$ROOT/packaging/.build-venv}"
        if [[ ! -x "$VENV/bin/python" ]]; then
            echo "== creating build venv $VENV"
            python3 -m venv "$VENV"
        fi
        PY="$VENV/bin/python"
        if ! "$PY" -c "import torch" 2>/dev/null; then
            # torch first and pinned: an unpinned request may pull the CUDA build
            "$PY" -m pip install $(pip_c) "torch$(grep -E '^torch==' "${CONSTRAINTS:-/dev/null}" | sed 's/^torch//' || true)"
        fi
        # the project's dependencies (not the project itself: PyInstaller takes it from this tree)
        DEPS="$("$PY" -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(" ".join(p["dependencies"] + p["optional-dependencies"]["gui"]))')"
        "$PY" -m pip install $(pip_c) $DEPS pyinstaller
    fi
fi
"$PY" -c "import PyInstaller, torch, PySide6" || { echo "build.sh: $PY lacks PyInstaller, torch or PySide6" >&2; exit 1; }

VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(uname -m)"
case "$(uname -s)" in
    Darwin) OS=macos ;;
    *) OS=linux ;;
esac
NAME="wavenetlike-$VERSION-$OS-$ARCH"
size_of() { "$PY" -c 'import os, sys; p = sys.argv[1]; print(os.path.getsize(p) if os.path.isfile(p) else sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs if not os.path.islink(os.path.join(d, f))))' "$1"; }
DIST="$ROOT/dist"
WORK="$ROOT/build/pyinstaller"
PYI_VERSION="$("$PY" -c 'import PyInstaller; print(PyInstaller.__version__)')"

echo "== PyInstaller $PYI_VERSION, $("$PY" --version), exclusions $([[ $EXCLUDES = 1 ]] && echo on || echo off)"
START=$(date +%s)
WAVENETLIKE_EXCLUDES=$EXCLUDES "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" packaging/wavenetlike.spec
BUILD_SECONDS=$(( $(date +%s) - START ))
APP="$DIST/wavenetlike"
EXE="$APP/wavenetlike"
[[ $OS = macos ]] && EXE="$DIST/wavenetlike.app/Contents/MacOS/wavenetlike"
FOLDER_BYTES=$(size_of "$APP")
FILE_COUNT=$(find "$APP" -type f | wc -l)
echo "== built $APP: $(( FOLDER_BYTES / 1048576 )) MiB, $FILE_COUNT files, in ${BUILD_SECONDS} s"

ARCHIVE_LINE="not made"
if [[ $ARCHIVE = 1 && $OS = macos ]]; then
    A_START=$(date +%s)
    ditto -c -k --keepParent "$DIST/wavenetlike.app" "$DIST/$NAME.zip"
    ARCHIVE_BYTES=$(size_of "$DIST/$NAME.zip")
    ARCHIVE_LINE="$NAME.zip: $(( ARCHIVE_BYTES / 1048576 )) MiB ($ARCHIVE_BYTES bytes), compressed in $(( $(date +%s) - A_START )) s"
    echo "== archive $ARCHIVE_LINE"
elif [[ $ARCHIVE = 1 ]]; then
    STAGE="$DIST/$NAME"
    rm -rf "$STAGE" && mkdir -p "$STAGE"
    cp -R "$APP" "$STAGE/wavenetlike"
    cp resources/wavenetlike.desktop "$STAGE/"
    cp resources/icons/wavenetlike.png "$STAGE/"
    cp packaging/linux/install.sh "$STAGE/"
    chmod +x "$STAGE/install.sh"
    cat > "$STAGE/README.txt" <<EOF
wavenetlike $VERSION for Linux ($ARCH)

Run without installing:   ./wavenetlike/wavenetlike
Install for this user:    ./install.sh          (menu entry, icon, ~/.local/bin/wavenetlike)
Check the installation:   ./wavenetlike/wavenetlike --self-test
Uninstall:                ./install.sh --uninstall
EOF
    A_START=$(date +%s)
    tar -C "$DIST" -czf "$DIST/$NAME.tar.gz" "$NAME"
    rm -rf "$STAGE"
    ARCHIVE_BYTES=$(size_of "$DIST/$NAME.tar.gz")
    ARCHIVE_LINE="$NAME.tar.gz: $(( ARCHIVE_BYTES / 1048576 )) MiB ($ARCHIVE_BYTES bytes), compressed in $(( $(date +%s) - A_START )) s"
    echo "== archive $ARCHIVE_LINE"
fi

SELF_STATUS="not run"
SELF_OUTPUT=""
if [[ $SELF_TEST = 1 ]]; then
    echo "== frozen self-test"
    S_START=$(date +%s)
    set +e
    SELF_OUTPUT="$(env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=offscreen "$EXE" --self-test 2>&1)"
    SELF_RC=$?
    set -e
    echo "$SELF_OUTPUT"
    SELF_STATUS="exit status $SELF_RC in $(( $(date +%s) - S_START )) s"
fi

LARGEST="$(cd "$APP/_internal" 2>/dev/null && du -sm -- * 2>/dev/null | sort -rn | head -8 | awk '{printf "%s %s MiB; ", $2, $1}')"
REPORT="$ROOT/packaging/BUILD_REPORT.md"
[[ -f "$REPORT" ]] || printf '# Build report\n\n## Build records\n' > "$REPORT"
{
    echo
    echo "### $(date -u '+%Y-%m-%d %H:%M UTC') — ${LABEL:-build} (exclusions $([[ $EXCLUDES = 1 ]] && echo on || echo off))"
    echo
    echo "- host: $(uname -sr) $ARCH, $(getconf _NPROCESSORS_ONLN) cores; $("$PY" --version), PyInstaller $PYI_VERSION, torch $("$PY" -c 'import torch; print(torch.__version__)')"
    echo "- build time (PyInstaller, --clean): ${BUILD_SECONDS} s"
    echo "- app folder: $(( FOLDER_BYTES / 1048576 )) MiB ($FOLDER_BYTES bytes), $FILE_COUNT files"
    echo "- archive: $ARCHIVE_LINE"
    echo "- largest parts of _internal/: ${LARGEST:-n/a}"
    echo "- frozen self-test: $SELF_STATUS"
    if [[ -n "$SELF_OUTPUT" ]]; then
        echo
        echo '```'
        echo "$SELF_OUTPUT"
        echo '```'
    fi
} >> "$REPORT"
echo "== recorded in $REPORT"
if [[ $SELF_TEST = 1 && $SELF_RC != 0 ]]; then
    echo "build.sh: the frozen app's self-test failed (exit status $SELF_RC)" >&2
    exit 1
fi
