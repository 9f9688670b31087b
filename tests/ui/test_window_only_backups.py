"""Window only, File → Backups and restore / Change passphrase:
- a backup kept outside the backup folder (the USB stick the lead copied it to) can be restored from
  the window, after the same preview and question, without moving the backup folder;
- changing the passphrase says it worked (the next start asks for the new one)."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from outreach.i18n import tr
from outreach.services import backups, households
from outreach.storage import crypto_store
from outreach.storage.store import Store
from tests.unit.security.helpers import demo_store

PASS = "县社工站2026春"


def test_a_backup_on_a_usb_stick_is_restored_from_the_window(qtbot, qapp, tmp_path, monkeypatch):
    from outreach.ui.app import build_context
    from outreach.ui.dialogs.backups_dialog import BackupsDialog

    data = tmp_path / "data"
    store = demo_store(data, households=6)
    usb = tmp_path / "usb"
    usb.mkdir()
    copy = usb / backups.create(store).name
    shutil.copyfile(backups.list_backups(backups.backup_dir(store))[0], copy)
    for path in backups.list_backups(backups.backup_dir(store)):
        path.unlink()                       # only the copy on the stick is left
    households.create_household(store, village_id=households.query_households(
        store, households.HouseholdQuery(), limit=1)[0].village_id, code="东坪-9999", address="新登记")
    assert households.count_households(store, households.HouseholdQuery()) == 7
    folder_before = backups.backup_dir(store)
    asked, told, quit_called = [], [], []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(copy), "")))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda _p, _t, text, *a, **k: (asked.append(text), QMessageBox.StandardButton.Yes)[1]))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: told.append(text)))
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quit_called.append(True)))
    ctx = build_context(store, qapp)
    try:
        dialog = BackupsDialog(ctx)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(ctx.runner.is_idle, timeout=5000)
        dialog.file_button.click()
        qtbot.waitUntil(lambda: bool(quit_called), timeout=15000)
        assert "6 户" in asked[0] and copy.name in asked[0]        # the preview names what comes back
        assert told == [tr("sec.backups.restart")]
    finally:
        ctx.close()
        store.close()
    reopened = Store.open(data)
    try:
        assert households.count_households(reopened, households.HouseholdQuery()) == 6
        assert backups.backup_dir(reopened) == folder_before          # the backup folder did not move
    finally:
        reopened.close()


def test_changing_the_passphrase_says_it_worked(qtbot, tmp_path, monkeypatch):
    from outreach.ui.dialogs.backups_dialog import ChangePassphraseDialog

    Store.open(tmp_path).close()
    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: told.append(text)))
    dialog = ChangePassphraseDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    new = "灯笼挂在老槐树下面"
    dialog.old.setText(PASS)
    dialog.new.setText(new)
    dialog.repeat.setText(new)
    dialog.try_accept()
    assert not dialog.isVisible() and told == [tr("sec.passphrase_changed")]
    crypto_store.forget()
    assert crypto_store.check_passphrase(tmp_path, new)


def test_the_list_shows_each_backup_whole_one_fact_a_column(qtbot, qapp, tmp_path):
    from outreach.ui.app import build_context
    from outreach.ui.dialogs.backups_dialog import COLUMNS, BackupsDialog

    store = demo_store(tmp_path / "data", households=6)
    backups.create(store)
    ctx = build_context(store, qapp)
    try:
        dialog = BackupsDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
        headers = [dialog.table.horizontalHeaderItem(j).text() for j in range(dialog.table.columnCount())]
        assert headers == [tr(f"wo.backups.col.{c}") for c in COLUMNS]
        cells = [dialog.table.item(0, j).text() for j in range(dialog.table.columnCount())]
        assert cells[1] == tr("wo.backups.reason.manual") and cells[2] == "6"
        assert "+00:00" not in cells[0] and "T" not in cells[0]          # a clock time, not ISO UTC
        newest = list(COLUMNS).index("newest")
        rect = dialog.table.visualRect(dialog.table.model().index(0, newest))
        assert rect.right() <= dialog.table.viewport().width()           # the newest visit is not cut off
    finally:
        ctx.close()
        store.close()


def test_a_new_passphrase_also_unlocks_the_team_keys_on_the_sync_screen(qtbot, tmp_path, monkeypatch):
    """Before: File → Change passphrase rewrapped the data key only; the Sync screen kept wanting the
    old passphrase, which a worker forgets — and with it her laptop's place in the team."""
    from outreach.sync import team
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs.backups_dialog import ChangePassphraseDialog

    store = Store.open(tmp_path)
    store.set_setting("worker_name", "陈静")
    team.create_team(store, PASS, name="东坪社工站", kdf=FAST_KDF_FOR_TESTS)
    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: told.append(text)))
    dialog = ChangePassphraseDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    new = "灯笼挂在老槐树下面"
    dialog.old.setText(PASS)
    dialog.new.setText(new)
    dialog.repeat.setText(new)
    dialog.try_accept()
    try:
        assert told == [tr("wo.passphrase.changed_both")]
        assert team.unlock(store, new).device_id == store.device.id       # the Sync screen's passphrase
        crypto_store.forget()
        assert crypto_store.check_passphrase(tmp_path, new)
    finally:
        store.close()


def test_a_wrong_old_passphrase_changes_neither(qtbot, tmp_path):
    from outreach.sync import keys, team
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs.backups_dialog import ChangePassphraseDialog

    store = Store.open(tmp_path)
    store.set_setting("worker_name", "陈静")
    team.create_team(store, PASS, name="东坪社工站", kdf=FAST_KDF_FOR_TESTS)
    before = (crypto_store.keyfile_path(tmp_path).read_bytes(), keys.keystore_path(tmp_path).read_bytes())
    dialog = ChangePassphraseDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.old.setText("不是这个口令-2026")
    dialog.new.setText("灯笼挂在老槐树下面")
    dialog.repeat.setText("灯笼挂在老槐树下面")
    dialog.try_accept()
    try:
        assert dialog.isVisible() and dialog.message.text()
        assert (crypto_store.keyfile_path(tmp_path).read_bytes(), keys.keystore_path(tmp_path).read_bytes()) == before
    finally:
        store.close()
