"""Migration m0002 (sync and merge-review tables): an old database upgrades to exactly the schema a
new one gets, and the migration's frozen tables match the live models."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from outreach.storage import migrations
from outreach.storage.migrations import m0002_sync
from outreach.storage.store import Store
from outreach.storage.tables import SchemaVersion


def _ddl(engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")).all()
    return {f"{t}:{n}": re.sub(r"\s+", " ", sql).strip() for t, n, sql in rows}


@pytest.mark.sqlite_only
def test_version_1_database_without_sync_tables_upgrades_to_the_fresh_schema(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    engine = create_engine(f"sqlite:///{old / 'outreach.sqlite3'}")
    v2 = {t.name for t in m0002_sync.TABLES}
    with engine.begin() as conn:
        SQLModel.metadata.create_all(conn, tables=[t for t in SQLModel.metadata.sorted_tables if t.name not in v2])
        conn.execute(SchemaVersion.__table__.insert().values(version=1, name="initial", applied_at=datetime.now(UTC)))
    engine.dispose()
    upgraded = Store.open(old)
    fresh = Store.open(tmp_path / "fresh")
    with upgraded.connect() as conn:
        assert migrations.applied(conn) == list(range(1, migrations.latest_version() + 1))
    assert _ddl(upgraded.engine) == _ddl(fresh.engine)
    assert list(old.glob("outreach.sqlite3.v1-*.bak"))
    upgraded.close()
    fresh.close()


def test_frozen_tables_match_the_live_models():
    """If this fails, a sync or merge table changed after version 2: add a migration m0003."""
    live = SQLModel.metadata.tables
    for frozen in m0002_sync.TABLES:
        model = live[frozen.name]
        assert [(c.name, c.nullable, c.primary_key) for c in frozen.columns] == \
            [(c.name, c.nullable, c.primary_key) for c in model.columns], frozen.name
        assert {ix.name: [c.name for c in ix.columns] for ix in frozen.indexes} == \
            {ix.name: [c.name for c in ix.columns] for ix in model.indexes}, frozen.name
