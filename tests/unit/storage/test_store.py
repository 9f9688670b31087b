"""The store: change log written with every write in the same transaction; migrations; refusals."""

import hashlib
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from outreach.domain.errors import OutreachError, ValidationError
from outreach.services import areas, households, people
from outreach.storage import crypto_store, migrations
from outreach.storage.store import Store
from outreach.storage.tables import Area, ChangeLog, Household

FIXTURES = Path(__file__).parents[2] / "fixtures"
LOG = ChangeLog.__table__


def log_rows(store):
    with store.connect() as conn:
        return conn.execute(select(LOG).order_by(LOG.c.seq)).all()


def make_village(store):
    areas.add_area(store, code="522731", name="青山县", level="county")
    areas.add_area(store, code="522731100200", name="东坪村", level="village", parent_id="522731")
    return "522731100200"


def test_every_write_is_logged_with_worker_device_and_clock(store):
    village = make_village(store)
    hid = households.create_household(store, village_id=village, phone="13800138000")
    households.update_household(store, hid, phone="13900139000", address="东坪村3组")
    rows = log_rows(store)
    creation = [r for r in rows if r.entity == "household" and r.field == "*"]
    assert len(creation) == 1 and json.loads(creation[0].value)["phone"] == "13800138000"
    edits = {r.field: json.loads(r.value) for r in rows if r.entity == "household" and r.field != "*"}
    assert edits == {"phone": "13900139000", "address": "东坪村3组"}
    assert {r.worker for r in rows} == {"李娜"}
    assert {r.device_id for r in rows} == {store.device.id}
    stamps = [r.hlc for r in rows]
    assert len(set(stamps[-2:])) == 1  # one edit, one stamp for its fields
    assert stamps == sorted(stamps)


def test_unchanged_values_are_not_logged(store):
    village = make_village(store)
    hid = households.create_household(store, village_id=village, phone="13800138000")
    before = len(log_rows(store))
    assert households.update_household(store, hid, phone="13800138000") == {}
    assert len(log_rows(store)) == before


def test_a_failed_transaction_leaves_neither_row_nor_log(store):
    village = make_village(store)
    before = len(log_rows(store))
    with pytest.raises(RuntimeError), store.transaction() as w:
        w.insert(Household, {"code": "X-1", "village_id": village})
        raise RuntimeError("power cut")
    assert len(log_rows(store)) == before
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Household.__table__)).scalar() == 0


def test_invalid_input_writes_nothing(store):
    village = make_village(store)
    hid = households.create_household(store, village_id=village)
    before = len(log_rows(store))
    with pytest.raises(ValidationError) as exc:
        people.add_person(store, household_id=hid, name="刘小雨", id_number="110105194912310021")
    assert exc.value.for_field("id_number")[0].key == "error.id.check_digit"
    assert len(log_rows(store)) == before


def test_clock_survives_reopening(tmp_path):
    s = Store.open(tmp_path)
    areas.add_area(s, code="52", name="贵州省", level="province")
    last = s.clock.last
    s.close()
    again = Store.open(tmp_path)
    assert again.clock.last == last
    assert again.clock.tick() > last


@pytest.mark.sqlite_only
def test_new_database_uses_wal_and_foreign_keys(tmp_path):
    s = Store.open(tmp_path)
    with s.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert migrations.applied(conn) == list(range(1, migrations.latest_version() + 1))
    with pytest.raises(Exception), s.transaction() as w:  # noqa: B017 - any integrity error
        w.insert(Household, {"code": "X", "village_id": "no-such-village"})


def _file_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.sqlite_only
def test_a_database_from_a_newer_version_is_refused_and_untouched(tmp_path):
    s = Store.open(tmp_path)
    with s.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00+00:00')"))
    s.close()
    db = tmp_path / "outreach.sqlite3"
    c = crypto_store.connect(db, s.db_key)  # the store is encrypted (issue 13)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    before = _file_hash(db)
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path)
    assert exc.value.key == "error.db.newer_schema"
    assert "999" in exc.value.message("en")
    assert _file_hash(db) == before


@pytest.mark.sqlite_only
def test_a_file_that_is_not_our_database_is_refused(tmp_path):
    (tmp_path / "outreach.sqlite3").write_bytes(b"this is a letter, not a database")
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path)
    assert exc.value.key == "error.db.not_outreach"
    assert (tmp_path / "outreach.sqlite3").read_bytes() == b"this is a letter, not a database"


def _schema(engine):
    insp = inspect(engine)
    return {t: sorted((c["name"], str(c["type"])) for c in insp.get_columns(t)) for t in insp.get_table_names()}


@pytest.mark.sqlite_only
def test_a_version_1_database_opens_upgraded_with_its_data_and_a_backup(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    with sqlite3.connect(old / "outreach.sqlite3") as c:
        c.executescript((FIXTURES / "schema_v1.sql").read_text(encoding="utf-8"))
    s = Store.open(old)
    with s.connect() as conn:
        assert migrations.applied(conn)[-1] == migrations.latest_version()
    hh = households.query_households(s, households.HouseholdQuery())
    assert [h.head_name for h in hh] == ["王秀英"]
    assert hh[0].last_visit == date(2026, 11, 2)
    fresh = Store.open(tmp_path / "fresh")
    assert _schema(s.engine) == _schema(fresh.engine), "migrations must produce the same schema as a fresh database"
    if migrations.latest_version() > 1:
        assert list(old.glob("outreach.sqlite3.v1-*.bak")), "the old file is copied aside before upgrading"


def test_area_rows_are_synced_entities(store):
    make_village(store)
    with store.connect() as conn:
        rows = conn.execute(select(Area.__table__.c.id, Area.__table__.c.hlc)).all()
    assert all(r.hlc > 0 for r in rows)
