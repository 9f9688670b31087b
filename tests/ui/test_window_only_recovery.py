"""Window only: a worker who forgot the passphrase opens her data with the lead's recovery file and
chooses a new passphrase, in the window (the CLI's ``outreach unlock --recovery-identity FILE``)."""

from __future__ import annotations

import pytest
from pyrage import x25519

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.storage import crypto_store

OLD = "旧口令-骑车去东坪村-2026"
NEW = "灯笼挂在老槐树下面"


@pytest.fixture
def laptop(tmp_path):
    """A laptop's data folder whose key is wrapped to the team's recovery key, and that key's file."""
    data = tmp_path / "data"
    data.mkdir()
    key = crypto_store.create_keyfile(data, OLD)
    recovery = x25519.Identity.generate()
    crypto_store.set_recovery(data, key, str(recovery.to_public()))
    (tmp_path / "recovery.txt").write_text(f"# team recovery identity\n{recovery}\n", encoding="utf-8")
    crypto_store.forget()
    yield data, key, tmp_path / "recovery.txt"
    crypto_store.forget()


def _dialog(qtbot, data):
    from outreach.ui.dialogs.recovery_unlock_dialog import RecoveryUnlockDialog

    dialog = RecoveryUnlockDialog(data)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_recovery_file_opens_the_data_and_sets_the_new_passphrase(qtbot, laptop):
    data, key, recovery = laptop
    dialog = _dialog(qtbot, data)
    dialog.file.setText(str(recovery))
    qtbot.keyClicks(dialog.new, "x")            # typed as a person does, then replaced (IME: setText)
    dialog.new.setText(NEW)
    dialog.repeat.setText(NEW)
    dialog.ok.click()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.key == key
    crypto_store.forget()
    assert crypto_store.unlock(data, NEW) == key          # the new passphrase opens the same data
    crypto_store.forget()
    with pytest.raises(OutreachError):
        crypto_store.unlock(data, OLD)


def test_another_teams_file_is_refused_in_one_line_and_nothing_changes(qtbot, laptop, tmp_path):
    data, key, _recovery = laptop
    stranger = tmp_path / "stranger.txt"
    stranger.write_text(f"{x25519.Identity.generate()}\n", encoding="utf-8")
    before = crypto_store.keyfile_path(data).read_bytes()
    dialog = _dialog(qtbot, data)
    dialog.file.setText(str(stranger))
    dialog.new.setText(NEW)
    dialog.repeat.setText(NEW)
    dialog.ok.click()
    assert dialog.isVisible() and dialog.message.text() == tr("sec.error.wrong_identity")
    assert crypto_store.keyfile_path(data).read_bytes() == before


def test_no_file_chosen_and_mismatched_passphrases_say_so(qtbot, laptop):
    data, _key, recovery = laptop
    dialog = _dialog(qtbot, data)
    dialog.ok.click()
    assert dialog.message.text() == tr("wo.recover.no_file")
    dialog.file.setText(str(recovery))
    dialog.new.setText(NEW)
    dialog.repeat.setText(NEW + "了")
    dialog.ok.click()
    assert dialog.isVisible() and dialog.message.text() == tr("sec.error.mismatch")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_dialog_fits_a_1280x720_screen_in_both_languages(qtbot, laptop, lang):
    from outreach.i18n import set_language

    set_language(lang)
    try:
        dialog = _dialog(qtbot, laptop[0])
        qtbot.waitExposed(dialog)
        hint = dialog.sizeHint()
        assert hint.width() <= 1280 and hint.height() <= 680
        dialog.grab().save(f"/tmp/wo/recovery-{lang}.png")
    finally:
        set_language("zh_CN")
