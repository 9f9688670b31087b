"""Window only: File → Settings sets how long the app waits without use before it locks (the setting
``lock_idle_minutes`` had no way in the window, nor in ``outreach settings``), and the running lock
follows at once."""

from __future__ import annotations

import pytest
import shiboken6

from outreach.i18n import set_language
from outreach.ui.dialogs.lock_dialog import IDLE_SETTING, IdleLock, idle_minutes

from .conftest import on_db, wait_idle


@pytest.fixture
def settings_form(qtbot, window, ctx, tmp_path):
    on_db(qtbot, ctx, lambda store: store.set_setting(IDLE_SETTING, "15"))
    window.idle_lock = IdleLock(tmp_path, 15, window)
    yield window.forms.settings(window._settings_saved)
    window.idle_lock.timer.stop()


def test_settings_show_the_lock_time_and_saving_changes_it_now(qtbot, settings_form, window, ctx):
    form = settings_form
    qtbot.waitUntil(lambda: form.loaded, timeout=5000)
    wait_idle(qtbot, ctx)
    assert form.lock_minutes is not None and form.lock_minutes.value() == 15
    assert not form.dirty                                   # loading it is not an edit
    form.lock_minutes.setFocus()
    form.lock_minutes.selectAll()
    qtbot.keyClicks(form.lock_minutes, "3")
    assert form.dirty
    form.accept()
    wait_idle(qtbot, ctx)
    assert not shiboken6.isValid(form) or not form.isVisible()   # saved and closed
    assert on_db(qtbot, ctx, lambda store: (store.get_setting(IDLE_SETTING), idle_minutes(store))) == ("3", 3)
    assert window.idle_lock.timer.interval() == 3 * 60_000 and window.idle_lock.timer.isActive()


def test_first_run_does_not_ask_for_it(qtbot, ctx):
    from outreach.ui.dialogs.setup_wizard import SetupWizard

    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    assert wizard.lock_minutes is None and "lock_minutes" not in wizard.values()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_field_is_labelled_in_both_languages(qtbot, settings_form, ctx, lang):
    from outreach.i18n import tr

    set_language(lang)
    try:
        settings_form.retranslate()
        label = settings_form.fields["lock_minutes"].label
        assert label.text() == tr("wo.settings.lock_minutes")
        assert settings_form.sizeHint().height() <= 680     # still fits a 1280×720 screen
        settings_form.grab().save(f"/tmp/wo/settings-lock-{lang}.png")
    finally:
        set_language("zh_CN")
