"""A form left open is kept as a draft: it survives the process being killed (SIGKILL, no chance to
clean up) and is offered back on the next start; reopening the same form offers it too."""

from __future__ import annotations

import signal
from datetime import date

import pytest
import shiboken6

from outreach.services import drafts, people
from tests.ui.conftest import on_db, seed_county, wait_idle
from tests.ui.draft_kill import kill_when_draft_saved

FORM = """
from outreach.ui.dialogs.member_form import MemberForm

form = MemberForm(ctx, None, household_id=sys.argv[2])

def fill():
    form.name.setText("李小花")
    form.name.textEdited.emit("李小花")
    form.relation.set_value("grandchild")
    form.birth_date.edit.setText("20160308")
    form.birth_date.edit.textEdited.emit("20160308")
    form.notes.setPlainText("奶奶带着，父母在外打工")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_draft_survives_killing_the_process_and_is_offered_on_next_start(qtbot, qapp, tmp_path):
    from outreach.storage.store import Store

    data = tmp_path / "field-laptop"
    store = Store.open(data)
    store.set_setting("worker_name", "李娜")
    store.set_setting("device_name", "李娜的笔记本")
    ids = seed_county(store)
    store.close()

    lines = kill_when_draft_saved(FORM, data, ids["h3"])
    assert lines[-1] == "DRAFT-SAVED member:h3:new".replace("h3", ids["h3"]), lines

    # --- the next start
    from outreach.ui.app import build_context
    from outreach.ui.main_window import MainWindow

    store = Store.open(data)
    [left] = drafts.list_drafts(store)
    assert left.kind == "member" and left.state["name"] == "李小花" and left.state["birth_date"] == "20160308"
    assert "石门-0022" in left.summary and "李小花" in left.summary  # says which form, which household
    ctx = build_context(store, qapp)
    window = MainWindow(ctx)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.forms.drafts_dialog is not None and window.forms.drafts_dialog.isVisible())
        offer = window.forms.drafts_dialog
        assert offer.list.count() == 1 and "李小花" in offer.list.item(0).text()
        offer.open_button.click()
        form = window.forms.current
        qtbot.waitUntil(lambda: form.ready and form.found_draft is not None)
        wait_idle(qtbot, ctx)
        assert form.name.text() == "李小花" and form.relation.value() == "grandchild"
        assert form.birth_date.value() == date(2016, 3, 8) and "打工" in form.notes.toPlainText()
        assert form.dirty  # the draft's values are unsaved until saved
        form.accept()
        wait_idle(qtbot, ctx)
        assert not shiboken6.isValid(form) or not form.isVisible()
        saved = [m for m in on_db(qtbot, ctx, people.list_members, ids["h3"]) if m.name == "李小花"]
        assert [m.birth_date for m in saved] == [date(2016, 3, 8)]
        assert on_db(qtbot, ctx, drafts.list_drafts) == []  # saved: the draft is gone
    finally:
        window.close()
        wait_idle(qtbot, ctx)
        ctx.close()
        window.deleteLater()
        store.close()


def test_reopening_a_form_offers_its_draft_and_discarding_drops_it(qtbot, window, ctx, county):
    form = window.forms.record_visit(county["h1"])
    qtbot.waitUntil(lambda: form.ready)
    with qtbot.waitSignal(form.sig_draft_saved, timeout=5000):
        form.notes.setPlainText("老人不在家，邻居说去镇上看病了")
    form.hide()  # the window closed under it (no question asked, no save)
    form.deleteLater()
    window.forms.current = None
    again = window.forms.record_visit(county["h1"])
    qtbot.waitUntil(lambda: again.ready and again.draft_bar.isVisibleTo(again))
    assert again.notes.toPlainText() == ""  # offered, not forced on the worker
    again.draft_restore.click()
    assert again.notes.toPlainText() == "老人不在家，邻居说去镇上看病了" and again.dirty
    from PySide6.QtWidgets import QMessageBox

    again.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    again.reject()
    wait_idle(qtbot, ctx)
    box = {}
    ctx.runner.query(drafts.list_drafts, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    assert box["r"] == []


@pytest.mark.parametrize("kind", ["household", "member", "visit", "assessment", "referral"])
def test_every_form_kind_keeps_and_restores_its_draft(qtbot, window, ctx, county, kind):
    f = window.forms
    opener = {"household": lambda: f.new_household(), "member": lambda: f.add_member(county["h1"]),
              "visit": lambda: f.record_visit(county["h1"]), "assessment": lambda: f.assess(county["h2"]),
              "referral": lambda: f.refer(county["h2"])}[kind]
    change = {"household": lambda form: form.address.setText("东坪村三组 8 号"),
              "member": lambda form: form.name.setText("赵六"),
              "visit": lambda form: form.notes.setPlainText("送了米和油"),
              "assessment": lambda form: form.questions["he_chronic"].set_value(True),
              "referral": lambda form: form.reason.setPlainText("需要上门看诊")}[kind]
    check = {"household": lambda form: form.address.text() == "东坪村三组 8 号",
             "member": lambda form: form.name.text() == "赵六",
             "visit": lambda form: form.notes.toPlainText() == "送了米和油",
             "assessment": lambda form: form.questions["he_chronic"].value() is True,
             "referral": lambda form: form.reason.toPlainText() == "需要上门看诊"}[kind]
    form = opener()
    qtbot.waitUntil(lambda: form.ready)
    with qtbot.waitSignal(form.sig_draft_saved, timeout=5000):
        change(form)
        if kind in ("household", "member"):
            form.mark_dirty()  # setText is not an edit signal; a worker's typing is
    form.hide()
    form.deleteLater()
    f.current = None
    wait_idle(qtbot, ctx)
    box = {}
    ctx.runner.query(drafts.list_drafts, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    [draft] = box["r"]
    assert draft.kind == kind
    again = f.open_draft(draft)
    qtbot.waitUntil(lambda: again.ready and again.found_draft is not None)
    wait_idle(qtbot, ctx)
    assert check(again) and again.dirty
    from PySide6.QtWidgets import QMessageBox

    again.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    again.reject()
