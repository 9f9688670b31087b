"""Team → Change the team key…: one guided screen (what it does, the grace date, the passphrase,
a confirmation box) over ``outreach.sync.rotation.rotate_key``; the work runs on the database thread."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.sync.keys import DEFAULT_KDF

KDF = DEFAULT_KDF   # tests use FAST_KDF_FOR_TESTS


def rotate_job(store, passphrase: str, until: date) -> str:
    from outreach.sync.rotation import rotate_key

    rotate_key(store, passphrase, until, kdf=KDF)
    return until.isoformat()


class RotateKeyDialog(QDialog):
    sig_rotated = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        from outreach.sync.rotation import today
        from outreach.ui.widgets import ErrorLabel

        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("rot.dialog.title"))
        self.explain = QLabel(tr("rot.dialog.explain"), self)
        self.explain.setWordWrap(True)
        self.grace = QDateEdit(self)
        self.grace.setCalendarPopup(True)
        first = today()
        self.grace.setMinimumDate(QDate(first.year, first.month, first.day))
        default = first + timedelta(days=14)
        self.grace.setDate(QDate(default.year, default.month, default.day))
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QCheckBox(tr("rot.dialog.confirm"), self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.error = ErrorLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(tr("rot.dialog.rotate"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(tr("rot.dialog.cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setEnabled(False)
        self.confirm.toggled.connect(self._ready)
        self.passphrase.textChanged.connect(self._ready)
        self.buttons.accepted.connect(self.rotate)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("rot.dialog.grace"), self.grace)
        form.addRow(tr("rot.dialog.passphrase"), self.passphrase)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(form)
        layout.addWidget(self.confirm)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(560, 300)

    def _ready(self, *_args) -> None:
        self.ok.setEnabled(self.confirm.isChecked() and bool(self.passphrase.text()))

    def rotate(self) -> None:
        self.error.show_message("")
        until = self.grace.date().toPython()
        self.ok.setEnabled(False)

        def done(day: str) -> None:
            self.status.setText(tr("rot.cli.rotated", date=day))
            self.passphrase.clear()
            self.sig_rotated.emit(day)

        def failed(exc: BaseException) -> None:
            self._ready()
            if isinstance(exc, OutreachError):
                self.error.show_message(exc.message())
            else:
                self.ctx.runner.show_error(exc)

        self.ctx.runner.query(rotate_job, self.passphrase.text(), until, owner=self, on_done=done, on_error=failed)
