"""Version 9: covering indexes for the dashboard and the county's indicators (issue 14).

- ``ix_visit_household_state`` on visit (household_id, archived, visit_date, outcome): "did this
  household have a visit by then / in the last 30 or 90 days / one where someone was met" and every
  visit's date and outcome per household are read from the index alone, never from the visit rows
  (which carry notes). It starts with ``household_id``, so it replaces the single-column
  ``ix_visit_household_id`` (one index more would cost every merge and import a write).
- ``ix_household_scope`` on household (village_id, archived, created_at, id): the households of a
  scope — in these villages, not archived, registered by the period end — counted per village from
  the index alone (and "the archived households" read from it instead of the table). It starts with
  ``village_id``, so it replaces ``ix_household_village_id``; not with ``archived``: an index led by a
  flag nearly every row shares would tempt SQLite's planner, where it has no statistics for it, to
  walk every household instead of looking up the few it needs.

Portable SQLAlchemy DDL (SQLite and PostgreSQL), on a private MetaData like m0002: the tables are
written out here only as far as the indexes need them, never taken from the live models.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 9
NAME = "report_indexes"

_meta = sa.MetaData()

_VISIT = sa.Table(
    "visit", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("household_id", sa.String(32), nullable=False),
    sa.Column("archived", sa.Boolean(), nullable=False),
    sa.Column("visit_date", sa.Date(), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
)
_HOUSEHOLD = sa.Table(
    "household", _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("archived", sa.Boolean(), nullable=False),
    sa.Column("village_id", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

VISIT_STATE = sa.Index("ix_visit_household_state", _VISIT.c.household_id, _VISIT.c.archived,
                       _VISIT.c.visit_date, _VISIT.c.outcome)
HOUSEHOLD_SCOPE = sa.Index("ix_household_scope", _HOUSEHOLD.c.village_id, _HOUSEHOLD.c.archived,
                           _HOUSEHOLD.c.created_at, _HOUSEHOLD.c.id)


def upgrade(conn: Connection) -> None:
    # checkfirst: a database whose tables were made from later models already has them
    VISIT_STATE.create(conn, checkfirst=True)
    HOUSEHOLD_SCOPE.create(conn, checkfirst=True)
    sa.Index("ix_visit_household_id", _VISIT.c.household_id).drop(conn, checkfirst=True)
    sa.Index("ix_household_village_id", _HOUSEHOLD.c.village_id).drop(conn, checkfirst=True)
    if conn.dialect.name == "sqlite" and sa.inspect(conn).has_table("sqlite_stat1"):
        # a store with planner statistics gets them for the new indexes too (PostgreSQL: autovacuum)
        conn.exec_driver_sql("ANALYZE ix_visit_household_state")
        conn.exec_driver_sql("ANALYZE ix_household_scope")
