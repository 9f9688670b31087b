"""Team set-up and joining, one guided flow each (QWizard), and the recovery identity export.

Create a team (the lead): name → passphrase (twice) → created; then write an invite for each worker
and export the recovery identity, with a plain word on why and where to keep it.
Join a team (a worker): the invite file from the lead → a passphrase and where to save the request →
the request written, the fingerprint to read aloud with the lead, and the team's villages (carried by
the invite) ready to pick.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.sync import team as T
from outreach.sync.keys import DEFAULT_KDF, passphrase_weakness
from outreach.ui.widgets import ErrorLabel

KDF = DEFAULT_KDF   # tests use FAST_KDF_FOR_TESTS
MIN_PASSPHRASE = 8


# --------------------------------------------------------------------------- jobs (database thread)
def create_team_job(store, name: str, passphrase: str) -> str:
    T.create_team(store, passphrase, name=name, kdf=KDF)
    return name


def join_team_job(store, invite: str, request: str, passphrase: str) -> tuple[str, int]:
    from outreach.inputfiles import read_capped
    from outreach.safefiles import write_atomic
    from outreach.services.areas import all_areas

    invite_bytes = read_capped(invite, T.MAX_SMALL_FILE, what="invite")
    # the request is written inside the join (atomically): if it cannot be, the laptop has not joined
    _data, fingerprint = T.join_team(store, invite_bytes, passphrase, kdf=KDF,
                                     deliver=lambda data: write_atomic(request, data))
    return fingerprint, sum(1 for a in all_areas(store) if a.level == "village")


def write_invite_job(store, path: str, passphrase: str | None = None, ring=None) -> str:
    """The invite, signed and carrying the team's villages, directory and profile when the keys are
    given (``passphrase`` or an unlocked ``ring``)."""
    from outreach.safefiles import atomic_output

    data = T.make_invite(store, passphrase=passphrase, ring=ring)
    with atomic_output(path) as fh:
        fh.write(data)
    return path


def recovery_job(store, passphrase: str, path: str) -> str:
    return T.export_recovery(store, passphrase, Path(path))


def has_keys_job(store) -> bool:
    return T.has_keys(store)


def _password(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class _BusyPage(QWizardPage):
    """A page whose Next runs a job first: Next is refused until the job succeeded."""

    def __init__(self, wizard: _TeamWizard) -> None:
        super().__init__()
        self.w = wizard
        self.done = False
        self.error = ErrorLabel(self)

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self.done:
            return True
        message = self.check()
        self.error.show_message(message)
        if not message and not self.w.busy:
            self.w.busy = True
            self.start()
        return False

    def check(self) -> str:
        return ""

    def start(self) -> None:
        raise NotImplementedError

    def succeeded(self) -> None:
        self.w.busy = False
        self.done = True
        self.error.show_message("")
        self.w.next()

    def failed(self, exc: BaseException) -> None:
        self.w.busy = False
        if isinstance(exc, OutreachError):
            self.error.show_message(exc.message())
        else:
            self.w.ctx.runner.show_error(exc)


class _TeamWizard(QWizard):
    sig_done = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)  # done is done: nothing to undo
        self.resize(640, 480)

    def texts(self) -> None:
        self.setButtonText(QWizard.WizardButton.NextButton, tr("ui.dayone.wizard.next"))
        self.setButtonText(QWizard.WizardButton.BackButton, tr("ui.dayone.wizard.back"))
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("ui.dayone.wizard.finish"))
        self.setButtonText(QWizard.WizardButton.CancelButton, tr("ui.action.cancel"))

    def done(self, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            self.sig_done.emit()
        super().done(result)


# --------------------------------------------------------------------------- create a team
class _NamePage(_BusyPage):
    def __init__(self, wizard: CreateTeamWizard) -> None:
        super().__init__(wizard)
        self.setTitle(tr("ui.dayone.create.title"))
        intro = _label(self)
        intro.setText(tr("ui.dayone.create.intro"))
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(tr("ui.dayone.create.name_hint"))
        self.passphrase = _password(self)
        self.again = _password(self)
        note = _label(self)
        note.setText(tr("ui.dayone.passphrase_note"))
        form = QFormLayout()
        form.addRow(tr("ui.dayone.create.name"), self.name)
        form.addRow(tr("ui.dayone.passphrase"), self.passphrase)
        form.addRow(tr("ui.dayone.passphrase_again"), self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)

    def check(self) -> str:
        return _passphrase_problem(self.passphrase.text(), self.again.text(), new=True) or (
            "" if self.name.text().strip() else tr("ui.dayone.create.name_missing"))

    def start(self) -> None:
        self.w.passphrase = self.passphrase.text()
        self.w.ctx.runner.op(create_team_job, self.name.text().strip(), self.passphrase.text(), changes={"sync"},
                             owner=self, on_done=lambda _n: self.succeeded(), on_error=self.failed)


def _passphrase_problem(text: str, again: str, *, new: bool) -> str:
    if new and (weak := passphrase_weakness(text)):  # zxcvbn, explained in the user's language
        return weak
    if new and text != again:
        return tr("sync.error.passphrase_mismatch")
    if not text:
        return tr("ui.dayone.passphrase_missing")
    return ""


class RecoveryPanel(QWidget):
    """Why the recovery identity matters, where to keep it, and the button that writes it."""

    sig_written = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None, *, passphrase: str = "") -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.why = _label(self)
        self.why.setText(tr("ui.dayone.recovery.why"))
        self.passphrase = _password(self)
        self.passphrase.setText(passphrase)
        self.passphrase_label = QLabel(tr("ui.dayone.passphrase"), self)
        self.passphrase.setVisible(not passphrase)
        self.passphrase_label.setVisible(not passphrase)
        self.button = QPushButton(tr("ui.dayone.action.recovery"), self)
        self.button.clicked.connect(self._choose)
        self.status = _label(self)
        self.error = ErrorLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.passphrase_label)
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.button)
        if passphrase:
            row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.why)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.error)

    def export_to(self, path: str) -> None:
        self.error.show_message("")

        def done(public: str) -> None:
            self.status.setText(tr("ui.dayone.recovery.written", path=path))
            self.sig_written.emit(path)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, OutreachError):
                self.error.show_message(exc.message())
            else:
                self.ctx.runner.show_error(exc)

        self.ctx.runner.query(recovery_job, self.passphrase.text(), path, owner=self, on_done=done, on_error=failed)

    def _choose(self) -> None:
        if not self.passphrase.text():
            self.error.show_message(tr("ui.dayone.passphrase_missing"))
            return
        path, _f = QFileDialog.getSaveFileName(self, tr("ui.dayone.recovery.title"), "outreach-recovery.age",
                                               tr("ui.dayone.recovery.filter"))
        if path:
            self.export_to(path)


class _CreatedPage(QWizardPage):
    def __init__(self, wizard: CreateTeamWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(tr("ui.dayone.create.done_title"))
        self.text = _label(self)
        self.text.setText(tr("ui.dayone.create.done"))
        self.recovery: RecoveryPanel | None = None
        self.invite_button = QPushButton(tr("ui.dayone.create.invite"), self)
        self.invite_button.clicked.connect(self._choose_invite)
        self.invite_status = _label(self)
        self.lay = QVBoxLayout(self)
        self.lay.addWidget(self.text)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        if self.recovery is None:
            self.recovery = RecoveryPanel(self.w.ctx, self, passphrase=self.w.passphrase)
            self.lay.addWidget(self.recovery)
            row = QHBoxLayout()
            row.addWidget(self.invite_button)
            row.addStretch(1)
            self.lay.addLayout(row)
            self.lay.addWidget(self.invite_status)
            self.lay.addStretch(1)

    def write_invite(self, path: str) -> None:
        self.w.ctx.runner.query(write_invite_job, path, self.w.passphrase, owner=self,
                                on_done=lambda p: self.invite_status.setText(tr("sync.cli.invite_written", path=p)),
                                on_error=lambda e: self.invite_status.setText(
                                    e.message() if isinstance(e, OutreachError) else str(e)))

    def _choose_invite(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, tr("sync.ui.invite"), "team-invite.json", tr("sync.ui.json_filter"))
        if path:
            self.write_invite(path)


class CreateTeamWizard(_TeamWizard):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.passphrase = ""
        self.setWindowTitle(tr("sync.ui.create"))
        self.name_page = _NamePage(self)
        self.created_page = _CreatedPage(self)
        self.addPage(self.name_page)
        self.addPage(self.created_page)
        self.texts()


# --------------------------------------------------------------------------- join a team
class _InvitePage(_BusyPage):
    def __init__(self, wizard: JoinTeamWizard) -> None:
        super().__init__(wizard)
        self.setTitle(tr("ui.dayone.join.title"))
        intro = _label(self)
        intro.setText(tr("ui.dayone.join.intro"))
        self.invite = QLineEdit(self)
        browse = QPushButton(tr("ui.dayone.browse"), self)
        browse.clicked.connect(self._choose_invite)
        self.request = QLineEdit(self)
        self.passphrase = _password(self)
        self.again = _password(self)
        self.again_label = QLabel(tr("ui.dayone.passphrase_again"), self)
        self.note = _label(self)
        row = QHBoxLayout()
        row.addWidget(self.invite, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(tr("ui.dayone.join.invite"), row)
        form.addRow(tr("ui.dayone.join.request"), self.request)
        form.addRow(tr("ui.dayone.passphrase"), self.passphrase)
        form.addRow(self.again_label, self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        self.new_keys = True
        self.invite.textChanged.connect(self._suggest_request)
        wizard.ctx.runner.query(has_keys_job, owner=self, on_done=self._keys)

    def _keys(self, has: bool) -> None:
        self.new_keys = not has
        self.again.setVisible(self.new_keys)
        self.again_label.setVisible(self.new_keys)
        self.note.setText(tr("ui.dayone.passphrase_note" if self.new_keys else "ui.dayone.join.passphrase_old"))

    def _suggest_request(self, text: str) -> None:
        if text.strip():
            self.request.setText(str(Path(text.strip()).with_name("enrolment-request.json")))

    def _choose_invite(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, tr("ui.dayone.join.invite"), "", tr("sync.ui.json_filter"))
        if path:
            self.invite.setText(path)

    def check(self) -> str:
        if not self.invite.text().strip():
            return tr("ui.dayone.join.invite_missing")
        if not self.request.text().strip():
            return tr("ui.dayone.join.request_missing")
        return _passphrase_problem(self.passphrase.text(), self.again.text(), new=self.new_keys)

    def start(self) -> None:
        def done(result: tuple[str, int]) -> None:
            self.w.fingerprint, self.w.villages = result
            self.w.request_path = self.request.text().strip()
            self.succeeded()

        self.w.ctx.runner.op(join_team_job, self.invite.text().strip(), self.request.text().strip(),
                             self.passphrase.text(), changes={"sync", "area", "provider", "team_profile"},
                             owner=self, on_done=done, on_error=self.failed)


class _JoinedPage(QWizardPage):
    def __init__(self, wizard: JoinTeamWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(tr("ui.dayone.join.done_title"))
        self.text = _label(self)
        self.fingerprint = _label(self)
        self.fingerprint.setStyleSheet("font-size: 16pt; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.fingerprint)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.text.setText(tr("ui.dayone.join.done", path=self.w.request_path, villages=self.w.villages))
        self.fingerprint.setText(self.w.fingerprint)


class JoinTeamWizard(_TeamWizard):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.fingerprint = ""
        self.villages = 0
        self.request_path = ""
        self.setWindowTitle(tr("sync.ui.join"))
        self.invite_page = _InvitePage(self)
        self.addPage(self.invite_page)
        self.addPage(_JoinedPage(self))
        self.texts()


class RecoveryDialog(QDialog):
    """Team → Export recovery identity: the explanation, the passphrase, where to save it."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("ui.dayone.recovery.title"))
        self.panel = RecoveryPanel(ctx, self)
        close = QPushButton(tr("ui.dayone.close"), self)
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addStretch(1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(620, 220)


def open_dialog(dialog: QDialog) -> QDialog:
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
