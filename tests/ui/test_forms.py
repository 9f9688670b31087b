"""Validation beside the field, in the user's language; nothing saved until valid; unsaved changes ask."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QMessageBox

from outreach.i18n import tr
from outreach.services import households, people
from tests.ui.conftest import on_db, type_text, wait_idle


def _members(qtbot, ctx, hid):
    box = {}
    ctx.runner.query(people.list_members, hid, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    return box["r"]


def test_member_errors_show_beside_their_fields_and_nothing_is_saved(qtbot, window, ctx, county):
    form = window.forms.add_member(county["h1"])
    qtbot.keyClicks(form.phone, "12345")
    form.accept()
    assert form.fields["name"].error.text() == tr("error.required")  # checked before the service
    assert form.fields["relation"].error.text() == tr("error.required")  # a second member: no default
    type_text(form.name, "李四")
    form.relation.set_value("spouse")
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible()
    phone_error = form.fields["phone"].error.text()
    assert phone_error and "12345" in phone_error and phone_error == tr("error.phone.invalid", value="12345")
    assert form.fields["name"].error.text() == ""
    assert [m.name for m in _members(qtbot, ctx, county["h1"])] == ["张三"]
    form.phone.clear()
    form.accept()
    wait_idle(qtbot, ctx)
    assert not shiboken6.isValid(form) or not form.isVisible()
    assert sorted(m.name for m in _members(qtbot, ctx, county["h1"])) == ["张三", "李四"]


def test_id_length_and_birth_date_mismatch_messages(qtbot, window, ctx, county):
    form = window.forms.add_member(county["h1"])
    qtbot.keyClicks(form.id_number, "53010119")
    assert form.fields["id_number"].error.text() == ""  # not while still typing
    form.check_id(form.id_number.text(), finished=True)
    assert tr("error.id.length", length=8) in form.fields["id_number"].error.text()
    assert form.without_id.isVisible()


def test_messages_follow_the_language(qtbot, window, ctx, county):
    window.set_language("en")
    form = window.forms.add_member(county["h1"])
    form.accept()
    assert form.fields["name"].error.text() == tr("error.required", "en")
    assert form.fields["name"].label.text() == tr("field.name", "en")


def test_household_consent_needs_who(qtbot, window, ctx, county):
    form = window.forms.edit_household(county["h1"])
    wait_idle(qtbot, ctx)
    form.consent.setChecked(True)
    form.consent_method.set_value("verbal")
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible()
    assert form.fields["consent_by"].error.text() == tr("error.required")


def test_closing_with_unsaved_changes_asks(qtbot, window, ctx, county):
    form = window.forms.edit_household(county["h1"])
    wait_idle(qtbot, ctx)
    assert not form.dirty  # filling the form from the record is not an edit
    asked = []
    form.ask_unsaved = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    type_text(form.address, " 后院")
    form.reject()
    assert asked and form.isVisible()
    form.ask_unsaved = lambda: QMessageBox.StandardButton.Save
    form.reject()
    wait_idle(qtbot, ctx)
    box = {}
    ctx.runner.query(households.get_household, county["h1"], on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    assert box["r"].row.address.endswith("后院")


def test_discarding_unsaved_changes_writes_nothing(qtbot, window, ctx, county):
    form = window.forms.add_member(county["h1"])
    type_text(form.name, "王五")
    form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    form.reject()
    wait_idle(qtbot, ctx)
    assert [m.name for m in _members(qtbot, ctx, county["h1"])] == ["张三"]


def test_ctrl_s_saves_from_any_field(qtbot, window, ctx, county):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    form = window.forms.add_member(county["h1"])
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    qtbot.keyClicks(form.name, "Wang Wu")
    form.relation.set_value("child")  # not the household's first member: the relation is asked
    form.notes.setFocus()
    QTest.keyClick(form.notes, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, ctx)
    assert sorted(m.name for m in _members(qtbot, ctx, county["h1"])) == ["Wang Wu", "张三"]


def test_the_referral_form_expects_the_reply_within_the_team_profile_period(qtbot, window, ctx, county):
    """The team's reply period is read on the database thread with the form's other data (it was read
    on the GUI thread, which on the tests' one shared connection could roll back the database thread's
    work); a date the worker already changed is kept."""
    from datetime import date, timedelta

    from outreach.services.team_profile import update_team_profile

    on_db(qtbot, ctx, update_team_profile, reply_days=30)
    form = window.forms.refer(county["h2"])
    qtbot.waitUntil(lambda: form.ready)
    assert form.expected.value() == date.today() + timedelta(days=30)
    assert not form.dirty   # the loaded period is no edit
    form.reject()
    wait_idle(qtbot, ctx)

    form = window.forms.refer(county["h2"])
    form.expected.set_value(date.today() + timedelta(days=3))   # before the form's data came
    qtbot.waitUntil(lambda: form.ready)
    assert form.expected.value() == date.today() + timedelta(days=3)
    form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    form.reject()
    wait_idle(qtbot, ctx)
