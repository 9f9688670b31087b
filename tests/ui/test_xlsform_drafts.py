"""A half-filled imported form (XLSForm) is a draft like the core forms and the scales: its answers, and
text typed into a question but not yet taken in, are on disk shortly after each change, so "Quit" on the
idle-lock screen or a killed process loses nothing; the same form for the same household offers it back,
the list of unsaved forms on start opens it with the answers put back. Saving or discarding removes it."""

from __future__ import annotations

import signal
from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox

from outreach.services import drafts
from outreach.services.forms import import_form_file
from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog
from outreach.ui.forms import FormLauncher
from tests.unit.forms.xlsforms import needs_form

from .conftest import on_db, seed_county, type_text, wait_idle
from .draft_kill import kill_when_draft_saved


@pytest.fixture
def imported(store, tmp_path):
    report = import_form_file(store, needs_form(tmp_path))
    assert report.saved
    return report


def _open(qtbot, ctx, county, parent=None) -> FormFillDialog:
    dialog = FormFillDialog(ctx, county["h2"], "hh_needs", today=date.today(), parent=parent)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_ready, timeout=5000):
        dialog.show()
    return dialog


def _key(county) -> str:
    return drafts.draft_key("xlsform", household_id=county["h2"], person_id=None, form="hh_needs")


def _draft(qtbot, ctx, county):
    return on_db(qtbot, ctx, drafts.get_draft, _key(county))


def _quit_from_the_idle_lock(dialog) -> None:
    """QApplication.quit from the lock screen: the event loop ends, the dialog is never closed (no done(),
    no question), it just goes away with the process."""
    dialog.hide()
    dialog.setParent(None)
    dialog.deleteLater()


def _half_fill(qtbot, dialog) -> None:
    dialog.answer(("food_enough",), "no")
    dialog.answer(("food_days",), "12")
    dialog.answer(("head_sex",), "female")
    with qtbot.waitSignal(dialog.sig_draft_saved, timeout=5000):
        type_text(dialog.rows[("head_age",)].widget, "71")   # typed, not yet taken in (no Enter, no Tab)


def test_a_half_filled_form_survives_quit_and_is_offered_back(qtbot, imported, ctx, county):
    dialog = _open(qtbot, ctx, county)
    assert not dialog.draft_bar.isVisibleTo(dialog)
    _half_fill(qtbot, dialog)
    wait_idle(qtbot, ctx)
    saved = _draft(qtbot, ctx, county)
    assert saved is not None and saved.kind == "xlsform"
    assert saved.state["answers"]["food_enough"] == "no" and saved.state["answers"]["food_days"] == 12
    assert list(saved.state["typing"].values()) == ["71"]
    assert saved.summary.endswith(" · 东坪-0150")
    _quit_from_the_idle_lock(dialog)
    wait_idle(qtbot, ctx)
    assert _draft(qtbot, ctx, county) is not None                  # still there after "Quit"

    # Next time, the same form for the same household: offered, not forced; "Restore draft" puts it back.
    again = _open(qtbot, ctx, county)
    assert again.draft_bar.isVisibleTo(again) and again.session.get(("food_enough",)) is None
    again.grab().save("/tmp/xlsform-draft-bar.png")
    again.draft_restore.click()
    assert again.session.get(("food_enough",)) == "no" and again.session.get(("food_days",)) == 12
    assert ("food_days",) in again.visible_keys()                          # skip logic follows the draft
    assert again.rows[("head_age",)].widget.text() == "71" and again.unsaved_count() > 0

    # Finished and saved: the draft is gone.
    for key, value in ((("head_age",), "71"), (("consent",), "OK"), (("visit_date",), date.today().isoformat()),
                       (("members", 0, "m_walk"), "a_lot")):
        again.answer(key, value)
    with qtbot.waitSignal(again.sig_saved, timeout=5000):
        again.save()
    wait_idle(qtbot, ctx)
    assert _draft(qtbot, ctx, county) is None


def test_the_start_up_list_opens_the_form_with_its_answers_and_discard_drops_it(qtbot, imported, window, ctx,
                                                                               county):
    dialog = _open(qtbot, ctx, county)
    _half_fill(qtbot, dialog)
    wait_idle(qtbot, ctx)
    _quit_from_the_idle_lock(dialog)
    [draft] = [d for d in on_db(qtbot, ctx, drafts.list_drafts) if d.kind == "xlsform"]

    launcher: FormLauncher = window.forms
    reopened = launcher.open_draft(draft)
    assert isinstance(reopened, FormFillDialog)
    qtbot.waitUntil(lambda: reopened.session is not None and reopened.session.get(("food_days",)) == 12,
                    timeout=5000)
    assert not reopened.draft_bar.isVisibleTo(reopened)
    assert reopened.rows[("head_age",)].widget.text() == "71"

    # Closed with "Discard": the answers and the draft go.
    reopened.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    reopened.reject()
    wait_idle(qtbot, ctx)
    assert [d for d in on_db(qtbot, ctx, drafts.list_drafts) if d.kind == "xlsform"] == []


def test_discard_on_the_bar_starts_afresh_and_undoing_every_answer_leaves_no_draft(qtbot, imported, ctx, county):
    dialog = _open(qtbot, ctx, county)
    _half_fill(qtbot, dialog)
    wait_idle(qtbot, ctx)
    _quit_from_the_idle_lock(dialog)
    again = _open(qtbot, ctx, county)
    again.draft_discard.click()
    wait_idle(qtbot, ctx)
    assert again.session.get(("food_enough",)) is None and _draft(qtbot, ctx, county) is None

    # An answer given and taken back: nothing left to keep, so no draft either.
    with qtbot.waitSignal(again.sig_draft_saved, timeout=5000):
        again.answer(("food_enough",), "yes")
    wait_idle(qtbot, ctx)
    assert _draft(qtbot, ctx, county) is not None
    with qtbot.waitSignal(again.sig_draft_saved, timeout=5000):
        again.answer(("food_enough",), None)
    wait_idle(qtbot, ctx)
    assert _draft(qtbot, ctx, county) is None


FORM = """
from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

form = FormFillDialog(ctx, sys.argv[2], "hh_needs")

def fill():
    form.answer(("food_enough",), "no")
    form.answer(("food_days",), "12")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_form_draft_survives_killing_the_process_and_is_offered_on_next_start(qtbot, qapp, tmp_path):
    from outreach.storage.store import Store
    from outreach.ui.app import build_context
    from outreach.ui.main_window import MainWindow

    data = tmp_path / "field-laptop"
    store = Store.open(data)
    store.set_setting("worker_name", "李娜")
    ids = seed_county(store)
    assert import_form_file(store, needs_form(tmp_path)).saved
    store.close()

    lines = kill_when_draft_saved(FORM, data, ids["h2"])
    key = drafts.draft_key("xlsform", household_id=ids["h2"], person_id=None, form="hh_needs")
    assert lines[-1] == "DRAFT-SAVED " + key, lines

    # --- the next start
    store = Store.open(data)
    [left] = drafts.list_drafts(store)
    assert left.kind == "xlsform" and left.state["answers"]["food_enough"] == "no"
    ctx = build_context(store, qapp)
    window = MainWindow(ctx)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.forms.drafts_dialog is not None and window.forms.drafts_dialog.isVisible())
        offer = window.forms.drafts_dialog
        assert offer.list.count() == 1 and "东坪-0150" in offer.list.item(0).text()
        offer.open_button.click()
        form = window.forms.current
        assert isinstance(form, FormFillDialog)
        qtbot.waitUntil(lambda: form.session is not None and form.session.get(("food_days",)) == 12, timeout=5000)
        for k, value in ((("head_age",), "71"), (("head_sex",), "female"), (("consent",), "OK"),
                         (("visit_date",), date.today().isoformat()), (("members", 0, "m_walk"), "a_lot")):
            form.answer(k, value)
        with qtbot.waitSignal(form.sig_saved, timeout=5000):
            form.save()
        wait_idle(qtbot, ctx)
        assert on_db(qtbot, ctx, drafts.list_drafts) == []  # saved: the draft is gone
    finally:
        window.close()
        wait_idle(qtbot, ctx)
        ctx.close()
        window.deleteLater()
        store.close()
