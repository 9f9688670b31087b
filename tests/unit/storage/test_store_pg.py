"""The store on a PostgreSQL server (issue 15): several laptops' data folders on one database, each with
its own identity; writers one after the other; what the server does instead of the app (backups).

Run with ``OUTREACH_TEST_ENGINE=postgresql`` (a throwaway cluster, tests/pg_cluster.py); skipped otherwise.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from outreach.domain.errors import OutreachError
from outreach.services import areas, backups, households
from outreach.storage import server
from outreach.storage import store as store_mod
from outreach.storage.store import Store, StoreBusy
from outreach.storage.tables import Household
from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgresql", reason="needs OUTREACH_TEST_ENGINE=postgresql")


@pytest.fixture
def shared(pg_cluster, tmp_path):
    """One database, two laptops' data folders pointing at it (as two county staff do)."""
    url = pg_cluster.new_database()
    a = Store.open(tmp_path / "laptop-a", database_url=url)
    b = Store.open(tmp_path / "laptop-b", database_url=url)
    yield a, b
    a.close()
    b.close()
    pg_cluster.drop_database(url)


def test_each_laptop_keeps_its_own_identity_and_settings_in_its_data_folder(shared, tmp_path):
    a, b = shared
    a.set_setting("worker_name", "李娜")
    a.set_setting("device_name", "李娜的笔记本")
    b.set_setting("worker_name", "王强")
    assert a.device.id != b.device.id
    assert (a.worker, b.worker) == ("李娜", "王强")
    assert (a.device.name, b.device.name) == ("李娜的笔记本", "")
    # the first laptop on a new database gives it its sync identity (one laptop = as on SQLite)
    with b.connect() as conn:
        assert conn.execute(text("SELECT value FROM setting WHERE key = 'device_id'")).scalar_one() == a.device.id
    # a team setting is shared through the database
    a.set_setting("org_name", "青山县社工站")
    assert b.get_setting("org_name") == "青山县社工站"
    # reopened, laptop b is still itself: its identity is in its folder, not in the database
    again = Store.open(tmp_path / "laptop-b", database_url=_url(b))
    try:
        assert (again.device.id, again.worker) == (b.device.id, "王强")
    finally:
        again.close()


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_changes_are_stamped_with_the_laptop_that_made_them_and_seen_by_the_other(shared):
    a, b = shared
    areas.add_area(a, code="522731100200", name="东坪村", level="village")
    hid = households.create_household(a, village_id="522731100200", phone="13800138000")
    households.update_household(b, hid, phone="13900139000")
    with a.session() as s:
        row = s.get(Household, hid)
    assert (row.phone, row.created_device, row.updated_device) == ("13900139000", a.device.id, b.device.id)


def _waiting_for_lock(store: Store) -> int:
    with store.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar_one()


def test_a_second_writer_waits_for_the_first_and_then_sees_its_rows(shared):
    a, b = shared
    areas.add_area(a, code="522731100200", name="东坪村", level="village")
    seen: list[int] = []
    b_done = threading.Event()

    def second_writer():
        with b.transaction() as w:
            seen.append(w.conn.execute(text("SELECT count(*) FROM household")).scalar_one())
        b_done.set()

    with a.transaction() as w:
        w.insert(Household, {"code": "A-1", "village_id": "522731100200"})
        t = threading.Thread(target=second_writer)
        t.start()
        # b's first statement is waiting for the write lock (polled with a bound, not slept on)
        for _ in range(12000):    # up to a minute: a loaded machine may start the thread late
            if _waiting_for_lock(a):
                break
            threading.Event().wait(0.005)
        assert _waiting_for_lock(a) == 1 and not b_done.is_set()
    t.join(60)
    assert b_done.is_set() and seen == [1]


def test_a_writer_that_waits_too_long_is_told_the_store_is_busy(shared, monkeypatch, tmp_path):
    a, _ = shared
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_MS", 200)
    impatient = Store.open(tmp_path / "laptop-c", database_url=_url(a))
    try:
        with a.transaction(), pytest.raises(StoreBusy) as exc, impatient.transaction():
            pass
        assert exc.value.key == "harden.store_busy"
        assert "postgres" in exc.value.message("en")
    finally:
        impatient.close()


def test_one_demo_build_at_a_time_across_laptops(shared):
    a, b = shared
    with a.exclusive("demo"):
        with pytest.raises(StoreBusy) as exc, b.exclusive("demo"):
            pass
        assert exc.value.key == "harden.job_running.demo"
    with b.exclusive("demo"):   # let go when the first one ended
        pass


def test_backups_are_the_servers_job_and_the_check_is_of_the_schema(store):
    with pytest.raises(OutreachError) as exc:
        backups.create(store)
    assert exc.value.key == "pg.error.server_job"
    assert "pg_dump" in exc.value.message("en") and "pg_dump" in exc.value.message("zh_CN")
    assert store.integrity_ok()
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE form_draft"))
    assert not store.integrity_ok()


def test_urls_in_postgresql_form_are_accepted_and_others_refused(tmp_path):
    assert server.normalize_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert server.normalize_url("postgres://h/db") == "postgresql+psycopg://h/db"
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path / "x", database_url="mysql://u:secret@h/db")
    assert exc.value.key == "pg.error.bad_url" and "secret" not in exc.value.message("en")


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path / "x", database_url=f"postgresql://u:secret@/db?host={tmp_path}/nowhere")
    assert exc.value.key == "pg.error.cannot_connect"
    assert "secret" not in exc.value.message("en")


def test_text_sorts_and_compares_by_code_point_as_on_sqlite_on_a_chinese_server(store):
    """The test cluster's default collation is ICU zh (pinyin order: 李 before 王 before 张); the app's
    columns are "C", so lists come in the order SQLite gives them."""
    with store.connect() as conn:
        assert conn.execute(text("SELECT '李' < '张' COLLATE \"default\"")).scalar_one()   # li < zhang
        assert not conn.execute(text("SELECT '李' < '张' COLLATE \"C\"")).scalar_one()    # U+674E > U+5F20
        assert conn.execute(text(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying') AND collation_name IS DISTINCT FROM 'C' "
            "AND table_name NOT LIKE 'person_search_%'")).scalar_one() == 0
    areas.add_area(store, code="522731100200", name="东坪村", level="village")
    for phone, address in [("1", "张家"), ("2", "李家"), ("3", "王家"), ("4", "abc"), ("5", "Abd")]:
        households.create_household(store, village_id="522731100200", phone=f"1380013800{phone}", address=address)
    rows = households.query_households(store, households.HouseholdQuery(sort="address"))
    assert [h.address for h in rows] == sorted(["张家", "李家", "王家", "abc", "Abd"])   # code point order


def _columns(engine) -> dict[str, list[tuple[str, str, bool]]]:
    from sqlalchemy import inspect

    insp = inspect(engine)
    return {t: sorted((c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t))
            for t in insp.get_table_names()}


def test_an_older_database_on_the_server_upgrades_through_every_migration_to_the_fresh_schema(pg_cluster, tmp_path):
    """Every upgrade step (m0002 … the latest) runs on PostgreSQL: a version-1 database (the tables of
    later versions absent) with some history ends up as a new one is made, its history carried over."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    from sqlmodel import SQLModel

    from outreach.storage import migrations
    from outreach.storage.migrations import m0002_sync, m0003_team_reference, m0004_assessment_drafts
    from outreach.storage.tables import SchemaVersion

    later = {t.name for t in (*m0002_sync.TABLES, *m0003_team_reference.TABLES, m0004_assessment_drafts.FORM_DRAFT)}
    later |= {"merge_clock"}
    old_url = pg_cluster.empty_database()
    engine = create_engine(old_url, poolclass=NullPool)
    with engine.begin() as conn:
        SQLModel.metadata.create_all(conn, tables=[t for t in SQLModel.metadata.sorted_tables if t.name not in later])
        conn.execute(text("ALTER TABLE assessment DROP COLUMN complete"))
        conn.execute(SchemaVersion.__table__.insert().values(version=1, name="initial", applied_at=datetime.now(UTC)))
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('device_id', 'aaaa')"))
        conn.execute(text(
            "INSERT INTO change_log (entity, row_id, field, value, hlc, device_id, worker, recorded_at) VALUES "
            "('household', 'h1', '*', '{}', 10, 'aaaa', '李娜', '2026-01-01T00:00:00.000+00:00'), "
            "('household', 'h1', 'phone', '\"139\"', 20, 'bbbb', '王强', '2026-01-02T00:00:00.000+00:00')"))
    engine.dispose()
    upgraded = Store.open(tmp_path / "old", database_url=old_url)
    fresh = Store.open(tmp_path / "fresh", database_url=pg_cluster.new_database())
    try:
        assert upgraded.upgraded_from == 1
        with upgraded.connect() as conn:
            assert migrations.applied(conn) == list(range(1, migrations.latest_version() + 1))
            clock = conn.execute(text("SELECT field, hlc, device_id, worker FROM merge_clock")).all()
        assert [tuple(r) for r in clock] == [("phone", 20, "bbbb", "王强")]   # m0006 filled, m0007 kept fields
        assert _columns(upgraded.engine) == _columns(fresh.engine)
        assert upgraded.integrity_ok()
    finally:
        upgraded.close()
        fresh.close()
