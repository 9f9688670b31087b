"""Window only: after Language → English in a window started in Chinese, the screens' choices and
column headings were cut to the width the Chinese words had ("This month (202", "All worke", "Chin",
"elation to hea"). Now they take the width their new words need."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from .conftest import wait_idle


def _cut_combos(view) -> list[str]:
    """A drop-down narrower than its shown words plus its arrow (its cached size hint cannot tell)."""
    return [c.currentText() for c in view.findChildren(QComboBox)
            if c.isVisible() and c.width() < c.fontMetrics().horizontalAdvance(c.currentText()) + 24]


def _cut_headers(table) -> list[str]:
    header = table.horizontalHeader()
    model = table.model()
    cut = []
    for col in range(model.columnCount()):
        text = model.headerData(col, Qt.Orientation.Horizontal)
        if header.sectionSize(col) < header.sectionSizeFromContents(col).width():
            cut.append(text)
    return cut


def test_after_switching_to_english_nothing_is_cut(qtbot, window, ctx, county):
    window.resize(1366, 768)
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    for name in ("dashboard", "referrals"):
        window.show_view(name)
        wait_idle(qtbot, ctx)
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    window.actions_by_name["lang_en"].trigger()
    wait_idle(qtbot, ctx)
    page = window.household_page
    qtbot.wait(0)
    assert not _cut_headers(page.members_view), _cut_headers(page.members_view)
    for name in ("dashboard", "referrals"):
        window.show_view(name)
        wait_idle(qtbot, ctx)
        qtbot.wait(0)
        view = window.pages[name].build()
        assert not _cut_combos(view), (name, _cut_combos(view))
    window.actions_by_name["lang_zh"].trigger()
    wait_idle(qtbot, ctx)
