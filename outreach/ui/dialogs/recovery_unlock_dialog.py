"""Forgot the passphrase? Open the data with the lead's recovery file and choose a new passphrase —
the window's way to ``outreach unlock --recovery-identity FILE`` (a worker has no terminal).

    key = open_with_recovery(directory, parent)   # the database key, or None when the user gave up

The dialog explains what the file is (the team's recovery identity, kept offline by the lead), takes
the file and the new passphrase twice, and says in one translated line what is wrong: not a recovery
file, another team's, this laptop never joined a team, a weak or mismatched passphrase. Nothing is
written until the file is proved to open the data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.inputfiles import read_capped
from outreach.storage import crypto_store

MAX_IDENTITY_BYTES = 64 * 1024   # an age identity file is a few hundred bytes


class RecoveryUnlockDialog(QDialog):
    def __init__(self, directory: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RecoveryUnlockDialog")
        self.directory = Path(directory)
        self.key: bytes | None = None
        self.setWindowTitle(tr("wo.recover.title"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("wo.recover.intro"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.file = QLineEdit(self)
        self.file.setObjectName("recovery_file")
        self.browse = QPushButton(tr("wo.recover.browse"), self)
        self.browse.clicked.connect(self.choose_file)
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        form.addRow(tr("wo.recover.file"), row)
        self.new, self.repeat = QLineEdit(self), QLineEdit(self)
        for field, name, label in ((self.new, "new", "sec.change.new"), (self.repeat, "repeat", "sec.lock.repeat")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setObjectName(name)
            form.addRow(tr(label), field)
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = buttons.addButton(tr("wo.recover.ok"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("wo.recover.cancel"))
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("wo.recover.file"), "", tr("wo.recover.filter"))
        if path:
            self.file.setText(path)

    def try_accept(self) -> None:
        try:
            path = self.file.text().strip()
            if not path:
                raise OutreachError("wo.recover.no_file")
            identity = read_capped(path, MAX_IDENTITY_BYTES, what="file").decode("utf-8", errors="replace")
            crypto_store.unlock_with_recovery(self.directory, identity)   # proved before anything is written
            if self.new.text() != self.repeat.text():
                raise OutreachError("sec.error.mismatch")
            crypto_store.reset_passphrase_with_recovery(self.directory, identity, self.new.text())
            self.key = crypto_store.cached_key(self.directory)
        except OutreachError as exc:
            self.message.setText(exc.message())
            return
        self.accept()


def open_with_recovery(directory: Path, parent: QWidget | None = None) -> bytes | None:
    """For the lock dialog's "Forgot the passphrase?" link: the database key, or None."""
    dialog = RecoveryUnlockDialog(directory, parent)
    return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None
