"""The app lock (issue 13): the passphrase at start, a passphrase chosen on the first run, and the
lock screen after a while without use (``IdleLock``) that hides every window with personal data.

A wrong passphrase gives one translated line in the dialog; nothing is opened or created. After
repeated failures the delay of ``crypto_store`` applies (the dialog says how long to wait).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
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
from outreach.storage import crypto_store
from outreach.storage.paths import DB_FILENAME

DEFAULT_IDLE_MINUTES = 10
IDLE_SETTING = "lock_idle_minutes"
DEMO_PASSPHRASE = "演示数据-demo-2026"   # documented in README: the demo's data are not secret


class LockDialog(QDialog):
    """``mode``: "unlock" (start), "create" (first run: choose one), "idle" (the lock screen)."""

    def __init__(self, directory: Path, mode: str = "unlock", parent: QWidget | None = None,
                 demo: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("LockDialog")
        self.directory, self.mode = Path(directory), mode
        self.key: bytes | None = None
        self.passphrase = ""
        creating = mode == "create"
        self.setWindowTitle(tr("sec.lock.first_title" if creating else "sec.lock.title"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr({"create": "sec.lock.first", "idle": "sec.lock.idle"}.get(mode, "sec.lock.prompt")), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if demo:
            hint = QLabel(tr("sec.lock.demo_hint", passphrase=DEMO_PASSPHRASE), self)
            hint.setObjectName("demo_hint")
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(hint)
        form = QFormLayout()
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setObjectName("passphrase")
        form.addRow(tr("sec.lock.passphrase"), self.field)
        self.repeat = QLineEdit(self)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setObjectName("repeat")
        if creating:
            form.addRow(tr("sec.lock.repeat"), self.repeat)
        else:
            self.repeat.hide()
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(tr("sec.lock.create" if creating else "sec.lock.unlock"),
                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit = buttons.addButton(tr("sec.lock.quit"), QDialogButtonBox.ButtonRole.RejectRole)
        if not creating:   # forgot it: the lead's recovery file opens the data (outreach unlock)
            self.forgot = buttons.addButton(tr("wo.recover.link"), QDialogButtonBox.ButtonRole.HelpRole)
            self.forgot.setObjectName("forgot")
            self.forgot.clicked.connect(self.use_recovery)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def use_recovery(self) -> None:
        from outreach.ui.dialogs.recovery_unlock_dialog import open_with_recovery

        key = open_with_recovery(self.directory, self)
        if key is not None:
            self.key = key
            self.message.clear()
            self.accept()

    def try_accept(self) -> None:
        text = self.field.text()
        try:
            if self.mode == "create":
                if text != self.repeat.text():
                    raise OutreachError("sec.error.mismatch")
                self.key = crypto_store.create_keyfile(self.directory, text)
            else:
                self.key = crypto_store.unlock(self.directory, text)
        except OutreachError as exc:
            self.message.setText(exc.message())
            self.field.selectAll()
            self.field.setFocus()
            return
        self.passphrase = text
        self.message.clear()
        self.accept()


def ask_at_start(directory: Path, *, demo: bool = False) -> bool:
    """Before the store opens: unlock (or choose the first passphrase). False when the user quits.
    ``OUTREACH_PASSPHRASE`` (scripts, tests) skips the dialog; ``--demo`` on a new folder uses the
    demo's documented passphrase."""
    import os

    if os.environ.get(crypto_store.PASSPHRASE_ENV) or crypto_store.cached_key(directory) is not None:
        return True
    new = not crypto_store.has_keyfile(directory)
    db_file = Path(directory) / DB_FILENAME
    if new and db_file.exists() and db_file.stat().st_size and not crypto_store.is_plain_sqlite(db_file):
        # encrypted data without its key file: never write a new key beside them (the CLI's words)
        show_open_error(OutreachError("sec.error.keyfile_missing", path=str(crypto_store.keyfile_path(directory))))
        return False
    if demo and new:
        crypto_store.create_keyfile(directory, DEMO_PASSPHRASE)
        return True
    if demo and crypto_store.try_passphrase(directory, DEMO_PASSPHRASE):
        return True   # the demo folder still has the demo's public passphrase
    dialog = LockDialog(directory, "create" if new else "unlock", demo=demo)
    return dialog.exec() == QDialog.DialogCode.Accepted


class IdleLock(QObject):
    """After ``minutes`` without keyboard or mouse input, every visible window is hidden behind the
    lock screen; the right passphrase shows them again. ``lock_now()`` does it at once (File menu)."""

    sig_locked = Signal()
    sig_unlocked = Signal()
    _INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel}

    def __init__(self, directory: Path, minutes: float = DEFAULT_IDLE_MINUTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.directory = Path(directory)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.lock_now)
        self.locked = False
        self.dialog: LockDialog | None = None
        self._hidden: list[QWidget] = []
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if not self.locked and event.type() in self._INPUT:
            self.timer.start()
        return False

    def lock_now(self) -> None:
        if self.locked:
            return
        self.locked = True
        self._hidden = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not self.dialog]
        for w in self._hidden:
            w.hide()
        self.sig_locked.emit()
        self.dialog = LockDialog(self.directory, "idle")
        self.dialog.accepted.connect(self._unlocked)
        self.dialog.rejected.connect(QApplication.quit)
        self.dialog.open()

    def _unlocked(self) -> None:
        self.locked = False
        for w in self._hidden:
            w.show()
        self._hidden = []
        self.dialog = None
        self.sig_unlocked.emit()
        self.timer.start()


def idle_minutes(store) -> float:
    """The idle time before the lock screen (setting ``lock_idle_minutes``, default 10)."""
    try:
        return max(0.5, float(store.get_setting(IDLE_SETTING) or DEFAULT_IDLE_MINUTES))
    except ValueError:
        return DEFAULT_IDLE_MINUTES


def start_backup(store) -> str | None:
    """The daily encrypted backup at start; a folder that cannot be written (a USB stick not plugged
    in) is logged and its reason returned for the window to show, never a reason not to start."""
    import logging

    from outreach.services import backups

    try:
        backups.backup_if_due(store)
    except OutreachError as exc:
        logging.getLogger("outreach.ui").warning("no backup at start: %s", exc.message("en"))
        return exc.message()
    return None


def show_open_error(exc: OutreachError) -> None:
    """The store could not be opened (damaged, key file missing …): the one translated line in a
    message box as well — a worker who started the app from the desktop has no terminal to read."""
    from PySide6.QtWidgets import QMessageBox

    text = exc.message()
    if exc.key == "sec.error.corrupt":   # the recovery was offered (and not taken): the window's way, not the CLI's
        text = tr("wo.recover_store.not_now", path=exc.params.get("path", ""), button=tr("wo.recover_store.button"))
    box = QMessageBox(QMessageBox.Icon.Critical, tr("sec.open_failed"), text)
    box.setObjectName("OpenError")
    box.exec()
