"""Team → Hand over this laptop…: one guided screen over ``outreach.sync.handover`` (issue 13).

    1. what will happen; the key passphrase; "Make the handover bundle…" (a folder: the USB stick)
    2. later: "Choose the lead's downlink…" — checked on the database thread; the wipe stays refused
       (with the reason) until it acknowledges the handover bundle
    3. "Wipe this laptop": the main window and its screens close, the database thread stops, the store
       closes, then ``handover.wipe`` erases the data folder; a final page says what is left, and
       closing it quits the app — the next start is a first run.

Reopened after step 1 (the handover bundle is recorded in the store), it starts at step 2.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr


# --------------------------------------------------------------------------- jobs (database thread)
def pending_job(store) -> dict | None:
    from outreach.sync import handover
    from outreach.sync import team as T

    with store.connect() as conn:
        team = T.require_team(conn)
    if team.is_lead:
        raise OutreachError("rot.handover.lead_cannot")
    return handover.pending(store)


def start_job(store, passphrase: str, folder: str) -> dict:
    from outreach.sync import handover
    from outreach.sync import team as T

    ring = T.unlock(store, passphrase)
    result = handover.start(store, ring, Path(folder))
    return {"path": str(result.path), "seq": result.seq, "changes": result.changes}


def acknowledge_job(store, passphrase: str, downlink: str) -> dict:
    """The lead's acknowledgement checked (nothing changes), and the receipt text for the wipe."""
    from outreach.sync import handover
    from outreach.sync import team as T

    ring = T.unlock(store, passphrase)
    acked = handover.check_acknowledged(store, ring, Path(downlink))
    wanted = handover.pending(store) or {}
    name = T.display_name(store.device.id, store.device.name, store.worker)
    receipt = tr("rot.handover.receipt", device=name, code=store.device.code, seq=wanted.get("seq", acked),
                 acked=acked, when=datetime.now(UTC).isoformat(timespec="minutes"))
    return {"acked": acked, "seq": wanted.get("seq", acked), "receipt": receipt}


def _label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class HandoverDialog(QDialog):
    sig_written = Signal(str)     # the handover bundle's path
    sig_acknowledged = Signal(int)
    sig_wiped = Signal(str)       # the receipt's path

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        from outreach.ui.widgets import ErrorLabel

        super().__init__(parent)
        self.ctx = ctx
        self.acknowledged: dict | None = None
        self.quit_app = QApplication.quit        # tests replace it
        self.setWindowTitle(tr("ll.handover.title"))
        self.pages = QStackedWidget(self)

        # page 1: explain and make the bundle
        first = QWidget(self)
        self.explain = _label(tr("ll.handover.explain"), first)
        self.passphrase = QLineEdit(first)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(tr("ll.handover.passphrase_hint"))
        self.make = QPushButton(tr("ll.handover.make"), first)
        self.make.clicked.connect(self._choose_folder)
        form = QFormLayout()
        form.addRow(tr("rot.dialog.passphrase"), self.passphrase)
        lay = QVBoxLayout(first)
        lay.addWidget(self.explain)
        lay.addLayout(form)
        lay.addWidget(self.make, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        self.pages.addWidget(first)

        # page 2: the lead's acknowledgement, then the wipe
        second = QWidget(self)
        self.written = _label("", second)
        self.step2 = _label(tr("ll.handover.step2"), second)
        self.passphrase2 = QLineEdit(second)
        self.passphrase2.setEchoMode(QLineEdit.EchoMode.Password)
        self.choose_ack = QPushButton(tr("ll.handover.choose_ack"), second)
        self.choose_ack.clicked.connect(self._choose_downlink)
        self.ack_status = _label(tr("ll.handover.waiting"), second)
        self.understand = QCheckBox(tr("ll.handover.understand"), second)
        self.wipe_button = QPushButton(tr("ll.handover.wipe"), second)
        self.wipe_button.setObjectName("dangerButton")
        self.wipe_button.setStyleSheet("QPushButton:enabled { color: #b3261e; font-weight: bold; }")
        self.wipe_button.setEnabled(False)
        self.wipe_button.clicked.connect(self.wipe)
        self.understand.toggled.connect(self._ready)
        form2 = QFormLayout()
        form2.addRow(tr("rot.dialog.passphrase"), self.passphrase2)
        row = QHBoxLayout()
        row.addWidget(self.understand, 1)
        row.addWidget(self.wipe_button)
        lay2 = QVBoxLayout(second)
        lay2.addWidget(self.written)
        lay2.addWidget(self.step2)
        lay2.addLayout(form2)
        lay2.addWidget(self.choose_ack, 0, Qt.AlignmentFlag.AlignLeft)
        lay2.addWidget(self.ack_status)
        lay2.addStretch(1)
        lay2.addLayout(row)
        self.pages.addWidget(second)

        # page 3: done
        third = QWidget(self)
        self.done_text = _label("", third)
        self.close_button = QPushButton(tr("ll.handover.quit"), third)
        self.close_button.clicked.connect(self._finish)
        lay3 = QVBoxLayout(third)
        lay3.addWidget(self.done_text)
        lay3.addStretch(1)
        lay3.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.pages.addWidget(third)

        self.status = _label("", self)
        self.error = ErrorLabel(self)
        self.cancel = QPushButton(tr("rot.dialog.cancel"), self)
        self.cancel.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self.resize(620, 420)
        self.ctx.runner.query(pending_job, owner=self, on_done=self._pending, on_error=self._failed)

    # ----------------------------------------------------------------- state
    def _pending(self, pending: dict | None) -> None:
        if pending:
            self._show_step2(tr("ll.handover.made_earlier", seq=pending.get("seq", "?"),
                                file=pending.get("file", ""), at=str(pending.get("at", ""))[:16].replace("T", " ")))

    def _show_step2(self, text: str) -> None:
        self.written.setText(text)
        self.pages.setCurrentIndex(1)

    def _failed(self, exc: BaseException) -> None:
        self.make.setEnabled(True)
        self.choose_ack.setEnabled(True)
        if isinstance(exc, OutreachError):
            self.error.show_message(exc.message())
        else:
            self.ctx.runner.show_error(exc)

    def _ready(self, *_args) -> None:
        self.wipe_button.setEnabled(self.acknowledged is not None and self.understand.isChecked())

    # ----------------------------------------------------------------- step 1
    def _choose_folder(self) -> None:
        if not self.passphrase.text():
            self.error.show_message(tr("ui.dayone.passphrase_missing"))
            return
        folder = QFileDialog.getExistingDirectory(self, tr("ll.handover.make"))
        if folder:
            self.make_bundle_in(folder)

    def make_bundle_in(self, folder: str) -> None:
        self.error.show_message("")
        self.make.setEnabled(False)
        self.status.setText(tr("ll.handover.working"))

        def done(result: dict) -> None:
            self.status.setText("")
            self.passphrase2.setText(self.passphrase.text())
            self.passphrase.clear()
            self._show_step2(tr("ll.handover.written", path=result["path"], seq=result["seq"],
                                count=result["changes"]))
            self.sig_written.emit(result["path"])

        self.ctx.runner.query(start_job, self.passphrase.text(), folder, owner=self, on_done=done,
                              on_error=lambda e: (self.status.setText(""), self._failed(e)))

    # ----------------------------------------------------------------- step 2
    def _choose_downlink(self) -> None:
        if not self.passphrase2.text():
            self.error.show_message(tr("ui.dayone.passphrase_missing"))
            return
        path, _f = QFileDialog.getOpenFileName(self, tr("ll.handover.choose_ack"), "", tr("ll.handover.filter"))
        if path:
            self.read_acknowledgement(path)

    def read_acknowledgement(self, path: str) -> None:
        self.error.show_message("")
        self.acknowledged = None
        self._ready()
        self.choose_ack.setEnabled(False)

        def done(result: dict) -> None:
            self.choose_ack.setEnabled(True)
            self.acknowledged = result
            self.ack_status.setText(tr("ll.handover.acknowledged", seq=result["seq"]))
            self.ack_status.setStyleSheet("color: #1b5e20; font-weight: bold;")
            self._ready()
            self.sig_acknowledged.emit(result["acked"])

        def failed(exc: BaseException) -> None:
            self.ack_status.setText(tr("ll.handover.waiting"))
            self.ack_status.setStyleSheet("")
            self._failed(exc)

        self.ctx.runner.query(acknowledge_job, self.passphrase2.text(), path, owner=self, on_done=done,
                              on_error=failed)

    # ----------------------------------------------------------------- step 3
    def wipe(self) -> None:
        """Close every screen and the store, then erase. Refused without the acknowledgement."""
        from outreach.sync import handover

        if self.acknowledged is None:
            self.error.show_message(tr("ll.handover.refuse_wipe"))
            return
        if not self.understand.isChecked():
            return
        window = self.parent()
        if window is not None and hasattr(window, "close"):
            for dialog in window.findChildren(QDialog):
                if dialog is not self and dialog.isVisible():
                    dialog.reject()
            window.close()
            if window.isVisible():          # an open form with answers said no: nothing is wiped
                self.error.show_message(tr("ll.handover.close_first"))
                return
        ui_settings = getattr(self.ctx, "ui_settings", None)
        if ui_settings is not None and hasattr(ui_settings, "_qs"):
            ui_settings._qs.sync()           # the window's state is written now, never after the wipe
        lock = getattr(window, "idle_lock", None)
        if lock is not None and hasattr(lock, "timer"):   # no lock screen over a wiped laptop
            QApplication.instance().removeEventFilter(lock)
            lock.timer.stop()
        self.ctx.runner.shutdown()           # the database thread ends after the job in hand
        receipt = handover.wipe(self.ctx.store, receipt=self.acknowledged["receipt"])
        self._leftover_settings(ui_settings)
        self.cancel.hide()
        self.status.setText("")
        self.error.show_message("")
        self.done_text.setText(tr("ll.handover.done", path=str(receipt)))
        self.pages.setCurrentIndex(2)
        self.sig_wiped.emit(str(receipt))

    @staticmethod
    def _leftover_settings(ui_settings) -> None:
        """The window-state file is not personal, but the wipe leaves a clean folder: it is not written
        again (QSettings writes on destruction only when changed)."""
        if ui_settings is not None and hasattr(ui_settings, "_qs"):
            ui_settings._qs.clear()
            ui_settings._qs.sync()
            path = Path(ui_settings._qs.fileName())
            if path.name == "ui.ini" and path.exists():
                path.unlink()

    def _finish(self) -> None:
        self.accept()
        self.quit_app()

    def reject(self) -> None:
        if self.pages.currentIndex() == 2:     # after the wipe there is only the way out
            self._finish()
            return
        super().reject()
