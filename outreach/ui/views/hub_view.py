"""The county hub in the window (issue 15), for county staff and team leads who never open a terminal.

One screen that follows what this laptop is:
- a county hub: its teams (lead laptops), their status, villages, the laptops behind each and missing
  uplinks; import bundles (cancellable progress, off the GUI thread), write every team's downlink to a
  folder, write an invite, enrol a lead from its join request after comparing the fingerprint;
- a team lead's laptop: join a county hub with its invite (the request and the fingerprint to compare),
  then send to the hub (the uplink) and read from the hub (the downlink);
- a laptop in no team: set up a county hub (name and passphrase).

    view = HubView(store, runner)      # the menu opens it in a dialog: open_hub(ctx, parent)

All database work runs on the runner's thread; the hub's or team's keys are unlocked there once and
kept in memory only while the screen lives.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import Msg, tr
from outreach.inputfiles import read_capped
from outreach.safefiles import write_atomic
from outreach.sync import hub as H
from outreach.sync import hub_transport as HT
from outreach.sync import team as T
from outreach.sync.keys import KeyRing
from outreach.ui.views.key_screen import KeyScreen, ask_file, ask_folder, button_row, make_button
from outreach.ui.workers import DbRunner

COLUMNS = ("team", "status", "villages", "laptops", "gaps")
HUB, MEMBER, LEAD, WORKER, NONE = "hub", "member", "lead", "worker", "none"
SILENT_DAYS = 14    # a laptop whose latest change is older than this is shown in red


# --------------------------------------------------------------------------- jobs (database thread)
def load_state(store) -> dict[str, Any]:
    """What this laptop is in the county picture, and (on the hub) each team and its laptops."""
    from outreach.services.areas import all_areas

    with store.connect() as conn:
        hub, member, team = H.get_hub(conn), H.get_membership(conn), T.get_team(conn)
        if hub is None:
            role = MEMBER if member else NONE if team is None else LEAD if team.is_lead else WORKER
            return {"role": role, "hub_name": member.name if member else "",
                    "hub_status": member.status if member else "", "team": team.name if team else ""}
        from outreach.sync import transport

        leads = [{"device_id": d.device_id, "code": T.device_code(d.device_id), "name": d.display_name,
                  "status": d.status, "villages": list(d.villages),
                  "gaps": transport.missing_seqs(conn, d.device_id, hub.hub_id),
                  "laptops": [{"name": T.display_name(o["origin"], o["name"] or "", o["worker"] or ""),
                               "worker": o["worker"] or "", "last": _day(o["hlc"])}
                              for o in H.origins(conn, d.device_id)]}
                 for d in H.list_leads(conn)]
    names = {a.id: a.name for a in all_areas(store)}
    for d in leads:
        d["village_names"] = [names.get(v, v) for v in d["villages"]]
        d["laptops"].sort(key=lambda laptop: laptop["name"])
    return {"role": HUB, "hub_name": hub.name or hub.hub_id[:8], "leads": leads}


def _day(stamp: int | None) -> date | None:
    """The local day of a laptop's latest change the hub holds (its clock stamp), None before any."""
    from outreach.domain.hlc import physical_ms

    return datetime.fromtimestamp(physical_ms(stamp) / 1000).date() if stamp else None


def unlock_job(store, passphrase: str, role: str) -> KeyRing:
    return H.unlock_hub(store, passphrase) if role == HUB else T.unlock(store, passphrase)


def init_job(store, name: str, passphrase: str) -> KeyRing:
    H.init_hub(store, passphrase, name=name)
    return H.unlock_hub(store, passphrase)


def import_job(store, ring: KeyRing, paths: list[str], sink: list, *, progress=None) -> list:
    """Each file on its own (a refused one changes nothing); ``sink`` keeps what was done if cancelled."""
    from outreach.services.backups import before

    if paths and not store.on_server:
        before(store, "import")   # an encrypted backup first, as the team's import does
    for i, path in enumerate(paths):
        if progress is not None:
            progress(i, len(paths))
        sink.append(HT.import_file(store, ring, Path(path)))
    if progress is not None:
        progress(len(paths), len(paths))
    return list(sink)


def downlinks_job(store, ring: KeyRing, folder: str, *, progress=None) -> list:
    return HT.export_downlinks(store, ring, Path(folder))


def uplink_job(store, ring: KeyRing, folder: str):
    return HT.export_uplink(store, ring, out=Path(folder))


def invite_job(store, ring: KeyRing, path: str) -> str:
    write_atomic(path, H.make_invite(store, ring))   # a folder that is gone: said in words
    return path


def read_request_job(store, path: str) -> tuple[H.LeadRequest, list[tuple[str, str]]]:
    request = H.read_request(store, read_capped(path, T.MAX_SMALL_FILE, what="request"))
    return request, village_choices(store)


def village_choices(store) -> list[tuple[str, str]]:
    from outreach.services.areas import all_areas

    areas = all_areas(store)
    names = {a.id: a.name for a in areas}
    # a county has many villages with the same names: each under its township, grouped by township
    villages = [(a.id, f"{names.get(a.parent_id or '', '')} · {a.name}".lstrip(" ·")) for a in areas
                if a.level == "village"]
    return sorted(villages, key=lambda v: (v[1], v[0]))


def assign_job(store, device_id: str, villages: list[str]) -> H.Lead:
    return H.set_villages(store, device_id, villages)


def revoke_job(store, device_id: str) -> H.Lead:
    return H.revoke_lead(store, device_id)


def enroll_job(store, request: H.LeadRequest, villages: list[str]) -> H.Lead:
    return H.enroll_lead(store, request, villages=villages)


def join_job(store, ring: KeyRing, invite: str, request: str) -> str:
    data, fingerprint = H.join_hub(store, read_capped(invite, T.MAX_SMALL_FILE, what="invite"), ring)
    write_atomic(request, data)
    return fingerprint


# --------------------------------------------------------------------------- the screen
class HubView(KeyScreen, QWidget):
    sig_imported = Signal(object)
    view_name = "hub"
    nobody_key = "hub_ui.nobody"

    def __init__(self, store, runner: DbRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start(store, runner)
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        keys = self._make_keys_row()
        self.buttons = {name: make_button(self, slot, f"hub_{name}") for name, slot in (
            ("setup", self._choose_setup), ("import", self._choose_import), ("downlinks", self._choose_downlinks),
            ("invite", self._choose_invite), ("enroll", self._choose_enroll), ("assign", self._choose_assign),
            ("revoke", self._confirm_revoke), ("join", self._choose_join), ("send", self._choose_send),
            ("read", self._choose_read), ("refresh", self.refresh))}
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.log = QListWidget(self)
        self.log.setWordWrap(True)

        teams = ("invite", "enroll", "assign", "revoke")   # bundles; then the teams (two rows fit 1280 px)
        actions = button_row(*(b for name, b in self.buttons.items() if name not in teams))
        team_row = button_row(*(self.buttons[name] for name in teams))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addLayout(keys)
        layout.addLayout(actions)
        layout.addLayout(team_row)
        layout.addWidget(self.tree, 3)
        layout.addWidget(self.log, 1)
        layout.addStretch(0)   # takes the room the table leaves when it is hidden (not on a hub)
        self.runner.sig_changed.connect(self._changed)
        self.retranslate()
        self.refresh()

    # ----------------------------------------------------------------- state
    @property
    def role(self) -> str:
        return self.state.get("role", "")

    def refresh(self) -> None:
        self.runner.query(load_state, on_done=self._show_state, on_error=self._say_error, key="hub-state",
                          owner=self)

    def _changed(self, changes) -> None:
        if "sync" in changes and self.isVisible():
            self.refresh()

    def _show_state(self, state: dict[str, Any]) -> None:
        self.state = state
        self.tree.clear()
        for d in state.get("leads", ()):
            gaps = tr("hub_ui.gaps", seqs=", ".join(map(str, d["gaps"]))) if d["gaps"] else tr("hub_ui.no_gaps")
            item = QTreeWidgetItem([f"{d['name']}  ({d['code']})", tr(f"hub.status.{d['status']}"),
                                    "、".join(d["village_names"]) or tr("sync.cli.no_villages"),
                                    tr("hub.cli.laptops", count=len(d["laptops"])), gaps])
            if d["gaps"] or d["status"] != "enrolled":
                item.setForeground(4 if d["gaps"] else 1, QColor("#a33"))
            item.setData(0, Qt.ItemDataRole.UserRole, d["device_id"])
            for laptop in d["laptops"]:
                last = laptop.get("last")
                child = QTreeWidgetItem(item, [laptop["name"], tr("hub_ui.last_change", day=last.isoformat())
                                               if last else "", "", "", ""])
                if last is not None and (date.today() - last).days > SILENT_DAYS:   # not heard from for weeks
                    child.setForeground(1, QColor("#a33"))
            self.tree.addTopLevelItem(item)
        self.tree.expandAll()
        self._update()

    def _update(self) -> None:
        role, unlocked = self.role, self.ring is not None
        name = self.state.get("hub_name", "")
        self.title.setText(tr(f"hub_ui.title.{role}", hub=name, team=self.state.get("team", ""),
                              status=tr(f"hub.status.{self.state.get('hub_status') or 'enrolled'}"))
                           if role else "")
        pending = role == MEMBER and self.state.get("hub_status") == "pending"
        self.explain.setText(tr("hub_ui.explain.pending" if pending else f"hub_ui.explain.{role}") if role else "")
        self._show_keys(role in (HUB, MEMBER, LEAD))
        shown = {HUB: ("import", "downlinks", "invite", "enroll", "assign", "revoke", "refresh"), MEMBER: ("send", "read", "refresh"),
                 LEAD: ("join",), NONE: ("setup",)}.get(role, ())
        for name, b in self.buttons.items():
            b.setVisible(name in shown)
            b.setEnabled(name in ("setup", "refresh", "enroll", "assign", "revoke") or unlocked)
        self.tree.setVisible(role == HUB)
        self.log.setMaximumHeight(16777215 if role == HUB else 220)

    def retranslate(self) -> None:
        self._retranslate_keys()
        for name, b in self.buttons.items():
            b.setText(tr(f"hub_ui.button.{name}"))
        self.tree.setHeaderLabels([tr(f"hub_ui.col.{c}") for c in COLUMNS])
        if self.state:
            self._show_state(self.state)

    def _unlock_job(self, passphrase: str) -> tuple:
        return unlock_job, passphrase, self.role

    # ----------------------------------------------------------------- actions (paths given: testable)
    def set_up(self, name: str, passphrase: str) -> None:
        def done(ring: KeyRing) -> None:
            self.ring = ring
            self._say(Msg("hub_ui.created", {"hub": name}))
            self.refresh()

        self.runner.op(init_job, name, passphrase, changes={"sync"}, on_done=done, on_error=self._say_error,
                       owner=self)

    def import_files(self, paths: list[str]) -> None:
        self.import_with_progress(import_job, paths)

    def write_downlinks(self, folder: str) -> None:
        if self.ring is None:
            return
        self.runner.run_with_progress(downlinks_job, self.ring, folder, title=tr("sync.ui.exporting"), parent=self,
                                      changes={"sync"}, on_done=self._exported_all, on_error=self._say_error)

    def send_uplink(self, folder: str) -> None:
        if self.ring is None:
            return
        self.runner.op(uplink_job, self.ring, folder, changes={"sync"}, owner=self,
                       on_done=self._exported, on_error=self._say_error)

    def write_invite(self, path: str) -> None:
        if self.ring is None:
            return
        self.runner.query(invite_job, self.ring, path, owner=self, on_error=self._say_error,
                          on_done=lambda p: self._say(Msg("hub_ui.invite_written", {"path": p})))

    def enroll_from(self, path: str, confirm=None) -> None:
        """Read the lead's request, show the fingerprint to compare and the villages to choose
        (``confirm(request, villages)`` returns the codes, or None to stop), then enrol."""
        confirm = confirm or self._ask_enroll

        def got(result) -> None:
            request, villages = result
            chosen = confirm(request, villages)
            if chosen is None:
                self._say(Msg("sync.cli.enroll_cancelled"))
                return
            self.runner.op(enroll_job, request, list(chosen), changes={"sync"}, owner=self,
                           on_error=self._say_error, on_done=enrolled)

        def enrolled(lead: H.Lead) -> None:
            self._say(Msg("hub_ui.enrolled", {"lead": lead.display_name, "count": len(lead.villages)}))
            self.refresh()

        self.runner.query(read_request_job, path, on_done=got, on_error=self._say_error, owner=self)

    def join(self, invite: str, request: str) -> None:
        if self.ring is None:
            return

        def done(fingerprint: str) -> None:
            self._say(Msg("hub_ui.request_written", {"path": request}))
            self._say(Msg("sync.cli.fingerprint", {"fingerprint": fingerprint}))
            self.refresh()

        self.runner.op(join_job, self.ring, invite, request, changes={"sync"}, on_done=done,
                       on_error=self._say_error, owner=self)

    def assign(self, device_id: str, villages: list[str]) -> None:
        def done(lead: H.Lead) -> None:
            self._say(Msg("hub_ui.enrolled", {"lead": lead.display_name, "count": len(lead.villages)}))
            self.refresh()

        self.runner.op(assign_job, device_id, list(villages), changes={"sync"}, owner=self, on_done=done,
                       on_error=self._say_error)

    def revoke(self, device_id: str) -> None:
        def done(lead: H.Lead) -> None:
            self._say(Msg("hub.cli.revoked", {"lead": lead.display_name}))
            self.refresh()

        self.runner.op(revoke_job, device_id, changes={"sync"}, owner=self, on_done=done, on_error=self._say_error)

    def selected_lead(self) -> dict[str, Any] | None:
        """The team (lead laptop) picked in the table, or the team of the laptop picked under it."""
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        device_id = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        found = [d for d in self.state.get("leads", ()) if d["device_id"] == device_id]
        if not found:
            self._say(Msg("hub_ui.pick_team"), warn=True)
        return found[0] if found else None

    # ----------------------------------------------------------------- choosing files (the buttons)
    def _choose_assign(self) -> None:
        lead = self.selected_lead()
        if lead is None:
            return

        def got(villages: list[tuple[str, str]]) -> None:
            from outreach.ui.views.village_picker import choose_villages

            chosen = choose_villages(self, tr("hub_ui.button.assign"), [tr("hub_ui.assign_for", lead=lead["name"])],
                                     villages, set(lead["villages"]))
            if chosen is not None:
                self.assign(lead["device_id"], chosen)

        self.runner.query(village_choices, owner=self, on_done=got, on_error=self._say_error)

    def _confirm_revoke(self) -> None:
        lead = self.selected_lead()
        if lead is None:
            return
        answer = QMessageBox.question(self, tr("hub_ui.button.revoke"), tr("hub_ui.revoke_confirm", lead=lead["name"]))
        if answer == QMessageBox.StandardButton.Yes:
            self.revoke(lead["device_id"])

    def _choose_setup(self) -> None:
        name, ok = QInputDialog.getText(self, tr("hub_ui.button.setup"), tr("hub_ui.ask_name"))
        if not ok or not name.strip():
            return
        passphrase = self._ask_new_passphrase(tr("hub_ui.button.setup"))
        if passphrase is not None:
            self.set_up(name.strip(), passphrase)

    def _choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("hub_ui.button.import"), "", tr("sync.ui.file_filter"))
        self.import_files(paths)

    def _choose_read(self) -> None:
        ask_file(self, "hub_ui.button.read", lambda path: self.import_files([path]), filter_key="sync.ui.file_filter")

    def _choose_downlinks(self) -> None:
        ask_folder(self, "hub_ui.button.downlinks", self.write_downlinks)

    def _choose_send(self) -> None:
        ask_folder(self, "hub_ui.button.send", self.send_uplink)

    def _choose_invite(self) -> None:
        ask_file(self, "hub_ui.button.invite", self.write_invite, save_as="hub-invite.json")

    def _choose_enroll(self) -> None:
        ask_file(self, "hub_ui.button.enroll", self.enroll_from)

    def _choose_join(self) -> None:
        invite, _ = QFileDialog.getOpenFileName(self, tr("hub_ui.choose_invite"), "", tr("sync.ui.json_filter"))
        if not invite:
            return
        request, _ = QFileDialog.getSaveFileName(self, tr("hub_ui.choose_request"), "hub-join-request.json",
                                                 tr("sync.ui.json_filter"))
        if request:
            self.join(invite, request)

    def _ask_enroll(self, request: H.LeadRequest, villages: list[tuple[str, str]]) -> list[str] | None:
        from outreach.ui.views.village_picker import choose_villages

        return choose_villages(self, tr("hub_ui.button.enroll"), [
            tr("hub.cli.enroll_who", lead=request.display_name, id=request.device_id),
            tr("sync.ui.compare", fingerprint=request.fingerprint), tr("hub_ui.choose_villages")], villages)


def open_hub(ctx, parent: QWidget) -> QDialog:
    """The hub screen in its own window (Team → County hub…)."""
    dialog = QDialog(parent)
    dialog.setObjectName("hub_dialog")
    dialog.setWindowTitle(tr("hub_ui.window_title"))
    view = HubView(ctx.store, ctx.runner, dialog)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    dialog.view = view
    dialog.resize(1100, 620)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _r: setattr(view, "ring", None))
    dialog.open()
    return dialog
