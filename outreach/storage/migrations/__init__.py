"""Numbered schema migrations, recorded in ``schema_version`` and run at start-up.

A new database is created from the current tables and stamped with the latest version. An existing
one is copied aside (``outreach.sqlite3.v<N>-<time>.bak``) and then upgraded step by step, each step in
its own transaction. A database from a newer version of the app is refused and left untouched.

To change the schema: change ``tables.py``, add ``mNNNN_<what>.py`` with ``VERSION``, ``NAME`` and
``upgrade(conn)``, and append it to ``MIGRATIONS``. The migration test opens a database made by the
previous schema (``tests/fixtures/schema_v*.sql``) and checks it ends up the same as a fresh one.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlmodel import SQLModel

from outreach.domain.errors import OutreachError
from outreach.storage import hub_tables, merge_tables, search_index, sync_tables  # noqa: F401  (register their tables)
from outreach.storage.tables import SchemaVersion

_MODULES = ["m0001_initial", "m0002_sync", "m0003_team_reference", "m0004_assessment_drafts", "m0005_search_index",
            "m0006_merge_clock", "m0007_merge_fast_reserved", "m0008_hub",
            "m0009_report_indexes"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def migrations() -> list[Migration]:
    found = []
    for mod_name in _MODULES:
        mod = importlib.import_module(f"{__name__}.{mod_name}")
        found.append(Migration(mod.VERSION, mod.NAME, mod.upgrade))
    versions = [m.version for m in found]
    assert versions == list(range(1, len(found) + 1)), f"migrations must be numbered 1..N: {versions}"
    return found


def latest_version() -> int:
    return len(_MODULES)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM schema_version")).scalar_one()


def prepare(engine: Engine, db_file: Path | None) -> int:
    """Bring the database to the latest schema. Returns the version it had before (0 for new)."""
    with engine.connect() as conn:
        version = current_version(conn)
        has_tables = bool(inspect(conn).get_table_names())
    latest = latest_version()
    if version > latest:
        raise OutreachError("error.db.newer_schema", version=version, supported=latest)
    if version == 0 and has_tables:
        raise OutreachError("error.db.not_outreach", path=str(db_file or ""))
    if version == 0:
        with engine.begin() as conn:
            if conn.dialect.name != "sqlite":
                # two laptops opening a new server database at once: the second waits, then finds it made
                from outreach.storage.server import WRITE_LOCK

                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
                if current_version(conn):
                    return 0
            SQLModel.metadata.create_all(conn)
            binary_collation(conn)     # before the search index's triggers depend on the columns
            create_search_index(conn)  # virtual table and triggers: not in the metadata
            for m in migrations():
                conn.execute(SchemaVersion.__table__.insert().values(
                    version=m.version, name=m.name, applied_at=datetime.now(UTC)))
        return 0
    if version < latest:   # on a server (no db_file) the administrator's pg_dump is the backup
        if db_file is not None:
            backup(engine, db_file, version)
        for m in migrations()[version:]:
            with engine.begin() as conn:
                m.upgrade(conn)
                binary_collation(conn)
                conn.execute(SchemaVersion.__table__.insert().values(
                    version=m.version, name=m.name, applied_at=datetime.now(UTC)))
    return version


def binary_collation(conn: Connection) -> None:
    """PostgreSQL: every text column compares and sorts as on SQLite — by code point (collation "C") —
    whatever the server's default (a county server set up in Chinese sorts 李 before 王 by pinyin): the
    same lists, orders and figures on both engines, and ``lower``/``ILIKE`` fold ASCII only, as SQLite's
    do. Idempotent: only columns not yet "C" are altered (a migration's new tables included)."""
    if conn.dialect.name != "postgresql":
        return
    rows = conn.execute(text(
        "SELECT c.table_name, c.column_name, c.data_type, c.character_maximum_length "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
        "AND c.data_type IN ('character varying', 'text') AND c.collation_name IS DISTINCT FROM 'C' "
        "AND c.table_name NOT LIKE 'person\\_search\\_%' "   # the search index's own (search_index_pg)
        "ORDER BY c.table_name, c.ordinal_position")).all()
    alters: dict[str, list[str]] = {}
    for table, column, data_type, length in rows:
        type_ = "TEXT" if data_type == "text" else f"VARCHAR({length})" if length else "VARCHAR"
        alters.setdefault(table, []).append(f'ALTER COLUMN "{column}" TYPE {type_} COLLATE "C"')
    for table, clauses in alters.items():
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ' + ", ".join(clauses))


def create_search_index(conn: Connection) -> None:
    """The people search index of a new database: FTS5 on SQLite, pg_trgm on PostgreSQL (the module
    branches on the dialect itself)."""
    search_index.create(conn)


def backup(engine: Engine, db_file: Path, version: int) -> Path:
    """Copy the database file aside before upgrading it (checkpointing WAL first so the copy is whole)."""
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = db_file.with_name(f"{db_file.name}.v{version}-{stamp}.bak")
    shutil.copy2(db_file, target)   # a copy of the encrypted file: encrypted like the store (issue 13)
    target.chmod(0o600)
    return target


def applied(conn: Connection) -> list[int]:
    return list(conn.execute(select(SchemaVersion.version).order_by(SchemaVersion.version)).scalars())
