"""The window side of imported forms and scales: fill an imported form with live skip logic and
constraints and save it; the import preview says what will and will not work; a scale shows its
score and band as it is answered."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from outreach.services.forms import import_form_file
from outreach.storage.tables import Assessment, Need
from tests.unit.forms.xlsforms import UNSUPPORTED_SURVEY, needs_form, write_xlsx

from .conftest import on_db, wait_idle


@pytest.fixture
def imported(store, tmp_path):
    report = import_form_file(store, needs_form(tmp_path))
    assert report.saved
    return report


def _answers_and_needs(store, assessment_id: str) -> tuple[str, list[str]]:
    with store.connect() as conn:
        row = conn.execute(select(Assessment.__table__.c.answers)
                           .where(Assessment.__table__.c.id == assessment_id)).scalar_one()
        needs = conn.execute(select(Need.__table__.c.domain)
                             .where(Need.__table__.c.assessment_id == assessment_id)).scalars().all()
    return row, list(needs)


def test_fill_an_imported_form_with_skip_logic_and_save(qtbot, imported, ctx, county):
    from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

    dialog = FormFillDialog(ctx, county["h2"], "hh_needs", today=date.today())
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, ctx)
    assert ("food_days",) not in dialog.visible_keys()
    dialog.answer(("food_enough",), "no")
    assert ("food_days",) in dialog.visible_keys()                        # skip logic, live
    dialog.answer(("head_age",), "7")
    assert dialog.rows[("head_age",)].error.text() == "年龄应在15到110岁之间"   # constraint, live
    dialog.answer(("head_age",), "71")
    assert dialog.rows[("head_age",)].error.isHidden()
    assert dialog.session.get(("members", 0, "m_name")) == "王秀英"      # filled from the household
    assert dialog.rows[("members_n",)].widget.text() == "1"
    dialog.answer(("members_n",), "2")
    assert ("members", 1, "m_name") in dialog.visible_keys()            # repeat_count
    dialog.answer(("members_n",), "1")
    assert ("members", 1, "m_name") not in dialog.visible_keys()
    dialog.answer(("members", 0, "m_name"), "李四")
    dialog.answer(("members", 0, "m_age"), "80")
    dialog.answer(("members", 0, "m_walk"), "a_lot")
    for key, value in ((("consent",), "OK"), (("visit_date",), date.today().isoformat()),
                       (("head_sex",), "female"), (("food_days",), "12")):
        dialog.answer(key, value)
    dialog.grab().save("/tmp/xlsform_fill.png")
    dialog.save()
    wait_idle(qtbot, ctx)
    assert dialog.result_value is not None and dialog.result_value.priority.value == "high"
    row, needs = on_db(qtbot, ctx, _answers_and_needs, dialog.result_value.id)
    assert '"m_name":"李四"' in row and needs == ["basic_living"]


def test_saving_with_a_required_answer_missing_writes_nothing(qtbot, imported, ctx, county):
    from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

    dialog = FormFillDialog(ctx, county["h2"], "hh_needs")
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ctx)
    dialog.answer(("food_enough",), "yes")
    dialog.save()
    wait_idle(qtbot, ctx)
    assert dialog.result_value is None and dialog.rows[("consent",)].error.text()
    assert not dialog.general_error.isHidden()


def test_import_preview_lists_what_will_not_work(qtbot, ctx, tmp_path):
    from outreach.ui.dialogs.xlsform_import_dialog import XlsformImportDialog

    dialog = XlsformImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open_file(write_xlsx(tmp_path / "field.xlsx", UNSUPPORTED_SURVEY, form_id="field_check"))
    wait_idle(qtbot, ctx)
    statuses = {dialog.table.item(r, 1).text(): dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())}
    assert statuses["name"] == "可以" and "geotrace" in statuses["route"]
    assert not dialog.import_button.isEnabled()
    dialog.open_file(needs_form(tmp_path))
    wait_idle(qtbot, ctx)
    assert dialog.import_button.isEnabled()
    dialog.grab().save("/tmp/xlsform_import.png")
    dialog.do_import()
    wait_idle(qtbot, ctx)
    assert dialog.report.saved and dialog.report.version == 1


def test_scale_shows_score_band_and_flag_as_answered(qtbot, ctx, county):
    from outreach.ui.dialogs.scale_form import ScaleFormDialog

    dialog = ScaleFormDialog(ctx, county["h2"], "phq9", person_id=county["p_wang"])
    qtbot.addWidget(dialog)
    dialog.set_answers([2, 2, 1, 2, 1, 1, 1, 0, None])
    assert "8/9" in dialog.score_label.text()
    dialog.set_answers([2, 2, 1, 2, 1, 1, 1, 0, 1])
    assert "11" in dialog.score_label.text() and "中度抑郁" in dialog.score_label.text()
    assert "伤害自己" in dialog.flag_label.text()
    dialog.grab().save("/tmp/scale_form.png")
    dialog.save()
    wait_idle(qtbot, ctx)
    assert dialog.result_value.priority.value == "urgent"


def test_forms_menu_is_in_the_window_and_follows_the_language(window, ctx):
    menu = window.forms_menu
    assert menu.menu.title() == "表单与量表"
    ctx.language.apply("en")
    assert menu.menu.title() == "Forms" and menu.actions["import"].text() == "Import an XLSForm…"
    ctx.language.apply("zh_CN")
