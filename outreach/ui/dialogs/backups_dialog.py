"""File menu → Backups and restore, Change passphrase, Lock now (issue 13).

    SecurityMenu(window)   # adds the three actions to the File menu (before Quit), follows language

The backups dialog lists the encrypted backups (newest first, with what each holds), makes one now,
changes the folder (a USB stick) and restores the selected one after a preview and a confirmation;
the app then closes, to be opened again on the restored data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.services import backups, passphrase


def _preview(info: backups.BackupInfo) -> str:
    return tr("sec.backup.preview", file=Path(info.file).name, created_at=info.created_at, count=info.households,
              people=info.people, visits=info.visits, newest_visit=info.newest_visit or tr("sec.backup.no_visit"))


COLUMNS = ("when", "reason", "households", "people", "visits", "newest", "file")
REASONS = ("manual", "daily", "before-restore", "before-import", "before-merge", "before-upgrade")


def _local_time(iso: str) -> str:
    """2026-12-01T09:43:23+00:00 → 2026-12-01 17:43 on a laptop in China (the time on its clock)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _cells(info: backups.BackupInfo) -> list[str]:
    reason = tr(f"wo.backups.reason.{info.reason}") if info.reason in REASONS else info.reason
    name = Path(info.file).name
    if not info.ok:
        return [_local_time(info.created_at), reason, "", "", "", tr("wo.backups.unreadable"), name]
    return [_local_time(info.created_at), reason, str(info.households), str(info.people), str(info.visits),
            info.newest_visit or tr("sec.backup.no_visit"), name]


class BackupsDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BackupsDialog")
        self.ctx = ctx
        self.setWindowTitle(tr("sec.backups.title"))
        layout = QVBoxLayout(self)
        self.folder = QLabel(self)
        self.folder.setWordWrap(True)
        layout.addWidget(self.folder)
        self.table = QTableWidget(0, 1, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        layout.addWidget(self.table)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.create_button = QPushButton(tr("sec.backups.create"), self)
        self.restore_button = QPushButton(tr("sec.backups.restore"), self)
        self.folder_button = QPushButton(tr("sec.backups.choose_folder"), self)
        self.file_button = QPushButton(tr("wo.backups.from_file"), self)   # a copy kept elsewhere (USB stick)
        self.file_button.setObjectName("restore_from_file")
        for b in (self.create_button, self.restore_button, self.folder_button, self.file_button):
            row.addWidget(b)
        row.addStretch(1)
        close = QPushButton(tr("sec.backups.close"), self)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.create_button.clicked.connect(self.create_now)
        self.restore_button.clicked.connect(self.restore_selected)
        self.folder_button.clicked.connect(self.choose_folder)
        self.file_button.clicked.connect(self.restore_from_file)
        self.infos: list[backups.BackupInfo] = []
        self.resize(720, 420)
        self.reload()

    def reload(self) -> None:
        self.ctx.runner.query(lambda s: (backups.backup_dir(s), backups.infos(s)), on_done=self._show,
                              on_error=self._error, owner=self)

    def _show(self, result) -> None:
        folder, self.infos = result
        self.folder.setText(tr("sec.backups.folder", path=str(folder)))
        self.table.setRowCount(len(self.infos))
        self.table.setColumnCount(len(COLUMNS))   # one fact a column: nothing cut off at the right
        self.table.setHorizontalHeaderLabels([tr(f"wo.backups.col.{c}") for c in COLUMNS])
        for i, info in enumerate(self.infos):
            for j, text in enumerate(_cells(info)):
                item = QTableWidgetItem(text)
                item.setToolTip(info.file)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        if self.infos:
            self.table.selectRow(0)
        else:
            self.status.setText(tr("sec.backup.none"))
        self.restore_button.setEnabled(bool(self.infos))

    def _error(self, exc: BaseException) -> None:
        self.status.setText(exc.message() if isinstance(exc, OutreachError) else str(exc))

    def create_now(self) -> None:
        self.create_button.setEnabled(False)

        def done(info: backups.BackupInfo) -> None:
            self.create_button.setEnabled(True)
            self.status.setText(tr("sec.backup.created", file=info.file, count=info.households))
            self.reload()

        def make(store) -> backups.BackupInfo:
            return backups.inspect(backups.create(store), store.db_key)

        self.ctx.runner.query(make, on_done=done, on_error=self._error, owner=self)

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, tr("sec.backups.choose_folder"))
        if chosen:
            self.ctx.runner.query(lambda s: s.set_setting(backups.BACKUP_DIR_SETTING, chosen),
                                  on_done=lambda _r: self.reload(), on_error=self._error, owner=self)

    def selected(self) -> backups.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.infos[rows[0].row()] if rows else None

    def restore_from_file(self) -> None:
        """A backup file outside the backup folder (copied to a USB stick, or the stick mounted under
        another name): previewed and restored like one in the list, without moving the folder."""
        path, _ = QFileDialog.getOpenFileName(self, tr("wo.backups.from_file"), "", tr("wo.backups.filter"))
        if path:
            self.ctx.runner.query(lambda s: backups.inspect(Path(path), s.db_key), on_done=self.confirm_restore,
                                  on_error=self._error, owner=self)

    def restore_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        self.confirm_restore(info)

    def confirm_restore(self, info: backups.BackupInfo) -> None:
        answer = QMessageBox.question(self, tr("sec.backups.confirm_title"),
                                      _preview(info) + "\n\n" + tr("sec.backup.confirm").rstrip(":："))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.ctx.runner.query(lambda s: backups.restore(s, Path(info.file)), on_done=self._restored,
                              on_error=self._error, owner=self)

    def _restored(self, _result) -> None:
        QMessageBox.information(self, tr("sec.backups.title"), tr("sec.backups.restart"))
        QApplication.quit()


class ChangePassphraseDialog(QDialog):
    def __init__(self, directory: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChangePassphraseDialog")
        self.directory = Path(directory)
        self.setWindowTitle(tr("sec.change.title"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.old, self.new, self.repeat = (QLineEdit(self) for _ in range(3))
        for field, label in ((self.old, "sec.change.old"), (self.new, "sec.change.new"), (self.repeat, "sec.lock.repeat")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(tr(label), field)
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton(tr("sec.change.ok"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def try_accept(self) -> None:
        old, new = self.old.text(), self.new.text()
        try:
            if new != self.repeat.text():
                raise OutreachError("sec.error.mismatch")
            both = passphrase.change(self.directory, old, new)
        except OutreachError as exc:
            self.message.setText(exc.message())
            return
        self.accept()
        # said, not assumed: the next start (and the Sync screen) asks for the new one
        QMessageBox.information(self.parentWidget() or self, tr("sec.change.title"),
                                tr("wo.passphrase.changed_both" if both else "sec.passphrase_changed"))


class SecurityMenu:
    def __init__(self, window: QMainWindow) -> None:
        from PySide6.QtGui import QAction

        self.window = window
        ctx = window.ctx
        self.directory = Path(ctx.store.path).parent if ctx.store.path else None
        file_menu = window.menus["file"]
        quit_action = window.actions_by_name["quit"]
        self.actions = {name: QAction(window) for name in ("lock", "backups", "passphrase")}
        for name, action in self.actions.items():
            action.setObjectName(f"sec_{name}")
            file_menu.insertAction(quit_action, action)
            action.setEnabled(self.directory is not None)
        file_menu.insertSeparator(quit_action)
        self.actions["lock"].setShortcut("Ctrl+L")
        self.actions["lock"].triggered.connect(self.lock_now)
        self.actions["backups"].triggered.connect(self.open_backups)
        self.actions["passphrase"].triggered.connect(self.change_passphrase)
        ctx.language.sig_changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        for name, action in self.actions.items():
            action.setText(tr(f"sec.menu.{name}"))

    def lock_now(self) -> None:
        lock = getattr(self.window, "idle_lock", None)
        if lock is not None:
            lock.lock_now()

    def open_backups(self) -> None:
        self.backups_dialog = BackupsDialog(self.window.ctx, self.window)
        self.backups_dialog.open()

    def change_passphrase(self) -> None:
        if self.directory is None:
            return
        self.passphrase_dialog = ChangePassphraseDialog(self.directory, self.window)
        self.passphrase_dialog.open()


def confirm_unredacted(parent: QWidget) -> str | None:
    """Before an unredacted export: None to stop, "" for a plain file, or the passphrase of an
    encrypted zip (typed twice) — the recommended choice (issue 13)."""
    box = QMessageBox(QMessageBox.Icon.Warning, tr("sec.export.confirm_title"), tr("sec.export.confirm"),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("ConfirmUnredacted")
    encrypted = box.addButton(tr("sec.export.encrypt"), QMessageBox.ButtonRole.AcceptRole)
    plain = box.addButton(tr("sec.export.plain"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(encrypted)
    box.exec()
    if box.clickedButton() is plain:
        return ""
    if box.clickedButton() is not encrypted:
        return None
    dialog = ZipPassphraseDialog(parent)
    return dialog.passphrase if dialog.exec() == QDialog.DialogCode.Accepted else None


class ZipPassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ZipPassphraseDialog")
        self.setWindowTitle(tr("sec.export.confirm_title"))
        self.passphrase = ""
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.first, self.second = QLineEdit(self), QLineEdit(self)
        for field, label in ((self.first, "sec.export.passphrase"), (self.second, "sec.lock.repeat")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(tr(label), field)
        layout.addLayout(form)
        hint = QLabel(tr("sec.prompt.export"), self)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.message = QLabel("", self)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def try_accept(self) -> None:
        from outreach.reports.sealed import MIN_EXPORT_PASSPHRASE

        text = self.first.text()
        if text != self.second.text():
            self.message.setText(tr("sec.error.mismatch"))
        elif len(text) < MIN_EXPORT_PASSPHRASE:
            self.message.setText(tr("sec.error.export_passphrase_short", count=MIN_EXPORT_PASSPHRASE))
        else:
            self.passphrase = text
            self.accept()
