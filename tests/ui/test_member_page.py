"""Editing a member from the household page, tab order in a form, and what the history shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from outreach.domain import idnumber
from outreach.services import people
from outreach.ui.dialogs.member_form import MemberForm
from tests.ui.conftest import wait_idle


def _get(qtbot, ctx, fn, *args):
    box = {}
    ctx.runner.query(fn, *args, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    return box["r"]


def test_edit_member_from_the_page_and_undo(qtbot, window, ctx, county):
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    page = window.household_page
    page.members_view.doubleClicked.emit(page.members.index(0, 0))
    form = window.forms.current
    assert isinstance(form, MemberForm)
    wait_idle(qtbot, ctx)
    assert form.name.text() == "王秀英" and form.flag_boxes["elder_alone"].isChecked()
    assert not form.dirty
    assert form.id_hint.isVisible()  # the stored ID is checked too
    qtbot.keyClicks(form.phone, "13512345678")
    form.flag_boxes["chronic_illness"].setChecked(True)
    form.accept()
    wait_idle(qtbot, ctx)
    person = _get(qtbot, ctx, people.get_person, county["p_wang"])
    assert person.phone == "13512345678" and person.flags == {"elder_alone", "chronic_illness"}
    ctx.undo.undo()
    wait_idle(qtbot, ctx)
    person = _get(qtbot, ctx, people.get_person, county["p_wang"])
    assert person.phone == "" and person.flags == {"elder_alone"}


def test_tab_moves_through_the_member_form_in_reading_order(qtbot, window, ctx, county):
    form = window.forms.add_member(county["h1"])
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.name.setFocus()
    order = []
    for _ in range(4):
        QTest.keyClick(form.focusWidget(), Qt.Key.Key_Tab)
        order.append(form.focusWidget())
    assert order[:3] == [form.relation, form.id_number, form.without_id if form.without_id.isVisible() else form.sex]


def test_history_names_who_and_masks_resident_ids(qtbot, window, ctx, county):
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    page = window.household_page
    texts = [page.history.data(page.history.index(r, c)) for r in range(page.history.rowCount())
             for c in range(page.history.columnCount())]
    full_id = idnumber.make("530101", __import__("datetime").date(1943, 5, 2), 22)
    assert not any(full_id in (t or "") for t in texts)
    assert any(idnumber.mask(full_id) in (t or "") for t in texts)
    assert "李娜" in texts and "本机" in texts


def test_list_catches_up_with_edits_made_on_the_household_page(qtbot, window, ctx, county):
    from outreach.ui.models.household_table_model import COLUMNS, ID_ROLE

    window.open_household(county["h1"])
    wait_idle(qtbot, ctx)
    form = window.forms.edit_household(county["h1"])
    wait_idle(qtbot, ctx)
    form.phone.clear()
    qtbot.keyClicks(form.phone, "13600000000")
    form.accept()
    wait_idle(qtbot, ctx)
    window.household_page.back_button.click()
    wait_idle(qtbot, ctx)
    model = window.households.model
    phone_col = [c[0] for c in COLUMNS].index("phone")
    row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 0), ID_ROLE) == county["h1"])
    assert model.data(model.index(row, phone_col)) == "13600000000"
