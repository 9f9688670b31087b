"""The merge's bulk writes (issue 14): statements compiled once per (dialect, table, columns) and run
with one ``executemany`` of ready tuples, and values turned from their JSON form straight into what
the database stores — the same text ``storage.writer.bulk_insert`` / ``codec.db_converter`` would
store, without building Python dates and timestamps only to format them again.

Portable: the statements are SQLAlchemy Core compiled for the connection's dialect (qmark on SQLite,
``%(name)s``/``%s`` on PostgreSQL through psycopg).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import msgspec
from sqlalchemy import Connection, Date, Table, insert

from outreach.storage import codec
from outreach.storage.tables import SYNCED_TABLES
from outreach.storage.types import UTCDateTime

# codec.dumps, with its encoder made once (json.dumps builds a new one for every call with options)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_encode = _ENCODER.encode


_FAST = msgspec.json.Encoder(order="sorted").encode   # the same text for JSON values, ~7× faster


def dumps(value: Any) -> str:
    """Canonical JSON text, byte for byte ``codec.dumps``, of a checked change's value (JSON types
    only: no floats or dates get here, see merge_check). msgspec writes the same bytes as the json
    module for these (sorted keys, no spaces, non-ASCII as is, the same escapes); a value it will not
    write (a lone surrogate, an integer beyond 64 bits) is written by the json module."""
    if value.__class__ is str and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    try:
        return _FAST(value).decode()
    except (msgspec.EncodeError, UnicodeError, OverflowError, TypeError, ValueError):
        return _encode(value)


def _date_text(value: Any) -> Any:
    return date.fromisoformat(value).isoformat() if isinstance(value, str) else codec._date_to_db(value)


def _stamp_text(value: Any) -> Any:
    return codec._datetime_to_db(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _to_db(col: Any) -> Any:
    if isinstance(col.type, UTCDateTime):
        return _stamp_text
    if isinstance(col.type, Date):
        return _date_text
    return None


# entity -> column -> JSON value -> stored value (only the date and timestamp columns need one)
JSON_TO_DB = {name: {c.name: f for c in model.__table__.columns if (f := _to_db(c)) is not None}
              for name, model in SYNCED_TABLES.items()}

_COMPILED: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}


def _insert_sql(conn: Connection, table: Table, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
    """(SQL, parameter order when positional) of an INSERT of ``columns``, compiled once."""
    key = (conn.dialect.name, table.name, columns)
    found = _COMPILED.get(key)
    if found is None:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
        order = tuple(compiled.positiontup) if compiled.positional else None
        found = _COMPILED[key] = (compiled.string, order)
    return found


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany of rows whose values are already as stored (see ``JSON_TO_DB``), grouped by the
    columns they carry."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        shapes.setdefault(tuple(r), []).append(r)
    for columns, same in shapes.items():
        sql, order = _insert_sql(conn, table, columns)
        if order is None:
            conn.exec_driver_sql(sql, same)
        else:
            getter = itemgetter(*order) if len(order) > 1 else (lambda r, k=order[0]: (r[k],))
            conn.exec_driver_sql(sql, list(map(getter, same)))


def insert_tuples(conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """executemany of tuples in ``columns`` order, values already as stored."""
    if not rows:
        return
    sql, order = _insert_sql(conn, table, columns)
    if order is None:   # named parameters
        conn.exec_driver_sql(sql, [dict(zip(columns, r, strict=True)) for r in rows])
        return
    if order != columns:
        index = {c: i for i, c in enumerate(columns)}
        pick = itemgetter(*[index[c] for c in order])
        rows = list(map(pick, rows))
    conn.exec_driver_sql(sql, rows)
