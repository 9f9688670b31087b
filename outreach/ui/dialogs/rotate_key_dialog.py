"""Team → Change the team key…: one guided screen with two ways in.

- **This is the lead's laptop**: what it does, the grace date, the passphrase, a confirmation box over
  ``outreach.sync.rotation.rotate_key``.
- **I am the lead on a new laptop, with the recovery file** (the lead's laptop is lost; this laptop is
  in no team yet): the recovery file, the workers' uplinks, the grace date, this laptop's passphrase,
  the confirmation, over ``outreach.sync.lead_recovery.recover_lead``.

Which way is open follows this laptop's state (read on the database thread when the screen opens);
the work runs on the database thread too.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.storage.tables import SYNCED_TABLES
from outreach.sync.keys import DEFAULT_KDF

KDF = DEFAULT_KDF   # tests use FAST_KDF_FOR_TESTS
ROTATE, RECOVER = 0, 1
RECOVER_CHANGES = frozenset(SYNCED_TABLES) | {"sync", "merge_conflict", "duplicate_proposal"}  # as an import


def rotate_job(store, passphrase: str, until: date, new_recovery: str | None = None) -> str:
    from pathlib import Path

    from outreach.sync.rotation import rotate_key

    rotate_key(store, passphrase, until, kdf=KDF, new_recovery=Path(new_recovery) if new_recovery else None)
    return until.isoformat()


def state_job(store) -> str:
    """'lead', 'member' or 'none' (in no team: maybe the lead's new laptop)."""
    from outreach.sync import team as T

    with store.connect() as conn:
        team = T.get_team(conn)
    return "none" if team is None else ("lead" if team.is_lead else "member")


def recover_job(store, identity: str, uplinks: list[str], passphrase: str, until: date) -> dict:
    from pathlib import Path

    from outreach.sync import lead_recovery
    from outreach.sync.transport import expand_paths

    if not identity:
        raise OutreachError("ll.error.no_identity")
    result = lead_recovery.recover_lead(store, lead_recovery.read_identity_file(Path(identity)),
                                        expand_paths(Path(p) for p in uplinks), passphrase, until, kdf=KDF)
    return {"team": result.team.name or result.team.team_id[:8], "members": list(result.members),
            "until": until.isoformat(), "imports": [r.text() for r in result.imports],
            "skipped": [m.text() for m in result.skipped]}


class RotateKeyDialog(QDialog):
    sig_rotated = Signal(str)
    sig_recovered = Signal(str)     # the team's name

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        from outreach.sync.rotation import today
        from outreach.ui.widgets import ErrorLabel

        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("rot.dialog.title"))
        self.mode_rotate = QRadioButton(tr("ll.dialog.mode_rotate"), self)
        self.mode_recover = QRadioButton(tr("ll.dialog.mode_recover"), self)
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.mode_rotate, ROTATE)
        self.modes.addButton(self.mode_recover, RECOVER)
        self.mode_rotate.setChecked(True)
        self.explain = QLabel(tr("ll.dialog.explain_rotate"), self)
        self.explain.setWordWrap(True)
        self.explain_recover = QLabel(tr("ll.dialog.explain"), self)
        self.explain_recover.setWordWrap(True)

        # the recovery part
        extra = QWidget(self)
        self.identity = QLineEdit(extra)
        self.identity.setPlaceholderText("recovery-identity.txt")
        choose_identity = QPushButton(tr("ll.dialog.choose"), extra)
        choose_identity.clicked.connect(self._choose_identity)
        self.uplinks = QListWidget(extra)
        self.uplinks.setMaximumHeight(80)
        self.uplinks.setTextElideMode(Qt.TextElideMode.ElideMiddle)   # the file name stays readable
        self.uplinks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        add_uplinks = QPushButton(tr("ll.dialog.add_uplinks"), extra)
        add_uplinks.clicked.connect(self._choose_uplinks)
        row = QHBoxLayout()
        row.addWidget(self.identity, 1)
        row.addWidget(choose_identity)
        row2 = QVBoxLayout()
        row2.addWidget(self.uplinks)
        row2.addWidget(add_uplinks)
        recover_form = QFormLayout(extra)
        recover_form.setContentsMargins(0, 0, 0, 0)
        recover_form.addRow(tr("ll.dialog.identity"), row)
        recover_form.addRow(tr("ll.dialog.uplinks"), row2)

        self.new_recovery = QCheckBox(tr("ll.dialog.new_recovery"), self)
        self.recovery_path = ""        # where the new recovery file goes (asked when rotating)
        # (shown or hidden by the way in: a hidden widget takes no room, unlike a stacked page)
        self.per_mode = ((self.explain, self.new_recovery), (self.explain_recover, extra))

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
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.error = ErrorLabel(self)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(tr("rot.dialog.rotate"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel = self.buttons.addButton(tr("rot.dialog.cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setEnabled(False)
        self.confirm.toggled.connect(self._ready)
        self.passphrase.textChanged.connect(self._ready)
        self.identity.textChanged.connect(self._ready)
        self.modes.idToggled.connect(self._mode)
        self.buttons.accepted.connect(self.go)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("rot.dialog.grace"), self.grace)
        form.addRow(tr("rot.dialog.passphrase"), self.passphrase)
        self.inputs = QWidget(self)     # hidden once the new laptop has taken over: the outcome stays
        top = QVBoxLayout(self.inputs)
        top.setContentsMargins(0, 0, 0, 0)
        for widget in (self.mode_rotate, self.mode_recover, self.explain, self.explain_recover,
                       self.new_recovery, extra):
            top.addWidget(widget)
        top.addLayout(form)
        top.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(self.inputs)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(620, 360)
        self._mode(ROTATE, True)
        self.ctx.runner.query(state_job, owner=self, on_done=self._state, on_error=self._failed)

    # ----------------------------------------------------------------- state
    @property
    def mode(self) -> int:
        return self.modes.checkedId()

    def _state(self, state: str) -> None:
        """Only the way that fits this laptop is open: the lead rotates, a laptop in no team recovers."""
        self.mode_rotate.setEnabled(state == "lead")
        self.mode_recover.setEnabled(state == "none")
        (self.mode_recover if state == "none" else self.mode_rotate).setChecked(True)
        self._mode(self.mode, True)

    def _mode(self, mode: int, checked: bool) -> None:
        if not checked:
            return
        for way, widgets in enumerate(self.per_mode):
            for widget in widgets:
                widget.setVisible(way == mode)
        self.ok.setText(tr("ll.dialog.take_over" if mode == RECOVER else "rot.dialog.rotate"))
        self.ok.setMinimumWidth(self.ok.sizeHint().width())   # the longer text is not cut
        self.confirm.setText(tr("ll.dialog.confirm" if mode == RECOVER else "rot.dialog.confirm"))
        self._ready()

    def _ready(self, *_args) -> None:
        ready = self.confirm.isChecked() and bool(self.passphrase.text())
        if self.mode == RECOVER:
            ready = ready and bool(self.identity.text().strip()) and self.uplinks.count() > 0
        self.ok.setEnabled(ready)

    def _failed(self, exc: BaseException) -> None:
        self._ready()
        if isinstance(exc, OutreachError):
            self.error.show_message(exc.message())
        else:
            self.ctx.runner.show_error(exc)

    # ----------------------------------------------------------------- files
    def _choose_identity(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, tr("ll.dialog.identity"), "", tr("ll.dialog.identity_filter"))
        if path:
            self.identity.setText(path)

    def _choose_uplinks(self) -> None:
        paths, _f = QFileDialog.getOpenFileNames(self, tr("ll.dialog.uplinks"), "", tr("ll.handover.filter"))
        self.add_uplinks(paths)

    def add_uplinks(self, paths: list[str]) -> None:
        known = {self.uplinks.item(i).text() for i in range(self.uplinks.count())}
        for p in paths:
            if p and p not in known:
                self.uplinks.addItem(p)
        self._ready()

    # ----------------------------------------------------------------- doing it
    def go(self) -> None:
        self.error.show_message("")
        until = self.grace.date().toPython()
        self.ok.setEnabled(False)
        if self.mode == RECOVER:
            uplinks = [self.uplinks.item(i).text() for i in range(self.uplinks.count())]
            self.ctx.runner.op(recover_job, self.identity.text().strip(), uplinks, self.passphrase.text(), until,
                               changes=RECOVER_CHANGES, owner=self, on_done=self._recovered,
                               on_error=self._failed)
            return

        target = None
        if self.new_recovery.isChecked():
            if not self.recovery_path:
                self.recovery_path, _f = QFileDialog.getSaveFileName(
                    self, tr("ll.dialog.new_recovery"), "recovery-identity.txt", tr("ll.dialog.identity_filter"))
            if not self.recovery_path:
                self._ready()
                return
            target = self.recovery_path

        def done(day: str) -> None:
            lines = [tr("rot.cli.rotated", date=day)]
            if target:
                lines.append(tr("ll.cli.new_recovery_written", path=target))
            self.status.setText("\n".join(lines))
            self.passphrase.clear()
            self.sig_rotated.emit(day)

        self.ctx.runner.query(rotate_job, self.passphrase.text(), until, target, owner=self, on_done=done,
                              on_error=self._failed)

    rotate = go   # the name the menu's tests knew

    def _recovered(self, result: dict) -> None:
        self.passphrase.clear()
        self.inputs.hide()
        self.ok.hide()
        self.cancel.setText(tr("ll.handover.close"))
        self.status.setText("\n".join([tr("ll.cli.done", team=result["team"], date=result["until"]),
                                       tr("ll.cli.members", names="、".join(result["members"])),
                                       *result["skipped"], tr("ll.dialog.next")]))
        self.sig_recovered.emit(result["team"])
