"""Switching language at run time re-translates every screen and Qt's own dialogs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from outreach.i18n import current_language
from outreach.ui.ops import load_worker_settings
from tests.ui.conftest import wait_idle


def test_switch_to_english_and_back(qtbot, window, ctx, county):
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    assert window.menus["file"].title() == "文件(&F)"
    assert ctx.language.qt_translation_installed
    assert QCoreApplication.translate("QPlatformTheme", "Discard") == "丢弃"  # Qt's own dialogs, in Chinese
    window.actions_by_name["lang_en"].trigger()
    wait_idle(qtbot, ctx)
    assert current_language() == "en"
    assert window.menus["file"].title() == "&File"
    assert window.households.model.headerData(0, Qt.Orientation.Horizontal) == "Household no."
    assert window.household_page.tabs.tabText(0) == "Members"
    assert QCoreApplication.translate("QPlatformTheme", "Discard") == "Discard"
    assert "Back" in window.household_page.back_button.text()
    assert window.households.flag_filter.itemText(0) == "All groups"
    assert not ctx.language.qt_translation_installed
    box = {}
    ctx.runner.query(load_worker_settings, on_done=lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box)
    assert box["r"].language == "en"  # remembered for next start
    window.actions_by_name["lang_zh"].trigger()
    assert window.menus["file"].title() == "文件(&F)"
    assert window.household_page.tabs.tabText(0) == "家庭成员"


def test_settings_dialog_changes_language_and_villages(qtbot, window, ctx, county):
    from outreach.ui.dialogs.setup_wizard import SetupWizard

    window.actions_by_name["settings"].trigger()
    dialog = window.forms.current
    assert isinstance(dialog, SetupWizard) and not dialog.first_run
    wait_idle(qtbot, ctx)
    assert dialog.worker_name.text() == "李娜"
    dialog.area_model.item_for("530101100201").setCheckState(Qt.CheckState.Checked)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.accept()
    wait_idle(qtbot, ctx)
    assert window.menus["file"].title() == "&File"
    assert ctx.settings.villages == ("530101100201",)
    assert "李娜" in window.who.text() and "Worker" in window.who.text()
    window.set_language("zh_CN")
