"""Migration 9 (issue 14): the dashboard's covering indexes — a version-8 store (a laptop, or a county
hub's PostgreSQL database made at version 8) gets them with its data and figures unchanged, ends with
the same indexes as a new store, and the dashboard's first figures are read from them alone."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, text

from outreach.reports.first_figures import first_figures
from outreach.reports.indicators import compute_indicators
from outreach.reports.scope import Scope
from outreach.storage import migrations
from outreach.storage.store import Store

from .conftest import TODAY
from .dataset import build

NEW = {"visit": "ix_visit_household_state", "household": "ix_household_scope"}


def _indexes(store: Store) -> dict[str, dict[str, list[str]]]:
    with store.engine.connect() as conn:
        insp = inspect(conn)
        return {t: {i["name"]: i["column_names"] for i in insp.get_indexes(t)} for t in ("visit", "household")}


def _as_version_8(store: Store) -> None:
    """Put the schema back to what version 8 made: no covering indexes, visit's household index."""
    with store.engine.begin() as conn:
        for name in NEW.values():
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text("CREATE INDEX ix_visit_household_id ON visit (household_id)"))
        conn.execute(text("CREATE INDEX ix_household_village_id ON household (village_id)"))
        conn.execute(text("DELETE FROM schema_version WHERE version = 9"))


def test_a_version_8_store_gets_the_indexes_with_the_same_figures(tmp_path):
    fresh = Store.open(tmp_path / "fresh")
    want = _indexes(fresh)
    fresh.close()
    assert want["visit"]["ix_visit_household_state"] == ["household_id", "archived", "visit_date", "outcome"]
    assert want["household"]["ix_household_scope"] == ["village_id", "archived", "created_at", "id"]
    assert "ix_visit_household_id" not in want["visit"], "the covering index starts with household_id"
    assert "ix_household_village_id" not in want["household"], "the covering index starts with village_id"

    s = Store.open(tmp_path / "old")
    build(s)
    scopes = [Scope.for_month("2024-05", today=TODAY), Scope.for_month("2024-06", today=TODAY)]
    before = [compute_indicators(s, sc) for sc in scopes]
    _as_version_8(s)
    assert "ix_visit_household_id" in _indexes(s)["visit"]
    s.close()

    s = Store.open(tmp_path / "old")
    try:
        with s.connect() as conn:
            assert migrations.applied(conn)[-1] == 9 == migrations.latest_version()
        assert _indexes(s) == want, "an upgraded store has the indexes of a new one"
        assert [compute_indicators(s, sc) for sc in scopes] == before
        assert first_figures(s, scopes[0]).households == before[0].households
    finally:
        s.close()


@pytest.mark.sqlite_only
def test_the_first_figures_read_the_covering_indexes_not_the_tables(store):
    """SQLite's plan for the dashboard's first figures: households and visits are read from the two
    indexes, never from their rows (which carry addresses and notes: 2 GB at county scale)."""
    build(store)
    engine = getattr(store, "pooled_readers", store.engine)
    statements: list = []

    def spy(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", spy)
    try:
        first_figures(store, Scope.for_month("2024-05", today=TODAY))
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    with engine.connect() as conn:
        plans = [r[3] for statement, params in statements
                 for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    reads = [p for p in plans if p.split(" ")[0] in ("SCAN", "SEARCH") and p.split(" ")[1] in NEW]
    assert {p.split(" ")[1] for p in reads} == set(NEW), plans
    assert all(f"COVERING INDEX {NEW[p.split(' ')[1]]}" in p for p in reads), plans


@pytest.mark.sqlite_only
def test_an_analysed_store_gets_statistics_for_the_new_indexes(tmp_path):
    """SQLite plans with the statistics it has: on a store analysed at version 8, new indexes without
    statistics look selective and lure the planner (a search on 660k people walked every household:
    35 s). The upgrade gathers theirs."""
    from outreach.services import search

    s = Store.open(tmp_path / "old")
    build(s)
    _as_version_8(s)
    with s.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    s.close()
    s = Store.open(tmp_path / "old")
    try:
        with s.engine.connect() as conn:
            analysed = set(conn.execute(text("SELECT idx FROM sqlite_stat1")).scalars())
        assert set(NEW.values()) <= analysed
        assert search.search_people(s, "王秀英")
    finally:
        s.close()
