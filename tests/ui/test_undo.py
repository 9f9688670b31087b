"""Undo/redo of edits through the QUndoStack: each step is a service call on the database thread."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

from outreach.services import households, people
from tests.ui.conftest import wait_idle


def _get(qtbot, ctx, fn, *args):
    box = {}
    ctx.runner.query(fn, *args, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    return box["r"]


def test_mark_moved_then_undo_and_redo(qtbot, window, ctx, county):
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    page = window.household_page
    page.members_view.selectionModel().setCurrentIndex(
        page.members.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    page.member_buttons["mark_moved"].click()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, people.get_person, county["p_wang"]).status == "moved"
    assert ctx.undo.canUndo()
    undo = window.actions_by_name["undo"]
    assert undo.isEnabled() and "王秀英" in undo.text() and undo.text().startswith("撤销")
    undo.trigger()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, people.get_person, county["p_wang"]).status == "present"
    window.actions_by_name["redo"].trigger()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, people.get_person, county["p_wang"]).status == "moved"
    wait_idle(qtbot, ctx)
    assert page.members.record_at(0).status == "moved"  # the page refreshed itself


def test_undo_household_edit_restores_the_old_phone(qtbot, window, ctx, county):
    form = window.forms.edit_household(county["h3"])
    wait_idle(qtbot, ctx)
    form.phone.clear()
    qtbot.keyClicks(form.phone, "13711112222")
    form.accept()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, households.get_household, county["h3"]).row.phone == "13711112222"
    ctx.undo.undo()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, households.get_household, county["h3"]).row.phone == "13900001111"
    ctx.undo.redo()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, households.get_household, county["h3"]).row.phone == "13711112222"


def test_undo_new_member_archives_it(qtbot, window, ctx, county):
    form = window.forms.add_member(county["h1"])
    qtbot.keyClicks(form.name, "Li Si")
    form.relation.set_value("spouse")  # a second member's relation is asked, not defaulted
    form.accept()
    wait_idle(qtbot, ctx)
    assert len(_get(qtbot, ctx, people.list_members, county["h1"])) == 2
    ctx.undo.undo()
    wait_idle(qtbot, ctx)
    assert [m.name for m in _get(qtbot, ctx, people.list_members, county["h1"])] == ["张三"]


def test_a_visit_recorded_by_mistake_can_be_undone_and_redone(qtbot, window, ctx, county):
    from outreach.services import visits

    form = window.forms.record_visit(county["h1"])
    wait_idle(qtbot, ctx)
    form.accept()
    wait_idle(qtbot, ctx)
    [visit] = _get(qtbot, ctx, visits.list_visits, county["h1"])
    undo = window.actions_by_name["undo"]
    assert undo.isEnabled() and "走访" in undo.text()
    undo.trigger()
    wait_idle(qtbot, ctx)
    assert _get(qtbot, ctx, visits.list_visits, county["h1"]) == []  # archived, not deleted
    window.actions_by_name["redo"].trigger()
    wait_idle(qtbot, ctx)
    assert [v.id for v in _get(qtbot, ctx, visits.list_visits, county["h1"])] == [visit.id]
