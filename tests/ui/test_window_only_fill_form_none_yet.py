"""Window only: Forms → Fill an imported form, before any form was imported, said "no form has been
imported yet" (the command line's words, lower-case in English) and nothing on how to get one; now it
says to import one first with Forms → Import an XLSForm…."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from outreach.i18n import set_language, tr

from .conftest import wait_idle


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_fill_with_no_imported_form_says_how_to_get_one(qtbot, window, ctx, county, monkeypatch, lang):
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: told.append(text)))
    set_language(lang)
    try:
        window.open_household(county["h2"])
        wait_idle(qtbot, ctx)
        window.forms_menu.actions["fill"].trigger()
        wait_idle(qtbot, ctx)
    finally:
        set_language("zh_CN")
    [text] = told
    assert tr("xlsform.menu.import", lang) in text and tr("xlsform.menu.title", lang) in text, text
    assert text[0].isupper() or lang == "zh_CN"
