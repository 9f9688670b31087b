"""Preview a letter (or any of our PDFs), print it through the system's print dialog, or save it.

The pages shown and printed are the PDF itself rendered by PDFium (``outreach.letters.raster``), so
the paper matches the saved file exactly. Printing renders each page at the printer's resolution
(capped at 300 dpi) and scales it onto the full sheet, because the PDF carries its own margins.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.letters.layout import atomic_output
from outreach.letters.raster import PageImage, page_count, render_pages
from outreach.ui.widgets import WheelGuarded, bounded_size

ZOOMS = (50, 75, 100, 125, 150, 200)
PRINT_DPI_CAP = 300


def to_qimage(page: PageImage) -> QImage:
    image = QImage(page.data, page.width, page.height, page.stride, QImage.Format.Format_RGBX8888)
    return image.copy()  # own the pixels (the bytes object may go away)


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint every page of ``pdf`` onto ``printer`` (already set up by the print dialog); returns the
    number of pages printed. Each page is fitted to the whole sheet, keeping its proportions."""
    count = page_count(pdf)
    if count == 0:
        return 0
    first = next(render_pages(pdf, 1, [0]))
    landscape = first.points[0] > first.points[1]
    printer.setFullPage(True)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape
                               else QPageLayout.Orientation.Portrait)
    from_page, to_page = printer.fromPage(), printer.toPage()
    indexes = list(range(count))
    if from_page > 0 and to_page >= from_page:
        indexes = [i for i in indexes if from_page - 1 <= i <= to_page - 1]
    dpi = min(printer.resolution(), PRINT_DPI_CAP)
    painter = QPainter()
    if not painter.begin(printer):
        raise OutreachError("letters.ui.print_failed")
    try:
        sheet = printer.pageLayout().fullRectPixels(printer.resolution())
        for n, page in enumerate(render_pages(pdf, dpi, indexes)):
            if n:
                printer.newPage()
            image = to_qimage(page)
            scale = min(sheet.width() / image.width(), sheet.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((sheet.width() - w) / 2, (sheet.height() - h) / 2, w, h)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(indexes)


def make_printer(title: str, pages: int) -> QPrinter:
    """A high-resolution printer for a document of ``pages`` pages (the dialog fills in the rest)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setFromTo(1, max(pages, 1))
    return printer


def run_print_dialog(pdf: bytes, title: str, parent: QWidget | None) -> int | None:
    """Qt's print dialog, then the pages; the number printed, or None when the user cancelled."""
    pages = page_count(pdf)
    printer = make_printer(title, pages)
    dialog = QPrintDialog(printer, parent)
    dialog.setMinMax(1, max(pages, 1))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return print_pdf(pdf, printer)


def save_pdf(pdf: bytes, path: str) -> None:
    """Write the PDF atomically (a failed save never leaves half a file)."""
    with atomic_output(path) as fh:
        fh.write(pdf)


class LetterPreviewDialog(WheelGuarded, QDialog):
    """Pages of a PDF one under the other, with zoom, Print… and Save as PDF…"""

    def __init__(self, pdf: bytes, *, title: str, file_name: str = "letter.pdf",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.file_name = file_name
        self.setWindowTitle(title)
        self.resize(bounded_size(self, QSize(820, 900)))  # 900 px wanted; a 720/768 px screen gets less
        self._images: list[QImage] = [to_qimage(p) for p in render_pages(pdf, 110)]

        self.zoom = QComboBox(self)
        for z in ZOOMS:
            self.zoom.addItem(f"{z}%", z)
        self.zoom.setCurrentIndex(ZOOMS.index(75))
        self.zoom.currentIndexChanged.connect(self._show_pages)
        self.pages_label = QLabel(tr("letters.ui.preview.pages", count=len(self._images)), self)
        self.print_button = QPushButton(tr("letters.ui.print"), self)
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button = QPushButton(tr("letters.ui.save_pdf"), self)
        self.save_button.clicked.connect(self.save_dialog)
        close = QPushButton(tr("letters.ui.close"), self)
        close.clicked.connect(self.reject)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("letters.ui.preview.zoom"), self))
        bar.addWidget(self.zoom)
        bar.addWidget(self.pages_label)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(close)

        self.page_box = QWidget(self)
        self.page_layout = QVBoxLayout(self.page_box)
        self.page_layout.setSpacing(12)
        self.page_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_box.setStyleSheet("background: #8a8f98;")
        scroll = QScrollArea(self)
        scroll.setWidget(self.page_box)
        scroll.setWidgetResizable(True)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        self._page_labels: list[QLabel] = []
        self._show_pages()

    def page_count(self) -> int:
        return len(self._images)

    def _show_pages(self) -> None:
        for label in self._page_labels:
            label.deleteLater()
        self._page_labels = []
        factor = self.zoom.currentData() / 100 * 96 / 110  # rendered at 110 dpi; 100 % = 96 dpi
        for image in self._images:
            label = QLabel(self.page_box)
            pixmap = QPixmap.fromImage(image)
            label.setPixmap(pixmap.scaled(int(image.width() * factor), int(image.height() * factor),
                                          Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))
            label.setStyleSheet("background: white;")
            self.page_layout.addWidget(label)
            self._page_labels.append(label)

    # ----------------------------------------------------------------- actions
    def print_dialog(self) -> bool:
        try:
            printed = run_print_dialog(self.pdf, self.windowTitle(), self)
        except OutreachError as exc:
            self.status.setText(exc.message())
            return False
        if printed is None:
            return False
        self.status.setText(tr("letters.ui.printed", count=printed))
        return True

    def save_dialog(self) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, tr("letters.ui.save_pdf"), self.file_name,
                                                    tr("letters.ui.pdf_filter"))
        if not path:
            return ""
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            save_pdf(self.pdf, path)
        except OutreachError as exc:
            self.status.setText(exc.message())
            return ""
        self.status.setText(tr("letters.ui.saved", path=path))
        return path
