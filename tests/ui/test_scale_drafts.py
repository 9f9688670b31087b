"""A half-answered scale is a draft like the core forms: every answer is on disk at once, so "Quit" on the
idle-lock screen (the app ends, no dialog gets to close) loses nothing; the same scale for the same
person offers it back, and the list of unsaved forms on start opens it with the answers put back. Saving
or discarding removes it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from outreach.services import drafts
from outreach.ui.dialogs.scale_form import ScaleFormDialog
from outreach.ui.forms import FormLauncher

from .conftest import on_db, wait_idle

HALF = [2, 2, 1, 3, None, None, None, None, None]     # 王秀英 answered four PHQ-9 items


def _open(qtbot, ctx, county, scale="phq9"):
    dialog = ScaleFormDialog(ctx, county["h2"], scale, person_id=county["p_wang"])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_ready, timeout=5000):
        dialog.show()
    return dialog


def _key(county, scale="phq9") -> str:
    return drafts.draft_key("scale", household_id=county["h2"], person_id=county["p_wang"], scale=scale)


def _quit_from_the_idle_lock(dialog) -> None:
    """QApplication.quit from the lock screen: the event loop ends, the dialog is never closed (no done(),
    no question), it just goes away with the process."""
    dialog.hide()
    dialog.setParent(None)
    dialog.deleteLater()


def test_a_half_answered_phq9_survives_quit_and_is_offered_back(qtbot, ctx, county):
    dialog = _open(qtbot, ctx, county)
    with qtbot.waitSignal(dialog.sig_draft_saved, timeout=5000):
        dialog.set_answers(HALF)
    wait_idle(qtbot, ctx)
    saved = on_db(qtbot, ctx, drafts.get_draft, _key(county))
    assert saved is not None and saved.state["answers"] == HALF
    assert saved.summary.endswith(" · 东坪-0150")
    _quit_from_the_idle_lock(dialog)
    wait_idle(qtbot, ctx)
    assert on_db(qtbot, ctx, drafts.get_draft, _key(county)) is not None          # still there after "Quit"

    # Next time, the same scale for the same person: the draft is offered; "Restore draft" puts it back.
    again = _open(qtbot, ctx, county)
    assert again.draft_bar.isVisibleTo(again) and again.answers() == [None] * 9
    again.grab().save("/tmp/scale-draft-bar.png")
    again.draft_restore.click()
    assert again.answers() == HALF and "4/9" in again.score_label.text().replace(" ", "")
    # Another scale (GAD-7) for her has no draft.
    other = _open(qtbot, ctx, county, "gad7")
    assert not other.draft_bar.isVisibleTo(other)

    # Finished and saved: the draft is gone.
    again.set_answers([2, 2, 1, 3, 1, 0, 0, 1, 0])
    with qtbot.waitSignal(again.sig_saved, timeout=5000):
        again.save()
    wait_idle(qtbot, ctx)
    assert on_db(qtbot, ctx, drafts.get_draft, _key(county)) is None


def test_the_start_up_list_opens_the_scale_with_its_answers(qtbot, window, ctx, county):
    dialog = _open(qtbot, ctx, county, "barthel")
    first = [None] * len(dialog.combos)
    first[0], first[1] = dialog.combos[0].itemData(2), dialog.combos[1].itemData(1)
    with qtbot.waitSignal(dialog.sig_draft_saved, timeout=5000):
        dialog.set_answers(first)
    wait_idle(qtbot, ctx)
    _quit_from_the_idle_lock(dialog)
    [draft] = [d for d in on_db(qtbot, ctx, drafts.list_drafts) if d.kind == "scale"]
    assert "东坪-0150" in draft.summary

    launcher: FormLauncher = window.forms
    reopened = launcher.open_draft(draft)
    assert isinstance(reopened, ScaleFormDialog)
    qtbot.waitUntil(lambda: reopened.answers() == first, timeout=5000)
    assert not reopened.draft_bar.isVisibleTo(reopened)

    # Closed with "Discard": the answers and the draft go.
    reopened.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    reopened.reject()
    wait_idle(qtbot, ctx)
    assert [d for d in on_db(qtbot, ctx, drafts.list_drafts) if d.kind == "scale"] == []


def test_discard_draft_on_the_bar_starts_afresh(qtbot, ctx, county):
    dialog = _open(qtbot, ctx, county)
    with qtbot.waitSignal(dialog.sig_draft_saved, timeout=5000):
        dialog.set_answers(HALF)
    wait_idle(qtbot, ctx)
    _quit_from_the_idle_lock(dialog)
    again = _open(qtbot, ctx, county)
    again.draft_discard.click()
    wait_idle(qtbot, ctx)
    assert again.answers() == [None] * 9 and on_db(qtbot, ctx, drafts.get_draft, _key(county)) is None
