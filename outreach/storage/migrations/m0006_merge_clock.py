"""Version 6: the merge engine's per-field clocks (``merge_clock``, issue 14), filled from the change
log already held.

For every (entity, row, field) edited: the winning edit — greatest (hlc, device) — with its worker,
JSON value and base (received edits: from ``change_base``; this device's own edits: the greatest
stamp of the field or of a creation before it in log order, as ``sync.changes.load_history`` reads
it); per row: its greatest creation (``field='*'``).

The table is written out as it is at version 6 (a private MetaData, portable types), never taken from
the live model. The fill uses window functions (SQLite >= 3.25, PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 6
NAME = "merge_clock"

_meta = sa.MetaData()

MERGE_CLOCK = sa.Table(
    "merge_clock", _meta,
    sa.Column("entity", sa.String(32), primary_key=True, nullable=False),
    sa.Column("row_id", sa.String(32), primary_key=True, nullable=False),
    sa.Column("field", sa.String(40), primary_key=True, nullable=False),
    sa.Column("hlc", sa.BigInteger(), nullable=False),
    sa.Column("device_id", sa.String(32), nullable=False),
    sa.Column("worker", sa.String(64), nullable=False),
    sa.Column("base_hlc", sa.BigInteger(), nullable=True),
    sa.Column("base_device", sa.String(32), nullable=True),
    sa.Column("value", sa.String(), nullable=True),
    sqlite_with_rowid=False,
)

_COLS = "entity, row_id, field, hlc, device_id, worker, base_hlc, base_device, value"
_RANKED = """SELECT seq, entity, row_id, field, hlc, device_id, worker, value,
                    ROW_NUMBER() OVER (PARTITION BY entity, row_id{part} ORDER BY hlc DESC, device_id DESC) AS rn
             FROM change_log {where}"""
_PRIOR = """(SELECT p.{col} FROM change_log p
             WHERE p.entity = w.entity AND p.row_id = w.row_id AND p.field IN (w.field, '*') AND p.seq < w.seq
             ORDER BY p.hlc DESC, p.device_id DESC LIMIT 1)"""
FIELD_WINNERS = f"""
INSERT INTO merge_clock ({_COLS})
SELECT w.entity, w.row_id, w.field, w.hlc, w.device_id, w.worker,
       CASE WHEN w.device_id = :me THEN COALESCE({_PRIOR.format(col='hlc')}, 0) ELSE b.base_hlc END,
       CASE WHEN w.device_id = :me THEN COALESCE({_PRIOR.format(col='device_id')}, '') ELSE b.base_device END,
       w.value
FROM ({_RANKED.format(part=', field', where="WHERE field <> '*'")}) w
LEFT JOIN change_base b ON b.entity = w.entity AND b.row_id = w.row_id AND b.field = w.field
                       AND b.hlc = w.hlc AND b.device_id = w.device_id
WHERE w.rn = 1"""
STARS = f"""
INSERT INTO merge_clock ({_COLS})
SELECT entity, row_id, '*', hlc, device_id, worker, NULL, NULL, NULL
FROM ({_RANKED.format(part='', where="WHERE field = '*'")}) w WHERE rn = 1"""


def upgrade(conn: Connection) -> None:
    MERGE_CLOCK.create(conn, checkfirst=True)
    me = conn.execute(sa.text("SELECT value FROM setting WHERE key = 'device_id'")).scalar_one_or_none() or ""
    for statement in (FIELD_WINNERS, STARS):
        conn.execute(sa.text(statement), {"me": me})
