#!/bin/sh
# Install wavenetlike for the current user (no root needed):
#   ./install.sh              installs into ~/.local/opt/wavenetlike
#   ./install.sh --prefix DIR installs into DIR/opt/wavenetlike (e.g. --prefix /usr/local as root)
#   ./install.sh --uninstall  removes what install.sh put there
# Puts a `wavenetlike` command in PREFIX/bin, a menu entry and an icon.
set -eu
PREFIX="${HOME}/.local"
UNINSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX="$2"; shift 2 ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
HERE="$(cd "$(dirname "$0")" && pwd)"
APP_DIR="$PREFIX/opt/wavenetlike"
BIN="$PREFIX/bin/wavenetlike"
DESKTOP="$PREFIX/share/applications/wavenetlike.desktop"
ICON="$PREFIX/share/icons/hicolor/256x256/apps/wavenetlike.png"

if [ "$UNINSTALL" = 1 ]; then
    rm -rf "$APP_DIR"; rm -f "$BIN" "$DESKTOP" "$ICON"
    echo "wavenetlike removed from $PREFIX"
    exit 0
fi

[ -x "$HERE/wavenetlike/wavenetlike" ] || { echo "install.sh: run me from the unpacked archive (wavenetlike/ missing)" >&2; exit 1; }
mkdir -p "$PREFIX/opt" "$PREFIX/bin" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
rm -rf "$APP_DIR"
cp -R "$HERE/wavenetlike" "$APP_DIR"
ln -sf "$APP_DIR/wavenetlike" "$BIN"
cp "$HERE/wavenetlike.png" "$ICON"
sed "s|^Exec=.*|Exec=$APP_DIR/wavenetlike|" "$HERE/wavenetlike.desktop" > "$DESKTOP"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$(dirname "$DESKTOP")" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$PREFIX/share/icons/hicolor" 2>/dev/null || true
echo "wavenetlike installed in $APP_DIR"
echo "  command: $BIN   (check the installation: wavenetlike --self-test)"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "  note: $PREFIX/bin is not on your PATH" ;; esac
