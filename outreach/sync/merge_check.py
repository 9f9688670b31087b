"""Checking received changes before the merge touches anything (issue 14: one pass, one call per
value): every change must name a synced entity, a row, a settable field, a well-formed stamp and a
value that fits the column; a creation's object may carry only the row's columns. A bad change
raises ``OutreachError('merge.error.bad_change')`` naming it (1-based) and why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.types import TypeDecorator

from outreach.domain.errors import OutreachError
from outreach.storage.tables import SYNCED_TABLES, SyncedBase
from outreach.storage.types import UTCDateTime


def settable(model: type[SyncedBase]) -> frozenset[str]:
    """Fields a change may carry for this model (synced, not bookkeeping, not device-local)."""
    return frozenset(model.__table__.c.keys()) - SyncedBase.BOOKKEEPING - model.__local_columns__


def _bad(index: int, reason: str) -> OutreachError:
    return OutreachError("merge.error.bad_change", index=index + 1, reason=reason)


def _parses(parse: Any, nullable: bool) -> Any:
    def ok(value: Any) -> bool:
        if value is None:
            return nullable
        if not isinstance(value, str):
            return False
        try:
            parse(value)
        except ValueError:
            return False
        return True
    return ok


def _checker(col: Any) -> Any:
    """A function telling whether a JSON value fits the column (type, length, NULL): one call per
    value, the column's NULL rule built in."""
    t = col.type
    if isinstance(t, TypeDecorator) and not isinstance(t, UTCDateTime):
        t = t.impl  # sqlmodel's AutoString is a TypeDecorator over String
    nullable = bool(col.nullable)
    if isinstance(t, Boolean):
        return lambda v: nullable if v is None else isinstance(v, bool)
    if isinstance(t, Integer):
        return lambda v: nullable if v is None else (isinstance(v, int) and not isinstance(v, bool)
                                                     and -2**63 < v < 2**63)
    if isinstance(t, Date):
        return _parses(date.fromisoformat, nullable)
    if isinstance(t, UTCDateTime):
        return _parses(datetime.fromisoformat, nullable)
    if isinstance(t, String | Text):
        length = t.length
        if length is None:
            return lambda v: nullable if v is None else isinstance(v, str)
        return lambda v: nullable if v is None else (isinstance(v, str) and len(v) <= length)
    return lambda v: nullable if v is None else (isinstance(v, str | int | bool) and not isinstance(v, float))


_CHECKERS = {name: {c.name: _checker(c) for c in model.__table__.columns} for name, model in SYNCED_TABLES.items()}
_CONVERT = {
    name: {c.name: (date.fromisoformat if isinstance(c.type, Date) else datetime.fromisoformat)
           for c in model.__table__.columns if isinstance(c.type, Date | UTCDateTime)}
    for name, model in SYNCED_TABLES.items()
}
SETTABLE = {name: settable(model) for name, model in SYNCED_TABLES.items()}


def _check_value(entity: str, name: str, value: Any) -> str | None:
    return None if _CHECKERS[entity][name](value) else f"{name}: wrong type, too long or empty"


def from_json_row(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """JSON values of a row's columns as Python values (dates and timestamps parsed)."""
    conv = _CONVERT[entity]
    return {k: (conv[k](v) if k in conv and isinstance(v, str) else v) for k, v in values.items()}


_REQUIRED = ("entity", "row_id", "field", "value", "hlc", "device_id", "worker")
_REQUIRED_SET = frozenset(_REQUIRED)
_BOOKKEEPING = SyncedBase.BOOKKEEPING


def check_change(index: int, ch: Any) -> None:
    if not isinstance(ch, dict):
        raise _bad(index, "not an object")
    if not ch.keys() >= _REQUIRED_SET:
        missing = next(k for k in _REQUIRED if k not in ch)
        raise _bad(index, f"missing {missing}")
    entity = ch["entity"]
    if not isinstance(entity, str) or entity not in SYNCED_TABLES:
        raise _bad(index, f"unknown entity {entity!r}")
    hlc = ch["hlc"]
    if not (hlc.__class__ is int or (isinstance(hlc, int) and not isinstance(hlc, bool))) or not 0 < hlc < 2**63:
        raise _bad(index, "bad hlc")
    row_id, device, worker = ch["row_id"], ch["device_id"], ch["worker"]
    if not (isinstance(row_id, str) and 0 < len(row_id) <= 32 and isinstance(device, str) and 0 < len(device) <= 32
            and isinstance(worker, str) and len(worker) <= 64):
        raise _bad(index, "bad row_id, device_id or worker")
    base = ch.get("base")
    if base is not None and not (isinstance(base, list | tuple) and len(base) == 2 and isinstance(base[0], int)
                                 and isinstance(base[1], str)):
        raise _bad(index, "bad base")
    checkers = _CHECKERS[entity]
    fld = ch["field"]
    if fld == "*":
        value = ch["value"]
        if not isinstance(value, dict):
            raise _bad(index, "a row creation must carry an object (parsed JSON, see changes.from_wire)")
        if value.get("id", row_id) != row_id:
            raise _bad(index, "row id differs from row_id")
        allowed = SETTABLE[entity]
        for name, v in value.items():
            check = checkers.get(name) if name.__class__ is str else None
            if check is None or (name not in allowed and name not in _BOOKKEEPING):
                raise _bad(index, f"unknown field {name!r}")
            if not check(v):
                raise _bad(index, _check_value(entity, name, v))
    elif isinstance(fld, str) and fld in SETTABLE[entity]:
        if not checkers[fld](ch["value"]):
            raise _bad(index, _check_value(entity, fld, ch["value"]))
    else:
        raise _bad(index, f"field {fld!r} cannot be changed")
