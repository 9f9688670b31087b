"""Start-up: no display → a clear message; the shipped font; the real entry point on a data folder;
window geometry and last view remembered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.storage.store import Store
from outreach.ui.app import build_context, check_display, create_application, run_gui
from tests.ui.conftest import seed_county, wait_idle


def test_no_display_is_a_clear_error_not_a_crash():
    with pytest.raises(OutreachError) as err:
        check_display(env={}, platform="linux")
    assert "QT_QPA_PLATFORM=offscreen" in err.value.message("zh_CN")
    assert "QT_QPA_PLATFORM=offscreen" in err.value.message("en")
    check_display(env={"DISPLAY": ":0"}, platform="linux")
    check_display(env={"QT_QPA_PLATFORM": "offscreen"}, platform="linux")
    check_display(env={}, platform="win32")


def test_run_gui_raises_without_display(monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(OutreachError, match="offscreen"):
        run_gui(None)


def test_cjk_font_is_registered(qapp):
    create_application()
    assert any("WenQuanYi" in f or "文泉" in f for f in QFontDatabase.families())
    assert "WenQuanYi Micro Hei" in QApplication.font().families()


def test_run_gui_opens_the_main_window_on_a_data_folder(qapp, tmp_path):
    store = Store.open(tmp_path / "data")
    store.set_setting("worker_name", "李娜")
    store.set_setting("device_name", "李娜的笔记本")
    seed_county(store)
    store.close()
    seen = {}

    def close_soon():
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow" and w.isVisible()]
        if not windows:
            QTimer.singleShot(100, close_soon)
            return
        seen["title"] = windows[0].windowTitle()
        windows[0].close()

    QTimer.singleShot(200, close_soon)
    assert run_gui(str(tmp_path / "data")) == 0
    assert seen["title"] == tr("ui.app.title")
    assert (tmp_path / "data" / "ui.ini").exists()


def test_run_gui_demo_fills_an_empty_folder_with_progress(qapp, tmp_path):
    seen = {}

    def close_soon():
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow" and w.isVisible()]
        if not windows:
            QTimer.singleShot(100, close_soon)
            return
        w = windows[0]
        if w.households.model.total is None:
            QTimer.singleShot(100, close_soon)
            return
        seen["total"] = w.households.model.total
        seen["who"] = w.who.text()
        w.close()

    QTimer.singleShot(200, close_soon)
    assert run_gui(str(tmp_path / "demo"), demo=True) == 0
    assert seen["total"] > 0
    assert "李娜" in seen["who"]  # the demo's worker: no first-run questions


def test_geometry_and_last_view_are_remembered(qtbot, qapp, tmp_path):
    from outreach.ui.main_window import MainWindow

    store = Store.open(tmp_path / "data")
    store.set_setting("worker_name", "李娜")
    ids = seed_county(store)
    ctx = build_context(store, qapp)
    try:
        w = MainWindow(ctx)
        w.show()
        w.resize(1024, 700)  # the offscreen screen is 800×800; a restored window is fitted to it
        w.households.splitter.setSizes([333, 691])
        w.open_household(ids["h2"])
        wait_idle(qtbot, ctx)
        w.close()
    finally:
        ctx.close()
    ctx2 = build_context(store, qapp)
    try:
        w2 = MainWindow(ctx2)
        w2.show()
        wait_idle(qtbot, ctx2)
        assert w2.current_view == "household"
        assert w2.household_page.household_id == ids["h2"]
        assert w2.height() == 700
        w2.show_view("households")
        assert w2.households.splitter.sizes()[0] == 333
        w2.close()
    finally:
        ctx2.close()
        store.close()


def test_the_key_is_derived_while_the_window_loads_and_opens_the_store(qapp, tmp_path, monkeypatch):
    """EarlyUnlock (issue 14): the passphrase from the environment is turned into the key in a thread;
    Store.open then uses it without deriving it again."""
    from outreach.storage import crypto_store
    from outreach.sync import keys
    from outreach.ui.app import EarlyUnlock

    Store.open(tmp_path / "data").close()
    crypto_store.forget()
    derived = []
    real = keys._derive
    monkeypatch.setattr(keys, "_derive", lambda *a: derived.append(1) or real(*a))
    early = EarlyUnlock(str(tmp_path / "data"))
    assert early.started
    early.wait()
    store = Store.open(tmp_path / "data")
    try:
        assert derived == [1], "one derivation, in the thread; Store.open found the key"
        assert store.db_key == crypto_store.cached_key(tmp_path / "data")
    finally:
        store.close()


def test_a_wrong_passphrase_from_the_environment_is_refused_once_and_counted_once(qapp, tmp_path, monkeypatch):
    from outreach.storage import crypto_store
    from outreach.ui.app import EarlyUnlock

    Store.open(tmp_path / "data").close()
    crypto_store.forget()
    monkeypatch.setenv(crypto_store.PASSPHRASE_ENV, "not the passphrase at all")
    early = EarlyUnlock(str(tmp_path / "data"))
    with pytest.raises(OutreachError) as err:
        early.wait()
    assert err.value.key == "sec.error.wrong_passphrase"
    assert crypto_store._attempts(tmp_path / "data")["failures"] == 1
    early.wait()   # reported once: nothing left to raise
    assert crypto_store.cached_key(tmp_path / "data") is None


def test_no_key_file_or_no_passphrase_in_the_environment_starts_nothing(qapp, tmp_path, monkeypatch):
    from outreach.storage import crypto_store
    from outreach.ui.app import EarlyUnlock

    assert not EarlyUnlock(str(tmp_path / "new")).started      # a new folder: Store.open creates the key
    Store.open(tmp_path / "data").close()
    crypto_store.forget()
    monkeypatch.delenv(crypto_store.PASSPHRASE_ENV)
    assert not EarlyUnlock(str(tmp_path / "data")).started     # typed in the lock dialog instead


def test_the_daily_backup_runs_after_the_window_is_shown_and_is_finished_before_exit(qapp, tmp_path):
    """Issue 14: the backup at start copies the whole store (tens of seconds for a county); the window
    comes first. The backup blocks at its last step until the test has seen the window: done in the
    window's thread it would never see it (the hook gives up after 20 s and says so)."""
    import threading

    from outreach import testhooks

    store = Store.open(tmp_path / "data")
    store.set_setting("worker_name", "李娜")
    seed_county(store)
    store.close()
    shown = threading.Event()
    seen: dict = {}

    def at_written(_name):
        seen["window_first"] = shown.wait(20)

    def close_soon():
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow" and w.isVisible()]
        if not windows:
            QTimer.singleShot(50, close_soon)
            return
        shown.set()
        windows[0].close()

    QTimer.singleShot(50, close_soon)
    with testhooks.hooked("backup:written", at_written):
        assert run_gui(str(tmp_path / "data")) == 0
    assert seen == {"window_first": True}
    made = list((tmp_path / "data" / "backups").glob("outreach-*-daily.db"))
    assert len(made) == 1, "finished (renamed from .partial) before run_gui returned"
    assert not list((tmp_path / "data" / "backups").glob("*.partial"))



@pytest.mark.parametrize("failure", ["refused", "crashed"])
def test_a_backup_at_start_that_cannot_be_made_is_said_in_the_window(qtbot, monkeypatch, failure):
    """Before: a failed daily backup went to the log only — the worker went on believing a dead disk
    would cost at most a day. Now the window's status bar says so, in her language."""
    from PySide6.QtWidgets import QMainWindow

    from outreach.domain.errors import OutreachError
    from outreach.services import backups
    from outreach.ui.app import BackgroundBackup, _gui_thread_call
    from outreach.ui.dialogs.lock_dialog import start_backup

    def due(store):
        if failure == "refused":    # the backup folder is a USB stick that is not plugged in
            raise OutreachError("error.db.cannot_create", path="E:\\备份", reason="设备未就绪")
        raise RuntimeError("disk gone")

    monkeypatch.setattr(backups, "backup_if_due", due)
    window = QMainWindow()
    qtbot.addWidget(window)
    backup = BackgroundBackup(object(), start_backup)
    backup.start(_gui_thread_call(window, lambda text: window.statusBar().showMessage(text)))
    backup.join()
    qtbot.waitUntil(lambda: bool(window.statusBar().currentMessage()), timeout=5000)
    shown = window.statusBar().currentMessage()
    assert shown.startswith("今天的自动备份没有做成")
    assert ("设备未就绪" if failure == "refused" else "disk gone") in shown
