"""Print and reports from the window (打印与报表): the village register for a month (台账), a blank visit
form, the day's referral letters and the monthly report. Each is a small dialog: pick what, then
Preview (the PDF itself, with Print… and Save as PDF…) or Save as PDF… directly. The PDF is made on the
database thread; nothing here blocks the window.

    dialog = RegisterDialog(ctx, parent); dialog.save_to("/path/台账.pdf")     # tests drive it this way
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import current_language, tr
from outreach.ui.widgets import ErrorLabel, WheelGuarded


# --------------------------------------------------------------------------- jobs (database thread)
def village_choices(store) -> list[tuple[str, str]]:
    """(code, "东坪村（石门镇）") for every village, for the pickers."""
    from outreach.services.areas import all_areas

    areas = all_areas(store)
    by_id = {a.id: a for a in areas}
    out = []
    for a in areas:
        if a.level == "village":
            parent = by_id.get(a.parent_id or "")
            out.append((a.id, tr("ui.dayone.print.village_in", village=a.name, parent=parent.name) if parent else a.name))
    return out


def area_choices(store) -> list[tuple[str, str]]:
    from outreach.services.areas import all_areas

    return [(a.id, a.name) for a in all_areas(store) if a.level in ("county", "township", "village")]


def register_pdf(store, village: str, year: int, month: int, lang: str) -> tuple[bytes, str]:
    from outreach.letters.registers import format_month, render_visit_register
    from outreach.services.letter_sources import visit_register_data

    data = visit_register_data(store, village, year, month, lang=lang)
    buf = io.BytesIO()
    render_visit_register(data, buf, lang=lang)
    title = tr("ui.dayone.print.register_file", lang, village=data.village_name, month=format_month(year, month, lang))
    return buf.getvalue(), title


def blank_form_pdf(store, village: str, lang: str) -> tuple[bytes, str]:
    from outreach.letters.registers import render_blank_visit_form
    from outreach.services.letter_sources import find_village, organisation

    name = find_village(store, village)[1] if village else ""
    buf = io.BytesIO()
    render_blank_visit_form(organisation(store, lang), buf, lang=lang, village=name)
    return buf.getvalue(), tr("ui.dayone.print.blank_file", lang, village=name or "").strip(" -_")


def day_letters_pdf(store, day: date, lang: str) -> tuple[bytes, str]:
    from outreach.services.letter_sources import letters_issued_on, letters_pdf

    letters = letters_issued_on(store, day, lang=lang)
    if not letters:
        raise OutreachError("letters.error.none_on_date", date=day.isoformat())
    pdf = letters_pdf(store, [d.reference for d in letters], lang=lang)
    return pdf, tr("ui.dayone.print.letters_file", lang, date=day.isoformat())


def report_pdf(store, month: str, area: str | None, lang: str) -> tuple[bytes, str]:
    from outreach.reports.report_pdf import write_monthly_report

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        ind = write_monthly_report(store, path, month=month, area=area or None, lang=lang)
        pdf = path.read_bytes()
    return pdf, tr("ui.dayone.print.report_file", lang, area=ind.area_name, month=month)


def write_bytes(_store, pdf: bytes, path: str) -> str:
    from outreach.ui.dialogs.letter_preview_dialog import save_pdf

    save_pdf(pdf, path)
    return path


# --------------------------------------------------------------------------- the dialogs
class PrintTaskDialog(WheelGuarded, QDialog):
    """Pick what to print, then Preview or Save as PDF. Subclasses add fields and ``job()``."""

    title_key = ""
    sig_saved = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.labels: dict[str, tuple[QLabel, str]] = {}
        self.lang = QComboBox(self)
        self.lang.addItem("中文", "zh_CN")
        self.lang.addItem("English", "en")
        self.lang.setCurrentIndex(max(self.lang.findData(current_language()), 0))
        self.error = ErrorLabel(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.preview_button = QPushButton(self)
        self.preview_button.clicked.connect(self.preview)
        self.save_button = QPushButton(self)
        self.save_button.clicked.connect(self._choose_save)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addStretch(1)
        for b in (self.preview_button, self.save_button, self.close_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(bar)
        self.last_preview: QDialog | None = None
        self.resize(520, 260)

    def add_row(self, key: str, widget: QWidget) -> QWidget:
        label = QLabel(self)
        self.form.addRow(label, widget)
        self.labels[key] = (label, key)
        return widget

    def finish(self) -> None:
        self.add_row("ui.dayone.print.language", self.lang)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr(self.title_key))
        self.intro.setText(tr(f"{self.title_key}_intro"))
        for label, key in self.labels.values():
            label.setText(tr(key))
        self.preview_button.setText(tr("ui.dayone.print.preview"))
        self.save_button.setText(tr("letters.ui.save_pdf"))
        self.close_button.setText(tr("ui.dayone.close"))

    # subclass API
    def job(self) -> tuple:
        """(fn, *args) making ``(pdf bytes, file title)`` on the database thread."""
        raise NotImplementedError

    def check(self) -> str:
        """A message when the choice cannot be printed yet ("" when fine)."""
        return ""

    # ----------------------------------------------------------------- actions
    def _make(self, then) -> None:
        message = self.check()
        self.error.show_message(message)
        if message:
            return
        self.status.setText(tr("ui.dayone.print.making"))
        self.preview_button.setEnabled(False)
        self.save_button.setEnabled(False)

        def done(result) -> None:
            self._idle()
            then(*result)

        fn, *args = self.job()
        self.ctx.runner.query(fn, *args, owner=self, on_done=done, on_error=self._failed)

    def _idle(self) -> None:
        self.status.setText("")
        self.preview_button.setEnabled(True)
        self.save_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        if isinstance(exc, OutreachError):
            self.error.show_message(exc.message())
        else:
            self.ctx.runner.show_error(exc)

    def preview(self) -> None:
        from outreach.ui.dialogs.letter_preview_dialog import LetterPreviewDialog

        def show(pdf: bytes, title: str) -> None:
            dialog = LetterPreviewDialog(pdf, title=title, file_name=f"{title}.pdf", parent=self)
            dialog.finished.connect(dialog.deleteLater)
            self.last_preview = dialog
            dialog.open()

        self._make(show)

    def save_to(self, path: str) -> None:
        def write(pdf: bytes, _title: str) -> None:
            self.ctx.runner.query(write_bytes, pdf, path, owner=self, on_error=self._failed, on_done=self._saved)

        self._make(write)

    def _saved(self, path: str) -> None:
        self.status.setText(tr("letters.ui.saved", path=path))
        self.sig_saved.emit(path)

    def suggested_name(self) -> str:
        return tr(self.title_key) + ".pdf"

    def _choose_save(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, tr("letters.ui.save_pdf"), self.suggested_name(),
                                               tr("letters.ui.pdf_filter"))
        if path:
            self.save_to(path if path.lower().endswith(".pdf") else path + ".pdf")


def month_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setDisplayFormat("yyyy-MM")
    edit.setCalendarPopup(True)
    today = QDate.currentDate()
    edit.setDate(QDate(today.year(), today.month(), 1))
    edit.setMaximumDate(today)
    return edit


class _WithVillages(PrintTaskDialog):
    """A dialog with a village picker, filled from the database thread."""

    allow_none = False

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.village = QComboBox(self)
        self.village.setMinimumWidth(280)
        self.add_row("ui.dayone.print.village", self.village)
        self.loaded = False
        ctx.runner.query(village_choices, owner=self, on_done=self._villages)

    def _villages(self, choices: list[tuple[str, str]]) -> None:
        self.village.clear()
        if self.allow_none:
            self.village.addItem(tr("ui.dayone.print.any_village"), "")
        for code, label in choices:
            self.village.addItem(label, code)
        self.loaded = True
        if not choices and not self.allow_none:
            self.error.show_message(tr("ui.dayone.print.no_villages"))

    def select_village(self, code: str) -> None:
        self.village.setCurrentIndex(max(self.village.findData(code), 0))

    def check(self) -> str:
        if not self.allow_none and not self.village.currentData():
            return tr("ui.dayone.print.no_villages")
        return ""


class RegisterDialog(_WithVillages):
    title_key = "ui.dayone.print.register"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.month = self.add_row("ui.dayone.print.month", month_edit(self))
        self.finish()

    def job(self) -> tuple:
        d = self.month.date()
        return register_pdf, self.village.currentData(), d.year(), d.month(), self.lang.currentData()

    def suggested_name(self) -> str:
        d = self.month.date()
        return f"{self.village.currentText().split('（')[0].split(' (')[0]}-{d.year()}-{d.month():02d}.pdf"


class BlankFormDialog(_WithVillages):
    title_key = "ui.dayone.print.blank"
    allow_none = True

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.finish()

    def job(self) -> tuple:
        return blank_form_pdf, self.village.currentData() or "", self.lang.currentData()


class DayLettersDialog(PrintTaskDialog):
    title_key = "ui.dayone.print.letters"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.day = QDateEdit(self)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.day.setDate(QDate.currentDate())
        self.add_row("ui.dayone.print.day", self.day)
        self.finish()

    def job(self) -> tuple:
        return day_letters_pdf, self.day.date().toPython(), self.lang.currentData()

    def suggested_name(self) -> str:
        return f"{tr('ui.dayone.print.letters')}-{self.day.date().toString('yyyy-MM-dd')}.pdf"


class ReportDialog(PrintTaskDialog):
    title_key = "ui.dayone.print.report"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.month = self.add_row("ui.dayone.print.month", month_edit(self))
        self.area = QComboBox(self)
        self.area.setMinimumWidth(280)
        self.add_row("ui.dayone.print.area", self.area)
        self.area.addItem(tr("ui.areas.all"), "")
        ctx.runner.query(area_choices, owner=self, on_done=self._areas)
        self.finish()

    def _areas(self, choices: list[tuple[str, str]]) -> None:
        for code, name in choices:
            self.area.addItem(name, code)

    def job(self) -> tuple:
        return report_pdf, self.month.date().toString("yyyy-MM"), self.area.currentData() or None, self.lang.currentData()

    def suggested_name(self) -> str:
        return f"{tr('ui.dayone.print.report')}-{self.month.date().toString('yyyy-MM')}.pdf"


TASKS = {"register": RegisterDialog, "blank": BlankFormDialog, "letters": DayLettersDialog, "report": ReportDialog}


def open_task(name: str, ctx, parent: QWidget | None) -> PrintTaskDialog:
    dialog = TASKS[name](ctx, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
