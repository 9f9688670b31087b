"""First-run setup, the Today panel, and the small Qt models under qtmodeltester."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from outreach.services import areas, referrals
from outreach.ui.dialogs.setup_wizard import SetupWizard
from outreach.ui.models.area_tree_model import AreaTreeModel
from outreach.ui.models.record_table_model import Column, RecordTableModel
from outreach.ui.ops import load_worker_settings
from tests.ui.conftest import wait_idle


@pytest.fixture
def fresh_store():
    from outreach.storage.store import Store
    from tests.ui.conftest import seed_county

    s = Store.in_memory()
    seed_county(s)
    yield s
    s.close()


def test_first_run_asks_name_device_language_and_villages(qtbot, qapp, fresh_store):
    from outreach.ui.app import build_context

    ctx = build_context(fresh_store, qapp)
    try:
        assert ctx.settings.worker_name == ""
        wizard = SetupWizard(ctx)
        qtbot.addWidget(wizard)
        wizard.show()
        wait_idle(qtbot, ctx)
        assert wizard.device_name.text()  # a sensible default: the computer's name
        wizard.accept()
        assert wizard.fields["worker_name"].error.text()  # name is required
        wizard.worker_name.setText("赵敏")
        wizard.device_name.setText("赵敏的笔记本")
        item = wizard.area_model.item_for("530101100202")
        assert item is not None and item.isCheckable()
        item.setCheckState(Qt.CheckState.Checked)
        wizard.language.setCurrentIndex(wizard.language.findData("en"))
        assert wizard.windowTitle() == "Settings"  # the wizard speaks the chosen language at once
        wizard.accept()
        wait_idle(qtbot, ctx)
        assert wizard.result_value.villages == ("530101100202",)
        box = {}
        ctx.runner.query(load_worker_settings, on_done=lambda r: box.setdefault("r", r))
        qtbot.waitUntil(lambda: "r" in box)
        assert box["r"].worker_name == "赵敏" and box["r"].language == "en"
        assert box["r"].villages == ("530101100202",)
    finally:
        ctx.close()
        ctx.language.apply("zh_CN")


def test_today_lists_due_visits_and_overdue_referrals_and_opens_the_household(qtbot, window, ctx, county):
    done = []
    ctx.runner.op(referrals.create_referral, person_id=county["p_liu"], provider_id=county["committee"],
                  reason="每周探访志愿者", consent_given=True, consent_by="刘建国",
                  consent_on=date.today() - timedelta(days=20), consent_method="verbal",
                  issue_on=date.today() - timedelta(days=20), expected_reply_on=date.today() - timedelta(days=2),
                  changes={"referral"}, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done))
    window.show_view("today")
    wait_idle(qtbot, ctx)
    today = window.today
    assert [d.household_id for d in today.due.records()] == [county["h3"]]
    assert [r.household_id for r in today.referrals.records()] == [county["h3"]]
    assert "1" in today.summary.text()
    views = [box.findChildren(type(window.households.table))[0] for box, _k, _m in today.boxes]
    views[1].activated.emit(today.referrals.index(0, 0))
    assert window.current_view == "household"
    assert window.household_page.household_id == county["h3"]


def test_small_models_pass_qt_model_tester(qtmodeltester, qtbot, ctx):
    model = RecordTableModel([Column("ui.col.code", lambda r: r["code"]),
                              Column("ui.col.notes", lambda r: r["notes"], colour=lambda r: "#b3261e")])
    model.set_records([{"code": "东坪-0001", "notes": "独居"}, {"code": "东坪-0002", "notes": ""}])
    qtmodeltester.check(model)
    box = {}
    ctx.runner.query(areas.all_areas, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    tree = AreaTreeModel(checkable_villages=True, all_item=True)
    tree.set_areas(box["r"], checked={"530101100201"})
    qtmodeltester.check(tree)
    assert tree.checked_villages() == ["530101100201"]
    assert tree.item_for("530101100201001").parent().text() == "东坪村"  # groups under their village


def test_import_area_list_from_the_file_menu(qtbot, window, ctx, tmp_path, monkeypatch):
    csv = tmp_path / "areas.csv"
    csv.write_text("区划代码,名称,级别,上级代码\n530101100203,河口村,村,530101100\n", encoding="utf-8")
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (str(csv), ""))
    told = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.information", lambda *a, **k: told.append(a[2]))
    window.actions_by_name["import_areas"].trigger()
    wait_idle(qtbot, ctx)
    assert told == ["已导入 1 个地区。"]
    wait_idle(qtbot, ctx)
    assert window.households.area_model.item_for("530101100203").text() == "河口村"


def test_setup_says_where_villages_come_from_on_an_empty_laptop(qtbot, qapp):
    from outreach.storage.store import Store
    from outreach.ui.app import build_context

    store = Store.in_memory()
    ctx = build_context(store, qapp)
    try:
        wizard = SetupWizard(ctx)
        qtbot.addWidget(wizard)
        wait_idle(qtbot, ctx)
        assert "导入行政区划" in wizard.fields["villages"].error.text()
    finally:
        ctx.close()
        store.close()
