"""The lead's review screens: the conflict queue (both values with who/when/which laptop; keep, take,
edit) and the duplicate queue (side by side, merge either way, not-a-duplicate, undo)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from outreach.i18n import set_language, tr
from outreach.storage.tables import Household, Person
from outreach.sync import conflicts
from outreach.ui.views.conflict_queue_view import ConflictQueueView
from outreach.ui.views.duplicate_queue_view import DuplicateQueueView
from tests.ui.conftest import on_db
from tests.unit.merge.helpers import add_household, add_person, edit, make_store, seed_areas, sync


@pytest.fixture
def team():
    lead, lina, wang = make_store("陈静"), make_store("李娜"), make_store("王强")
    seed_areas(lead, lina, wang)
    yield lead, lina, wang
    for s in (lead, lina, wang):
        s.close()


def phone_conflict(lead, lina, wang) -> str:
    hh = add_household(lead, "石门-0022", phone="13800000000")
    sync(lead, lina)
    sync(lead, wang)
    edit(lina, Household, hh, phone="13911111111")
    edit(wang, Household, hh, phone="13722222222")
    sync(lina, lead)
    sync(wang, lead)
    return hh


def value(store, model, row_id, column):
    table = model.__table__
    with store.connect() as conn:
        return conn.execute(select(table.c[column]).where(table.c.id == row_id)).scalar_one()


def open_view(qtbot, cls, store):
    view = cls(store)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.loaded, timeout=10000)
    return view


def reloaded(qtbot, view, action):
    view.loaded = False
    action()
    qtbot.waitUntil(lambda: view.loaded and view.runner.is_idle(), timeout=10000)


def test_conflict_queue_shows_both_numbers_and_take_flows_down(qtbot, team):
    lead, lina, wang = team
    hh = phone_conflict(lead, lina, wang)
    view = open_view(qtbot, ConflictQueueView, lead)
    assert view.model.rowCount() == 1
    assert view.model.data(view.model.index(0, 0)) == "石门-0022"
    assert view.model.data(view.model.index(0, 1)) == "电话"
    assert view.current_box.value.text() == "13722222222"
    assert "王强" in view.current_box.who.text() and wang.device.id[:8] in view.current_box.who.text()
    assert view.other_box.value.text() == "13911111111"
    assert "李娜" in view.other_box.who.text() and lina.device.id[:8] in view.other_box.who.text()
    assert view.title.text() == tr("merge.ui.conflicts_open", n=1)
    reloaded(qtbot, view, view.take)
    assert on_db(qtbot, view, value, Household, hh, "phone") == "13911111111"
    assert view.model.rowCount() == 0 and not view.keep_button.isEnabled()
    assert "13911111111" in view.message.text()
    on_db(qtbot, view, sync, wang)     # lead → wang, read on the screen's database thread
    assert value(wang, Household, hh, "phone") == "13911111111"
    view.show_resolved.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
    assert "采用了另一个值" in view.message.text()


def test_conflict_queue_edit_and_english(qtbot, team):
    lead, lina, wang = team
    hh = phone_conflict(lead, lina, wang)
    set_language("en")
    view = open_view(qtbot, ConflictQueueView, lead)
    view.retranslate()
    assert view.keep_button.text() == "Keep current value"
    assert view.model.headerData(2, Qt.Orientation.Horizontal) == "Current value"
    view.edit_value.setText("13655555555")
    reloaded(qtbot, view, view.edit)
    assert on_db(qtbot, view, value, Household, hh, "phone") == "13655555555"
    assert on_db(qtbot, view, conflicts.list_conflicts) == []


def test_duplicate_queue_side_by_side_merge_and_undo(qtbot, team):
    lead, lina, wang = team
    hh = add_household(lead, "石门-0107")
    sync(lead, lina)
    sync(lead, wang)
    trad = add_person(lina, hh, "張建國", date(1961, 8, 8))
    simp = add_person(wang, hh, "张建国", date(1961, 8, 8), phone="13800000000")
    sync(lina, lead)
    sync(wang, lead)
    view = open_view(qtbot, DuplicateQueueView, lead)
    assert view.list.count() == 1
    left, right = view.left.texts(), view.right.texts()
    assert {left[0], right[0]} == {"張建國", "张建国"}
    assert left[2] == right[2] == "1961-08-08" and left[5] == right[5] == "石门-0107"
    assert view.left.values[0].font().bold() and not view.left.values[2].font().bold()
    keep_left_id = view.proposals[0].a.id
    reloaded(qtbot, view, lambda: view.merge(keep_left=True))
    gone = simp if keep_left_id == trad else trad
    assert on_db(qtbot, view, value, Person, gone, "merged_into") == keep_left_id
    assert view.list.count() == 0 and view.merge_list.count() == 1
    reloaded(qtbot, view, view.undo_merge)
    assert on_db(qtbot, view, value, Person, gone, "merged_into") is None
    assert view.list.count() == 1 and view.merge_list.count() == 0
    reloaded(qtbot, view, view.not_duplicate)
    assert view.list.count() == 0
    reloaded(qtbot, view, view.scan)
    assert view.list.count() == 0 and "0" in view.message.text()
