"""The other screens are wired into the main window, and the dashboard's numbers lead to households."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from outreach.ui.dialogs.household_list_dialog import HouseholdListDialog
from outreach.ui.external_views import EXTERNAL_VIEWS
from tests.ui.conftest import wait_idle


def test_every_screen_is_reachable_by_its_shortcut(qtbot, window, ctx):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for i, spec in enumerate(EXTERNAL_VIEWS, start=3):
        QTest.keyClick(window, getattr(Qt.Key, f"Key_{i}"), Qt.KeyboardModifier.ControlModifier)
        wait_idle(qtbot, ctx)
        assert window.stack.currentWidget() is window.pages[spec.name], spec.name
        assert window.pages[spec.name].inner is not None  # built when first shown
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.households
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.households.search.hasFocus()


@dataclass(frozen=True)
class _Query:
    ids: tuple[str, ...]
    title: str = "从未走访 · 东坪村"

    def resolve(self, store) -> list[str]:
        return list(self.ids)


def test_dashboard_numbers_open_their_households(qtbot, window, ctx, county):
    window.show_household_list(_Query((county["h1"], county["h2"])))
    dialog = window.findChild(HouseholdListDialog)
    assert dialog is not None and dialog.windowTitle() == "从未走访 · 东坪村"
    wait_idle(qtbot, ctx)
    assert [r.id for r in dialog.model.records()] == [county["h1"], county["h2"]]
    dialog.view.activated.emit(dialog.model.index(1, 0))
    assert window.current_view == "household"
    assert window.household_page.household_id == county["h2"]
