"""Window only: a greyed-out Team task says why when pointed at (not in a team yet / already in one /
only the lead's laptop), in the interface language — a worker is not left guessing."""

from __future__ import annotations

from outreach.i18n import tr

from .conftest import wait_idle


def test_greyed_team_tasks_say_why(qtbot, window, ctx):
    menus = window.dayone
    qtbot.waitUntil(lambda: menus.role is not None, timeout=5000)
    assert not menus.role.in_team
    assert menus.team_menu.toolTipsVisible()
    recovery, handover, create = (menus.actions[n] for n in ("recovery", "handover", "create_team"))
    assert not recovery.isEnabled() and recovery.toolTip() == tr("wo.menu.why.no_team")
    assert not handover.isEnabled() and handover.toolTip() == tr("wo.menu.why.no_team")
    assert create.isEnabled() and create.toolTip() == create.text().replace("&", "")
    window.set_language("en")
    wait_idle(qtbot, ctx)
    try:
        assert recovery.toolTip() == tr("wo.menu.why.no_team", "en")
        assert "team" in recovery.toolTip()
    finally:
        window.set_language("zh_CN")
        wait_idle(qtbot, ctx)
