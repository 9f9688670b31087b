"""Team → Change the team key…: the guided screen rotates the key only after the confirmation."""

from __future__ import annotations

from PySide6.QtCore import QDate

from tests.ui.test_print_menu import on_disk  # noqa: F401  (the fixture)
from tests.unit.sync.transport_kit import PASS


def test_rotate_key_from_the_team_menu(qtbot, on_disk, monkeypatch):  # noqa: F811
    from outreach.sync import rotation
    from outreach.sync import team as T
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs import rotate_key_dialog

    monkeypatch.setattr(rotate_key_dialog, "KDF", FAST_KDF_FOR_TESTS)
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
    with qtbot.waitSignal(dialog.sig_rotated, timeout=20000):
        dialog.ok.click()
    with store.connect() as conn:
        new = T.require_team(conn)
    assert new.team_age != old.team_age and new.team_sign != old.team_sign
    until = QDate(day.year, day.month, day.day).addDays(10).toPython().isoformat()
    assert rotation.state(store)["old"][0]["until"] == until
    assert until in dialog.status.text() and "新的团队密钥" in dialog.status.text()
    dialog.reject()
