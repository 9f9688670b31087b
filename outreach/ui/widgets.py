"""Small widgets shared by the screens: enum pickers with translated labels, a typed date field, an
inline error label, a debounced search box, segmented choice buttons — and the wheel guard that keeps
a scrolling mouse from changing an answer it passes over."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QButtonGroup,
    QCalendarWidget,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from outreach.domain.dates import DateProblem, format_date, parse_date
from outreach.domain.enums import Labelled
from outreach.i18n import tr


# ---------------------------------------------------------------------------- the wheel guard
class WheelGuard(QObject):
    """Event filter: a drop-down, spin box, slider or date field only takes the mouse wheel when it
    has the keyboard focus. Otherwise the wheel event is ignored, so Qt hands it on to the parent —
    the form's scroll area scrolls instead of the answer under the pointer changing."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()
            return True
        return False


WHEEL_SENSITIVE = (QComboBox, QAbstractSpinBox, QAbstractSlider)
_GUARD: WheelGuard | None = None


def guard_wheel(root: QWidget) -> int:
    """Install the wheel guard on every wheel-sensitive widget under ``root`` (idempotent; call again
    after adding widgets). Their focus policy becomes StrongFocus so a wheel tick cannot focus them
    either. Returns how many widgets were newly guarded."""
    global _GUARD
    if _GUARD is None:
        _GUARD = WheelGuard()
    found = [w for cls in WHEEL_SENSITIVE for w in root.findChildren(cls)]
    if isinstance(root, WHEEL_SENSITIVE):
        found.append(root)
    added = 0
    for w in found:
        if w.property("outreach_wheel_guard"):
            continue
        w.setProperty("outreach_wheel_guard", True)
        w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        w.installEventFilter(_GUARD)
        added += 1
    return added


class WheelGuarded:
    """Mixin for a dialog that is not a FormDialog (print tasks, export, scales, filled forms …): each
    time it is shown, every drop-down, spin box and date field in it — built late ones included — takes
    the wheel only with the focus. List it before the Qt class: ``class X(WheelGuarded, QDialog)``."""

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        guard_wheel(self)  # type: ignore[arg-type]
        super().showEvent(event)  # type: ignore[misc]


# ---------------------------------------------------------------------------- choices
class EnumCombo(QComboBox):
    """A combo box over a Labelled enum; item data are the stored values. ``none_key`` adds a first
    entry with value "" (e.g. "all" in a filter, "not set" in a form). The box is as wide as its
    longest label, so no label is clipped in any language."""

    def __init__(self, enum: type[Labelled], *, none_key: str | None = None,
                 exclude: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._enum = enum
        self._none_key = none_key
        self._exclude = exclude
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.retranslate()

    def retranslate(self) -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        if self._none_key:
            self.addItem(tr(self._none_key), "")
        for member in self._enum:
            if member.value not in self._exclude:
                self.addItem(member.label(), member.value)
        self.set_value(current)
        self.blockSignals(False)

    def value(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else ""

    def set_value(self, value: str | None) -> None:
        idx = self.findData(value or "")
        self.setCurrentIndex(max(idx, 0))


class SegmentedChoice(QWidget):
    """A short list of options as toggle buttons in rows (faster to tap and read than a drop-down, and
    deaf to the mouse wheel). At most one is down; clicking the one that is down clears the answer.
    ``value()`` is the chosen option's value, or None. Buttons wrap onto another row rather than
    making the form wider than ``max_row_width``."""

    sig_changed = Signal(object)

    def __init__(self, options: Iterable[tuple[str, Any]] = (), parent: QWidget | None = None, *,
                 max_row_width: int = 600) -> None:
        super().__init__(parent)
        self.max_row_width = max_row_width
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(2)
        self._group = QButtonGroup(self)
        self._group.setExclusive(False)
        self._group.buttonToggled.connect(self._toggled)
        self._buttons: list[tuple[QPushButton, Any]] = []
        self.set_options(list(options))

    def set_options(self, options: list[tuple[str, Any]]) -> None:
        """(label, value) pairs; relabelling keeps the choice when the values are the same."""
        if [v for _l, v in options] == [v for _b, v in self._buttons]:
            for (button, _v), (label, _value) in zip(self._buttons, options, strict=True):
                button.setText(label)
            self._relayout()
            return
        current = self.value()
        for button, _v in self._buttons:
            self._group.removeButton(button)
            button.deleteLater()
        self._buttons = []
        for i, (label, value) in enumerate(options):
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setObjectName("segment")
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            self._group.addButton(button, i)
            self._buttons.append((button, value))
        self._relayout()
        self.set_value(current)

    def _relayout(self) -> None:
        """Place the buttons left to right, starting a new row where the next would not fit."""
        while self._rows.count():
            item = self._rows.takeAt(0)
            if item.layout() is not None:
                while item.layout().count():
                    item.layout().takeAt(0)
                item.layout().deleteLater()
        row: QHBoxLayout | None = None
        used = 0
        for button, _v in self._buttons:
            width = max(button.sizeHint().width(), 80)
            if row is None or (used and used + width > self.max_row_width):
                if row is not None:
                    row.addStretch(1)
                row = QHBoxLayout()
                row.setSpacing(0)
                self._rows.addLayout(row)
                used = 0
            button.setMinimumWidth(80)
            row.addWidget(button)
            used += width
        if row is not None:
            row.addStretch(1)

    def buttons(self) -> list[QPushButton]:
        return [b for b, _v in self._buttons]

    def _toggled(self, button: QAbstractButton, checked: bool) -> None:
        if checked:
            for other, _v in self._buttons:
                if other is not button and other.isChecked():
                    other.blockSignals(True)
                    other.setChecked(False)
                    other.blockSignals(False)
        self.sig_changed.emit(self.value())

    def value(self) -> Any:
        return next((v for b, v in self._buttons if b.isChecked()), None)

    def set_value(self, value: Any) -> None:
        changed = False
        for button, v in self._buttons:
            want = value is not None and type(v) is type(value) and v == value
            if button.isChecked() != want:
                button.blockSignals(True)
                button.setChecked(want)
                button.blockSignals(False)
                changed = True
        if changed:
            self.sig_changed.emit(self.value())


# ---------------------------------------------------------------------------- dates
class DateField(QWidget):
    """A date the worker types (2016-03-08, 2016/3/8, 20160308, 2016年3月8日 …) or picks from a
    calendar. What is typed is read exactly as typed when the field is left, or refused on the spot
    with the reason beside the field — never dropped, never half-kept. Empty means no date.

    ``value()`` is the date (None when empty or refused); ``problem()`` says why it was refused; a
    form refuses to save while any enabled date field has a problem."""

    dateChanged = Signal(object)  # noqa: N815 - Qt naming, like QDateEdit
    sig_edited = Signal()         # the user typed or picked something

    def __init__(self, parent: QWidget | None = None, *, allow_future: bool = True,
                 start: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self.allow_future = allow_future
        self._start = start
        self._value: date | None = None
        self._problem: DateProblem | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setMaxLength(20)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("2016年03月08日") + 16)
        self.edit.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")  # ▾ says it
        self.calendar = QCalendarWidget(self)
        self.calendar.setGridVisible(True)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._open_calendar)
        self.calendar.clicked.connect(lambda d: (self._picked(d), menu.close()))
        self.calendar.activated.connect(lambda d: (self._picked(d), menu.close()))
        self.button.setMenu(menu)
        row.addWidget(self.edit)
        row.addWidget(self.button)
        row.addStretch(1)
        col.addLayout(row)
        self.message = QLabel(self)
        self.message.setObjectName("fieldError")
        self.message.setStyleSheet("color: #b3261e;")
        self.message.setWordWrap(True)
        self.message.hide()
        col.addWidget(self.message)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self.commit)
        self.retranslate()

    # ------------------------------------------------------------------ reading what was typed
    def _typed(self, _text: str) -> None:
        if self._problem is not None and self._reads(self.edit.text()):
            self._show_problem(None)  # fine again as soon as it is; a wrong text waits for leaving
        self.sig_edited.emit()

    def _reads(self, text: str) -> bool:
        try:
            parse_date(text, allow_future=self.allow_future)
        except DateProblem:
            return False
        return True

    def commit(self) -> bool:
        """Read the text now (the field is being left, or the form is saving). True when it is a
        date or empty."""
        try:
            value = parse_date(self.edit.text(), allow_future=self.allow_future)
        except DateProblem as problem:
            self._show_problem(problem)
            return False
        self._show_problem(None)
        self._set(value, rewrite=True)
        return True

    def _picked(self, qdate: QDate) -> None:
        value = qdate.toPython()
        if not self.allow_future and value > date.today():
            self._show_problem(DateProblem("forms.date.future", {"date": value.isoformat()}))
            return
        self._show_problem(None)
        self._set(value, rewrite=True)
        self.sig_edited.emit()

    def _set(self, value: date | None, *, rewrite: bool) -> None:
        if rewrite and self.edit.text() != format_date(value):
            self.edit.setText(format_date(value))
        if value != self._value:
            self._value = value
            self.dateChanged.emit(value)

    def _show_problem(self, problem: DateProblem | None) -> None:
        self._problem = problem
        self.message.setText(tr(problem.key, **problem.params) if problem else "")
        self.message.setVisible(problem is not None)

    def _open_calendar(self) -> None:
        start = self._value or (self._start() if self._start else None) or date.today()
        self.calendar.setMaximumDate(QDate.currentDate() if not self.allow_future else QDate(9999, 12, 31))
        self.calendar.setMinimumDate(QDate(1900, 1, 1))
        self.calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        self.calendar.setCurrentPage(start.year, start.month)

    def set_start(self, start: Callable[[], date] | None) -> None:
        """Where the calendar opens when the field is empty (default: today)."""
        self._start = start

    def calendar_start(self) -> date:
        self._open_calendar()
        return self.calendar.selectedDate().toPython()

    # ------------------------------------------------------------------ API
    def value(self) -> date | None:
        return self._value if self._problem is None else None

    def problem(self) -> DateProblem | None:
        return self._problem

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        """As if typed (drafts keep exactly what was typed, even a date not yet valid)."""
        self.edit.setText(text)
        if text.strip():
            self.commit()
        else:
            self._show_problem(None)
            self._set(None, rewrite=False)

    def set_value(self, value: date | None) -> None:
        self._show_problem(None)
        self._set(value, rewrite=True)
        if value is None:
            self.edit.clear()

    def setDate(self, qdate: QDate) -> None:  # noqa: N802 - QDateEdit's name, kept for callers
        self.set_value(qdate.toPython() if qdate.isValid() else None)

    def retranslate(self) -> None:
        self.edit.setPlaceholderText(tr("forms.date.placeholder"))
        self.button.setToolTip(tr("forms.date.pick"))
        if self._problem is not None:
            self._show_problem(self._problem)


OptionalDateEdit = DateField  # the old name; every form now uses the typed date field


# ---------------------------------------------------------------------------- misc
class ErrorLabel(QLabel):
    """The red line under a field that says what is wrong, in the user's language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setStyleSheet("color: #b3261e;")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class SearchBox(QLineEdit):
    """A line edit that emits ``sig_search(text)`` once typing pauses (default 250 ms)."""

    sig_search = Signal(str)
    sig_down = Signal()  # Down arrow: move on to the results

    def __init__(self, parent: QWidget | None = None, *, delay_ms: int = 250) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(lambda: self.sig_search.emit(self.text().strip()))
        self.textChanged.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self.flush)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Down:
            self.flush()
            self.sig_down.emit()
            return
        super().keyPressEvent(event)

    def flush(self) -> None:
        self._timer.stop()
        self.sig_search.emit(self.text().strip())


def bold(text: str) -> str:
    from html import escape

    return f"<b>{escape(text)}</b>"


# ---------------------------------------------------------------------------- what an input holds
def is_input(obj: object) -> bool:
    """Widgets whose value a form saves (and a draft keeps)."""
    if isinstance(obj, QAbstractButton):
        return obj.isCheckable() and obj.objectName() != "segment"
    return isinstance(obj, QLineEdit | QPlainTextEdit | QComboBox | QListWidget | DateField | SegmentedChoice) \
        or hasattr(obj, "draft_value")


def input_value(w: QWidget) -> Any:
    """The value of an input as plain JSON (what a draft stores, what "unsaved" compares)."""
    if hasattr(w, "draft_value"):
        return w.draft_value()
    if isinstance(w, DateField):
        return w.text()
    if isinstance(w, SegmentedChoice):
        return w.value()
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    if isinstance(w, QLineEdit):
        return w.text()
    if isinstance(w, QPlainTextEdit):
        return w.toPlainText()
    if isinstance(w, QComboBox):
        data = w.currentData()
        return {"data": data} if isinstance(data, str | int | bool) else {"index": w.currentIndex()}
    if isinstance(w, QListWidget):
        role = Qt.ItemDataRole.UserRole
        items = [w.item(i) for i in range(w.count())]
        current = w.currentItem()
        return {"checked": [i.data(role) for i in items if i.flags() & Qt.ItemFlag.ItemIsUserCheckable
                            and i.checkState() == Qt.CheckState.Checked],
                "current": current.data(role) if current is not None else None}
    raise TypeError(f"not an input: {type(w).__name__}")


def set_input_value(w: QWidget, value: Any) -> None:
    """Put a value from ``input_value`` back (as if the user had entered it: signals fire)."""
    if hasattr(w, "restore_value"):
        w.restore_value(value)
    elif isinstance(w, DateField):
        w.set_text(str(value or ""))
    elif isinstance(w, SegmentedChoice):
        w.set_value(value)
    elif isinstance(w, QAbstractButton):
        w.setChecked(bool(value))
    elif isinstance(w, QLineEdit):
        w.setText(str(value or ""))
    elif isinstance(w, QPlainTextEdit):
        w.setPlainText(str(value or ""))
    elif isinstance(w, QComboBox) and isinstance(value, dict):
        index = w.findData(value["data"]) if "data" in value else int(value.get("index", -1))
        if 0 <= index < w.count():
            w.setCurrentIndex(index)
    elif isinstance(w, QListWidget) and isinstance(value, dict):
        role = Qt.ItemDataRole.UserRole
        checked = set(value.get("checked") or [])
        for i in range(w.count()):
            item = w.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(Qt.CheckState.Checked if item.data(role) in checked else Qt.CheckState.Unchecked)
            if value.get("current") is not None and item.data(role) == value["current"]:
                w.setCurrentItem(item)


def available_geometry(widget: QWidget) -> QRect:
    """The part of the widget's screen a window may use (without task bars)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


FRAME_ALLOWANCE = QSize(16, 48)  # window frame and title bar, which availableGeometry does not subtract


def bounded_size(window: QWidget, want: QSize) -> QSize:
    """``want``, cut down to what the window's screen can show with the window frame around it."""
    avail = available_geometry(window)
    return QSize(min(want.width(), avail.width() - FRAME_ALLOWANCE.width()),
                 min(want.height(), avail.height() - FRAME_ALLOWANCE.height()))


def fit_to_screen(window: QWidget, preferred: QSize | None = None) -> QSize:
    """Size a dialog to what it wants (``preferred`` or its size hint) but never beyond the available
    screen, and keep it on that screen — so its buttons are visible at 1280×720 and 1366×768."""
    avail = available_geometry(window)
    want = preferred or window.sizeHint().expandedTo(window.size())
    size = bounded_size(window, QSize(max(want.width(), window.minimumSizeHint().width()), want.height()))
    w, h = size.width(), size.height()
    window.setMaximumSize(avail.width() - FRAME_ALLOWANCE.width(), avail.height() - FRAME_ALLOWANCE.height())
    window.resize(w, h)
    pos = window.pos()
    x = min(max(pos.x(), avail.left()), avail.right() - w - FRAME_ALLOWANCE.width() // 2)
    y = min(max(pos.y(), avail.top()), avail.bottom() - h - FRAME_ALLOWANCE.height() + 8)
    window.move(max(x, avail.left()), max(y, avail.top()))
    return QSize(w, h)


class FitScrollArea(QScrollArea):
    """A scroll area that asks for its content's full size (so a dialog is as tall as its form when
    the screen allows, and scrolls only when it does not)."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        hint = inner.sizeHint()
        frame = 2 * self.frameWidth()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + frame + bar, hint.height() + frame)
