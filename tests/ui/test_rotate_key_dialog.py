"""Team → Change the team key…: the guided screen rotates the key only after the confirmation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication

from tests.ui.test_print_menu import on_disk  # noqa: F401  (the fixture)
from tests.unit.sync.transport_kit import PASS

SHOTS = Path(os.environ.get("OUTREACH_SHOTS", "/tmp/outreach-shots"))


def fonts() -> None:
    """As create_application does: CJK text in the screenshots, not boxes."""
    from outreach.ui.lang import register_fonts

    app = QApplication.instance()
    if not app.property("outreach_fonts"):
        register_fonts(app)
        app.setProperty("outreach_fonts", True)


def test_rotate_key_from_the_team_menu(qtbot, on_disk, monkeypatch):  # noqa: F811
    from outreach.sync import rotation
    from outreach.sync import team as T
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs import rotate_key_dialog

    monkeypatch.setattr(rotate_key_dialog, "KDF", FAST_KDF_FOR_TESTS)
    fonts()
    window, ctx, store = on_disk
    T.create_team(store, PASS, name="石门镇社工站", kdf=FAST_KDF_FOR_TESTS)
    with store.connect() as conn:
        old = T.require_team(conn)
    window.dayone.refresh_role()
    qtbot.waitUntil(lambda: window.dayone.role is not None and window.dayone.role.in_team, timeout=5000)
    assert window.dayone.actions["rotate_key"].isEnabled()
    assert window.dayone.actions["rotate_key"].text() == "更换团队密钥…"
    dialog = window.dayone.run("rotate_key")
    assert "宽限日期" in dialog.explain.text()
    day = rotation.today()
    dialog.grace.setDate(QDate(day.year, day.month, day.day).addDays(10))
    dialog.passphrase.setText(PASS)
    assert not dialog.ok.isEnabled()                  # not without the confirmation
    dialog.confirm.setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.new_recovery.setChecked(True)              # the recovery file may be lost too
    dialog.recovery_path = str(store.path.parent.parent / "safe-recovery.txt")
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    dialog.grab().save(str(SHOTS / "rotate-key-zh_CN.png"))
    with qtbot.waitSignal(dialog.sig_rotated, timeout=20000):
        dialog.ok.click()
    from outreach.sync.lead_recovery import read_identity_file

    assert str(read_identity_file(Path(dialog.recovery_path)).to_public()) != old.recovery_age
    with store.connect() as conn:
        new = T.require_team(conn)
    assert new.team_age != old.team_age and new.team_sign != old.team_sign
    until = QDate(day.year, day.month, day.day).addDays(10).toPython().isoformat()
    assert rotation.state(store)["old"][0]["until"] == until
    assert until in dialog.status.text() and "新的团队密钥" in dialog.status.text()
    assert new.recovery_age == str(read_identity_file(Path(dialog.recovery_path)).to_public())
    assert "safe-recovery.txt" in dialog.status.text()
    dialog.reject()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_leads_new_laptop_takes_over_with_the_recovery_file(qtbot, on_disk, monkeypatch, tmp_path, lang):  # noqa: F811
    """The lead's laptop is lost: on a laptop in no team the screen opens on "I am the lead on a new
    laptop"; with the recovery file and 李娜's uplink it becomes the lead, and 李娜 follows it."""
    from outreach.sync import team as T
    from outreach.sync import transport
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs import rotate_key_dialog
    from tests.ui.conftest import wait_idle
    from tests.unit.sync.transport_kit import (
        DONGPING,
        add_household,
        create_lead,
        downlink,
        join,
        receive,
        uplink,
    )

    monkeypatch.setattr(rotate_key_dialog, "KDF", FAST_KDF_FOR_TESTS)
    window, ctx, store = on_disk
    fonts()
    ctx.language.apply(lang)
    root = tmp_path / "team"
    lost = create_lead(root)
    li = join(root, lost, "li", "李娜", [DONGPING])
    try:
        receive(li, downlink(lost, li))
        add_household(li, "东坪-0042", DONGPING)
        up = uplink(li, full=True).path
        recovery = root / "recovery-identity.txt"
        T.export_recovery(lost.store, PASS, recovery)

        window.dayone.refresh_role()
        qtbot.waitUntil(lambda: window.dayone.role is not None, timeout=5000)
        assert not window.dayone.role.in_team and window.dayone.actions["rotate_key"].isEnabled()
        dialog = window.dayone.run("rotate_key")
        wait_idle(qtbot, ctx)
        assert dialog.mode_recover.isChecked() and not dialog.mode_rotate.isEnabled()
        assert dialog.ok.text() == {"zh_CN": "接管团队", "en": "Take over the team"}[lang]
        dialog.identity.setText(str(recovery))
        dialog.add_uplinks([str(up)])
        dialog.passphrase.setText(PASS)
        assert not dialog.ok.isEnabled()            # not without the confirmation
        dialog.confirm.setChecked(True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()                # pending layout requests, as on screen
        dialog.grab().save(str(SHOTS / f"recover-lead-{lang}.png"))
        with qtbot.waitSignal(dialog.sig_recovered, timeout=30000):
            dialog.ok.click()
        QApplication.processEvents()
        dialog.grab().save(str(SHOTS / f"recover-lead-done-{lang}.png"))
        assert ("李娜" in dialog.status.text())
        with store.connect() as conn:
            team = T.require_team(conn)
            assert team.is_lead and T.get_device(conn, lost.id).status == "revoked"
        ring = T.unlock(store, PASS)
        path = transport.export_bundle(store, ring, out=root, to=li.id).path
        [r] = receive(li, path)
        assert r.status == transport.IMPORTED, r.text("en")
        with li.store.connect() as conn:
            assert T.require_team(conn).lead_device_id == store.device.id
    finally:
        dialog_close = getattr(locals().get("dialog"), "reject", None)
        if dialog_close:
            dialog_close()
        lost.close()
        li.close()
