"""The whole field flow through the real widgets: new household → members → visit → assessment →
referral, in Chinese, by keyboard where the scenario asks for it."""

from __future__ import annotations

from datetime import date

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from outreach.domain import idnumber
from outreach.domain.assessment import answer_field
from outreach.services import assessments, households, people, referrals, visits
from outreach.ui.dialogs.assessment_detail_dialog import AssessmentDetailDialog
from outreach.ui.dialogs.assessment_form import AssessmentForm
from outreach.ui.dialogs.household_form import HouseholdForm
from outreach.ui.dialogs.member_form import MemberForm
from outreach.ui.dialogs.referral_form import ReferralForm
from outreach.ui.dialogs.visit_form import VisitForm
from tests.ui.conftest import type_text, wait_idle


def _query(qtbot, ctx, fn, *args, **kwargs):
    """Read through the database thread, as the GUI does."""
    box = {}
    ctx.runner.query(fn, *args, on_done=lambda r: box.setdefault("r", r), **kwargs)
    qtbot.waitUntil(lambda: "r" in box, timeout=5000)
    return box["r"]


def _closed(form) -> bool:
    return not shiboken6.isValid(form) or not form.isVisible()


def _benign(widget):
    q = widget.q
    if q.type == "yesno":
        return False
    if q.type == "single":
        return q.options[0].value
    if q.type == "scale":
        return q.min or 0
    if q.type == "number":
        return 1
    if q.type == "multi":
        return [q.options[-1].value]
    return ""


def test_whole_flow_new_household_to_referral(qtbot, window, ctx):
    # --- new household (Ctrl+N), village picked from the tree selection
    window.households.select_area("530101100201")
    wait_idle(qtbot, ctx)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = window.forms.current
    assert isinstance(form, HouseholdForm)
    wait_idle(qtbot, ctx)
    assert form.village.currentData() == "530101100201"
    type_text(form.address, "东坪村二组 8 号")
    qtbot.keyClicks(form.phone, "13700001234")
    form.accept()
    wait_idle(qtbot, ctx)
    assert _closed(form)
    page = window.household_page
    assert window.stack.currentWidget() is page
    hid = page.household_id
    detail = _query(qtbot, ctx, households.get_household, hid)
    assert detail.row.address == "东坪村二组 8 号" and detail.row.phone == "13700001234"

    # --- member with a valid ID: birth date and sex are filled from it
    page.buttons["add_member"].click()
    member = window.forms.current
    assert isinstance(member, MemberForm)
    type_text(member.name, "王秀英")
    member.relation.set_value("self")
    valid = idnumber.make("530101", date(1943, 5, 2), 22)
    qtbot.keyClicks(member.id_number, valid)
    assert member.birth_date.value() == date(1943, 5, 2)
    assert member.sex.value() == "female"
    assert member.id_hint.isVisible()
    member.flag_boxes["elder_alone"].setChecked(True)
    member.accept()
    wait_idle(qtbot, ctx)
    assert _closed(member)
    assert page.members.rowCount() == 1

    # --- a child whose ID has a wrong check digit: said at once, saved without the ID
    page.buttons["add_member"].click()
    child = window.forms.current
    type_text(child.name, "刘小雨")
    child.relation.set_value("grandchild")
    good = idnumber.make("530101", date(2016, 9, 1), 24)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    qtbot.keyClicks(child.id_number, wrong)
    assert "校验码" in child.fields["id_number"].error.text()
    assert child.without_id.isVisible()
    child.flag_boxes["left_behind_child"].setChecked(True)
    qtbot.mouseClick(child.without_id, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert _closed(child)
    members = _query(qtbot, ctx, people.list_members, hid)
    xiaoyu = next(m for m in members if m.name == "刘小雨")
    assert xiaoyu.id_number is None and "left_behind_child" in xiaoyu.flags

    # --- nobody home in three keystrokes: Ctrl+R, 2, Enter
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.forms.current is not None)  # a button's shortcut "animates" its click
    visit = window.forms.current
    assert isinstance(visit, VisitForm)
    wait_idle(qtbot, ctx)
    QTest.keyClick(visit.focusWidget(), Qt.Key.Key_2)
    QTest.keyClick(visit.focusWidget(), Qt.Key.Key_Return)
    wait_idle(qtbot, ctx)
    assert _closed(visit)
    recorded = _query(qtbot, ctx, visits.list_visits, hid)
    assert [v.outcome for v in recorded] == ["nobody_home"]
    assert page.visits.rowCount() == 1

    # --- a met visit with the next visit a week on
    page.buttons["visit"].click()
    visit = window.forms.current
    wait_idle(qtbot, ctx)
    visit.people.item(0).setCheckState(Qt.CheckState.Checked)
    type_text(visit.notes, "独居，降压药快吃完了。")
    visit.preset_buttons[1][0].click()
    visit.accept()
    wait_idle(qtbot, ctx)
    recorded = _query(qtbot, ctx, visits.list_visits, hid)
    assert len(recorded) == 2 and any(v.next_due for v in recorded)

    # --- needs assessment: skip logic live, priority shown, saved
    page.buttons["assess"].click()
    form = window.forms.current
    assert isinstance(form, AssessmentForm)
    wait_idle(qtbot, ctx)
    assert not form.is_question_visible("ca_bathe")
    for widget in form.questions.values():
        widget.set_value(_benign(widget))
    form.questions["ca_long_term"].set_value(True)
    assert form.is_question_visible("ca_bathe")
    assert form.fields[answer_field("ca_bathe")].label.isVisibleTo(form)
    for qid in ("ca_bathe", "ca_stairs", "ca_lives_alone"):
        form.questions[qid].set_value(True)
    form.questions["ca_carer"].set_value("nobody")
    form.questions["ca_dress_eat"].set_value(False)
    result = form.current_score()
    assert result.priority.value == "urgent"
    assert "紧急" in form.result.text()
    form.person.setCurrentIndex(form.person.findData(members[0].id if members[0].name == "王秀英" else members[1].id))
    form.accept()
    wait_idle(qtbot, ctx)
    assert _closed(form), form.general_error.text()
    saved = _query(qtbot, ctx, assessments.list_assessments, hid)
    assert saved[0].priority.value == "urgent"
    assert page.assessments.rowCount() == 1
    page.assessments_view.doubleClicked.emit(page.assessments.index(0, 0))  # read it back
    detail = page.findChild(AssessmentDetailDialog)
    wait_idle(qtbot, ctx)
    assert "洗澡" in detail.text.toPlainText() or "照料" in detail.text.toPlainText()
    detail.reject()

    # --- referral: consent is required before issuing
    page.buttons["refer"].click()
    form = window.forms.current
    assert isinstance(form, ReferralForm)
    wait_idle(qtbot, ctx)
    type_text(form.provider_search, "卫生院")
    form.provider_search.flush()
    wait_idle(qtbot, ctx)
    assert form.provider_list.count() == 1
    form.provider_list.setCurrentRow(0)
    form.person.setCurrentIndex(form.person.findText("王秀英"))
    type_text(form.reason, "降压药快吃完，需要开药。")
    assert form.consent_note.isVisible()
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible()
    assert form.fields["consent_given"].error.text()
    assert not _query(qtbot, ctx, referrals.list_referrals, household_id=hid)
    form.consent.setChecked(True)
    form.consent_method.set_value("verbal_witnessed")
    type_text(form.consent_witness, "邻居张阿姨")
    if form.needs.count():
        form.needs.item(0).setCheckState(Qt.CheckState.Checked)
    form.accept()
    wait_idle(qtbot, ctx)
    assert _closed(form), form.general_error.text()
    made = _query(qtbot, ctx, referrals.list_referrals, household_id=hid)
    assert [r.status for r in made] == ["issued"]
    assert page.referrals.rowCount() == 1
    assert page.history.rowCount() > 5
