"""Replicas for merge tests: in-memory stores with distinct devices, a shared village, and a
canonical dump of the synced state."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import StaticPool

from outreach.storage.store import Store, _on_connect
from outreach.storage.tables import SYNCED_TABLES, Area, Household, Person
from outreach.sync.changes import collect_changes, version_vector
from outreach.sync.merge import apply_changes

VILLAGE = "522601001001"      # 石门村
OTHER_VILLAGE = "522601001002"  # 东坪村
# Columns that legitimately differ between stores: wall times the writer keeps to itself (the change
# log carries the HLC stamp, whose wall-time part receivers use instead; within a millisecond or so).
LOCAL_BOOKKEEPING = {"updated_at", "created_at"}


_TEMPLATE: list[sqlite3.Connection] = []
_ENGINES: list = []


def _blank_copy() -> sqlite3.Connection:
    """A fresh in-memory database with the current schema (copied from a template made once: creating
    the schema takes ~150 ms, copying it ~1 ms)."""
    if not _TEMPLATE:
        template = Store.in_memory()
        with template.engine.begin() as conn:
            conn.execute(text("DELETE FROM setting"))
        raw = template.engine.raw_connection()
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        raw.driver_connection.backup(copy)
        _TEMPLATE.append(copy)
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    _TEMPLATE[0].backup(conn)
    return conn


def new_store() -> Store:
    """Like ``Store.in_memory()`` (a new device id, the same schema), but fast. With
    OUTREACH_TEST_ENGINE=postgresql: a store on a fresh PostgreSQL database of its own (the merge runs
    there too, issue 15)."""
    from tests.conftest import ENGINE

    if ENGINE == "postgresql":
        import atexit
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="merge-store-")   # the data folder (device.json, keys), not the data
        atexit.register(shutil.rmtree, folder, True)
        return Store.open(folder)
    conn = _blank_copy()
    engine = create_engine("sqlite://", poolclass=StaticPool, creator=lambda: conn)
    event.listen(engine, "connect", _on_connect)
    if _ENGINES:
        # Test speed only: SQLAlchemy caches compiled statements per engine (and dialect); tests make
        # hundreds of short-lived stores, so let them share one cache instead of compiling each
        # statement again for every store.
        engine.dialect = _ENGINES[0].dialect
        engine._compiled_cache = _ENGINES[0]._compiled_cache
    else:
        _ENGINES.append(engine)
    store = Store(engine, None)
    store._prepare()
    return store


def make_store(worker: str, *, clock_ms: int | None = None) -> Store:
    s = new_store()
    s.set_setting("worker_name", worker)
    if clock_ms is not None:
        ms = [clock_ms]

        def now() -> int:
            ms[0] += 1
            return ms[0]

        s.clock.now_ms = now
    return s


def seed_areas(*stores: Store) -> None:
    """Two villages, created on the first store and synced to the others."""
    with stores[0].transaction() as w:
        for code, name in ((VILLAGE, "石门村"), (OTHER_VILLAGE, "东坪村")):
            w.insert(Area, {"id": code, "name": name, "level": "village"})
    for other in stores[1:]:
        sync(stores[0], other)


def add_household(store: Store, code: str, village: str = VILLAGE, **extra: Any) -> str:
    with store.transaction() as w:
        return w.insert(Household, {"code": code, "village_id": village, **extra})


def add_person(store: Store, household_id: str, name: str, birth: date | None = None, **extra: Any) -> str:
    from outreach.domain.searchkeys import name_keys

    pinyin, initials = name_keys(name)
    with store.transaction() as w:
        return w.insert(Person, {"household_id": household_id, "name": name, "birth_date": birth,
                                 "search_pinyin": pinyin, "search_initials": initials, **extra})


def edit(store: Store, model, row_id: str, **changes: Any) -> dict:
    with store.transaction() as w:
        return w.update(model, row_id, changes)


def sync(src: Store, dst: Store, *, since: dict[str, int] | None = None, **kw: Any):
    """Send what ``dst`` lacks from ``src`` (by ``dst``'s vector unless ``since`` is given)."""
    with dst.connect() as conn:
        vector = version_vector(conn) if since is None else since
    with src.connect() as conn:
        changes = collect_changes(conn, vector, **kw)
    with dst.transaction() as w:
        return apply_changes(w, changes, source="test")


def dump(store: Store) -> dict[str, list[tuple]]:
    """All synced tables, rows sorted by id, every column except local bookkeeping and device-local
    derived columns."""
    out = {}
    with store.connect() as conn:
        for name, model in SYNCED_TABLES.items():
            table = model.__table__
            cols = [c for c in table.c if c.name not in LOCAL_BOOKKEEPING | model.__local_columns__]
            out[name] = [tuple(r) for r in conn.execute(select(*cols).order_by(table.c.id))]
    return out
