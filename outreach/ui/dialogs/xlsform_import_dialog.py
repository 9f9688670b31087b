"""Import an XLSForm from the window: pick the file, see every question and whether it will work here
(and why not), then import — which is refused as a whole while any row cannot work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import current_language, tr
from outreach.services import forms as forms_svc
from outreach.ui.widgets import ErrorLabel

TYPE_KEYS = ("text", "integer", "decimal", "date", "select_one", "select_multiple", "note", "calculate",
             "acknowledge", "group", "repeat", "geopoint")


def preview_rows(path: str | Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(definition or None, rows): every question of the file with what will and will not work —
    read in the worker thread (pyxform is slow on big forms)."""
    from outreach.forms.xlsform import read_form, walk

    form = read_form(path)
    lang = current_language()
    rows: list[dict[str, Any]] = []
    refused = {(u.row, u.name) for u in form.unsupported}
    if form.definition:
        for n in walk(form.definition):
            if (n["row"], n["name"]) in refused:
                continue
            notes = []
            if n["relevant"]:
                notes.append(tr("xlsform.ui.has_relevant"))
            if n["constraint"]:
                notes.append(tr("xlsform.ui.has_constraint"))
            if n["calculate"]:
                notes.append(tr("xlsform.ui.has_calculation"))
            rows.append({"row": n["row"], "name": n["name"], "type": n["type"], "label": n["label"][lang],
                         "ok": True, "note": "、".join(notes) if lang == "zh_CN" else ", ".join(notes)})
    for u in form.unsupported:
        rows.append({"row": u.row, "name": u.name, "type": "", "label": "", "ok": False, "note": u.msg.text(lang)})
    rows.sort(key=lambda r: (r["row"] is not None, r["row"] or 0))
    return (form.definition if form.usable else None), rows


class XlsformImportDialog(QDialog):
    sig_imported = Signal(object)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.report: Any = None
        self.setObjectName("xlsformImportDialog")
        self.setWindowTitle(tr("xlsform.ui.import_title"))
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.file_label = QLabel(tr("xlsform.ui.no_file"), self)
        choose = QPushButton(tr("xlsform.ui.choose_file"), self)
        choose.clicked.connect(self.choose)
        top.addWidget(self.file_label, 1)
        top.addWidget(choose)
        outer.addLayout(top)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        outer.addWidget(self.summary)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([tr("xlsform.ui.col_row"), tr("xlsform.ui.col_name"),
                                              tr("xlsform.ui.col_type"), tr("xlsform.ui.col_label"),
                                              tr("xlsform.ui.col_status")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        outer.addWidget(self.table, 1)
        self.error = ErrorLabel(self)
        outer.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = self.buttons.addButton(tr("xlsform.ui.import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.do_import)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.resize(820, 560)

    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("xlsform.ui.choose_file"), "",
                                              tr("xlsform.ui.file_filter") + " (*.xlsx *.xls *.md)")
        if name:
            self.open_file(name)

    def open_file(self, path: str | Path) -> None:
        self.path = Path(path)
        self.file_label.setText(self.path.name)
        self.import_button.setEnabled(False)
        self.summary.setText(tr("xlsform.ui.reading"))
        self.ctx.runner.query(lambda _store: preview_rows(self.path), on_done=self._previewed, owner=self)

    def _previewed(self, result: tuple[dict[str, Any] | None, list[dict[str, Any]]]) -> None:
        definition, rows = result
        self.table.setRowCount(len(rows))
        bad = QColor("#b3261e")
        for i, r in enumerate(rows):
            type_text = tr(f"xlsform.type.{r['type']}") if r["type"] in TYPE_KEYS else r["type"]
            status = tr("xlsform.ui.works") if r["ok"] else tr("xlsform.ui.not_supported")
            if r["note"]:
                status += tr("xlsform.ui.status_detail", detail=r["note"])
            cells = ["" if r["row"] is None else str(r["row"]), r["name"], type_text, r["label"], status]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not r["ok"]:
                    item.setForeground(bad)
                self.table.setItem(i, col, item)
        self.table.resizeColumnsToContents()
        failing = sum(1 for r in rows if not r["ok"])
        if definition is not None:
            from outreach.forms.xlsform import question_count

            self.summary.setText(tr("xlsform.ui.ready", title=definition["title"][current_language()],
                                    count=question_count(definition)))
        else:
            self.summary.setText(tr("xlsform.ui.cannot_import", count=failing))
        self.import_button.setEnabled(definition is not None)

    def do_import(self) -> None:
        if self.path is None:
            return
        self.import_button.setEnabled(False)
        self.ctx.runner.op(forms_svc.import_form_file, self.path, changes=("assessmenttemplate",),
                           on_done=self._imported, on_error=self._failed, owner=self)

    def _imported(self, report: Any) -> None:
        self.report = report
        if not report.saved:
            self.error.show_message("\n".join(report.lines()))
            return
        self.sig_imported.emit(report)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, OutreachError):
            raise exc
        self.error.show_message(exc.message())
        self.import_button.setEnabled(True)
