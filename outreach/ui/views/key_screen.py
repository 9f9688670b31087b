"""What the Sync and County hub screens share, written once: the passphrase row (label, field, Unlock,
Lock on the Sync screen, the keys' state) and unlocking on the database thread, rows of buttons,
importing files with a cancellable progress dialog, and each file's result or export as a line of the
message log (MessageLog).

    class SyncView(KeyScreen, QWidget):
        def _unlock_job(self, passphrase): return unlock_keys, passphrase     # the job and its arguments
        ...
        keys = self._make_keys_row(lock=True)     # self.passphrase, self.unlock_button, self.key_state …
        actions = button_row(self.export_button, self.import_button)

The screen calls ``self._start(store, runner)`` first (store, runner, ring, state, title); it has
``self.log``, ``refresh()``, ``_update()`` and ``nobody_key`` (the line said when an export wrote no file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QWidget

from outreach.i18n import Msg, tr
from outreach.storage.tables import SYNCED_TABLES
from outreach.sync.keys import KeyRing
from outreach.sync.transport import expand_paths
from outreach.ui.views.message_log import MessageLog
from outreach.ui.workers import DbRunner, JobCancelled

CHANGES = frozenset(SYNCED_TABLES) | {"sync", "merge_conflict", "duplicate_proposal"}   # what an import touches


def make_button(parent: QWidget, slot: Callable, name: str = "") -> QPushButton:
    """A button whose click calls ``slot`` (its text comes with the screen's retranslate)."""
    button = QPushButton(parent)
    if name:
        button.setObjectName(name)
    button.clicked.connect(slot)
    return button


def button_row(*widgets: QWidget) -> QHBoxLayout:
    """The widgets side by side from the left, the rest of the width empty."""
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row


def ask_folder(parent: QWidget, title_key: str, then: Callable[[str], None]) -> None:
    """A folder chosen by the user goes to ``then`` (nothing happens when the dialog is cancelled)."""
    folder = QFileDialog.getExistingDirectory(parent, tr(title_key))
    if folder:
        then(folder)


def ask_file(parent: QWidget, title_key: str, then: Callable[[str], None], *, filter_key: str = "sync.ui.json_filter",
             save_as: str | None = None) -> None:
    """A file to open (or, with ``save_as``, to write: that name proposed) goes to ``then``."""
    if save_as is None:
        path, _ = QFileDialog.getOpenFileName(parent, tr(title_key), "", tr(filter_key))
    else:
        path, _ = QFileDialog.getSaveFileName(parent, tr(title_key), save_as, tr(filter_key))
    if path:
        then(path)


class KeyScreen(MessageLog):
    """Mixed into a QWidget before it (``class HubView(KeyScreen, QWidget)``)."""

    nobody_key = "sync.ui.nobody"
    lock_button: QPushButton | None = None

    def _start(self, store, runner: DbRunner | None) -> None:
        """The screen's store, database thread and title line (ScreenRunner), the keys locked, no
        state yet."""
        super()._start(store, runner)
        self.ring: KeyRing | None = None
        self.state: dict[str, Any] = {}

    # ----------------------------------------------------------------- keys
    def _make_keys_row(self, *, lock: bool = False) -> QHBoxLayout:
        self.passphrase_label = QLabel(self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.unlock)
        self.unlock_button = make_button(self, self.unlock)
        if lock:
            self.lock_button = make_button(self, self.lock)
        self.key_state = QLabel(self)
        return button_row(*(w for w in (self.passphrase_label, self.passphrase, self.unlock_button,
                                        self.lock_button, self.key_state) if w is not None))

    def _show_keys(self, needs_keys: bool) -> None:
        """The passphrase while the keys are locked, Lock once they are open, and which it is."""
        unlocked = self.ring is not None
        for w in (self.passphrase_label, self.passphrase, self.unlock_button):
            w.setVisible(needs_keys and not unlocked)
        if self.lock_button is not None:
            self.lock_button.setVisible(unlocked)
        self.key_state.setVisible(needs_keys)
        self.key_state.setText(tr("sync.ui.unlocked") if unlocked else tr("sync.ui.locked"))

    def _retranslate_keys(self) -> None:
        self.passphrase_label.setText(tr("sync.ui.passphrase"))
        self.unlock_button.setText(tr("sync.ui.unlock"))
        if self.lock_button is not None:
            self.lock_button.setText(tr("sync.ui.lock"))

    def _unlock_job(self, passphrase: str) -> tuple:
        """The job that opens this screen's keys and its arguments: ``(fn, passphrase, …)``."""
        raise NotImplementedError

    def unlock(self) -> None:
        text = self.passphrase.text()
        self.passphrase.clear()
        self.unlock_button.setEnabled(False)

        def done(ring: KeyRing) -> None:
            self.ring = ring
            self.unlock_button.setEnabled(True)
            self._update()

        def failed(exc: BaseException) -> None:
            self.unlock_button.setEnabled(True)
            self._say_error(exc)

        self.runner.query(*self._unlock_job(text), on_done=done, on_error=failed, owner=self)

    def lock(self) -> None:
        self.ring = None
        self._update()

    def _ask_new_passphrase(self, title: str) -> str | None:
        """A new passphrase typed twice; None if cancelled or the two differ (that is said)."""
        texts = []
        for key in ("sync.cli.passphrase_new", "sync.cli.passphrase_again"):
            text, ok = QInputDialog.getText(self, title, tr(key), QLineEdit.EchoMode.Password)
            if not ok:
                return None
            texts.append(text)
        if texts[0] != texts[1]:
            self._say(Msg("sync.error.passphrase_mismatch"), warn=True)
            return None
        return texts[0]

    # ----------------------------------------------------------------- files in, files out
    def import_with_progress(self, job: Callable, paths: list[str]) -> None:
        """``job(store, ring, files, sink, progress=…)`` on the database thread behind a cancellable
        progress dialog; one line per file, also for those done before a cancel."""
        if self.ring is None or not paths:
            return
        files = [str(p) for p in expand_paths([Path(p) for p in paths])]
        sink: list = []

        def stopped(exc: BaseException) -> None:
            self._show_results(sink)
            if isinstance(exc, JobCancelled):
                self._say(Msg("sync.ui.cancelled", {"done": len(sink), "total": len(files)}), warn=True)
            else:
                self._say_error(exc)

        self.runner.run_with_progress(job, self.ring, files, sink, title=tr("sync.ui.importing"), parent=self,
                                      changes=CHANGES, on_done=self._show_results, on_error=stopped)

    def _show_results(self, results: list) -> None:
        for r in results:
            self._say(Msg(f"sync.ui.line_{r.status}", {"file": Path(r.path).name, "message": r.text()}),
                      warn=not r.ok)
        if results:
            self.sig_imported.emit(results)
        self.refresh()

    def _say_exported(self, result) -> None:
        self._say(Msg("sync.cli.exported", {"path": str(result.path), "to": result.recipient_name,
                                            "seq": result.seq, "changes": result.changes,
                                            "count": result.changes}))

    def _exported(self, result) -> None:
        self._say_exported(result)
        self.refresh()

    def _exported_all(self, results: list) -> None:
        for r in results:
            self._say_exported(r)
        if not results:
            self._say(Msg(self.nobody_key), warn=True)
        self.refresh()
