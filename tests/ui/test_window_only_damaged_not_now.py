"""Window only: the data file is damaged and the worker clicks Quit in the recovery box (or the recovery
failed). The box that followed said "Run outreach backup recover", a command a worker who started the
app from the desktop cannot run; now it says the data was not opened, nothing changed, and that the
recovery button is there again at the next start."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from outreach.domain.errors import OutreachError
from outreach.i18n import set_language, tr


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_after_quit_the_damaged_store_box_names_the_windows_way(qapp, monkeypatch, lang):
    from outreach.ui.dialogs.lock_dialog import show_open_error

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    set_language(lang)
    try:
        show_open_error(OutreachError("sec.error.corrupt", path="/data/outreach.sqlite3",
                                      file="outreach-20261130.age", created_at="2026-11-30 18:00"))
        show_open_error(OutreachError("sec.error.keyfile_missing", path="/data/outreach-dbkey.json"))
    finally:
        set_language("zh_CN")
    damaged, other = shown
    assert "outreach backup" not in damaged
    assert tr("wo.recover_store.button", lang) in damaged and "/data/outreach.sqlite3" in damaged
    assert other == tr("sec.error.keyfile_missing", lang, path="/data/outreach-dbkey.json")   # others unchanged
