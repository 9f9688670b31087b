"""Our PDFs as pixels, for the on-screen preview and for printing through the system print dialog
(PySide6-Essentials has no QtPdf). Qt-free: the GUI wraps the raw RGBX buffers in QImages.

pypdfium2 (PDFium, the PDF engine of Chromium) renders the embedded WenQuanYi subset exactly as a PDF
viewer would, so what the worker previews and prints is the PDF itself, not a second drawing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class PageImage:
    """One rendered page: RGBX bytes, 4 bytes a pixel, ``stride`` bytes a row."""

    width: int
    height: int
    stride: int
    data: bytes
    points: tuple[float, float]  # the page's size in PDF points (1/72 inch)


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def render_pages(pdf: bytes, dpi: float = 96, pages: list[int] | None = None) -> Iterator[PageImage]:
    """Render the pages of ``pdf`` (all, or the given indexes) at ``dpi``, one at a time."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        for index in pages if pages is not None else range(len(doc)):
            page = doc[index]
            try:
                size = page.get_size()
                bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)
                try:
                    yield PageImage(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer),
                                    (float(size[0]), float(size[1])))
                finally:
                    bitmap.close()
            finally:
                page.close()
    finally:
        doc.close()
