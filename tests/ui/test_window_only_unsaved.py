"""Window only: answers typed into a scale or an imported form are never lost to a stray Esc, the
Cancel button or closing the app — the dialog asks Save / Discard / Keep editing, as the core forms do."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from outreach.services.forms import import_form_file
from outreach.storage.tables import Assessment
from tests.unit.forms.xlsforms import needs_form

from .conftest import on_db, wait_idle

B = QMessageBox.StandardButton


def _count_assessments(store) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(Assessment.__table__)).scalar_one()


def _assessments(qtbot, ctx) -> int:
    return on_db(qtbot, ctx, _count_assessments)


def _scale(qtbot, ctx, county, parent=None):
    from outreach.ui.dialogs.scale_form import ScaleFormDialog

    dialog = ScaleFormDialog(ctx, county["h2"], "phq9", person_id=county["p_wang"], parent=parent)
    if parent is None:
        qtbot.addWidget(dialog)
    asked: list[int] = []
    dialog.show()
    return dialog, asked


def test_esc_on_a_half_answered_scale_asks_and_keep_editing_keeps_the_answers(qtbot, ctx, county):
    dialog, asked = _scale(qtbot, ctx, county)
    dialog.ask_unsaved = lambda: (asked.append(dialog.unsaved_count()), B.Cancel)[1]
    dialog.set_answers([2, 2, 1, None, None, None, None, None, None])
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked == [3]                       # it asked, naming three answers
    assert dialog.isVisible() and dialog.answers()[:3] == [2, 2, 1]
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert asked == [3, 3] and dialog.isVisible()


def test_save_from_the_question_saves_the_scale(qtbot, ctx, county):
    dialog, _ = _scale(qtbot, ctx, county)
    dialog.ask_unsaved = lambda: B.Save
    before = _assessments(qtbot, ctx)
    dialog.set_answers([1, 1, 1, 1, 1, 1, 1, 1, 0])
    dialog.reject()
    wait_idle(qtbot, ctx)
    assert _assessments(qtbot, ctx) == before + 1 and not dialog.isVisible()


def test_an_untouched_scale_closes_without_a_question(qtbot, ctx, county):
    dialog, _ = _scale(qtbot, ctx, county)
    dialog.ask_unsaved = lambda: pytest.fail("nothing typed: nothing to ask")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_discard_closes_and_writes_nothing(qtbot, ctx, county):
    dialog, _ = _scale(qtbot, ctx, county)
    dialog.ask_unsaved = lambda: B.Discard
    before = _assessments(qtbot, ctx)
    dialog.set_answers([3, None, None, None, None, None, None, None, None])
    dialog.close()
    wait_idle(qtbot, ctx)
    assert not dialog.isVisible() and _assessments(qtbot, ctx) == before


def test_closing_the_app_with_a_scale_half_answered_asks_first(qtbot, window, ctx, county):
    dialog, asked = _scale(qtbot, ctx, county, parent=window)
    dialog.ask_unsaved = lambda: (asked.append(1), B.Cancel)[1]
    dialog.set_answers([2, 2, None, None, None, None, None, None, None])
    window.close()
    assert asked == [1]
    assert window.isVisible() and dialog.isVisible()   # the app stays open, the answers with it
    dialog.ask_unsaved = lambda: B.Discard


def test_text_typed_into_an_imported_form_counts_before_it_is_taken_in(qtbot, ctx, county, tmp_path):
    from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

    assert on_db(qtbot, ctx, import_form_file, needs_form(tmp_path)).saved
    dialog = FormFillDialog(ctx, county["h2"], "hh_needs", today=date.today())
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, ctx)
    asked: list[int] = []
    dialog.ask_unsaved = lambda: (asked.append(dialog.unsaved_count()), B.Cancel)[1]
    assert dialog.unsaved_count() == 0          # the members filled from the household are not "typed"
    age = dialog.rows[("head_age",)].widget
    age.setFocus()
    qtbot.keyClicks(age, "71")                  # typed, Esc before leaving the field
    qtbot.keyClick(age, Qt.Key.Key_Escape)
    assert asked == [1] and dialog.isVisible() and age.text() == "71"
    dialog.answer(("food_enough",), "no")
    dialog.reject()
    assert asked[-1] == 2
    dialog.ask_unsaved = lambda: B.Discard
