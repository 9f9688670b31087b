"""The Sync screen on a lead's laptop that has joined a county hub: "Send to the hub…" and "Read from the
hub…" sit next to the team's sync (not only under Team → County hub…), and do the hub screen's work."""

from __future__ import annotations

from outreach.i18n import set_language, tr
from outreach.sync import hub as H
from outreach.sync import hub_transport as HT
from outreach.sync import team as T
from outreach.sync import transport
from outreach.sync.keys import FAST_KDF_FOR_TESTS
from outreach.ui.views.sync_view import SyncView
from tests.unit.hub.hub_kit import create_hub, enrol_lead, villages_of
from tests.unit.sync.transport_kit import PASS, Laptop


def make_view(qtbot, store) -> SyncView:
    view = SyncView(store)
    qtbot.addWidget(view)
    view.resize(1280, 600)
    view.show()
    qtbot.waitUntil(lambda: bool(view.state) and bool(view.hub_row.state), timeout=10000)
    return view


def unlock(qtbot, view) -> None:
    view.passphrase.setText(PASS)
    view.unlock()
    qtbot.waitUntil(lambda: view.ring is not None, timeout=10000)


def test_a_lead_in_a_county_hub_sends_and_reads_from_the_sync_screen(qtbot, tmp_path):
    hub = create_hub(tmp_path)
    lead = enrol_lead(tmp_path, hub, "lead", "陈静", "东坪组", villages_of("530102001"))
    try:
        view = make_view(qtbot, lead.store)
        row = view.hub_row
        assert row.isVisible() and not row.send_button.isEnabled()     # keys locked: the buttons wait
        assert row.send_button.text() == tr("hub_ui.button.send") == "发送给汇总站…"
        assert "县社工总站" in row.label.text()
        unlock(qtbot, view)
        assert row.send_button.isEnabled() and row.read_button.isEnabled()
        view.grab().save("/tmp/sync-hub-row-zh.png")

        # Read the county's first downlink: the lead's membership becomes enrolled.
        down = HT.export_downlink(hub.store, hub.ring, to=lead.id, out=hub.outbox)
        with qtbot.waitSignal(view.sig_imported, timeout=30000) as blocker:
            row.read_downlink([str(down.path)])
        assert [r.status for r in blocker.args[0]] == [transport.IMPORTED]
        qtbot.waitUntil(lambda: row.state.get("hub_status") == "enrolled", timeout=10000)

        # Send to the hub: an uplink the hub imports; the log says where it went.
        up = tmp_path / "up"
        up.mkdir()
        before = view.log.count()
        row.send_uplink(str(up))
        qtbot.waitUntil(lambda: len(list(up.glob("*.age"))) == 1 and view.log.count() > before, timeout=20000)
        assert str(up) in view.log_lines()[0]
        [r] = [HT.import_file(hub.store, H.unlock_hub(hub.store, PASS), p) for p in up.glob("*.age")]
        assert r.status == transport.IMPORTED, r.text("en")

        set_language("en")
        view.retranslate()
        assert row.read_button.text() == "Read from the hub…" and row.label.text().startswith("County hub")
        qtbot.wait(50)   # the layout takes the longer English labels
        view.grab().save("/tmp/sync-hub-row-en.png")
    finally:
        set_language("zh_CN")
        hub.close()
        lead.close()


def test_a_lead_in_no_hub_sees_no_hub_buttons(qtbot, tmp_path):
    lead = Laptop(tmp_path, "lead", "陈静")
    T.create_team(lead.store, PASS, name="东坪组", kdf=FAST_KDF_FOR_TESTS)
    try:
        view = make_view(qtbot, lead.store)
        assert view.is_lead and not view.hub_row.isVisible()
        assert view.export_all_button.isVisible()
    finally:
        lead.close()
