"""Version 3: team_reference — the team's reference data as synced rows (issue 9): the team profile
(one row, id ``team``) and the providers workers suggest to the lead.

The tables are written out here as they were at version 3 (a private MetaData, portable SQLAlchemy
types), never taken from the live models. ``UTCDateTime`` columns are stored as ``String(32)``.

An existing installation keeps its organisation: the old local settings ``org_name``, ``org_address``
and ``org_phone`` are read by ``services.team_profile`` while no profile row exists, and written into
the row (through the change log, so it travels) the first time the profile is saved or an invite is
made. The migration itself writes no synced rows (it has no clock or device to stamp them with).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 3
NAME = "team_reference"

_meta = sa.MetaData()


def _col(name: str, type_: sa.types.TypeEngine, *, null: bool = False, pk: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=null, primary_key=pk)


def _synced(name: str, *columns: sa.Column | sa.Index) -> sa.Table:
    """A synced table: the SyncedBase columns as at version 3, then its own."""
    return sa.Table(
        name, _meta,
        _col("id", sa.String(32), pk=True), _col("created_at", sa.String(32)), _col("created_by", sa.String(64)),
        _col("created_device", sa.String(32)), _col("updated_at", sa.String(32)), _col("updated_by", sa.String(64)),
        _col("updated_device", sa.String(32)), _col("hlc", sa.BigInteger()), _col("archived", sa.Boolean()),
        *columns,
    )


TEAM_PROFILE = _synced(
    "teamprofile",
    _col("org_name", sa.String(120)), _col("org_address", sa.String(200)), _col("org_phone", sa.String(32)),
    _col("reply_to", sa.String(200)), _col("reply_days", sa.Integer()),
)
PROVIDER_SUGGESTION = _synced(
    "providersuggestion",
    _col("name", sa.String(120)), _col("category", sa.String(32)), _col("services", sa.Text()),
    _col("contact_person", sa.String(64)), _col("phone", sa.String(32)), _col("address", sa.String(200)),
    _col("areas_served", sa.Text()), _col("hours", sa.String(120)), _col("notes", sa.Text()),
    _col("status", sa.String(12)), _col("provider_id", sa.String(32), null=True),
    sa.Index("ix_providersuggestion_status", "status"),
)

TABLES = (TEAM_PROFILE, PROVIDER_SUGGESTION)


def upgrade(conn: Connection) -> None:
    """Create the version-3 tables (a table already present, from a development build, is kept)."""
    for table in TABLES:
        table.create(conn, checkfirst=True)
