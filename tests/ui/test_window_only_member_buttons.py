"""Window only: under a household's members the buttons Edit member, Mark moved away, Mark deceased and
Mark present act on the member selected above. With none selected a click did nothing and said
nothing (the worker could think 王秀英 was marked moved away); now they are greyed out until a member is
selected, and work once one is."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.services import people

from .conftest import on_db, wait_idle


def test_member_buttons_wait_for_a_selected_member(qtbot, window, ctx, county):
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    page = window.household_page
    qtbot.waitUntil(lambda: page.members.rowCount() == 1)
    buttons = page.member_buttons
    page.members_view.setCurrentIndex(page.members.index(-1, -1))
    assert not any(b.isEnabled() for b in buttons.values()), "buttons that do nothing when clicked"
    page.members_view.setCurrentIndex(page.members.index(0, 0))
    assert all(b.isEnabled() for b in buttons.values())
    qtbot.mouseClick(buttons["mark_moved"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert on_db(qtbot, ctx, people.get_person, county["p_wang"]).status == "moved"
    qtbot.waitUntil(lambda: page.members.rowCount() == 1)
    if not page.members_view.currentIndex().isValid():     # the list was reloaded: nothing selected
        assert not any(b.isEnabled() for b in buttons.values())


def test_another_household_starts_with_nothing_selected(qtbot, window, ctx, county):
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    page = window.household_page
    page.members_view.setCurrentIndex(page.members.index(0, 0))
    window.open_household(county["h3"])
    wait_idle(qtbot, ctx)
    assert not page.members_view.currentIndex().isValid()
    assert not any(b.isEnabled() for b in page.member_buttons.values())
