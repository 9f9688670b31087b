"""The referral list (转介) with overdue replies highlighted, the reply-slip desk (type or scan the
reference from a returned 回执 and record what the provider ticked), and letters: preview, print
through the system print dialog, or save as PDF.

A standalone widget over a ``Store``. Given the app's ``DbRunner`` it does all database work on the
database thread (and refreshes when another screen changes a referral); without one (tests, tools)
it calls the services directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import ReferralStatus, Urgency
from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.services import followups, letter_sources
from outreach.services import referrals as referral_service
from outreach.services.referrals import ReferralInfo
from outreach.storage.store import Store
from outreach.ui.dialogs.letter_preview_dialog import LetterPreviewDialog, run_print_dialog, save_pdf

OVERDUE_BG = QColor("#fde2e1")
OVERDUE_FG = QColor("#a4161a")
REPLY_CHOICES = (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.SERVED, ReferralStatus.NO_SHOW)
FILTER_OVERDUE = "overdue"


class ReferralTableModel(QAbstractTableModel):
    COLUMNS = ("reference", "person", "provider", "status", "issued_on", "reply_by", "urgency")

    def __init__(self, parent: QObject | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ReferralInfo] = []
        self.today = today or date.today()
        self.overdue_ids: set[str] = set()     # followups.overdue_reply_ids as of ``today``

    def set_rows(self, rows: list[ReferralInfo], today: date, overdue_ids: set[str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.today = today
        if overdue_ids is not None:
            self.overdue_ids = set(overdue_ids)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(f"letters.ui.col.{self.COLUMNS[section]}")
        return None

    def overdue_days(self, info: ReferralInfo) -> int:
        """Days past the expected reply date when the reply is overdue (the one definition in
        ``outreach.services.followups``), else 0."""
        if info.id not in self.overdue_ids or info.expected_reply_on is None:
            return 0
        return (self.today - info.expected_reply_on).days

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        late = self.overdue_days(info)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(info, column, late)
        if role == Qt.ItemDataRole.UserRole:
            return info.reference
        if late and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(OVERDUE_BG)
        if late and role == Qt.ItemDataRole.ForegroundRole and column in ("status", "reply_by"):
            return QBrush(OVERDUE_FG)
        if late and role == Qt.ItemDataRole.FontRole and column == "status":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and late:
            return tr("letters.ui.overdue_tip", days=late, count=late)
        return None

    @staticmethod
    def _text(info: ReferralInfo, column: str, late: int) -> str:
        if column == "reference":
            return info.reference
        if column == "person":
            return info.person_name
        if column == "provider":
            return info.provider_name
        if column == "status":
            label = ReferralStatus(info.status).label()
            return tr("letters.ui.status_overdue", status=label, days=late) if late else label
        if column == "issued_on":
            return info.issued_on.isoformat() if info.issued_on else ""
        if column == "reply_by":
            return info.expected_reply_on.isoformat() if info.expected_reply_on else ""
        return Urgency(info.urgency).label() if info.urgency in {u.value for u in Urgency} else info.urgency


class ReferralsView(QWidget):
    """Referral list + reply-slip desk + letters. Emits ``sig_reply_recorded(reference)``."""

    sig_reply_recorded = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *, runner=None,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self._today = today
        self._all: list[ReferralInfo] = []
        self._overdue_ids: set[str] = set()
        self.model = ReferralTableModel(self, today=today())
        self._build()
        if runner is not None:
            runner.sig_changed.connect(self._changed)
        self.refresh()

    # ----------------------------------------------------------------- layout
    def _build(self) -> None:
        self._texts: list[tuple[Callable[[str], None], str]] = []  # (setter, catalog key) for retranslate
        self.status_filter = QComboBox(self)
        self.status_filter.addItem("", "")
        self.status_filter.addItem("", FILTER_OVERDUE)
        for status in ReferralStatus:
            self.status_filter.addItem("", status.value)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.text_filter = QLineEdit(self)
        self._texts.append((self.text_filter.setPlaceholderText, "letters.ui.filter.text"))
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self._apply_text_filter)
        self.summary = QLabel("", self)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.preview_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.letter_lang = QComboBox(self)
        self.letter_lang.addItem("", "zh_CN")
        self.letter_lang.addItem("", "en")
        for box in (self.status_filter, self.letter_lang):   # as wide as their words, in either language
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.preview_button = self._button("letters.ui.preview", self)
        self.preview_button.clicked.connect(self.preview_selected)
        self.print_button = self._button("letters.ui.print", self)
        self.print_button.clicked.connect(self.print_selected)
        self.save_button = self._button("letters.ui.save_pdf", self)
        self.save_button.clicked.connect(self.save_selected)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)

        filters = QHBoxLayout()
        filters.addWidget(self._label("letters.ui.filter.status", self))
        filters.addWidget(self.status_filter)
        filters.addWidget(self.text_filter, 1)
        filters.addWidget(self.summary)
        letters = QHBoxLayout()
        letters.addWidget(self._label("letters.ui.letter_lang", self))
        letters.addWidget(self.letter_lang)
        letters.addStretch(1)
        letters.addWidget(self.preview_button)
        letters.addWidget(self.print_button)
        letters.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(letters)
        layout.addWidget(self.message)
        layout.addWidget(self._build_reply_desk())
        self.retranslate()

    def _label(self, key: str, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        self._texts.append((label.setText, key))
        return label

    def _button(self, key: str, parent: QWidget) -> QPushButton:
        button = QPushButton(parent)
        self._texts.append((button.setText, key))
        return button

    def retranslate(self) -> None:
        """Every text again in the current language (the main window calls this on a switch)."""
        for setter, key in self._texts:
            setter(tr(key))
        self.status_filter.setItemText(0, tr("letters.ui.filter.all"))
        self.status_filter.setItemText(1, tr("letters.ui.filter.overdue"))
        for i, status in enumerate(ReferralStatus, start=2):
            self.status_filter.setItemText(i, status.label())
        self.letter_lang.setItemText(0, tr("letters.ui.lang.zh"))
        self.letter_lang.setItemText(1, tr("letters.ui.lang.en"))
        for button in self.reply_result.buttons():
            button.setText(ReferralStatus(button.property("status")).label())
        self.reply_box.setTitle(tr("letters.ui.reply.title"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.model.COLUMNS) - 1)
        self._apply_text_filter()  # status labels and the summary line
        self._update_buttons()

    def _build_reply_desk(self) -> QGroupBox:
        box = QGroupBox(self)
        self.reply_box = box
        self.reply_reference = QLineEdit(box)
        self._texts.append((self.reply_reference.setPlaceholderText, "letters.ui.reply.reference_hint"))
        self.reply_reference.returnPressed.connect(self.look_up_reply)
        self.reply_found = QLabel("", box)
        self.reply_found.setWordWrap(True)
        self.reply_result = QButtonGroup(box)
        results = QHBoxLayout()
        for status in REPLY_CHOICES:
            button = QRadioButton(box)
            button.setProperty("status", status.value)
            self.reply_result.addButton(button)
            results.addWidget(button)
        results.addStretch(1)
        self.reply_date = QDateEdit(box)
        self.reply_date.setCalendarPopup(True)
        self.reply_date.setDisplayFormat("yyyy-MM-dd")
        self._reset_reply_date()
        self.reply_services = QLineEdit(box)
        self._texts.append((self.reply_services.setPlaceholderText, "letters.ui.reply.services_hint"))
        self.reply_note = QLineEdit(box)
        self.reply_button = self._button("letters.ui.reply.record", box)
        self.reply_button.clicked.connect(self.record_reply)
        self.reply_services.returnPressed.connect(self.record_reply)
        self.reply_error = QLabel("", box)
        self.reply_error.setStyleSheet("color: #b3261e;")
        self.reply_error.setWordWrap(True)

        form = QFormLayout(box)
        form.addRow(self._label("letters.ui.reply.reference", box), self.reply_reference)
        form.addRow("", self.reply_found)
        form.addRow(self._label("letters.ui.reply.result", box), results)
        form.addRow(self._label("letters.ui.reply.date", box), self.reply_date)
        form.addRow(self._label("letters.ui.reply.services", box), self.reply_services)
        form.addRow(self._label("letters.ui.reply.note", box), self.reply_note)
        row = QHBoxLayout()
        row.addWidget(self.reply_error, 1)
        row.addWidget(self.reply_button)
        form.addRow(row)
        return box

    def _reset_reply_date(self) -> None:
        today = self._today()
        self.reply_date.setMaximumDate(QDate(today.year, today.month, today.day))
        self.reply_date.setDate(QDate(today.year, today.month, today.day))

    # ----------------------------------------------------------------- database calls
    def _call(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None], changes: tuple[str, ...] = (), **kwargs: Any) -> None:
        """Run ``fn(store, …)`` on the database thread when there is one, else right here."""
        if self.runner is not None:
            if changes:
                self.runner.op(fn, *args, changes=changes, on_done=on_done, on_error=on_error, owner=self,
                               **kwargs)
            else:
                self.runner.query(fn, *args, on_done=on_done, on_error=on_error, owner=self, **kwargs)
            return
        try:
            result = fn(self.store, *args, **kwargs)
        except OutreachError as exc:
            on_error(exc)
            return
        on_done(result)

    def _show_error(self, exc: BaseException, label: QLabel | None = None) -> None:
        if not isinstance(exc, OutreachError):
            raise exc
        (label or self.message).setText(exc.message())

    def _changed(self, entities) -> None:
        if "referral" in entities or "referralevent" in entities:
            self.refresh()

    # ----------------------------------------------------------------- list
    def refresh(self) -> None:
        choice = self.status_filter.currentData() or ""
        self._call(followups.referral_list, self._today(), overdue_only=choice == FILTER_OVERDUE,
                   status=None if choice == FILTER_OVERDUE else choice or None, on_done=self._loaded,
                   on_error=lambda exc: self._show_error(exc))

    def _loaded(self, loaded: tuple[list[ReferralInfo], set[str]]) -> None:
        rows, self._overdue_ids = loaded
        self._all = list(rows)
        self._apply_text_filter()

    def _apply_text_filter(self) -> None:
        text = self.text_filter.text().strip().lower()
        rows = [r for r in self._all
                if not text or text in r.reference.lower() or text in r.person_name.lower()
                or text in r.provider_name.lower()]
        today = self._today()
        self.model.set_rows(rows, today, self._overdue_ids)
        overdue = sum(1 for r in rows if r.id in self._overdue_ids)
        self.summary.setText(tr("letters.ui.summary", count=len(rows), overdue=overdue))
        self._update_buttons()

    def selected_references(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].reference for r in rows]

    def _selection_changed(self, *_args) -> None:
        refs = self.selected_references()
        if len(refs) == 1 and not self._reply_in_progress():
            self.reply_reference.setText(refs[0])
            self.look_up_reply()
        self._update_buttons()

    def _reply_in_progress(self) -> bool:
        """A reply slip half typed in: a click in the list must not move it to another referral."""
        return bool(self.reply_reference.text().strip()) and (
            self.reply_result.checkedButton() is not None or bool(self.reply_services.text().strip())
            or bool(self.reply_note.text().strip()))

    def _update_buttons(self) -> None:
        has = bool(self.table.selectionModel().selectedRows()) if self.table.selectionModel() else False
        for button in (self.preview_button, self.print_button, self.save_button):
            button.setEnabled(has)

    # ----------------------------------------------------------------- letters
    def _with_pdf(self, then: Callable[[bytes, list[str]], None]) -> None:
        """Build the PDF of the selected letters, then hand it on. Drafts and cancelled referrals
        have no letter: in a selection of several they are skipped (and the worker is told)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        infos = [self.model.rows[r] for r in rows]
        if not infos:
            return
        printable = {s.value for s in letter_sources.PRINTABLE}
        refs = [i.reference for i in infos if i.status in printable and i.issued_on] if len(infos) > 1 \
            else [infos[0].reference]
        skipped = len(infos) - len(refs)
        if not refs:
            self.message.setText(tr("letters.ui.none_printable"))
            return
        self._build_pdf(refs, then, note=tr("letters.ui.skipped", count=skipped) if skipped else "")

    def _build_pdf(self, refs: list[str], then: Callable[[bytes, list[str]], None], *, note: str = "") -> None:
        self.message.setText(tr("letters.ui.rendering", count=len(refs)))
        self._call(letter_sources.letters_pdf, refs, lang=self.letter_lang.currentData(),
                   on_done=lambda pdf: (self.message.setText(note), then(pdf, refs)),
                   on_error=lambda exc: self._show_error(exc))

    def preview_references(self, references: list[str]) -> None:
        """Open the preview of these referrals' letters (e.g. right after a referral is issued)."""
        if references:
            self._build_pdf(list(references), self._open_preview)

    def _title(self, refs: list[str]) -> str:
        return tr("letters.ui.preview.title_one", reference=refs[0]) if len(refs) == 1 else \
            tr("letters.ui.preview.title_many", count=len(refs))

    @staticmethod
    def _file_name(refs: list[str]) -> str:
        return f"{refs[0]}.pdf" if len(refs) == 1 else f"{refs[0]}_{len(refs)}.pdf"

    def preview_selected(self) -> None:
        self._with_pdf(self._open_preview)

    def _open_preview(self, pdf: bytes, refs: list[str]) -> LetterPreviewDialog:
        dialog = LetterPreviewDialog(pdf, title=self._title(refs), file_name=self._file_name(refs), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview_dialog = dialog
        dialog.open()
        return dialog

    def print_selected(self) -> None:
        self._with_pdf(self._print)

    def _print(self, pdf: bytes, refs: list[str]) -> None:
        try:
            count = run_print_dialog(pdf, self._title(refs), self)
        except OutreachError as exc:
            self._show_error(exc)
            return
        if count is not None:
            self._append_message(tr("letters.ui.printed", count=count))

    def save_selected(self) -> None:
        self._with_pdf(self._save)

    def _save(self, pdf: bytes, refs: list[str]) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, tr("letters.ui.save_pdf"), self._file_name(refs),
                                                    tr("letters.ui.pdf_filter"))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            save_pdf(pdf, path)
        except OutreachError as exc:
            self._show_error(exc)
            return
        self._append_message(tr("letters.ui.saved", path=path))

    def _append_message(self, text: str) -> None:
        current = self.message.text()
        self.message.setText(f"{current} {text}".strip())

    # ----------------------------------------------------------------- reply slips
    def look_up_reply(self) -> None:
        reference = self.reply_reference.text().strip()
        self.reply_error.setText("")
        if not reference:
            self.reply_found.setText("")
            return
        self._call(referral_service.get_referral, reference, on_done=self._found,
                   on_error=lambda exc: (self.reply_found.setText(""), self._show_error(exc, self.reply_error)))

    def _found(self, info: ReferralInfo) -> None:
        late = self.model.overdue_days(info)
        status = ReferralStatus(info.status).label()
        if late:
            status = tr("letters.ui.status_overdue", status=status, days=late)
        self.reply_found.setText(tr("letters.ui.reply.found", reference=info.reference, person=info.person_name,
                                    provider=info.provider_name, status=status))
        checked = self.reply_result.checkedButton()
        if checked is None and self.reply_result.buttons():
            self.reply_result.buttons()[0].setFocus()

    def record_reply(self) -> None:
        reference = self.reply_reference.text().strip()
        button = self.reply_result.checkedButton()
        if not reference:
            self.reply_error.setText(tr("letters.ui.reply.need_reference"))
            return
        if button is None:
            self.reply_error.setText(tr("letters.ui.reply.need_result"))
            return
        self.reply_error.setText("")
        self._call(referral_service.record_reply, reference, status=button.property("status"),
                   on=self.reply_date.date().toPython(), note=self.reply_note.text(),
                   services_provided=self.reply_services.text(), today=self._today(),
                   changes=("referral", "referralevent", "need"),
                   on_done=self._recorded, on_error=lambda exc: self._show_error(exc, self.reply_error))

    def _recorded(self, info: ReferralInfo) -> None:
        self.reply_found.setText(tr("letters.cli.referrals.replied", reference=info.reference,
                                    status=ReferralStatus(info.status).label()))
        self.reply_reference.clear()
        self.reply_services.clear()
        self.reply_note.clear()
        self.reply_result.setExclusive(False)
        for b in self.reply_result.buttons():
            b.setChecked(False)
        self.reply_result.setExclusive(True)
        self._reset_reply_date()
        self.reply_reference.setFocus()
        self.sig_reply_recorded.emit(info.reference)
        if self.runner is None:  # with a runner, sig_changed triggers the refresh
            self.refresh()
