"""The county hub next to the team's sync, on a lead's laptop that has joined a county hub: "Send to the
hub…" (the uplink) and "Read from the hub…" (the downlink) on the Sync screen itself, so the lead does
not have to find Team → County hub… for the weekly round trip.

The work is the hub screen's own (``hub_view.load_state``, ``uplink_job``, ``import_job``: one code
path whichever screen the lead uses); the keys are the Sync screen's (the hub speaks to a lead with the
team's keys, as ``hub_view.unlock_job`` does for a member), and each result is a line in its log.

    row = HubRow(sync_view)       # sync_view: a KeyScreen (ring, runner, import_with_progress, _exported, _say*)
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from outreach.i18n import tr
from outreach.ui.views import hub_view as HV
from outreach.ui.views.key_screen import ask_file, ask_folder, make_button


class HubRow(QWidget):
    """Hidden unless this laptop is a team lead's that has joined (or asked to join) a county hub."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.state: dict[str, Any] = {}
        self.label = QLabel(self)
        self.send_button = make_button(self, self._choose_send, "sync_hub_send")
        self.read_button = make_button(self, self._choose_read, "sync_hub_read")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 0, 0, 0)
        for w in (self.label, self.send_button, self.read_button):
            row.addWidget(w)
        self.setVisible(False)
        view.runner.sig_changed.connect(self._changed)
        self.retranslate()

    @property
    def joined(self) -> bool:
        return self.state.get("role") == HV.MEMBER

    def refresh(self) -> None:
        self.view.runner.query(HV.load_state, on_done=self._show_state, on_error=self.view._say_error,
                               key=f"sync-hub-{id(self)}", owner=self)

    def _changed(self, changes) -> None:
        if "sync" in changes:
            self.refresh()

    def _show_state(self, state: dict[str, Any]) -> None:
        self.state = state
        self.update_state()

    def update_state(self) -> None:
        self.setVisible(self.joined)
        unlocked = self.view.ring is not None
        for b in (self.send_button, self.read_button):
            b.setEnabled(unlocked)
            b.setToolTip("" if unlocked else tr("sync.ui.locked"))
        self.retranslate()

    def retranslate(self) -> None:
        self.send_button.setText(tr("hub_ui.button.send"))
        self.read_button.setText(tr("hub_ui.button.read"))
        if self.joined:
            self.label.setText(tr("overdue.sync.hub", hub=self.state.get("hub_name", ""),
                                  status=tr(f"hub.status.{self.state.get('hub_status') or 'enrolled'}")))

    # ----------------------------------------------------------------- actions (paths given: testable)
    def send_uplink(self, folder: str) -> None:
        if self.view.ring is None:
            return
        self.view.runner.op(HV.uplink_job, self.view.ring, folder, changes={"sync"}, owner=self,
                            on_done=self.view._exported, on_error=self.view._say_error)

    def read_downlink(self, paths: list[str]) -> None:
        self.view.import_with_progress(HV.import_job, paths)

    def _choose_send(self) -> None:
        ask_folder(self, "hub_ui.button.send", self.send_uplink)

    def _choose_read(self) -> None:
        ask_file(self, "hub_ui.button.read", lambda path: self.read_downlink([path]), filter_key="sync.ui.file_filter")
