"""Help → About tells a social worker the version and exactly where this computer keeps the data."""

from __future__ import annotations

from outreach import __version__
from outreach.i18n import set_language


def _values(dialog) -> dict[str, str]:
    return {label: field.text() for label, field in dialog.values.items()}


def test_about_names_the_data_folder_database_and_log_folder(qtbot, tmp_path):
    from outreach.storage.store import Store
    from outreach.ui.dialogs.about_dialog import AboutDialog

    folder = tmp_path / "村里的笔记本"
    store = Store.open(folder)
    try:
        dialog = AboutDialog(store)
        qtbot.addWidget(dialog)
        values = _values(dialog)
        assert values["版本"] == __version__
        assert values["数据文件夹"] == str(folder)
        assert values["数据库文件"] == str(folder / "outreach.sqlite3")
        assert (folder / "outreach.sqlite3").exists()             # the file named is the one in use
        assert values["日志文件夹"] == str(folder / "logs")
        assert dialog.windowTitle() == "关于社工入户走访助手"
        assert dialog.open_button.isEnabled()

        dialog.copy_button.click()                                  # one click copies it all for support
        from PySide6.QtGui import QGuiApplication

        copied = QGuiApplication.clipboard().text()
        assert str(folder / "outreach.sqlite3") in copied and __version__ in copied
    finally:
        store.close()


def test_about_speaks_english_and_credits_the_font(qtbot, store):
    from PySide6.QtWidgets import QLabel

    from outreach.ui.dialogs.about_dialog import AboutDialog

    set_language("en")
    dialog = AboutDialog(store)
    qtbot.addWidget(dialog)
    values = _values(dialog)
    assert values["Data folder"] == "(in memory only, not saved to disk)"
    assert not dialog.open_button.isEnabled()                       # nothing to open
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "WenQuanYi Micro Hei" in texts and "Apache License 2.0" in texts


def test_help_menu_opens_about(window, qtbot, monkeypatch):
    from outreach.ui.dialogs.about_dialog import AboutDialog

    shown = []
    monkeypatch.setattr(AboutDialog, "exec", lambda self: shown.append(self) or 0)
    about = window.actions_by_name["about"]
    assert about in window.menus["help"].actions()
    about.trigger()
    assert len(shown) == 1 and shown[0].parent() is window
    assert _values(shown[0])["版本"] == __version__
