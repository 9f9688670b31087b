"""The data could not be opened because the database is damaged (``sec.error.corrupt``, found by the
start-up check after a crash): the window's way to ``outreach backup recover`` — a worker who started
the app from the desktop has no terminal to run it in.

    if offer_store_recovery(directory, exc, parent):   # True: recovered, open the store again
        ...

The box says what happened in the user's words (not "run outreach backup recover"), and one button puts
the newest sound backup back and replays the changes made since from the damaged file's change log
(``services.backups.recover``; the damaged file is kept aside, encrypted). The result — how many changes
came back, how many ranges could not be read — is shown before the app goes on.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.services import backups
from outreach.storage import crypto_store
from outreach.storage.paths import DB_FILENAME

DAMAGED = "sec.error.corrupt"


def recovery_box(exc: OutreachError, parent: QWidget | None = None) -> tuple[QMessageBox, object]:
    """The question (tests press its buttons): the damaged file, the backup that would come back."""
    box = QMessageBox(QMessageBox.Icon.Critical, tr("sec.open_failed"),
                      tr("wo.recover_store.text", path=exc.params.get("path", ""),
                         file=Path(str(exc.params.get("file", ""))).name,
                         created_at=exc.params.get("created_at", "")),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("RecoverStore")
    recover = box.addButton(tr("wo.recover_store.button"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(tr("sec.lock.quit"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    return box, recover


def recover_now(directory: Path) -> backups.Recovery:
    directory = Path(directory)
    key = crypto_store.database_key(directory, directory / DB_FILENAME)   # unlocked at start: cached
    return backups.recover(directory, key)


def offer_store_recovery(directory: Path, exc: OutreachError, parent: QWidget | None = None) -> bool:
    """For ``show_open_error``: True when the store was recovered and can be opened again."""
    if exc.key != DAMAGED:
        return False
    box, recover = recovery_box(exc, parent)
    box.exec()
    if box.clickedButton() is not recover:
        return False
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))   # a backup's worth of work
    try:
        done = recover_now(directory)
    except OutreachError as failed:
        QMessageBox.critical(parent, tr("sec.open_failed"), failed.message())
        return False
    finally:
        QApplication.restoreOverrideCursor()
    QMessageBox.information(parent, tr("wo.recover_store.title"),
                            tr("sec.backup.recovered", file=Path(done.backup).name, count=done.replayed,
                               lost=done.unreadable, damaged=Path(done.damaged_copy).name))
    return True
