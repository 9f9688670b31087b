"""The app lock in the window (issue 13): first-run passphrase, start-up unlock, the idle lock screen
that hides every window, and the backups dialog."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QWidget  # noqa: E402

from outreach.services import backups  # noqa: E402
from outreach.storage import crypto_store  # noqa: E402
from outreach.storage.store import Store  # noqa: E402
from outreach.ui.dialogs.lock_dialog import DEMO_PASSPHRASE, IdleLock, LockDialog, ask_at_start  # noqa: E402

from .helpers import demo_store  # noqa: E402

PASS = "县社工站2026春"


def test_first_run_chooses_a_passphrase_and_refuses_weak_or_mismatched_ones(qtbot, tmp_path):
    d = LockDialog(tmp_path, "create")
    qtbot.addWidget(d)
    d.field.setText("山上的桃树开了三回花")
    d.repeat.setText("山上的桃树开了两回花")
    d.try_accept()
    assert "不一致" in d.message.text() and not crypto_store.has_keyfile(tmp_path)
    d.field.setText("12345678")
    d.repeat.setText("12345678")
    d.try_accept()
    assert "常见密码" in d.message.text() and not crypto_store.has_keyfile(tmp_path)
    d.field.setText("山上的桃树开了三回花")
    d.repeat.setText("山上的桃树开了三回花")
    d.try_accept()
    assert d.result() == LockDialog.DialogCode.Accepted and crypto_store.has_keyfile(tmp_path)
    d.grab().save(str(tmp_path / "lock-create.png"))


def test_a_wrong_passphrase_at_start_shows_one_line_and_opens_nothing(qtbot, tmp_path):
    Store.open(tmp_path).close()
    crypto_store.forget()
    d = LockDialog(tmp_path, "unlock")
    qtbot.addWidget(d)
    d.field.setText("不是这个口令啊朋友")
    d.try_accept()
    assert d.message.text() == "口令不对，数据没有打开，也没有任何改动"
    assert d.result() != LockDialog.DialogCode.Accepted and crypto_store.cached_key(tmp_path) is None
    d.field.setText(PASS)
    d.try_accept()
    assert d.result() == LockDialog.DialogCode.Accepted and crypto_store.cached_key(tmp_path) is not None


def test_demo_gets_its_documented_passphrase_without_a_dialog(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTREACH_PASSPHRASE")
    assert ask_at_start(tmp_path / "demo-data", demo=True)
    crypto_store.forget()
    assert ask_at_start(tmp_path / "demo-data", demo=True)     # the second start too
    assert crypto_store.unlock(tmp_path / "demo-data", DEMO_PASSPHRASE)


def test_the_idle_lock_hides_every_window_until_the_passphrase(qtbot, tmp_path):
    Store.open(tmp_path).close()
    window, other = QWidget(), QWidget()
    for w in (window, other):
        qtbot.addWidget(w)
        w.show()
    lock = IdleLock(tmp_path, minutes=0.001)
    assert lock.timer.interval() == 60
    with qtbot.waitSignal(lock.sig_locked, timeout=5000):
        pass                                   # no input: the timer runs out
    assert not window.isVisible() and not other.isVisible()
    assert lock.dialog is not None and lock.dialog.isVisible()
    lock.dialog.field.setText("wrong wrong wrong")
    lock.dialog.try_accept()
    assert not window.isVisible() and lock.locked
    lock.dialog.field.setText(PASS)
    with qtbot.waitSignal(lock.sig_unlocked, timeout=5000):
        lock.dialog.try_accept()
    assert window.isVisible() and other.isVisible() and not lock.locked
    lock.timer.stop()


def test_the_backups_dialog_lists_creates_and_previews(qtbot, qapp, tmp_path):
    from outreach.ui.app import build_context
    from outreach.ui.dialogs.backups_dialog import BackupsDialog

    store = demo_store(tmp_path, households=12)
    ctx = build_context(store, qapp)
    try:
        d = BackupsDialog(ctx)
        qtbot.addWidget(d)
        qtbot.waitUntil(ctx.runner.is_idle, timeout=5000)
        assert d.table.rowCount() == 0 and not d.restore_button.isEnabled()
        d.create_now()
        qtbot.waitUntil(lambda: d.table.rowCount() == 1, timeout=10000)
        assert d.table.item(0, 2).text() == "12"   # the households column (one fact a column)
        qtbot.waitUntil(lambda: "（12 户）" in d.status.text(), timeout=5000)
        assert d.selected().households == 12
        assert len(backups.list_backups(backups.backup_dir(store))) == 1
        d.show()
        d.grab().save(str(tmp_path / "backups.png"))
    finally:
        ctx.close()
        store.close()


def test_an_unredacted_export_from_the_window_asks_first_and_can_be_an_encrypted_zip(qtbot, qapp, tmp_path):
    import pyzipper
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from outreach.ui.app import build_context
    from outreach.ui.dialogs.backups_dialog import ZipPassphraseDialog, confirm_unredacted
    from outreach.ui.dialogs.export_dialog import ExportDialog

    def click(role_text: str) -> None:
        box = next(w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert "身份证号" in box.text()
        next(b for b in box.buttons() if role_text in b.text()).click()

    QTimer.singleShot(200, lambda: click("不加密"))
    assert confirm_unredacted(None) == ""
    QTimer.singleShot(200, lambda: next(
        w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()).reject())
    assert confirm_unredacted(None) is None

    z = ZipPassphraseDialog()
    qtbot.addWidget(z)
    z.first.setText("短口令")
    z.second.setText("短口令")
    z.try_accept()
    assert "至少" in z.message.text() and not z.passphrase

    store = demo_store(tmp_path / "data", households=6)
    ctx = build_context(store, qapp)
    try:
        d = ExportDialog(ctx)
        qtbot.addWidget(d)
        d.redact.setChecked(False)
        target = tmp_path / "名单.zip"
        d.export_to(str(target), zip_passphrase="青山镇民政办-2026")
        qtbot.waitUntil(lambda: target.exists() and ctx.runner.is_idle(), timeout=20000)
        with pyzipper.AESZipFile(target) as zf:
            zf.setpassword("青山镇民政办-2026".encode())
            assert zf.read("名单.xlsx")[:2] == b"PK"
    finally:
        ctx.close()
        store.close()


def test_a_store_that_cannot_be_opened_is_explained_in_the_window(qapp, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from outreach.domain.errors import OutreachError
    from outreach.ui import app

    data = tmp_path / "data"
    Store.open(data).close()
    crypto_store.keyfile_path(data).unlink()          # the key file lost: the data cannot be opened
    crypto_store.forget()
    seen: list[str] = []

    def read_and_close() -> None:
        box = next(w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen.append(box.text())
        box.accept()

    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(read_and_close)
    timer.start(300)
    try:
        with pytest.raises(OutreachError) as exc:
            app.run_gui(str(data))
    finally:
        timer.stop()     # never left to fire in another test
    assert exc.value.key == "sec.error.keyfile_missing" and seen == [exc.value.message()]


def test_encrypted_data_without_their_key_file_get_no_new_key_written_beside_them(tmp_path, monkeypatch):
    """Before: a lost outreach-dbkey.json looked like a first run — the lock dialog wrote a new key
    file, and the open then failed with a raw 'file is not a database'."""
    import outreach.ui.dialogs.lock_dialog as lock

    Store.open(tmp_path).close()
    crypto_store.keyfile_path(tmp_path).unlink()
    crypto_store.forget()
    monkeypatch.delenv("OUTREACH_PASSPHRASE")
    shown = []
    monkeypatch.setattr(lock, "show_open_error", lambda exc: shown.append(exc.key))
    assert ask_at_start(tmp_path) is False
    assert shown == ["sec.error.keyfile_missing"] and not crypto_store.has_keyfile(tmp_path)


def test_forgot_the_passphrase_opens_with_the_leads_recovery_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    import outreach.ui.dialogs.recovery_unlock_dialog as recovery

    Store.open(tmp_path).close()
    dialog = LockDialog(tmp_path, "unlock")
    qtbot.addWidget(dialog)
    monkeypatch.setattr(recovery, "open_with_recovery", lambda directory, parent: b"k" * 32)
    dialog.forgot.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.key == b"k" * 32
    assert not hasattr(LockDialog(tmp_path, "create"), "forgot")     # nothing to forget on a first run


def test_a_damaged_store_at_start_is_offered_the_backup_in_the_window(qapp, tmp_path, monkeypatch):
    """The start-up check found the data damaged: the window offers the newest backup plus the
    changes since (not 'run outreach backup recover' to someone with no terminal), and opens the data
    again once they are back."""
    from outreach.domain.errors import OutreachError
    from outreach.ui import app
    from outreach.ui.dialogs import lock_dialog, recover_store_dialog

    data = tmp_path / "data"
    Store.open(data).close()
    damaged = OutreachError("sec.error.corrupt", path=str(data / "outreach.sqlite3"), file="b.db", created_at="")
    opened: list[str] = []

    def open_store(cls, directory=None, **kw):
        opened.append(str(directory))
        raise damaged

    offered, shown = [], []
    monkeypatch.setattr(Store, "open", classmethod(open_store))
    monkeypatch.setattr(recover_store_dialog, "offer_store_recovery",
                        lambda directory, exc, *a: offered.append((directory, exc.key)) or False)
    monkeypatch.setattr(lock_dialog, "show_open_error", lambda exc: shown.append(exc.key))
    with pytest.raises(OutreachError):
        app.run_gui(str(data))
    assert offered == [(data, "sec.error.corrupt")] and shown == ["sec.error.corrupt"] and len(opened) == 1
