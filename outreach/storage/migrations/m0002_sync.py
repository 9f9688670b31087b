"""Version 2: sync by encrypted bundle — the transport's tables (team, device registry, bundle log,
peer vectors) and the merge review's tables (conflict queue, change bases, pending rows, duplicate
proposals, person merges).

The tables are written out here as they were at version 2 (a private MetaData, portable SQLAlchemy
types), never taken from the live models: a later change to a model needs its own migration, and this
one must keep producing what version 2 was. ``UTCDateTime`` columns are stored as ``String(32)``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 2
NAME = "sync"

_meta = sa.MetaData()


def col(name: str, type_: sa.types.TypeEngine, *, null: bool = False, pk: bool = False,
        autoincrement: bool | str = "auto") -> sa.Column:
    return sa.Column(name, type_, nullable=null, primary_key=pk, autoincrement=autoincrement)


def text(name: str, length: int | None = None, *, null: bool = False, pk: bool = False) -> sa.Column:
    return col(name, sa.String(length), null=null, pk=pk)


def stamp(name: str, *, null: bool = False) -> sa.Column:
    return col(name, sa.String(32), null=null)   # UTCDateTime as stored: ISO-8601 text


# ----------------------------------------------------------------- sync transport (outreach.storage.sync_tables)
SYNC_TEAM = sa.Table(
    "sync_team", _meta,
    text("team_id", 32, pk=True), text("name", 80), text("role", 10), text("team_age", 100),
    text("team_sign", 64), text("recovery_age", 100), text("lead_device_id", 32), stamp("joined_at"),
)
SYNC_DEVICE = sa.Table(
    "sync_device", _meta,
    text("device_id", 32, pk=True), text("team_id", 32), text("name", 80), text("worker", 64), text("role", 10),
    text("status", 10), col("villages", sa.Text()), text("device_age", 100), text("device_sign", 64),
    text("fingerprint", 32), stamp("enrolled_at", null=True), stamp("revoked_at", null=True),
    sa.Index("ix_sync_device_team_id", "team_id"),
)
SYNC_BUNDLE = sa.Table(
    "sync_bundle", _meta,
    text("bundle_id", 32, pk=True), text("direction", 3), text("kind", 10), text("team_id", 32),
    text("sender", 32), text("stream", 32),
    col("seq", sa.Integer().with_variant(sa.BigInteger(), "postgresql")),   # 64-bit, as SQLite's INTEGER
    text("prev", 32, null=True),
    col("change_count", sa.Integer()), col("applied_count", sa.Integer()), text("payload_sha256", 64),
    stamp("created_at"), stamp("recorded_at"), text("file_name", 255),
    sa.Index("ix_sync_bundle_stream", "sender", "stream", "seq"),
)
SYNC_PEER_VECTOR = sa.Table(
    "sync_peer_vector", _meta,
    text("peer", 32, pk=True), text("origin", 32, pk=True), col("hlc", sa.BigInteger()),
)

# ----------------------------------------------------------------- merge review (outreach.storage.merge_tables)
MERGE_CONFLICT = sa.Table(
    "merge_conflict", _meta,
    col("id", sa.Integer(), pk=True, autoincrement=True), text("kind", 16), text("entity", 32),
    text("row_id", 32), text("field", 40),
    text("a_value"), col("a_hlc", sa.BigInteger()), text("a_device", 32), text("a_worker", 64),
    text("b_value"), col("b_hlc", sa.BigInteger()), text("b_device", 32), text("b_worker", 64),
    text("source", 200), stamp("detected_at"), text("status", 12), text("resolution", 12),
    text("resolved_value", null=True), stamp("resolved_at", null=True), text("resolved_by", 64),
    sa.UniqueConstraint("kind", "entity", "row_id", "field", "a_hlc", "a_device", "b_hlc", "b_device",
                        name="uq_merge_conflict_pair"),
    sa.Index("ix_merge_conflict_field", "entity", "row_id", "field", "status"),
    sa.Index("ix_merge_conflict_status", "status", "detected_at"),
)
CHANGE_BASE = sa.Table(
    "change_base", _meta,
    text("entity", 32, pk=True), text("row_id", 32, pk=True), text("field", 40, pk=True),
    col("hlc", sa.BigInteger(), pk=True, autoincrement=False), text("device_id", 32, pk=True),
    col("base_hlc", sa.BigInteger()), text("base_device", 32),
)
MERGE_PENDING = sa.Table(
    "merge_pending", _meta,
    text("entity", 32, pk=True), text("row_id", 32, pk=True), text("reason", 16), stamp("since"),
)
DUPLICATE_PROPOSAL = sa.Table(
    "duplicate_proposal", _meta,
    col("id", sa.Integer(), pk=True, autoincrement=True), text("person_a", 32), text("person_b", 32),
    text("reason", 24), text("found_at", 12), text("status", 16), stamp("created_at"),
    stamp("decided_at", null=True), text("decided_by", 64),
    sa.UniqueConstraint("person_a", "person_b", name="uq_duplicate_pair"),
    sa.Index("ix_duplicate_status", "status"),
)
PERSON_MERGE = sa.Table(
    "person_merge", _meta,
    col("id", sa.Integer(), pk=True, autoincrement=True), text("keep_id", 32), text("merged_id", 32),
    stamp("merged_at"), text("merged_by", 64), stamp("undone_at", null=True), text("undone_by", 64),
    sa.Index("ix_person_merge_pair", "keep_id", "merged_id"),
)

TABLES = (SYNC_TEAM, SYNC_DEVICE, SYNC_BUNDLE, SYNC_PEER_VECTOR,
          MERGE_CONFLICT, CHANGE_BASE, MERGE_PENDING, DUPLICATE_PROPOSAL, PERSON_MERGE)


def upgrade(conn: Connection) -> None:
    """Create the version-2 tables (a table already present, from a development build, is kept)."""
    for table in TABLES:
        table.create(conn, checkfirst=True)
