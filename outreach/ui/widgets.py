"""Small widgets shared by the screens: enum pickers with translated labels, an optional date field,
an inline error label, and a debounced search box."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QWidget

from outreach.domain.enums import Labelled
from outreach.i18n import tr


class EnumCombo(QComboBox):
    """A combo box over a Labelled enum; item data are the stored values. ``none_key`` adds a first
    entry with value "" (e.g. "all" in a filter, "not set" in a form)."""

    def __init__(self, enum: type[Labelled], *, none_key: str | None = None,
                 exclude: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._enum = enum
        self._none_key = none_key
        self._exclude = exclude
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


EMPTY_DATE = QDate(1900, 1, 1)


class OptionalDateEdit(QDateEdit):
    """A date field that may be empty (shows "—"). Typing digits works like any QDateEdit; Delete
    clears it."""

    def __init__(self, parent: QWidget | None = None, *, allow_future: bool = True) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(EMPTY_DATE)
        self.setSpecialValueText("—")
        if not allow_future:
            self.setMaximumDate(QDate.currentDate())
        self.setDate(EMPTY_DATE)

    def value(self) -> date | None:
        d = self.date()
        return None if d == EMPTY_DATE else d.toPython()

    def set_value(self, value: date | None) -> None:
        self.setDate(QDate(value.year, value.month, value.day) if value else EMPTY_DATE)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Delete:
            self.set_value(None)
            return
        super().keyPressEvent(event)


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
