"""Render ``resources/icons/wavenetlike.svg`` to the raster icons the installers use.

Writes, next to the SVG: ``wavenetlike.png`` (256 px, Linux .desktop entry and
the window icon), ``wavenetlike.ico`` (Windows; 16–256 px) and
``wavenetlike.icns`` (macOS), using Qt's own SVG renderer and image writers
(no Pillow needed). Run after editing the SVG; the outputs are committed.

    python packaging/make_icons.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(svg: Path, size: int):
    """The SVG rendered into a transparent ``size``×``size`` QImage."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImageWriter
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (image plugins need it)
    svg = ICONS / "wavenetlike.svg"
    written = []
    png = ICONS / "wavenetlike.png"
    if not render(svg, 256).save(str(png), "PNG"):
        raise SystemExit(f"could not write {png}")
    written.append(png)
    formats = {bytes(f).decode() for f in QImageWriter.supportedImageFormats()}
    for ext, size in (("ico", 256), ("icns", 512)):
        target = ICONS / f"wavenetlike.{ext}"
        if ext not in formats:
            print(f"Qt has no {ext} writer here; {target.name} not written", file=sys.stderr)
            continue
        if not render(svg, size).save(str(target), ext.upper()):
            raise SystemExit(f"could not write {target}")
        written.append(target)
    for path in written:
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
