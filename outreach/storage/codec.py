"""Column values to and from JSON, for the change log and bundles (dates as ISO text, no floats)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.types import Date

from outreach.storage.types import UTCDateTime


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("float values are not allowed in synced data")
    return value


def from_json_value(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    col_type = table.c[column].type
    if isinstance(col_type, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(col_type, UTCDateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the change log")


def dumps_row(values: dict[str, Any]) -> str:
    """A row as canonical JSON (dates as ISO text); faster than row_to_json + dumps for bulk inserts."""
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_json_default)


def _date_to_db(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def db_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _datetime_to_db(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must be timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="milliseconds")
    return value


def db_converter(col_type):
    """How the bulk path stores a Python value: the same text SQLAlchemy's own types would store."""
    if isinstance(col_type, UTCDateTime):
        return _datetime_to_db
    if isinstance(col_type, Date):
        return _date_to_db
    return None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def row_to_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_json_value(v) for k, v in values.items()}
