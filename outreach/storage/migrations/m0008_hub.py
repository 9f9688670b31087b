"""Version 8: the county hub (issue 15) — on the hub, itself, its enrolled leads and the laptops whose
changes they relay (per-origin vector); on a lead, its hub membership. Frozen here as they were at
version 8 (a private MetaData, portable types: runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 8
NAME = "hub"

_meta = sa.MetaData()


def _s(name: str, length: int | None = None, *, null: bool = False, pk: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=null, primary_key=pk)


def _stamp(name: str, *, null: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(32), nullable=null)   # UTCDateTime as stored: ISO-8601 text


HUB_SELF = sa.Table(
    "hub_self", _meta,
    _s("hub_id", 32, pk=True), _s("name", 80), _s("hub_age", 100), _s("hub_sign", 64), _s("recovery_age", 100),
    _s("device_id", 32), _s("device_age", 100), _s("device_sign", 64), _stamp("created_at"),
)
HUB_LEAD = sa.Table(
    "hub_lead", _meta,
    _s("device_id", 32, pk=True), _s("team_id", 32), _s("team_name", 80), _s("name", 80), _s("worker", 64),
    _s("status", 10), sa.Column("villages", sa.Text(), nullable=False), _s("device_age", 100),
    _s("device_sign", 64), _s("fingerprint", 32), _stamp("enrolled_at", null=True), _stamp("revoked_at", null=True),
)
HUB_ORIGIN = sa.Table(
    "hub_origin", _meta,
    _s("origin", 32, pk=True), _s("lead_device_id", 32), _s("name", 80), _s("worker", 64),
    sa.Column("hlc", sa.BigInteger(), nullable=False), _stamp("first_seen"),
    sa.Index("ix_hub_origin_lead", "lead_device_id"),
)
HUB_MEMBERSHIP = sa.Table(
    "hub_membership", _meta,
    _s("hub_id", 32, pk=True), _s("name", 80), _s("hub_age", 100), _s("hub_sign", 64), _s("recovery_age", 100),
    _s("device_id", 32), _s("device_age", 100), _s("device_sign", 64), _s("status", 10), _stamp("joined_at"),
)
TABLES = (HUB_SELF, HUB_LEAD, HUB_ORIGIN, HUB_MEMBERSHIP)


def upgrade(conn: Connection) -> None:
    for table in TABLES:
        table.create(conn, checkfirst=True)
