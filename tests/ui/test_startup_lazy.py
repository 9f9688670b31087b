"""Start-up (issue 14): the window waits only for the household list. The household page and Today
are built the first time they are needed, and they work when a menu, a shortcut or a double-click
reaches them first, in Chinese and in English; the first page is asked for once, in its saved order."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from outreach.i18n import tr
from outreach.ui.models.household_table_model import fetch_page
from tests.ui.conftest import wait_idle


@pytest.fixture(params=["zh_CN", "en"])
def lang(request, ctx):
    ctx.language.apply(request.param)
    return request.param


def _new_window(qtbot, ctx):
    from outreach.ui.main_window import MainWindow

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, ctx)
    return w


def test_only_the_household_list_is_built_at_start(qtbot, ctx, lang):
    window = _new_window(qtbot, ctx)
    assert "today" not in window.pages and "household" not in window.pages
    assert window.stack.currentWidget() is window.households
    qtbot.waitUntil(lambda: window.households.model.rowCount() == 3)


def test_today_reached_first_by_its_shortcut(qtbot, ctx, county, lang):
    window = _new_window(qtbot, ctx)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, ctx)
    today = window.pages["today"]
    assert window.stack.currentWidget() is today and window.current_view == "today"
    assert window.nav_actions["today"].isChecked()
    assert today.worker_box.title() == tr("overdue.ui.by_worker", lang)
    qtbot.waitUntil(lambda: today.due.rowCount() == 1)   # 刘建国's household: the next visit was due yesterday
    assert today.due.index(0, 0).data() == "石门-0022"
    today.sig_open_household.emit(county["h3"])          # a row leads to its household (page built now)
    wait_idle(qtbot, ctx)
    assert window.stack.currentWidget() is window.household_page
    assert window.household_page.back_button.text() == tr("ui.household.back", lang)


def test_today_reached_first_by_the_view_menu_follows_a_language_switch(qtbot, ctx, lang):
    window = _new_window(qtbot, ctx)
    other = "en" if lang == "zh_CN" else "zh_CN"
    window.actions_by_name[f"lang_{'en' if other == 'en' else 'zh'}"].trigger()
    wait_idle(qtbot, ctx)
    window.nav_actions["today"].trigger()
    wait_idle(qtbot, ctx)
    today = window.today
    assert window.stack.currentWidget() is today
    assert today.worker_box.title() == tr("overdue.ui.by_worker", other)
    window.actions_by_name[f"lang_{'zh' if other == 'en' else 'en'}"].trigger()   # and back: it follows
    wait_idle(qtbot, ctx)
    assert today.worker_box.title() == tr("overdue.ui.by_worker", lang)


def test_household_page_reached_first_from_the_list(qtbot, ctx, county, lang):
    window = _new_window(qtbot, ctx)
    view = window.households
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    row = view.model.row_of(county["h2"])
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(row, 0))
    QTest.keyClick(view.table, Qt.Key.Key_Return)
    wait_idle(qtbot, ctx)
    page = window.pages["household"]
    assert window.stack.currentWidget() is page and page.household_id == county["h2"]
    qtbot.waitUntil(lambda: "东坪-0150" in page.title.text())
    assert page.buttons["visit"].text() == tr("ui.household.record_visit", lang)
    QTest.keyClick(page.tabs, Qt.Key.Key_Escape)   # back to the list
    assert window.stack.currentWidget() is view


def test_a_new_household_from_the_file_menu_opens_on_a_page_not_built_yet(qtbot, ctx, lang):
    from outreach.ui.dialogs.household_form import HouseholdForm
    from tests.ui.conftest import type_text

    window = _new_window(qtbot, ctx)
    assert "household" not in window.pages
    window.actions_by_name["new_household"].trigger()
    form = window.forms.current
    assert isinstance(form, HouseholdForm)
    wait_idle(qtbot, ctx)
    form.village.setCurrentIndex(max(form.village.findData("530101100201"), 0))
    type_text(form.address, "东坪村二组 9 号")
    form.accept()
    wait_idle(qtbot, ctx)
    page = window.pages["household"]
    assert window.stack.currentWidget() is page and page.household_id
    qtbot.waitUntil(lambda: "东坪村二组 9 号" in page.facts.text() + page.title.text())


def test_closing_with_screens_never_built_keeps_the_list_and_reopens_on_it(qtbot, ctx):
    window = _new_window(qtbot, ctx)
    window.close()
    assert ctx.ui_settings.value("main/last_view") == "households"
    assert (ctx.ui_settings.value("main/last_household") or "") == ""
    again = _new_window(qtbot, ctx)
    assert again.stack.currentWidget() is again.households and "household" not in again.pages


def test_a_window_closed_on_today_reopens_on_today(qtbot, ctx):
    window = _new_window(qtbot, ctx)
    window.show_view("today")
    wait_idle(qtbot, ctx)
    window.close()
    again = _new_window(qtbot, ctx)
    assert again.current_view == "today" and again.stack.currentWidget() is again.pages["today"]


def _page_queries(ctx, monkeypatch) -> list:
    asked: list = []
    query = ctx.runner.query

    def recording(fn, *args, **kwargs):
        if fn is fetch_page:
            asked.append(args[0])
        return query(fn, *args, **kwargs)

    monkeypatch.setattr(ctx.runner, "query", recording)
    return asked


def test_the_first_page_is_asked_for_once_in_the_saved_order(qtbot, ctx, monkeypatch):
    first = _new_window(qtbot, ctx)
    header = first.households.table.horizontalHeader()
    header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)   # by code, descending, as a click does
    wait_idle(qtbot, ctx)
    first.close()
    asked = _page_queries(ctx, monkeypatch)
    window = _new_window(qtbot, ctx)
    qtbot.waitUntil(lambda: window.households.model.rowCount() == 3)
    assert len(asked) == 1 and asked[0].sort == "code" and asked[0].descending
    codes = [window.households.model.index(r, 0).data() for r in range(3)]
    assert codes == ["石门-0022", "东坪-0150", "东坪-0143"]
    assert window.households.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_the_forms_menu_acts_before_the_household_page_exists(qtbot, ctx, county, lang, monkeypatch):
    """Forms → fill a scale asks which household's page is open: before any was, it says to open one
    (in the window's language); once a household is open, it goes on to offer the scales."""
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: told.append(text)))
    picked: list[list[str]] = []
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda _p, _t, _l, items, *a, **k: (picked.append(list(items)), ("", False))[1]))
    window = _new_window(qtbot, ctx)
    assert "household" not in window.pages
    window.forms_menu.actions["scale"].trigger()
    wait_idle(qtbot, ctx)
    assert told == [tr("xlsform.menu.open_household", lang)]
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    window.forms_menu.actions["scale"].trigger()
    wait_idle(qtbot, ctx)
    assert len(told) == 1 and len(picked) == 1 and any("PHQ-9" in item for item in picked[0])
