"""Search-as-you-type in the household list: debounced, answered off the GUI thread, newest wins."""

from __future__ import annotations

from outreach.ui.models.household_table_model import ID_ROLE
from tests.ui.conftest import type_text, wait_idle


def _ids(view):
    m = view.model
    return [m.data(m.index(r, 0), ID_ROLE) for r in range(m.rowCount())]


def _settle(qtbot, view, ctx):
    qtbot.waitUntil(lambda: not view.search._timer.isActive(), timeout=10000)
    wait_idle(qtbot, ctx)


def test_typing_pinyin_initials_filters_the_list(qtbot, window, ctx, county):
    view = window.households
    assert view.model.rowCount() == 3
    qtbot.keyClicks(view.search, "wxy")
    assert view.model.rowCount() == 3  # nothing asked yet: the box waits for a pause in typing
    _settle(qtbot, view, ctx)
    assert _ids(view) == [county["h2"]]
    assert "1" in view.count_label.text()


def test_each_kind_of_search_text(qtbot, window, ctx, county):
    view = window.households
    cases = [("zhangsan", county["h1"]), ("王秀", county["h2"]), ("13900001111", county["h3"]),
             ("石门-0022", county["h3"]), ("530101196103", county["h3"])]
    for text, expected in cases:
        view.search.clear()
        if text.isascii():
            qtbot.keyClicks(view.search, text)
        else:
            type_text(view.search, text)
        _settle(qtbot, view, ctx)
        assert _ids(view) == [expected], text


def test_filters_and_area_tree(qtbot, window, ctx, county):
    view = window.households
    view.flag_filter.set_value("elder_alone")
    wait_idle(qtbot, ctx)
    assert _ids(view) == [county["h2"]]
    view.flag_filter.set_value("")
    view.benefit_filter.set_value("dibao")
    wait_idle(qtbot, ctx)
    assert _ids(view) == [county["h2"]]
    view.benefit_filter.set_value("")
    view.not_visited.setChecked(True)
    wait_idle(qtbot, ctx)
    assert set(_ids(view)) == {county["h1"], county["h2"]}  # 石门-0022 was visited 10 days ago
    view.not_visited.setChecked(False)
    view.select_area("530101100202")
    wait_idle(qtbot, ctx)
    assert _ids(view) == [county["h3"]]
    view.select_area("530101100201002")  # a group (二组) shows its own households
    wait_idle(qtbot, ctx)
    assert _ids(view) == [county["h2"]]
    view.select_area("530101100201")  # the village shows all of its groups
    wait_idle(qtbot, ctx)
    assert set(_ids(view)) == {county["h1"], county["h2"]}


def test_only_the_newest_query_is_shown(qtbot, window, ctx, county):
    view = window.households
    for text in ("w", "wx", "wxy", "zs"):
        view.model.set_text(text)
    wait_idle(qtbot, ctx)
    assert _ids(view) == [county["h1"]]


def test_down_arrow_moves_from_search_to_results_and_enter_opens(qtbot, window, ctx, county):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view = window.households
    view.focus_search()
    qtbot.keyClicks(view.search, "wxy")
    QTest.keyClick(view.search, Qt.Key.Key_Down)
    wait_idle(qtbot, ctx)
    assert view.table.hasFocus()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.table.currentIndex().row() == 0  # the first match is ready for Enter
    QTest.keyClick(view.table, Qt.Key.Key_Return)
    assert window.household_page.household_id == county["h2"]
    QTest.keyClick(window.household_page.tabs, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is view
