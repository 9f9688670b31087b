"""Render packaging/outreach.svg into the icon files the installers need (run by the build scripts).

    python packaging/icons.py OUT_DIR

writes OUT_DIR/outreach-<size>.png (16 … 256, for /usr/share/icons/hicolor/<size>x<size>/apps) and
OUT_DIR/outreach.ico (all sizes in one file, for the Windows executable and installer). Uses Qt's SVG
renderer (PySide6, already a dependency) and Pillow (installed with reportlab), so no extra tool.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)
SVG = Path(__file__).resolve().parent / "outreach.svg"


def render(out_dir: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"outreach-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        written.append(path)
    with Image.open(out_dir / "outreach-256.png") as big:
        big.save(out_dir / "outreach.ico", sizes=[(s, s) for s in SIZES])
    written.append(out_dir / "outreach.ico")
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for path in render(Path(sys.argv[1])):
        print(path)
