"""Column values to and from JSON, for the change log and bundles (dates as ISO text, no floats)."""

from __future__ import annotations

import json
from datetime import date, datetime
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


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def row_to_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_json_value(v) for k, v in values.items()}
