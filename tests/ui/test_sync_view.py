"""The sync screen: unlock, the lead importing several bundles with one refused, the status table,
downlinks for everyone; the worker exporting her bundle and importing her downlink."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outreach.sync import transport
from outreach.ui.views.sync_view import COLUMNS, SyncView
from tests.unit.sync.transport_kit import DONGPING, HEKOU, PASS, SHIMEN, add_household, create_lead, join


@pytest.fixture
def team(tmp_path):
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING, SHIMEN])
    wang = join(tmp_path, lead, "wang", "王强", [SHIMEN, HEKOU])
    for laptop in (li, wang):
        transport.import_bundles(laptop.store, laptop.ring, [transport.export_bundle(
            lead.store, lead.ring, out=lead.outbox, to=laptop.id).path])
    yield lead, li, wang
    for laptop in (lead, li, wang):
        laptop.close()


def make_view(qtbot, store):
    view = SyncView(store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: bool(view.state), timeout=10000)
    return view


def unlock(qtbot, view, passphrase=PASS):
    view.passphrase.setText(passphrase)
    view.unlock()


def test_lead_imports_many_bundles_and_sees_each_laptop(qtbot, team, tmp_path):
    lead, li, wang = team
    add_household(li, "东坪-0150", DONGPING)
    add_household(wang, "石门-0107", SHIMEN)
    good = transport.export_bundle(li.store, li.ring, out=li.outbox).path
    cut = transport.export_bundle(wang.store, wang.ring, out=wang.outbox).path
    (tmp_path / "cut").mkdir()
    broken = tmp_path / "cut" / cut.name
    broken.write_bytes(cut.read_bytes()[:300])

    view = make_view(qtbot, lead.store)
    assert view.is_lead and not view.import_button.isEnabled()
    unlock(qtbot, view, "wrong passphrase!")
    qtbot.waitUntil(lambda: view.log.count() == 1, timeout=10000)
    assert view.ring is None and "口令" in view.log_lines()[0]
    unlock(qtbot, view)
    qtbot.waitUntil(lambda: view.ring is not None, timeout=10000)
    assert view.import_button.isEnabled() and not view.export_all_button.isHidden()

    with qtbot.waitSignal(view.sig_imported, timeout=20000) as blocker:
        view.import_files([str(broken), str(good)])
    statuses = [r.status for r in blocker.args[0]]
    assert statuses == ["refused", "imported"]
    lines = view.log_lines()
    assert any(line.startswith("✗") and "王强的笔记本" in line and "重新发送" in line for line in lines)
    assert any(line.startswith("✓") and "李娜的笔记本" in line for line in lines)

    qtbot.waitUntil(lambda: any(d["last_bundle"] for d in view.model.devices), timeout=10000)
    rows = {view.model.data(view.model.index(r, 0)): r for r in range(view.model.rowCount())}
    li_row = rows["李娜的笔记本"]
    assert view.model.data(view.model.index(li_row, COLUMNS.index("last"))) == "#1"
    assert view.model.data(view.model.index(li_row, COLUMNS.index("villages"))) == "东坪村、石门村"   # a Chinese list: 、
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "设备"

    out = tmp_path / "downlinks"
    out.mkdir()
    before = view.log.count()
    view.export_all(str(out))
    qtbot.waitUntil(lambda: view.log.count() >= before + 2, timeout=20000)
    assert len(list(out.glob("*.age"))) == 2


def test_worker_exports_her_bundle_and_imports_her_downlink(qtbot, team, tmp_path):
    lead, li, _wang = team
    add_household(li, "东坪-0150", DONGPING)
    view = make_view(qtbot, li.store)
    assert not view.is_lead and not view.export_button.isHidden() and view.export_all_button.isHidden()
    assert "指纹" in view.fingerprint.text()
    unlock(qtbot, view)
    qtbot.waitUntil(lambda: view.ring is not None, timeout=10000)
    out = tmp_path / "usb"
    out.mkdir()
    view.export_mine(str(out))
    qtbot.waitUntil(lambda: view.log.count() == 1, timeout=10000)
    [bundle] = out.glob("*.age")
    assert "陈静的笔记本" in view.log_lines()[0]
    transport.import_bundles(lead.store, lead.ring, [bundle])
    downlink = transport.export_bundle(lead.store, lead.ring, out=lead.outbox, to=li.id).path
    with qtbot.waitSignal(view.sig_imported, timeout=20000) as blocker:
        view.import_files([str(downlink)])
    assert [r.status for r in blocker.args[0]] == ["imported"]
    view.lock()
    assert view.ring is None and not view.import_button.isEnabled()


def test_cancel_between_files_keeps_what_was_imported(team):
    from outreach.ui.views.sync_view import import_job
    from outreach.ui.workers import JobCancelled, JobProgress

    lead, li, wang = team
    add_household(li, "东坪-0150", DONGPING)
    files = [transport.export_bundle(x.store, x.ring, out=x.outbox).path for x in (li, wang)]
    progress = JobProgress(lambda done, total, message: progress.cancel() if done == 1 else None)
    sink: list = []
    with pytest.raises(JobCancelled):
        import_job(lead.store, lead.ring, files, sink, progress=progress)
    assert [r.status for r in sink] == ["imported"]           # the first file stays imported
    assert transport.import_bundles(lead.store, lead.ring, files[:1])[0].status == "already"


def test_team_set_up_from_the_screen(qtbot, tmp_path):
    """陈静 creates the team, writes an invite; 赵敏 joins; 陈静 sees the same fingerprint, picks 河口村,
    enrols her, and later revokes a laptop — all from the sync screen."""
    from outreach.services import areas
    from outreach.storage.store import Store

    lead_store, zhao_store = Store.open(tmp_path / "lead"), Store.open(tmp_path / "zhao")
    zhao_store.set_setting("worker_name", "赵敏")
    areas.add_area(lead_store, code=HEKOU, name="河口村", level="village")
    lead = make_view(qtbot, lead_store)
    assert not lead.create_button.isHidden() and lead.invite_button.isHidden()
    lead.create_team("东坪社工站", PASS)
    qtbot.waitUntil(lambda: lead.is_lead and lead.ring is not None, timeout=20000)
    assert not lead.invite_button.isHidden() and lead.create_button.isHidden()
    invite = str(tmp_path / "invite.json")
    lead.write_invite(invite)
    qtbot.waitUntil(lambda: (tmp_path / "invite.json").exists(), timeout=10000)

    zhao = make_view(qtbot, zhao_store)
    request = str(tmp_path / "request.json")
    zhao.join_team(invite, request, PASS)
    qtbot.waitUntil(lambda: zhao.state.get("status") == "pending", timeout=20000)
    shown = zhao.fingerprint.text()

    seen = {}

    def confirm(req, villages):
        seen["fingerprint"], seen["villages"] = req.fingerprint, villages
        return [HEKOU]

    lead.enroll_from(request, confirm=confirm)
    qtbot.waitUntil(lambda: len(lead.model.devices) == 2, timeout=20000)
    assert seen["fingerprint"] in shown and seen["villages"] == [(HEKOU, "河口村")]
    row = next(d for d in lead.model.devices if d["role"] == "member")
    assert row["villages"] == [HEKOU] and row["status"] == "enrolled"
    lead.revoke(row["device_id"])
    qtbot.waitUntil(lambda: any(d["status"] == "revoked" for d in lead.model.devices), timeout=20000)
    for view in (lead, zhao):
        view.close()
    lead_store.close()
    zhao_store.close()
