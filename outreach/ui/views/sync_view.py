"""The sync screen: a worker exports her bundle and imports her downlink; the lead imports many bundles
at once (progress, cancel), sees each laptop's sync state and exports downlinks for every laptop.
Team set-up lives here too: create a team or join one with an invite file; the lead writes invites,
enrols a laptop after both read the same fingerprint aloud (choosing its villages) and revokes a lost one.

    view = SyncView(store, runner)        # the app passes its DbRunner (one database thread)

All work runs on the database thread. The keys are unlocked once with the passphrase (Argon2id takes
a moment, so that runs there too) and kept in memory only while the screen lives or until "Lock".
Each file's result is one clear line in the log, in the user's language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import Msg, tr
from outreach.inputfiles import read_capped
from outreach.safefiles import write_atomic
from outreach.sync import team as T
from outreach.sync import transport
from outreach.sync.keys import KeyRing
from outreach.ui.views.key_screen import KeyScreen, ask_file, ask_folder, button_row, make_button
from outreach.ui.views.sync_hub_row import HubRow
from outreach.ui.workers import DbRunner

COLUMNS = ("name", "worker", "villages", "status", "last", "when", "gaps", "conflicts")
_Index = QModelIndex | QPersistentModelIndex


# --------------------------------------------------------------------------- jobs (database thread)
def load_state(store) -> dict[str, Any]:
    return transport.status_report(store)


def unlock_keys(store, passphrase: str) -> KeyRing:
    return T.unlock(store, passphrase)


def import_job(store, ring: KeyRing, paths: list[str], sink: list, *, progress=None) -> list:
    """Import files one by one; ``sink`` gets each result as it is done (kept if the user cancels)."""
    return transport.import_bundles(store, ring, paths, progress=progress, on_result=sink.append)


def export_job(store, ring: KeyRing, folder: str, *, to: str | None = None, full: bool = False):
    return transport.export_bundle(store, ring, out=Path(folder), to=to, full=full)


def export_all_job(store, ring: KeyRing, folder: str, *, full: bool = False, progress=None):
    return transport.export_downlinks(store, ring, Path(folder), full=full, progress=progress)


def create_team_job(store, name: str, passphrase: str) -> KeyRing:
    T.create_team(store, passphrase, name=name)
    return T.unlock(store, passphrase)


def join_team_job(store, invite: str, request: str, passphrase: str) -> str:
    # written inside the join: a folder that is gone is said in words, no half-written file, not joined
    _data, fingerprint = T.join_team(store, read_capped(invite, T.MAX_SMALL_FILE, what="invite"), passphrase,
                                     deliver=lambda data: write_atomic(request, data))
    return fingerprint


def write_invite_job(store, path: str, ring: KeyRing | None = None) -> str:
    """With the unlocked keys the invite is signed and carries the team's reference data."""
    write_atomic(path, T.make_invite(store, ring=ring))
    return path


def read_request_job(store, path: str) -> tuple[T.EnrolmentRequest, list[tuple[str, str]]]:
    from outreach.services.areas import all_areas

    request = T.read_request(store, read_capped(path, T.MAX_SMALL_FILE, what="request"))
    return request, [(a.id, a.name) for a in all_areas(store) if a.level == "village"]


def enroll_job(store, request: T.EnrolmentRequest, villages: list[str]) -> T.Device:
    return T.enroll(store, request, villages=villages)


def villages_job(store) -> list[tuple[str, str]]:
    from outreach.services.areas import all_areas

    return [(a.id, a.name) for a in all_areas(store) if a.level == "village"]


def assign_job(store, device_id: str, villages: list[str]) -> T.Device:
    return T.set_villages(store, device_id, villages)


def revoke_job(store, device_id: str) -> T.Device:
    return T.revoke(store, device_id)


# --------------------------------------------------------------------------- the status table
class SyncStatusModel(QAbstractTableModel):
    """One row per device of the team: who, villages, state, last bundle, gaps, open conflicts."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.devices: list[dict[str, Any]] = []

    def set_devices(self, devices: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.devices = list(devices)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.devices)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(f"sync.ui.col.{COLUMNS[section]}")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.devices):
            return None
        d = self.devices[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(d, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "status" and d["status"] == "revoked":
                return QColor("#a33")
            if column == "gaps" and d["gaps"]:
                return QColor("#b60")
        if role == Qt.ItemDataRole.ToolTipRole and column == "name":
            return f"{d['device_id']}\n{tr('sync.ui.fingerprint', fingerprint=d['fingerprint'] or '—')}"
        if role == Qt.ItemDataRole.UserRole:
            return d["device_id"]
        return None

    @staticmethod
    def _text(d: dict[str, Any], column: str) -> str:
        last = d["last_bundle"]
        if column == "name":
            return tr("ui.punct.bracketed", text=d["name"], inner=tr("sync.role.lead")) if d["role"] == "lead" \
                else d["name"]
        if column == "worker":
            return d["worker"]
        if column == "villages":
            return _listed(d.get("village_names") or d["villages"]) or ("—" if d["role"] != "lead" else tr("sync.ui.all"))
        if column == "status":
            return tr(f"sync.status.{d['status']}")
        if column == "last":
            return f"#{last['seq']}" if last else "—"
        if column == "when":
            return (last["recorded_at"] or "")[:16].replace("T", " ") if last else "—"
        if column == "gaps":
            return ", ".join(f"#{n}" for n in d["gaps"])
        if column == "conflicts":
            return str(d["open_conflicts"] or "")
        return ""


def _listed(names) -> str:
    """Village names one after the other: 东坪村、石门村 in Chinese, "Dongping, Shimen" in English."""
    return tr("ui.punct.list_sep").join(names)


class _WizardContext:
    """What the team wizards need of the app context: the runner (this screen may run standalone)."""

    def __init__(self, runner: DbRunner) -> None:
        self.runner = runner


# --------------------------------------------------------------------------- the screen
class SyncView(KeyScreen, QWidget):
    """Export / import bundles and the team's sync state (standalone; the main window embeds it)."""

    sig_imported = Signal(object)     # list[ImportResult] after an import finished
    view_name = "sync"

    def __init__(self, store, runner: DbRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start(store, runner)
        self.fingerprint = QLabel(self)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        keys_row = self._make_keys_row(lock=True)

        self.export_button = make_button(self, self._choose_export)          # worker: my bundle
        self.import_button = make_button(self, self._choose_import)          # worker: downlink; lead: many bundles
        self.export_all_button = make_button(self, self._choose_export_all)  # lead: downlinks for every laptop
        self.refresh_button = make_button(self, self.refresh)
        self.create_button = make_button(self, self._choose_create)          # no team yet: become the lead …
        self.join_button = make_button(self, self._choose_join)              # … or join with an invite file
        self.invite_button = make_button(self, self._choose_invite)          # lead
        self.enroll_button = make_button(self, self._choose_enroll)          # lead
        self.revoke_button = make_button(self, self._confirm_revoke)         # lead: the selected laptop
        self.assign_button = make_button(self, self._choose_assign)          # lead: the selected laptop's villages
        self.recovery_button = make_button(self, self.open_recovery)         # lead: the recovery identity, explained
        self.hub_row = HubRow(self)                     # a lead in a county hub: send to / read from it

        self.model = SyncStatusModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Columns share the width (an empty table would otherwise squeeze every header to a few pixels).
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.log = QListWidget(self)
        self.log.setWordWrap(True)

        actions = button_row(self.export_button, self.import_button, self.export_all_button, self.refresh_button,
                             self.hub_row)
        team_row = button_row(self.create_button, self.join_button, self.invite_button, self.enroll_button,
                              self.assign_button, self.revoke_button, self.recovery_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.fingerprint)
        layout.addLayout(keys_row)
        layout.addLayout(actions)
        layout.addLayout(team_row)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.log, 1)
        self.retranslate()
        self.refresh()

    # ----------------------------------------------------------------- state
    @property
    def is_lead(self) -> bool:
        return self.state.get("role") == "lead"

    def refresh(self) -> None:
        self.runner.query(load_state, on_done=self._show_state, key="sync-state", owner=self)
        self.hub_row.refresh()

    def _show_state(self, state: dict[str, Any]) -> None:
        self.state = state
        self.model.set_devices(state.get("devices", []))
        self._update()

    def _update(self) -> None:
        s = self.state
        team = s.get("team")
        if team is None:
            self.title.setText(tr("sync.ui.no_team", device=s.get("device_name", "")))
        else:
            self.title.setText(tr("sync.ui.team_line", team=team["name"] or team["team_id"][:8],
                                  role=tr(f"sync.role.{s['role']}"), status=tr(f"sync.status.{s['status']}"),
                                  device=s["device_name"]))
        self.fingerprint.setText(tr("sync.ui.fingerprint", fingerprint=s["fingerprint"]) if s.get("fingerprint") else "")
        unlocked = self.ring is not None
        self._show_keys(team is not None)   # no team yet: no keys to speak of
        self.export_button.setVisible(team is not None and not self.is_lead)
        self.export_all_button.setVisible(self.is_lead)
        self.import_button.setVisible(team is not None)
        for w in (self.export_button, self.import_button, self.export_all_button):
            w.setEnabled(unlocked)
        self.import_button.setText(tr("sync.ui.import_many") if self.is_lead else tr("sync.ui.import_downlink"))
        self.create_button.setVisible(team is None)
        self.join_button.setVisible(team is None or s.get("status") == "pending")
        for w in (self.invite_button, self.enroll_button, self.assign_button, self.revoke_button, self.recovery_button):
            w.setVisible(self.is_lead)
        self.hub_row.update_state()

    def retranslate(self) -> None:
        self._retranslate_keys()
        self.export_button.setText(tr("sync.ui.export_mine"))
        self.export_all_button.setText(tr("sync.ui.export_all"))
        self.refresh_button.setText(tr("sync.ui.refresh"))
        self.create_button.setText(tr("sync.ui.create"))
        self.join_button.setText(tr("sync.ui.join"))
        self.invite_button.setText(tr("sync.ui.invite"))
        self.enroll_button.setText(tr("sync.ui.enroll"))
        self.revoke_button.setText(tr("sync.ui.revoke"))
        self.assign_button.setText(tr("ui.dayone.assign"))
        self.recovery_button.setText(tr("ui.dayone.action.recovery"))
        self.hub_row.retranslate()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self.state:
            self._update()

    # ----------------------------------------------------------------- keys
    def _unlock_job(self, passphrase: str) -> tuple:
        return unlock_keys, passphrase

    # ----------------------------------------------------------------- actions (paths given: testable)
    def import_files(self, paths: list[str]) -> None:
        """Import bundles with a cancellable progress dialog; one result line per file."""
        self.import_with_progress(import_job, paths)

    def export_mine(self, folder: str, *, full: bool = False) -> None:
        if self.ring is None:
            return
        self.runner.op(export_job, self.ring, folder, full=full, changes={"sync"},
                       on_done=self._exported, on_error=self._say_error, owner=self)

    def export_all(self, folder: str, *, full: bool = False) -> None:
        if self.ring is None:
            return
        self.runner.run_with_progress(export_all_job, self.ring, folder, full=full, title=tr("sync.ui.exporting"),
                                      parent=self, changes={"sync"}, on_done=self._exported_all,
                                      on_error=self._say_error)

    def _choose_import(self) -> None:
        if self.is_lead:
            paths, _ = QFileDialog.getOpenFileNames(self, tr("sync.ui.import_many"), "", tr("sync.ui.file_filter"))
        else:
            path, _ = QFileDialog.getOpenFileName(self, tr("sync.ui.import_downlink"), "", tr("sync.ui.file_filter"))
            paths = [path] if path else []
        self.import_files(paths)

    def _choose_export(self) -> None:
        ask_folder(self, "sync.ui.export_mine", self.export_mine)

    def _choose_export_all(self) -> None:
        ask_folder(self, "sync.ui.export_all", self.export_all)

    # ----------------------------------------------------------------- team (paths and answers given: testable)
    def create_team(self, name: str, passphrase: str) -> None:
        def done(ring: KeyRing) -> None:
            self.ring = ring
            self._say(Msg("sync.cli.created", {"team": name, "device": self.state.get("device_name", "")}))
            self._say(Msg("ui.dayone.recovery.hint"))
            self.refresh()

        self.runner.op(create_team_job, name, passphrase, changes={"sync"}, on_done=done,
                       on_error=self._say_error, owner=self)

    def join_team(self, invite: str, request: str, passphrase: str) -> None:
        def done(fingerprint: str) -> None:
            self._say(Msg("sync.cli.request_written", {"path": request}))
            self._say(Msg("sync.cli.fingerprint", {"fingerprint": fingerprint}))
            self.refresh()

        self.runner.op(join_team_job, invite, request, passphrase, changes={"sync"}, on_done=done,
                       on_error=self._say_error, owner=self)

    def write_invite(self, path: str) -> None:
        if self.ring is None:  # an invite without the keys would carry no villages, directory or profile
            self._say(Msg("ui.dayone.invite_unlock"), warn=True)
            return
        self.runner.query(write_invite_job, path, self.ring, owner=self, on_error=self._say_error,
                          on_done=lambda p: self._say(Msg("sync.cli.invite_written", {"path": p})))

    def enroll_from(self, path: str, confirm=None) -> None:
        """Read a request, show its fingerprint and the villages to choose (``confirm(request, villages)``
        returns the chosen codes, or None to stop), then enrol."""
        confirm = confirm or self._ask_enroll

        names: dict[str, str] = {}

        def got(result) -> None:
            request, villages = result
            names.update(villages)
            chosen = confirm(request, villages)
            if chosen is None:
                self._say(Msg("sync.cli.enroll_cancelled"))
                return
            self.runner.op(enroll_job, request, list(chosen), changes={"sync"}, owner=self,
                           on_done=enrolled, on_error=self._say_error)

        def enrolled(device: T.Device) -> None:  # the villages by name, as the lead picked them
            villages = _listed(names.get(v, v) for v in device.villages) or tr("sync.cli.no_villages")
            self._say(Msg("sync.cli.enrolled", {"device": device.display_name, "villages": villages}))
            self.refresh()

        self.runner.query(read_request_job, path, on_done=got, on_error=self._say_error, owner=self)

    def revoke(self, device_id: str) -> None:
        def done(device: T.Device) -> None:
            self._say(Msg("sync.cli.revoked", {"device": device.display_name, "id": device.device_id}))
            self.refresh()

        self.runner.op(revoke_job, device_id, changes={"sync"}, owner=self, on_done=done, on_error=self._say_error)

    def _open_wizard(self, cls):
        from outreach.ui.dialogs.team_wizard import open_dialog

        wizard = cls(_WizardContext(self.runner), self)
        wizard.sig_done.connect(self.refresh)
        return open_dialog(wizard)

    def _choose_create(self):
        """One guided flow: name and passphrase, then the recovery identity and the invites."""
        from outreach.ui.dialogs.team_wizard import CreateTeamWizard

        return self._open_wizard(CreateTeamWizard)

    def _choose_join(self):
        """One guided flow: the invite, the passphrase, the request and the fingerprint to compare."""
        from outreach.ui.dialogs.team_wizard import JoinTeamWizard

        return self._open_wizard(JoinTeamWizard)

    def open_recovery(self):
        from outreach.ui.dialogs.team_wizard import RecoveryDialog, open_dialog

        return open_dialog(RecoveryDialog(_WizardContext(self.runner), self))

    def _choose_invite(self) -> None:
        ask_file(self, "sync.ui.invite", self.write_invite, save_as="team-invite.json")

    def _choose_enroll(self) -> None:
        ask_file(self, "sync.ui.enroll", self.enroll_from)

    def _ask_enroll(self, request: T.EnrolmentRequest, villages: list[tuple[str, str]]) -> list[str] | None:
        from outreach.ui.views.village_picker import choose_villages

        return choose_villages(self, tr("sync.ui.enroll"), [
            tr("sync.cli.enroll_who", device=request.display_name, worker=request.worker, id=request.device_id),
            tr("sync.ui.compare", fingerprint=request.fingerprint), tr("sync.ui.choose_villages")], villages)

    def assign(self, device_id: str, villages: list[str], names: dict[str, str] | None = None) -> None:
        """The villages a laptop covers (``outreach team assign``), changed from the window; said by
        name (``names``: code → name, as the lead picked them), as the table and enrolment say them."""
        def done(device: T.Device) -> None:
            villages_text = _listed((names or {}).get(v, v) for v in device.villages) or tr("sync.cli.no_villages")
            self._say(Msg("ui.dayone.assigned", {"device": device.display_name, "villages": villages_text}))
            self.refresh()

        self.runner.op(assign_job, device_id, list(villages), changes={"sync"}, owner=self, on_done=done,
                       on_error=self._say_error)

    def _choose_assign(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            self._say(Msg("ui.dayone.pick_laptop"), warn=True)
            return
        device = self.model.devices[index.row()]

        def got(villages: list[tuple[str, str]]) -> None:
            chosen = self._ask_villages(device, villages)
            if chosen is not None:
                self.assign(device["device_id"], chosen, names=dict(villages))

        self.runner.query(villages_job, owner=self, on_done=got, on_error=self._say_error)

    def _ask_villages(self, device: dict[str, Any], villages: list[tuple[str, str]]) -> list[str] | None:
        from outreach.ui.views.village_picker import choose_villages

        return choose_villages(self, tr("ui.dayone.assign"), [tr("ui.dayone.assign_for", device=device["name"])],
                               villages, set(device.get("villages") or ()))

    def _confirm_revoke(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():   # said, as for Change villages: a silent click looked like a revocation done
            self._say(Msg("ui.dayone.pick_laptop"), warn=True)
            return
        device = self.model.devices[index.row()]
        answer = QMessageBox.question(self, tr("sync.ui.revoke"), tr("sync.ui.revoke_confirm", device=device["name"]))
        if answer == QMessageBox.StandardButton.Yes:
            self.revoke(device["device_id"])
