"""Window only: the lead clicks “Revoke the selected laptop…” (a laptop was stolen) before picking one
in the table. Nothing at all happened — no question, no word — so she could think it was done; now
the screen says to select the laptop first, as “Change villages…” does, and nothing is revoked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outreach.i18n import set_language, tr
from tests.ui.sync_screen_kit import open_sync_view, team  # noqa: F401  (the fixture)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_revoke_with_no_laptop_selected_says_so(qtbot, team, lang):  # noqa: F811
    lead, _wang = team
    set_language(lang)
    view = open_sync_view(qtbot, lead.store, devices=2)
    view.table.clearSelection()
    view.table.setCurrentIndex(view.model.index(-1, -1))
    assert view.revoke_button.isVisible() and view.revoke_button.isEnabled()
    before = view.log.count()
    qtbot.mouseClick(view.revoke_button, Qt.MouseButton.LeftButton)
    assert view.log.count() == before + 1, "the click said nothing"
    assert tr("ui.dayone.pick_laptop") in view.log_lines()[-1]
    statuses = {d["name"]: d["status"] for d in view.model.devices}
    assert "revoked" not in statuses.values()
