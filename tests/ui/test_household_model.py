from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from outreach.services.households import HouseholdQuery
from outreach.ui.models.household_table_model import COLUMNS, ID_ROLE, HouseholdTableModel
from tests.ui.conftest import wait_idle


def test_model_passes_qt_model_tester(qtbot, qtmodeltester, ctx):
    model = HouseholdTableModel(ctx.runner, page_size=2, first_page=2)
    model.set_query(HouseholdQuery())
    wait_idle(qtbot, ctx)
    assert model.rowCount() == 2  # one page only until the view asks for more
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)  # asks for more: the next page arrives asynchronously
    wait_idle(qtbot, ctx)
    assert model.rowCount() == 3
    assert not model.canFetchMore(QModelIndex())
    assert model.total == 3
    qtmodeltester.check(model)


def test_search_text_and_sort(qtbot, ctx, county):
    model = HouseholdTableModel(ctx.runner)
    model.set_query(HouseholdQuery())
    wait_idle(qtbot, ctx)
    model.set_text("wxy")  # pinyin initials of 王秀英
    wait_idle(qtbot, ctx)
    assert [model.data(model.index(r, 0), ID_ROLE) for r in range(model.rowCount())] == [county["h2"]]
    model.set_text("")
    wait_idle(qtbot, ctx)
    code_col = [c[0] for c in COLUMNS].index("code")
    model.sort(code_col, Qt.SortOrder.DescendingOrder)
    wait_idle(qtbot, ctx)
    codes = [model.data(model.index(r, code_col)) for r in range(model.rowCount())]
    assert codes == sorted(codes, reverse=True)
