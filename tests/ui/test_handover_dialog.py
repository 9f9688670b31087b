"""Team → Hand over this laptop…: the guided screen makes the final bundle, refuses the wipe until the
lead's downlink acknowledges it, then closes the window and the store, wipes the data folder and ends
on a final page whose button quits the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ui.conftest import wait_idle
from tests.unit.sync.transport_kit import DONGPING, PASS, add_household, create_lead, downlink, join, receive

SECRETS = ["东坪-0777", "13912345678", "530102195001011234", "独居老人张秀英"]
SHOTS = Path(os.environ.get("OUTREACH_SHOTS", "/tmp/outreach-shots"))


@pytest.fixture
def worker_window(qtbot, qapp, tmp_path):
    from outreach.sync import transport
    from outreach.ui.app import build_context
    from outreach.ui.lang import register_fonts
    from outreach.ui.main_window import MainWindow

    if not qapp.property("outreach_fonts"):     # as create_application does: CJK text, not boxes
        register_fonts(qapp)
        qapp.setProperty("outreach_fonts", True)
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    [r] = receive(li, downlink(lead, li))
    assert r.status == transport.IMPORTED, r.text("en")
    add_household(li, "东坪-0777", DONGPING, phone="13912345678",
                  notes="独居老人张秀英，身份证 530102195001011234")
    from outreach.ui.dialogs.lock_dialog import IdleLock

    ctx = build_context(li.store, qapp)
    window = MainWindow(ctx)
    window.idle_lock = IdleLock(li.dir, 10, window)     # as run_gui sets it up
    window.show()
    wait_idle(qtbot, ctx)
    yield lead, li, window, ctx
    window.close()
    ctx.close()
    ctx.language.apply("zh_CN")
    lead.close()
    li.close()


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_handover_from_the_team_menu_then_wipe_to_first_run(qtbot, worker_window, tmp_path, lang):
    from outreach.storage import crypto_store

    lead, li, window, ctx = worker_window
    ctx.language.apply(lang)
    window.dayone.refresh_role()
    qtbot.waitUntil(lambda: window.dayone.role is not None and window.dayone.role.in_team, timeout=5000)
    action = window.dayone.actions["handover"]
    assert action.isEnabled()
    assert action.text() == {"zh_CN": "移交这台电脑（离职）…", "en": "Hand over this laptop (leaving)…"}[lang]
    dialog = window.dayone.run("handover")
    wait_idle(qtbot, ctx)
    assert dialog.pages.currentIndex() == 0
    assert ("没有组长的确认，什么都不会删除" if lang == "zh_CN" else "Without the lead's acknowledgement") \
        in dialog.explain.text()
    shot(dialog, f"handover-1-{lang}")

    usb = tmp_path / "usb"
    usb.mkdir()
    dialog.passphrase.setText(PASS)
    with qtbot.waitSignal(dialog.sig_written, timeout=20000) as written:
        dialog.make_bundle_in(str(usb))
    bundle = Path(written.args[0])
    assert bundle.parent == usb and bundle.exists()
    assert dialog.pages.currentIndex() == 1 and not dialog.wipe_button.isEnabled()

    dialog.understand.setChecked(True)
    dialog.wipe()                                   # no acknowledgement yet: refused, said why
    assert dialog.error.isVisible()
    assert ("先选一个确认了移交包的组长下发包" if lang == "zh_CN" else "acknowledges the handover bundle") \
        in dialog.error.text()
    stale = downlink(lead, li)                      # the lead has not imported the bundle yet
    dialog.read_acknowledgement(str(stale.path))
    qtbot.waitUntil(lambda: dialog.error.isVisible() and dialog.choose_ack.isEnabled(), timeout=20000)
    assert not dialog.wipe_button.isEnabled()
    assert ("什么都没有删除" if lang == "zh_CN" else "Nothing was deleted") in dialog.error.text()
    assert (li.dir / "outreach-keys.json").exists()
    shot(dialog, f"handover-2-refused-{lang}")

    [r] = receive(lead, bundle)
    assert r.ok, r.text("en")
    ack = downlink(lead, li)
    with qtbot.waitSignal(dialog.sig_acknowledged, timeout=20000):
        dialog.read_acknowledgement(str(ack.path))
    assert dialog.wipe_button.isEnabled() and not dialog.error.isVisible()
    shot(dialog, f"handover-2-acknowledged-{lang}")

    old_id = li.id
    quits = []
    dialog.quit_app = lambda: quits.append(True)
    with qtbot.waitSignal(dialog.sig_wiped, timeout=20000) as wiped:
        dialog.wipe_button.click()
    assert not window.isVisible()                   # the window closed before the store
    assert not window.idle_lock.timer.isActive()    # no lock screen will ask for a wiped passphrase
    receipt = Path(wiped.args[0])
    left = [p for p in li.dir.rglob("*") if p.is_file()]
    assert left == [receipt], left
    data = b"".join(p.read_bytes() for p in left)
    for secret in SECRETS:
        assert secret.encode("utf-8") not in data
    assert not crypto_store.has_keyfile(li.dir)     # the next start is a first run
    assert dialog.pages.currentIndex() == 2 and str(receipt) in dialog.done_text.text()
    shot(dialog, f"handover-3-done-{lang}")
    dialog.close_button.click()
    assert quits == [True]
    from outreach.storage.store import Store
    from outreach.ui.ops import load_worker_settings

    fresh = Store.open(li.dir)                      # the next start: a new, empty store → first run
    try:
        assert load_worker_settings(fresh).worker_name == ""
        from outreach.sync import team as T

        with fresh.connect() as conn:
            assert T.get_team(conn) is None
        assert fresh.device.id != old_id
    finally:
        fresh.close()


def test_the_lead_is_told_it_cannot_hand_over(qtbot, worker_window):
    from outreach.ui.app import build_context
    from outreach.ui.dialogs.handover_dialog import HandoverDialog

    lead, _li, _window, _ctx = worker_window
    from PySide6.QtWidgets import QApplication

    ctx = build_context(lead.store, QApplication.instance())
    try:
        dialog = HandoverDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
        assert "组长的电脑不能办理移交" in dialog.error.text()
    finally:
        ctx.close()


def test_reopened_after_the_bundle_was_made_it_starts_at_the_acknowledgement(qtbot, worker_window):
    from outreach.sync import handover

    _lead, li, window, ctx = worker_window
    result = handover.start(li.store, li.ring, li.outbox)     # made earlier (CLI, or the screen closed)
    dialog = window.dayone.run("handover")
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=5000)
    assert result.path.name in dialog.written.text() and f"第 {result.seq} 号" in dialog.written.text()
    assert not dialog.wipe_button.isEnabled()
    dialog.reject()
