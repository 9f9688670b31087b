"""QR codes drawn by reportlab itself (no extra dependency)."""

from __future__ import annotations

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm


def qr_drawing(value: str, size: float = 26 * mm) -> Drawing:
    """A square Drawing (usable as a flowable) that encodes ``value``, quiet zone included."""
    widget = QrCodeWidget(value, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    width, height = x1 - x0, y1 - y0
    drawing = Drawing(size, size, transform=[size / width, 0, 0, size / height, -x0 * size / width, -y0 * size / height])
    drawing.add(widget)
    return drawing
