"""QR codes drawn with reportlab's own encoder (no extra dependency), straight onto the canvas."""

from __future__ import annotations

import itertools
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

QUIET_ZONE = 4  # modules of white border that scanners need


@lru_cache(maxsize=64)
def qr_modules(value: str, level: str = "M") -> tuple[tuple[bool, ...], ...]:
    """The QR matrix for ``value`` (True = dark module). Encoding is the slow part of a letter
    (reportlab's pure-Python encoder tries all eight masks), and every letter prints its reference
    twice, so recent results are kept."""
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(value)
    code.make()
    return tuple(tuple(bool(m) for m in row) for row in code.modules)


class QrFlowable(Flowable):
    """A square QR code of side ``size`` (quiet zone included) encoding ``value``.

    Dark runs in each row are drawn as single rectangles in one path, which keeps the page small
    and fast to render (the graphics-widget route also drags in an unembedded Helvetica)."""

    def __init__(self, value: str, size: float = 24 * mm) -> None:
        super().__init__()
        self.value = value
        self.width = self.height = size
        self._modules = qr_modules(value)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        n = len(self._modules)
        box = self.width / (n + 2 * QUIET_ZONE)
        c = self.canv
        c.saveState()
        c.setFillColor(colors.black)
        path = c.beginPath()
        for r, row in enumerate(self._modules):
            col = 0
            y = self.height - (r + QUIET_ZONE + 1) * box
            for dark, run in itertools.groupby(row):
                count = len(list(run))
                if dark:
                    path.rect((col + QUIET_ZONE) * box, y, count * box, box)
                col += count
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


def qr_drawing(value: str, size: float = 24 * mm) -> QrFlowable:
    return QrFlowable(value, size)
