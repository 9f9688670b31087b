"""Several people at once (issue 15): a household or member form never overwrites a field someone else
changed after it was opened (another county worker on the same PostgreSQL database, or an import); it
says who changed what, stays open, and saves nothing (a field nobody else touched is saved as usual:
tests/unit/services/test_several_people.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from outreach.services import households, people
from outreach.storage.tables import Household
from outreach.ui.dialogs.household_form import HouseholdForm
from outreach.ui.dialogs.member_form import MemberForm
from tests.ui.conftest import on_db, type_text, wait_idle


def _open(qtbot, ctx, form):
    form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard   # closing at the end asks nothing
    qtbot.addWidget(form)
    form.show()
    qtbot.waitUntil(lambda: form.ready, timeout=5000)
    wait_idle(qtbot, ctx)
    return form


def _someone_else(store, table, row_id, **values):
    with store.transaction(worker="王强") as w:
        w.update(table, row_id, values)


def test_the_household_form_does_not_overwrite_a_phone_changed_since_it_opened(qtbot, ctx, county):
    hid = county["h1"]
    form = _open(qtbot, ctx, HouseholdForm(ctx, None, household_id=hid))
    on_db(qtbot, ctx, _someone_else, Household, hid, phone="13700000000")
    form.phone.clear()
    qtbot.keyClicks(form.phone, "13600000000")
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible()
    shown = form.general_error.text()
    assert "王强" in shown and "电话" in shown and "没有保存" in shown
    assert on_db(qtbot, ctx, households.get_household, hid).row.phone == "13700000000"


def test_the_member_form_does_not_overwrite_a_name_changed_since_it_opened(qtbot, ctx, county):
    from outreach.storage.tables import Person

    pid = county["p_zhang"]
    form = _open(qtbot, ctx, MemberForm(ctx, None, household_id=county["h1"], person_id=pid))
    on_db(qtbot, ctx, _someone_else, Person, pid, name="张山")
    type_text(form.name, "张叁")
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible() and "王强" in form.general_error.text()
    assert on_db(qtbot, ctx, people.get_person, pid).name == "张山"
