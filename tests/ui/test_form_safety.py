"""No silent change, nothing lost: the mouse wheel passing over a form changes nothing; typed dates are
read as typed or refused beside the field; closing names what is unsaved; the first member is the
head; answers that follow from the members are prefilled and marked; an assessment can be left
incomplete and carried on with."""

from __future__ import annotations

from datetime import date

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from outreach.domain import idnumber
from outreach.i18n import tr
from outreach.services import assessments, people, visits
from outreach.ui.dialogs.form_base import FormDialog
from tests.ui.conftest import type_text, wait_idle


def _query(qtbot, ctx, fn, *args):
    box = {}
    ctx.runner.query(fn, *args, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    return box["r"]


def _ready(qtbot, ctx, form: FormDialog) -> FormDialog:
    qtbot.waitUntil(lambda: form.ready)
    wait_idle(qtbot, ctx)
    return form


def _wheel(widget: QWidget, up: bool) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    delta = QPoint(0, 120 if up else -120)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), delta,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def _wheel_everything(form: FormDialog) -> int:
    """Wheel up and down (three ticks each) over every widget of the form; returns how many."""
    widgets = [w for w in form.findChildren(QWidget) if not w.isWindow()]
    for w in widgets:
        for up in (False, False, False, True, True, True, False):
            _wheel(w, up)
    return len(widgets)


def _set_some_values(form: FormDialog) -> None:
    """Move every drop-down off its first entry, so a wheel tick could change it either way."""
    for combo in form.findChildren(QComboBox):
        if combo.count() > 2:
            combo.setCurrentIndex(1)


def test_an_unguarded_drop_down_does_change_with_the_wheel(qapp):
    """The control: the events this file sends do turn a plain combo box."""
    combo = QComboBox()
    combo.addItems(["是", "否", "不知道"])
    combo.setCurrentIndex(1)
    combo.show()
    _wheel(combo, up=False)
    assert combo.currentIndex() == 2
    combo.deleteLater()


@pytest.mark.parametrize("which", ["assess", "add_member", "edit_member", "record_visit", "edit_household",
                                   "refer"])
def test_the_wheel_over_any_input_changes_nothing(qtbot, window, ctx, county, which):
    forms = window.forms
    form = {"assess": lambda: forms.assess(county["h2"]),
            "add_member": lambda: forms.add_member(county["h1"]),
            "edit_member": lambda: forms.edit_member(county["h2"], county["p_wang"]),
            "record_visit": lambda: forms.record_visit(county["h1"]),
            "edit_household": lambda: forms.edit_household(county["h1"]),
            "refer": lambda: forms.refer(county["h2"])}[which]()
    _ready(qtbot, ctx, form)
    _set_some_values(form)
    if which == "assess":
        form.questions["he_chronic"].set_value(True)  # its follow-up shows: more inputs to pass over
        form.questions["bl_income_source"].set_value("farming")
    form.buttons.setFocus()  # the pointer passes over the fields; the keyboard is elsewhere
    before = form.input_state()
    assert len(before) >= 8
    assert _wheel_everything(form) > 20
    assert form.input_state() == before
    if which == "assess":
        assert form.is_question_visible("he_medicine_left")  # 慢性病 是 stays 是; its follow-up stays


def test_the_focused_drop_down_still_takes_the_wheel(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.add_member(county["h1"]))
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.status.setFocus()
    qtbot.waitUntil(form.status.hasFocus)
    before = form.status.currentIndex()
    _wheel(form.status, up=False)
    assert form.status.currentIndex() != before


# ---------------------------------------------------------------------------- typed dates
@pytest.mark.parametrize("typed", ["2016-03-08", "2016/3/8", "20160308", " 2016-03-08 ", "2016年3月8日"])
def test_a_typed_birth_date_is_saved_as_typed_and_read_back(qtbot, window, ctx, county, typed):
    form = _ready(qtbot, ctx, window.forms.add_member(county["h3"]))
    type_text(form.name, "刘小明")
    form.relation.set_value("grandchild")
    if typed.isascii():
        qtbot.keyClicks(form.birth_date.edit, typed)
    else:
        type_text(form.birth_date.edit, typed)
    form.accept()  # saving reads the field even if it was never left
    wait_idle(qtbot, ctx)
    assert not shiboken6.isValid(form) or not form.isVisible()
    saved = [m for m in _query(qtbot, ctx, people.list_members, county["h3"]) if m.name == "刘小明"]
    assert [m.birth_date for m in saved] == [date(2016, 3, 8)]
    again = _ready(qtbot, ctx, window.forms.edit_member(county["h3"], saved[0].id))
    assert again.birth_date.text() == "2016-03-08" and again.birth_date.value() == date(2016, 3, 8)
    assert not again.dirty


@pytest.mark.parametrize("typed,key", [("2016-02-30", "forms.date.no_such_day"), ("2016-3", "forms.date.unreadable"),
                                       ("20990101", "forms.date.future")])
def test_a_date_that_cannot_be_read_is_refused_beside_the_field_and_nothing_saved(qtbot, window, ctx, county,
                                                                                   typed, key):
    form = _ready(qtbot, ctx, window.forms.add_member(county["h3"]))
    type_text(form.name, "刘小红")
    form.relation.set_value("grandchild")
    qtbot.keyClicks(form.birth_date.edit, typed)
    form.phone.setFocus()  # leaving the field reads it: the reason shows at once
    form.birth_date.commit()
    assert form.birth_date.problem() is not None and form.birth_date.problem().key == key
    assert form.birth_date.message.isVisibleTo(form) and form.birth_date.message.text()
    assert form.birth_date.text() == typed  # what was typed stays to be corrected, not dropped
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible()
    assert "刘小红" not in [m.name for m in _query(qtbot, ctx, people.list_members, county["h3"])]
    form.birth_date.edit.clear()
    qtbot.keyClicks(form.birth_date.edit, "2016-02-29")
    assert not form.birth_date.message.isVisibleTo(form)  # fine again as soon as it is
    form.accept()
    wait_idle(qtbot, ctx)
    saved = [m.birth_date for m in _query(qtbot, ctx, people.list_members, county["h3"]) if m.name == "刘小红"]
    assert saved == [date(2016, 2, 29)]


def test_an_empty_optional_date_stays_empty(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.record_visit(county["h1"]))
    assert form.next_due.text() == "" and form.next_due.value() is None
    form.accept()
    wait_idle(qtbot, ctx)
    recorded = _query(qtbot, ctx, visits.list_visits, county["h1"])
    assert len(recorded) == 1 and recorded[0].next_due is None and recorded[0].visit_date == date.today()


def test_the_calendar_opens_today_or_at_the_birth_year_of_the_id(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.add_member(county["h3"]))
    assert form.birth_date.calendar_start() == date.today()  # never January 1900
    qtbot.keyClicks(form.id_number, "5301011987")
    assert form.birth_date.calendar_start() == date(1987, 1, 1)
    form.id_number.setText(idnumber.make("530101", date(1987, 6, 5), 12))
    assert form.birth_date.value() == date(1987, 6, 5) and form.birth_date.calendar_start() == date(1987, 6, 5)


# ---------------------------------------------------------------------------- unsaved changes, named
def test_closing_names_the_unsaved_fields(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.edit_member(county["h2"], county["p_wang"]))
    assert form.unsaved_fields() == []
    form.phone.setText("13700001111")
    form.phone.textEdited.emit("13700001111")
    form.flag_boxes["chronic_illness"].setChecked(True)
    qtbot.keyClicks(form.birth_date.edit, "x")
    assert form.unsaved_fields() == [tr("field.birth_date"), tr("field.phone"), tr("ui.field.flags")]  # form order
    text = form.unsaved_text()
    assert tr("field.phone") in text and tr("ui.field.flags") in text and "3" in text
    form.phone.setText("")
    form.birth_date.set_text("1943-05-02")
    form.flag_boxes["chronic_illness"].setChecked(False)
    assert form.unsaved_fields() == [] and not form.dirty  # changed back: nothing to ask about


def test_english_unsaved_message_uses_plural_forms(qtbot, window, ctx, county):
    window.set_language("en")
    form = _ready(qtbot, ctx, window.forms.edit_member(county["h2"], county["p_wang"]))
    form.phone.setText("13700001111")
    assert form.unsaved_text().startswith("This change is not saved yet: Phone")
    form.notes.setPlainText("x")
    assert form.unsaved_text().startswith("These 2 changes are not saved yet:")


# ---------------------------------------------------------------------------- prefill
def test_first_member_is_the_head_later_ones_choose(qtbot, window, ctx, county, store):
    from outreach.services import households

    empty = _query(qtbot, ctx, lambda s: households.create_household(s, village_id="530101100202", code="石门-0099"))
    first = _ready(qtbot, ctx, window.forms.add_member(empty))
    assert first.relation.value() == "self"
    first.reject()
    later = _ready(qtbot, ctx, window.forms.add_member(county["h1"]))
    assert later.relation.value() == ""
    later.accept()
    assert later.fields["relation"].error.text() == tr("error.required")


def test_assessment_answers_that_follow_from_members_are_prefilled_and_marked(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.assess(county["h2"]))  # 王秀英, 83, lives alone
    lives_alone = form.questions["ca_lives_alone"]
    assert lives_alone.value() is True and lives_alone.is_prefilled()
    assert lives_alone.prefill_mark.isVisibleTo(form) and lives_alone.prefill_mark.text() == tr("forms.prefill.mark")
    assert form.questions["ed_school_age"].value() is False
    assert set(form.prefilled_questions()) == {"ca_lives_alone", "ed_school_age"}
    assert not form.dirty  # prefilling is not the worker's edit
    lives_alone.set_value(False)  # still editable; the mark goes, the buttons stay where they were
    assert lives_alone.value() is False and not lives_alone.is_prefilled()
    assert form.questions["he_chronic"].value() is None  # nothing recorded about it: asked


# ---------------------------------------------------------------------------- incomplete assessments
def test_an_assessment_saved_incomplete_is_carried_on_with(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.assess(county["h3"]))
    form.questions["bl_income_source"].set_value("farming")
    form.questions["bl_food"].set_value("enough")
    form.accept()  # complete: refused, questions unanswered
    wait_idle(qtbot, ctx)
    assert form.isVisible()
    form.save_incomplete_button.click()
    wait_idle(qtbot, ctx)
    assert not shiboken6.isValid(form) or not form.isVisible()
    saved = _query(qtbot, ctx, assessments.list_assessments, county["h3"])
    assert len(saved) == 1 and saved[0].complete is False
    assert _query(qtbot, ctx, assessments.latest_priority, county["h3"]) is None
    from outreach.ui.dialogs.assessment_detail_dialog import AssessmentDetailDialog

    detail = AssessmentDetailDialog(ctx, saved[0].id, window)
    wait_idle(qtbot, ctx)
    assert tr("forms.assessment.incomplete_note") in detail.text.toPlainText()
    detail.deleteLater()
    again = _ready(qtbot, ctx, window.forms.assess(county["h3"]))
    assert again.resume_id == saved[0].id and again.resume_label.isVisibleTo(again)
    assert again.questions["bl_income_source"].value() == "farming"
    assert not again.dirty


# ---------------------------------------------------------------------------- nothing moves under the pointer
def test_buttons_hold_still_when_the_consent_warning_goes(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.refer(county["h2"]))
    form.show()
    save = form.buttons.buttons()[0]
    assert form.consent_note.isVisible()
    before = save.mapTo(form, save.rect().topLeft())
    form.consent.setChecked(True)
    qtbot.waitUntil(lambda: not form.consent_note.isVisible())
    QApplication.processEvents()
    assert save.mapTo(form, save.rect().topLeft()) == before


def test_the_id_field_keeps_its_width_when_save_without_id_appears(qtbot, window, ctx, county):
    form = _ready(qtbot, ctx, window.forms.add_member(county["h3"]))
    form.show()
    QApplication.processEvents()
    width = form.id_number.width()
    qtbot.keyClicks(form.id_number, "530101201603081234")
    QApplication.processEvents()
    assert form.without_id.isVisible() and form.id_number.width() == width


def test_the_wheel_over_the_screens_filters_changes_nothing(qtbot, window, ctx):
    combos = window.households.findChildren(QComboBox)
    assert combos
    for combo in combos:
        if combo.count() > 2:
            combo.setCurrentIndex(1)
    before = [c.currentIndex() for c in combos]
    window.households.setFocus()
    for combo in combos:
        _wheel(combo, up=False)
    assert [c.currentIndex() for c in combos] == before
