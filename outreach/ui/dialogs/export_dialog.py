"""Export data (导出数据): households, people, visits, assessments and referrals as CSV files (one per
table, in a folder) or one Excel workbook, with names, phones and ID numbers masked unless the user
unticks "redact" — the choice a lead makes before a file leaves the office. Runs on the database thread
with progress and Cancel (nothing is left behind when cancelled)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import current_language, tr
from outreach.ui.dialogs.print_tasks import area_choices
from outreach.ui.widgets import ErrorLabel, WheelGuarded


def export_job(store, fmt: str, path: str, *, redact: bool, include_archived: bool, area: str | None,
               lang: str, progress=None, zip_passphrase: str | None = None) -> dict[str, int]:
    from outreach.reports import exports

    options = exports.ExportOptions(redact=redact, include_archived=include_archived, area_id=area or None,
                                    lang=lang)
    if zip_passphrase is not None:   # issue 13: the workbook inside an AES-256 zip
        return exports.write_xlsx(store, path, options, progress=progress, zip_passphrase=zip_passphrase)
    write = exports.write_csv if fmt == "csv" else exports.write_xlsx
    return write(store, path, options, progress=progress)


class ExportDialog(WheelGuarded, QDialog):
    sig_exported = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.format = QComboBox(self)
        self.format.addItem("", "xlsx")
        self.format.addItem("", "csv")
        self.redact = QCheckBox(self)
        self.redact.setChecked(True)
        self.redact_note = QLabel(self)
        self.redact_note.setWordWrap(True)
        self.redact.toggled.connect(lambda _c: self._note())
        self.include_archived = QCheckBox(self)
        self.area = QComboBox(self)
        self.area.addItem("", "")
        ctx.runner.query(area_choices, owner=self, on_done=self._areas)
        self.form = QFormLayout()
        self.form_labels = [QLabel(self) for _ in range(2)]
        self.form.addRow(self.form_labels[0], self.format)
        self.form.addRow(self.form_labels[1], self.area)
        self.form.addRow("", self.redact)
        self.form.addRow("", self.redact_note)
        self.form.addRow("", self.include_archived)
        self.error = ErrorLabel(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.export_button = QPushButton(self)
        self.export_button.clicked.connect(self._choose_path)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(bar)
        self.resize(560, 320)
        self.retranslate()

    def _areas(self, choices) -> None:
        for code, name in choices:
            self.area.addItem(name, code)

    def _note(self) -> None:
        self.redact_note.setText(tr("ui.dayone.export.redact_on" if self.redact.isChecked()
                                    else "ui.dayone.export.redact_off"))
        self.redact_note.setStyleSheet("" if self.redact.isChecked() else "color: #b3261e;")

    def retranslate(self) -> None:
        self.setWindowTitle(tr("ui.dayone.export.title"))
        self.intro.setText(tr("ui.dayone.export.intro"))
        self.format.setItemText(0, tr("ui.dayone.export.xlsx"))
        self.format.setItemText(1, tr("ui.dayone.export.csv"))
        self.area.setItemText(0, tr("ui.areas.all"))
        self.form_labels[0].setText(tr("ui.dayone.export.format"))
        self.form_labels[1].setText(tr("ui.dayone.print.area"))
        self.redact.setText(tr("ui.dayone.export.redact"))
        self.include_archived.setText(tr("ui.dayone.export.include_archived"))
        self.export_button.setText(tr("ui.dayone.export.go"))
        self.close_button.setText(tr("ui.dayone.close"))
        self._note()

    def export_to(self, path: str, zip_passphrase: str | None = None) -> None:
        fmt = self.format.currentData()
        self.error.show_message("")

        def done(counts: dict[str, int]) -> None:
            self.status.setText(tr("ui.dayone.export.done", path=path, count=sum(counts.values())))
            self.export_button.setEnabled(True)
            self.sig_exported.emit(path)

        def failed(exc: BaseException) -> None:
            from outreach.domain.errors import OutreachError
            from outreach.ui.workers import JobCancelled

            self.export_button.setEnabled(True)
            if isinstance(exc, JobCancelled):
                self.status.setText(tr("ui.dayone.export.cancelled"))
            elif isinstance(exc, OutreachError):
                self.error.show_message(exc.message())
            else:
                self.ctx.runner.show_error(exc)

        self.export_button.setEnabled(False)
        self.ctx.runner.run_with_progress(
            export_job, fmt, path, redact=self.redact.isChecked(), include_archived=self.include_archived.isChecked(),
            area=self.area.currentData() or None, lang=current_language(), title=tr("ui.dayone.export.title"),
            parent=self, on_done=done, on_error=failed, zip_passphrase=zip_passphrase)

    def _choose_path(self) -> None:
        if not self.redact.isChecked():   # issue 13: names, ID numbers and phones leave the laptop
            from outreach.ui.dialogs.backups_dialog import confirm_unredacted

            choice = confirm_unredacted(self)
            if choice is None:
                return
            if choice:   # an encrypted zip, with the passphrase typed twice
                path, _f = QFileDialog.getSaveFileName(self, tr("ui.dayone.export.title"),
                                                       tr("ui.dayone.export.file_name").rsplit(".", 1)[0] + ".zip",
                                                       "Zip (*.zip)")
                if path:
                    self.export_to(path if path.lower().endswith(".zip") else path + ".zip", zip_passphrase=choice)
                return
        if self.format.currentData() == "csv":
            path = QFileDialog.getExistingDirectory(self, tr("ui.dayone.export.folder"))
            if path:
                from pathlib import Path

                path = str(Path(path) / tr("ui.dayone.export.folder_name"))
        else:
            path, _f = QFileDialog.getSaveFileName(self, tr("ui.dayone.export.title"),
                                                   tr("ui.dayone.export.file_name"), tr("ui.dayone.export.xlsx_filter"))
            if path and not path.lower().endswith(".xlsx"):
                path += ".xlsx"
        if path:
            self.export_to(path)
