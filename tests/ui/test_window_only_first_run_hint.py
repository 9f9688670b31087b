"""Window only: on a new laptop's first run the line under "My villages" says how to get them (the
Villages and groups button, below the list). A Save refused because the name is missing cleared that
line with the other messages, leaving an empty list and no word on what to do; now it stays."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from outreach.i18n import set_language, tr

from .conftest import wait_idle


@pytest.fixture
def fresh(qapp, tmp_path, monkeypatch):
    from outreach.storage.store import Store
    from outreach.ui.app import build_context
    from outreach.ui.dialogs.form_base import FormDialog

    monkeypatch.setattr(FormDialog, "ask_unsaved", lambda self: QMessageBox.StandardButton.Discard)
    store = Store.open(tmp_path / "new")
    ctx = build_context(store, qapp)
    yield ctx
    ctx.close()
    ctx.language.apply("zh_CN")
    store.close()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_villages_hint_outlives_a_refused_save(qtbot, fresh, lang):
    from outreach.ui.dialogs.setup_wizard import SetupWizard

    set_language(lang)
    wizard = SetupWizard(fresh)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.loaded, timeout=5000)
    wizard.choose("lead")
    hint = wizard.fields["villages"].error
    assert hint.text() == tr("ui.dayone.first.no_areas_lead")
    wizard.accept()                                   # no name typed yet
    wait_idle(qtbot, fresh)
    assert wizard.isVisible()
    assert wizard.fields["worker_name"].error.text() == tr("error.required")
    assert hint.text() == tr("ui.dayone.first.no_areas_lead"), "the way to get villages is gone"
    assert not hint.isHidden()
    # the button it names is below the list, and the line says so
    tree, button = wizard.villages, wizard.areas_button
    assert button.mapTo(wizard, button.rect().topLeft()).y() > tree.mapTo(wizard, tree.rect().bottomLeft()).y()
    assert tr("ui.dayone.action.areas").rstrip("…") in hint.text()
    assert ("below" if lang == "en" else "下面") in hint.text()
    wizard.reject()
