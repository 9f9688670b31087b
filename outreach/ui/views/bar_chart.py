"""The dashboard's bar chart, drawn with QPainter (QtCharts is not part of PySide6-Essentials):
horizontal (labels left) or vertical bars; a click on a bar, or Enter on the focused one, emits the
households query behind it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from outreach.i18n import tr
from outreach.reports.indicators import HouseholdQuery
from outreach.ui.text import labelled

PALETTE = ["#2f6db5", "#e08a2c", "#4c9a56", "#b8484a", "#7a5aa6", "#8c8c8c"]


# --------------------------------------------------------------------------- a bar chart
@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str                       # the value as shown ("38%", "1,234")
    query: HouseholdQuery | None


class BarChart(QWidget):
    """Horizontal (labels left) or vertical bars; click a bar, or move with the arrow keys and press
    Enter, to open the households behind it."""

    sig_clicked = Signal(object)     # HouseholdQuery

    ROW = 20
    LABEL_MAX = 150

    def __init__(self, *, horizontal: bool = True, max_value: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.horizontal = horizontal
        self.max_value = max_value
        self.title = ""
        self.bars: list[Bar] = []
        self.current = -1
        self.colour = QColor(PALETTE[0])
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)

    def set_bars(self, title: str, bars: list[Bar]) -> None:
        self.title = title
        self.bars = bars
        self.current = min(self.current, len(bars) - 1)
        self.setAccessibleName(title)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt)
        if self.horizontal:
            return QSize(420, 34 + self.ROW * max(1, len(self.bars)))
        return QSize(420, 210)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt)
        return QSize(240, self.sizeHint().height() if self.horizontal else 160)

    def _top(self) -> int:
        return max(self.bars, key=lambda b: b.value).value if self.bars else 0

    def _scale_max(self) -> int:
        return self.max_value or max(1, self._top())

    def _label_width(self) -> int:
        fm = QFontMetrics(self.font())
        return min(self.LABEL_MAX, max((fm.horizontalAdvance(b.label) for b in self.bars), default=0) + 8)

    def bar_rects(self) -> list[QRectF]:
        """Where each bar is drawn (also what a click is tested against)."""
        if not self.bars:
            return []
        fm = QFontMetrics(self.font())
        top, w, h = fm.height() + 10, self.width(), self.height()
        scale = self._scale_max()
        rects = []
        if self.horizontal:
            left = self._label_width()
            room = max(10, w - left - fm.horizontalAdvance("100,000") - 12)
            for i, b in enumerate(self.bars):
                y = top + i * self.ROW
                rects.append(QRectF(left, y + 3, max(2.0, room * b.value / scale) if b.value else 0, self.ROW - 6))
        else:
            bottom = h - fm.height() - 8
            slot = (w - 8) / len(self.bars)
            for i, b in enumerate(self.bars):
                bh = (bottom - top - fm.height()) * b.value / scale
                rects.append(QRectF(4 + i * slot + slot * 0.18, bottom - bh, slot * 0.64, bh))
        return rects

    def _slot(self, i: int) -> QRectF:
        """The whole row (or column) of bar ``i``: clicking its label or beside a short bar counts."""
        r = self.bar_rects()[i]
        if self.horizontal:
            return QRectF(0, r.top() - 3, self.width(), self.ROW)
        return QRectF(r.left() - r.width() * 0.25, 0, r.width() * 1.5, self.height())

    def index_at(self, pos: QPointF) -> int:
        for i in range(len(self.bars)):
            if self._slot(i).contains(pos):
                return i
        return -1

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(QColor("#1a3d6d"))
        p.drawText(QRectF(0, 0, self.width(), fm.height() + 4), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        if not self.bars:
            p.setPen(QColor("#888888"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, tr("reports.dash.no_data"))
            return
        for i, (bar, r) in enumerate(zip(self.bars, self.bar_rects(), strict=True)):
            if i == self.current and self.hasFocus():
                p.fillRect(self._slot(i), QColor("#e8eef6"))
            p.fillRect(r, self.colour if bar.query else QColor("#9aa8bb"))
            p.setPen(QColor("#222222"))
            if self.horizontal:
                label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, self._label_width() - 6)
                p.drawText(QRectF(0, r.top() - 3, self._label_width() - 6, self.ROW),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
                p.drawText(QRectF(r.right() + 4, r.top() - 3, 80, self.ROW), Qt.AlignmentFlag.AlignVCenter, bar.text)
            else:
                slot = self._slot(i)
                label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, int(slot.width() / 1.5 * 1.3))
                p.drawText(QRectF(slot.left() - 10, self.height() - fm.height() - 4, slot.width() + 20,
                                  fm.height()), Qt.AlignmentFlag.AlignHCenter, label)
                p.drawText(QRectF(slot.left() - 10, r.top() - fm.height() - 2, slot.width() + 20, fm.height()),
                           Qt.AlignmentFlag.AlignHCenter, bar.text)
        p.setPen(QPen(QColor("#9aa8bb"), 1))
        if self.horizontal:
            x = self._label_width()
            p.drawLine(QPointF(x, fm.height() + 8), QPointF(x, self.height() - 2))
        else:
            y = self.height() - fm.height() - 8
            p.drawLine(QPointF(2, y), QPointF(self.width() - 2, y))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt)
        i = self.index_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and i >= 0:
            self.current = i
            self._open(i)
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt)
        i = self.index_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if i >= 0 and self.bars[i].query
                       else Qt.CursorShape.ArrowCursor)
        if i >= 0:
            QToolTip.showText(event.globalPosition().toPoint(), labelled(self.bars[i].label, self.bars[i].text), self)
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt)
        forward = (Qt.Key.Key_Down, Qt.Key.Key_Right)
        back = (Qt.Key.Key_Up, Qt.Key.Key_Left)
        if event.key() in forward + back and self.bars:
            step = 1 if event.key() in forward else -1
            self.current = max(0, min(len(self.bars) - 1, self.current + step))
            self.update()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and 0 <= self.current < len(self.bars):
            self._open(self.current)
            return
        super().keyPressEvent(event)

    def _open(self, i: int) -> None:
        query = self.bars[i].query
        if query is not None:
            self.sig_clicked.emit(query)
