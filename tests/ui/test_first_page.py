"""Issue 14: the window shows the household list's first page read with the raw driver before the
store (and SQLAlchemy) is loaded (``ui.first_page``), then the database thread opens the store. The
page is the one the services give — same rows, order and values, in every sort order, on a plain and
an encrypted store; nothing is written through the raw connection; the window works as usual once the
store is open; whatever could make opening the store do more than read keeps the usual start."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from outreach.services.household_rows import HouseholdQuery
from outreach.ui import first_page
from tests.ui.conftest import seed_county, wait_idle

SORTS = [HouseholdQuery(sort=s, descending=d) for s in ("code", "village", "head", "member_count", "last_visit",
                                                          "address", "priority") for d in (False, True)]


def _demo(store, households: int = 120) -> None:
    from outreach.services import demo

    demo.build_demo(store, households=households, seed=1)


def _orm_pages(store) -> dict:
    from outreach.services.households import query_households

    return {(q.sort, q.descending): query_households(store, q, offset=0, limit=60) for q in SORTS}


def test_the_raw_page_is_the_services_page_on_a_plain_store():
    from outreach.storage.store import Store

    store = Store.in_memory()   # plain SQLite
    try:
        _demo(store)
        expected = _orm_pages(store)
        raw = store.engine.raw_connection()
        try:
            for q in SORTS:
                got = first_page.read_rows(raw.driver_connection, q, limit=60)
                assert got == expected[(q.sort, q.descending)], (q.sort, q.descending)
            deeper = first_page.read_rows(raw.driver_connection, HouseholdQuery(), offset=60, limit=30)
        finally:
            raw.close()
        from outreach.services.households import query_households

        assert deeper == query_households(store, HouseholdQuery(), offset=60, limit=30)
        assert any(r.last_visit for r in deeper) and any(r.priority for p in expected.values() for r in p)
    finally:
        store.close()


def _encrypted_store(folder: Path, seed) -> None:
    from outreach.storage.store import Store

    store = Store.open(folder)
    store.set_setting("worker_name", "李娜")
    store.set_setting("device_name", "李娜的笔记本")
    store.set_setting("villages", "530101100201,530101100202")
    seed(store)
    store.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_raw_page_is_the_services_page_on_an_encrypted_store_and_writes_nothing(tmp_path):
    from outreach.storage.store import Store

    folder = tmp_path / "data"
    _encrypted_store(folder, _demo)
    db = folder / "outreach.sqlite3"
    before = _sha(db)
    page = first_page.open_first_page(folder)
    assert page is not None
    try:
        raw = {(q.sort, q.descending): first_page.read_rows(page.conn, q, limit=60) for q in SORTS}
        settings = page.settings()
        with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
            page.conn.execute("UPDATE setting SET value = 'x' WHERE key = 'worker_name'")
    finally:
        page.close()
    assert _sha(db) == before and not Path(f"{db}-wal").exists()
    assert (settings.worker_name, settings.device_name, settings.villages) == ("李娜", "李娜的笔记本",
                                                                        ("530101100201", "530101100202"))
    store = Store.open(folder)
    try:
        assert raw == _orm_pages(store)
    finally:
        store.close()


def test_only_the_first_page_of_the_unfiltered_list_is_answered():
    assert first_page.answerable(HouseholdQuery(sort="last_visit", descending=True))
    assert not first_page.answerable(HouseholdQuery(text="王"))
    assert not first_page.answerable(HouseholdQuery(village_ids=("530101100201",)))
    assert not first_page.answerable(HouseholdQuery(not_visited_days=90))
    assert not first_page.answerable(HouseholdQuery(sort="phone"))


def test_migrations_are_counted_as_the_migrations_package_counts_them():
    from outreach.storage import migrations

    assert first_page.latest_schema() == migrations.latest_version()


@pytest.mark.parametrize("why", ["unclean", "schema", "server", "locked", "plain"])
def test_opening_the_store_first_whenever_it_could_do_more_than_read(tmp_path, monkeypatch, why):
    from outreach.storage import crypto_store, server

    folder = tmp_path / "data"
    _encrypted_store(folder, seed_county)
    db = folder / "outreach.sqlite3"
    if why == "unclean":        # a -wal left behind: Store.open checks the pages first
        Path(f"{db}-wal").write_bytes(b"")
    elif why == "schema":       # a store to upgrade (or one from a newer version)
        monkeypatch.setattr(first_page, "latest_schema", lambda: 99)
    elif why == "server":
        monkeypatch.setattr(server, "url_for", lambda directory, explicit=None: "postgresql+psycopg://h/db")
    elif why == "locked":       # the key is not unlocked yet
        crypto_store.forget()
    elif why == "plain":        # an older version's plain store: opening it encrypts it
        monkeypatch.setattr(crypto_store, "is_plain_sqlite", lambda path: True)
    assert first_page.open_first_page(folder) is None


def test_the_window_starts_with_the_raw_page_and_works_once_the_store_is_open(qtbot, qapp, tmp_path):
    from outreach.services.households import query_households
    from outreach.ui.app import start_window

    folder = tmp_path / "data"
    _encrypted_store(folder, seed_county)
    started = start_window(folder, qapp)
    assert started is not None
    window, ctx = started.window, started.ctx
    qtbot.addWidget(window)
    try:
        model = window.households.model
        assert not ctx.runner.ready and ctx.store is None      # nothing opened the store yet …
        first = [model.row_at(r) for r in range(model.rowCount())]
        assert [r.code for r in first] == ["东坪-0143", "东坪-0150", "石门-0022"]   # … and the page is there
        window.show()
        started.start_after_paint()
        qtbot.waitUntil(lambda: window.started, timeout=20000)
        wait_idle(qtbot, ctx)
        assert ctx.store is not None and type(ctx.settings).__name__ == "WorkerSettings"
        assert first == query_households(ctx.store, HouseholdQuery(), offset=0, limit=60)
        assert model.total == 3 and window.households.area_model.rowCount() > 0   # count and tree came after
        assert "dayone_export" in {a.objectName() for a in window.findChildren(type(window.actions_by_name["quit"]))}
        model.set_text("王秀英")                                   # search goes through the database thread
        qtbot.waitUntil(lambda: model.rowCount() == 1 and not model.is_loading())
        assert model.row_at(0).code == "东坪-0150"
        window.open_household(model.row_at(0).id)                 # and a household opens
        qtbot.waitUntil(lambda: window.household_page.household_id == model.row_at(0).id)
        wait_idle(qtbot, ctx)
        assert window.current_view == "household"
    finally:
        window.close()
        ctx.close()
        if ctx.store is not None:
            ctx.store.close()


def test_a_screen_reached_before_the_store_is_open_waits_for_it(qtbot, qapp, tmp_path):
    from outreach.ui.app import start_window

    folder = tmp_path / "data"
    _encrypted_store(folder, seed_county)
    started = start_window(folder, qapp)
    window, ctx = started.window, started.ctx
    qtbot.addWidget(window)
    try:
        window.show()
        started.start_after_paint()
        assert not ctx.runner.ready
        window.show_view("today")            # before the database thread even started
        assert window.started and ctx.store is not None
        wait_idle(qtbot, ctx)
        qtbot.waitUntil(lambda: window.today.due.rowCount() == 1)
    finally:
        window.close()
        ctx.close()
        ctx.store.close()


def test_the_first_window_loads_no_sqlalchemy():
    """What the first paint needs imports neither SQLAlchemy nor SQLModel nor the services that use them."""
    code = ("import sys\n"
            "from outreach.ui.app import EarlyUnlock, import_first, create_application, start_window\n"
            "import outreach.ui.main_window, outreach.ui.first_page, outreach.ui.dialogs.lock_dialog\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel'))\n"
            "print(bad[:5])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_runner_started_before_its_store_runs_the_waiting_jobs_once_it_is_open(qtbot):
    from outreach.storage.store import Store
    from outreach.ui.workers import DbRunner

    store = Store.in_memory()
    store.set_setting("worker_name", "李娜")
    runner = DbRunner.opening(lambda: store)
    got: list = []
    try:
        runner.query(lambda s: s.get_setting("worker_name"), on_done=got.append)
        assert not runner.ready and got == []
        with qtbot.waitSignal(runner.sig_ready, timeout=10000):
            runner.start()
        qtbot.waitUntil(runner.is_idle)
        assert got == ["李娜"] and runner.store is store
    finally:
        runner.shutdown()
        store.close()


def test_a_store_that_cannot_be_opened_is_said_and_nothing_waits_for_it(qtbot):
    from outreach.domain.errors import OutreachError
    from outreach.ui.workers import DbRunner

    def broken():
        raise OutreachError("error.db.unreadable", path="/x", reason="file is not a database")

    runner = DbRunner.opening(broken)
    ran: list = []
    try:
        runner.query(lambda s: ran.append(1))
        with qtbot.waitSignal(runner.sig_open_failed, timeout=10000):
            runner.start()
        with pytest.raises(OutreachError):
            runner.wait_ready()
        assert not runner.ready and ran == [] and runner.opened_store() is None
    finally:
        runner.shutdown()


def test_the_window_built_while_the_key_is_derived_speaks_the_stored_language(qtbot, qapp, tmp_path):
    from outreach.i18n import tr
    from outreach.storage.store import Store
    from outreach.ui.app import start_window

    folder = tmp_path / "data"
    _encrypted_store(folder, seed_county)
    store = Store.open(folder)
    store.set_setting("language", "en")
    store.close()
    asked: list = []
    started = start_window(folder, qapp, lambda: asked.append("key"))
    window, ctx = started.window, started.ctx
    qtbot.addWidget(window)
    try:
        assert asked == ["key"]
        assert window.menus["file"].title() == tr("ui.menu.file", "en") != tr("ui.menu.file", "zh_CN")
        assert "李娜" in window.who.text() and window.households.model.rowCount() == 3
    finally:
        window.close()
        ctx.close()
        ctx.language.apply("zh_CN")


def test_the_first_run_opens_the_store_first(qtbot, qapp, tmp_path):
    from outreach.storage.store import Store
    from outreach.ui.app import start_window
    from outreach.ui.main_window import MainWindow

    folder = tmp_path / "data"
    store = Store.open(folder)   # no worker yet: the first-run questions need the store
    seed_county(store)
    store.close()
    before = {id(w) for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)}
    assert start_window(folder, qapp) is None
    qtbot.wait(10)
    left = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and id(w) not in before and w.isVisible()]
    assert left == []


def test_a_failed_unlock_is_raised_and_leaves_nothing_running(qapp, tmp_path):
    from outreach.domain.errors import OutreachError
    from outreach.ui.app import start_window

    folder = tmp_path / "data"
    _encrypted_store(folder, seed_county)

    def wrong():
        raise OutreachError("sec.error.wrong_passphrase")

    with pytest.raises(OutreachError):
        start_window(folder, qapp, wrong)


def test_the_lighter_import_check_answers_as_pysides_own():
    """``lighten_import_check``: PySide's "does this module use PySide6?" read from the file's bytes
    gives the same answer as its inspect.getsource version, for Qt and non-Qt modules alike."""
    import importlib

    import PySide6.QtCore  # noqa: F401 - loads shibokensupport.feature

    from outreach.ui.app import lighten_import_check

    feature = sys.modules["shibokensupport.feature"]
    lighten_import_check()
    lighter = feature._mod_uses_pyside
    assert getattr(lighter, "outreach_lighter", False)
    import inspect

    def pysides_own(module) -> bool:
        try:
            return "PySide6" in inspect.getsource(module)
        except (TypeError, OSError, SyntaxError):
            return False

    names = ["outreach.ui.widgets", "outreach.ui.first_page", "outreach.i18n", "outreach.services.household_rows",
             "json", "sqlite3", "PySide6.QtCore", "shibokensupport.feature", "sqlcipher3"]
    for name in names:
        module = importlib.import_module(name)
        assert lighter(module) == pysides_own(module), name
