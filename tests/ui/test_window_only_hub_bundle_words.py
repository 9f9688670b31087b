"""Window only: a county hub's downlink opened on the Sync screen by mistake is refused with words
that lead somewhere in the window (Team → County hub…), not only to a command a lead never types."""

from __future__ import annotations

import pytest

from outreach.i18n import set_language, tr
from tests.ui.sync_screen_kit import open_sync_view
from tests.unit.hub.hub_kit import create_hub, enrol_lead, hub_down


@pytest.fixture
def hub_and_lead(tmp_path):
    hub = create_hub(tmp_path)
    lead = enrol_lead(tmp_path, hub, "lead", "陈静", "石门镇社工站", ["530102002001"])
    yield hub, lead
    for laptop in (lead, hub):
        laptop.close()
    set_language("zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_hub_downlink_on_the_sync_screen_says_where_in_the_window_it_goes(qtbot, hub_and_lead, lang):
    hub, lead = hub_and_lead
    set_language(lang)
    downlink = hub_down(hub, lead).path
    view = open_sync_view(qtbot, lead.store, unlock=True)
    with qtbot.waitSignal(view.sig_imported, timeout=20000) as blocker:
        view.import_files([str(downlink)])
    assert [r.status for r in blocker.args[0]] == ["refused"]
    line = next(line for line in view.log_lines() if line.startswith("✗"))
    assert tr("ui.dayone.menu.team").split("(")[0] in line, line
    assert tr("ui.dayone.action.hub") in line, line
    assert "outreach hub import" in line               # the command line's way is still named
