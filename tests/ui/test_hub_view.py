"""The county hub in the window: county staff import the leads' uplinks (progress, off the GUI thread),
see each team, its laptops and a missing uplink, write every team's downlink; a lead joins the hub from
the window (invite → request → the same fingerprint on both screens → enrolled) and then sends to and
reads from the hub; a laptop in no team sets up a hub; the Team menu opens the screen."""

from __future__ import annotations

from datetime import date

from outreach.i18n import tr
from outreach.sync import hub as H
from outreach.sync import hub_transport as HT
from outreach.sync import team as T
from outreach.sync import transport
from outreach.sync.keys import FAST_KDF_FOR_TESTS
from outreach.ui.views.hub_view import HUB, LEAD, MEMBER, NONE, HubView
from tests.unit.hub.hub_kit import close_all, county, create_hub, field_work, hub_up, villages_of, week
from tests.unit.sync.transport_kit import PASS, Laptop

from .conftest import on_db, wait_idle


def make_view(qtbot, store):
    view = HubView(store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: bool(view.state), timeout=10000)
    return view


def unlock(qtbot, view, passphrase=PASS):
    before = view.log.count()
    view.passphrase.setText(passphrase)
    view.unlock()
    qtbot.waitUntil(lambda: view.ring is not None or view.log.count() > before, timeout=10000)


def test_hub_imports_uplinks_shows_teams_and_a_missing_uplink_and_writes_downlinks(qtbot, tmp_path):
    hub, teams = county(tmp_path, n_teams=2, n_workers=1)
    try:
        week(hub, teams)
        first = hub_up(teams[0].lead).path
        field_work(teams[0].lead, villages_of(teams[0].township)[0], "晚", n=1)
        second = hub_up(teams[0].lead).path      # team 1's second uplink; the first never reaches the hub
        other = hub_up(teams[1].lead).path

        view = make_view(qtbot, hub.store)
        assert view.role == HUB and view.tree.topLevelItemCount() == 2
        assert not view.buttons["import"].isEnabled() and view.buttons["setup"].isHidden()
        unlock(qtbot, view, "wrong passphrase!")
        assert view.ring is None and "口令" in view.log_lines()[0]
        unlock(qtbot, view)
        assert view.ring is not None and view.buttons["import"].isEnabled()

        with qtbot.waitSignal(view.sig_imported, timeout=30000) as blocker:
            view.import_files([str(second), str(other)])
        assert [r.status for r in blocker.args[0]] == ["imported", "imported"]
        qtbot.waitUntil(lambda: _column(view, "laptops") == ["2 台电脑"] * 2, timeout=10000)
        gaps = dict(zip(_column(view, "team"), _column(view, "gaps"), strict=True))
        lead0 = next(k for k in gaps if teams[0].lead.store.device.code in k)
        assert gaps[lead0] == "缺第 1 个"          # the county sees which lead must send again
        assert [g for k, g in gaps.items() if k != lead0] == ["齐全"]     # each team: its lead and its worker
        item = view.tree.topLevelItem(0)
        assert item.childCount() == 2     # each laptop with the day of its latest change the hub holds
        assert [item.child(i).text(1) for i in range(2)] == [f"最近修改：{date.today():%Y-%m-%d}"] * 2

        with qtbot.waitSignal(view.sig_imported, timeout=30000):
            view.import_files([str(first)])
        qtbot.waitUntil(lambda: _column(view, "gaps") == ["齐全", "齐全"], timeout=10000)

        out = tmp_path / "downlinks"
        before = view.log.count()
        view.write_downlinks(str(out))
        qtbot.waitUntil(lambda: view.log.count() >= before + 2, timeout=20000)
        assert len(list(out.glob("*.age"))) == 2
    finally:
        close_all(hub, teams)


def _column(view, name):
    from outreach.ui.views.hub_view import COLUMNS

    col = COLUMNS.index(name)
    return [view.tree.topLevelItem(i).text(col) for i in range(view.tree.topLevelItemCount())]


def test_lead_joins_from_the_window_and_then_sends_to_and_reads_from_the_hub(qtbot, tmp_path):
    hub = create_hub(tmp_path)
    lead = Laptop(tmp_path, "lead", "陈静")
    T.create_team(lead.store, PASS, name="东坪组", kdf=FAST_KDF_FOR_TESTS)
    try:
        hub_view, lead_view = make_view(qtbot, hub.store), make_view(qtbot, lead.store)
        assert lead_view.role == LEAD and not lead_view.buttons["join"].isHidden()
        assert lead_view.buttons["send"].isHidden()
        unlock(qtbot, hub_view)
        invite, request = tmp_path / "hub-invite.json", tmp_path / "request.json"
        hub_view.write_invite(str(invite))
        qtbot.waitUntil(lambda: invite.exists() and hub_view.log.count() > 0, timeout=10000)

        unlock(qtbot, lead_view)
        lead_view.join(str(invite), str(request))
        qtbot.waitUntil(lambda: request.exists() and lead_view.log.count() >= 2, timeout=10000)
        shown_at_lead = lead_view.log_lines()[0]
        # until the county enrols it, the lead is told what to do with the request
        qtbot.waitUntil(lambda: lead_view.explain.text() == tr("hub_ui.explain.pending"), timeout=10000)

        seen = {}

        def confirm(req, villages):      # the county reads the fingerprint aloud; it is the lead's one
            seen["fp"], seen["labels"] = req.fingerprint, [name for _v, name in villages]
            return [v for v, _name in villages if v in villages_of("530102001")]

        hub_view.enroll_from(str(request), confirm=confirm)
        qtbot.waitUntil(lambda: hub_view.tree.topLevelItemCount() == 1, timeout=10000)
        assert seen["fp"] in shown_at_lead
        assert "东坪乡1村" in hub_view.tree.topLevelItem(0).text(2)
        assert seen["labels"][0] == "东坪乡 · 东坪乡1村"      # villages offered under their townships
        assert "东坪组" in hub_view.log_lines()[0]

        lead_view.refresh()
        qtbot.waitUntil(lambda: lead_view.role == MEMBER, timeout=10000)
        assert not lead_view.buttons["send"].isHidden() and not lead_view.buttons["read"].isHidden()
        down = tmp_path / "down"
        hub_view.write_downlinks(str(down))
        qtbot.waitUntil(lambda: len(list(down.glob("*.age"))) == 1, timeout=20000)
        with qtbot.waitSignal(lead_view.sig_imported, timeout=30000) as blocker:
            lead_view.import_files([str(next(down.glob("*.age")))])
        assert [r.status for r in blocker.args[0]] == ["imported"]
        qtbot.waitUntil(lambda: "已登记" in lead_view.title.text(), timeout=10000)   # no longer waiting

        up = tmp_path / "up"
        up.mkdir()
        lead_view.send_uplink(str(up))
        qtbot.waitUntil(lambda: len(list(up.glob("*.age"))) == 1, timeout=20000)
        hub_ring = H.unlock_hub(hub.store, PASS)
        [r] = [HT.import_file(hub.store, hub_ring, p) for p in up.glob("*.age")]
        assert r.status == transport.IMPORTED, r.text("en")
    finally:
        hub.close()
        lead.close()


def test_a_laptop_in_no_team_sets_up_a_county_hub(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(H.init_hub, "__kwdefaults__", {**H.init_hub.__kwdefaults__, "kdf": FAST_KDF_FOR_TESTS})
    laptop = Laptop(tmp_path, "county", "县民政局")
    try:
        view = make_view(qtbot, laptop.store)
        assert view.role == NONE and not view.buttons["setup"].isHidden()
        assert view.buttons["import"].isHidden() and view.passphrase.isHidden()
        view.set_up("示范县社工总站", PASS)
        qtbot.waitUntil(lambda: view.role == HUB, timeout=20000)
        assert view.ring is not None and view.buttons["import"].isEnabled()
        assert view.title.text() == "县级汇总站“示范县社工总站”"
    finally:
        laptop.close()


def test_team_menu_opens_the_hub_screen_in_both_languages(qtbot, window, ctx):
    menus = window.dayone
    dialog = menus.run("hub")
    qtbot.waitUntil(lambda: bool(dialog.view.state), timeout=10000)
    assert dialog.view.role == NONE and menus.actions["hub"].text() == "县级汇总站…"
    window.set_language("en")
    wait_idle(qtbot, ctx)
    try:
        assert menus.actions["hub"].text() == "County hub…"
        dialog.view.retranslate()
        dialog.view._update()
        assert dialog.view.buttons["setup"].text() == tr("hub_ui.button.setup", "en") == "Set up a county hub…"
        dialog.view._show_state({"role": HUB, "hub_name": "County station", "leads": []})   # every button shown
        assert dialog.view.minimumSizeHint().width() <= 1280     # fits a 1280×720 laptop screen in English
    finally:
        window.set_language("zh_CN")
        wait_idle(qtbot, ctx)
        dialog.close()


def test_on_a_hub_the_window_prints_the_county_report_and_opens_the_hub_screen(qtbot, window, ctx, tmp_path):
    from tests.e2e.cli_kit import pdf_text

    on_db(qtbot, ctx, H.init_hub, PASS, name="示范县社工总站", kdf=FAST_KDF_FOR_TESTS, key_dir=tmp_path)
    report = window.dayone.run("report")       # Print and reports → Monthly report, all areas
    path = tmp_path / "月报.pdf"
    with qtbot.waitSignal(report.sig_saved, timeout=30000):
        report.save_to(str(path))
    text = pdf_text(path)
    assert "全县" in text and "示范县社工总站" in text and "全部片区" not in text
    report.reject()

    dialog = window.dayone.run("hub")
    qtbot.waitUntil(lambda: dialog.view.role == HUB, timeout=10000)
    assert dialog.view.title.text() == "县级汇总站“示范县社工总站”"
    assert not dialog.view.buttons["import"].isHidden() and dialog.view.tree.topLevelItemCount() == 0
    dialog.close()


def test_county_staff_change_a_teams_villages_and_revoke_a_lost_lead_laptop(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    hub, teams = county(tmp_path, n_teams=2, n_workers=0)
    try:
        view = make_view(qtbot, hub.store)
        view.tree.setCurrentItem(None)
        assert view.selected_lead() is None and view.log_lines()[0] == "请先在表格中点选一个组。"
        first = view.tree.topLevelItem(0)
        view.tree.setCurrentItem(first)
        lead = view.selected_lead()
        assert lead["device_id"] in (teams[0].lead.id, teams[1].lead.id)
        view.assign(lead["device_id"], [*lead["villages"], "530102003001"])
        qtbot.waitUntil(lambda: "河口乡1村" in view.tree.topLevelItem(0).text(2), timeout=10000)
        assert "负责 4 个村" in view.log_lines()[0]

        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        view.tree.setCurrentItem(view.tree.topLevelItem(1))
        gone = view.selected_lead()
        view._confirm_revoke()
        qtbot.waitUntil(lambda: view.tree.topLevelItem(1).text(1) == "已停用", timeout=10000)
        assert gone["name"] in view.log_lines()[0] and "拒收" in view.log_lines()[0]
        with hub.store.connect() as conn:
            assert H.get_lead(conn, gone["device_id"]).status == "revoked"
    finally:
        close_all(hub, teams)


def test_a_laptop_silent_for_weeks_and_a_missing_uplink_are_red(qtbot, tmp_path):
    from datetime import timedelta

    laptop = Laptop(tmp_path, "county", "县民政局")
    try:
        view = make_view(qtbot, laptop.store)
        today = date.today()
        view._show_state({"role": HUB, "hub_name": "县社工总站", "leads": [
            {"device_id": "a" * 32, "code": "AAAA", "name": "第1组", "status": "enrolled", "villages": [],
             "village_names": [], "gaps": [3], "laptops": [
                 {"name": "李娜的笔记本", "worker": "李娜", "last": today - timedelta(days=30)},
                 {"name": "王强的笔记本", "worker": "王强", "last": today}]}]})
        item = view.tree.topLevelItem(0)
        red = item.foreground(4).color().name()
        assert item.text(4) == "缺第 3 个" and red == "#aa3333"
        assert item.child(0).foreground(1).color().name() == red        # silent for 30 days
        assert item.child(1).foreground(1).color().name() != red        # changed today
    finally:
        laptop.close()


def test_on_a_hub_the_dashboard_names_the_whole_county(qtbot, ctx, tmp_path):
    from outreach.ui.views.dashboard_view import build_dashboard

    on_db(qtbot, ctx, H.init_hub, PASS, name="示范县社工总站", kdf=FAST_KDF_FOR_TESTS, key_dir=tmp_path)
    view = build_dashboard(ctx, None)
    qtbot.addWidget(view)
    view.load_choices()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: view.indicators is not None, timeout=10000)
    assert view.area_box.itemText(0) == "全县"
    assert view._area_name(view.scope()) == "全县"
