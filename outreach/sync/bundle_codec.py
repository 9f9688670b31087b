"""Payload lines at C speed (msgspec), with ``bundle.py``'s checks as the one rule (issue 14).

Writing: ``encode_changes`` turns a batch of wire-form changes into JSON Lines byte for byte as
``bundle._encode_wire`` does (canonical: sorted keys, no spaces, UTF-8, no floats), after checking
each record's types in C; a batch it cannot take (a float, a missing key, an odd type) goes through
``_encode_wire``, which raises what it always raised.

Reading: ``decode_changes`` checks a batch of payload lines with typed decoders: the wire record
(``_WireIn``, decoded straight into the wire dict that is returned), then every change's value with
one decoder per entity (row creations) or per field (edits), built from the same ``bundle._rules``
the reference check uses; ids, dates and timestamps are checked by mapping the reference's own
patterns and parsers over the batch. It only ever *accepts less* than ``bundle.check_change`` and
returns what the reference returns (``bundle._wire_keys`` of the line: a key from a newer minor
version is left out): whatever it does not take (an explicit ``"base": null``, a broken line)
returns ``None`` and the caller checks the batch line by line with ``bundle.check_change``, which
accepts it or names the first bad line.
So the rule, and every refusal message, is the reference one; this module makes the common case fast.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from outreach.storage.tables import SYNCED_TABLES, SyncedBase
from outreach.sync import bundle as B

_HLC = Annotated[int, Meta(gt=0, le=B.MAX_HLC)]
# The structs below hold only strings, numbers, booleans and a tuple of them, never a cycle: untracked
# by Python's cycle collector (gc=False), which would otherwise rescan each batch of them.


# =========================================================================== writing
class _WireOut(Struct, kw_only=True, omit_defaults=True, gc=False):
    """A change on the wire, fields in sorted order (the canonical key order)."""

    base: tuple[int, str] | None = None
    device_id: str
    entity: str
    field: str
    hlc: int
    row_id: str
    value: str
    worker: str


_ENCODER = msgspec.json.Encoder(order="sorted")


def encode_changes(changes: Sequence[dict[str, Any]]) -> bytes:
    """JSON Lines of the changes (each line ends in a newline), identical to ``_encode_wire``'s."""
    try:
        records = msgspec.convert(changes, list[_WireOut], strict=True)
        return _ENCODER.encode_lines(records)
    except (msgspec.ValidationError, msgspec.EncodeError, TypeError, ValueError):
        return b"".join(B._encode_wire(c) + b"\n" for c in changes)   # raises its own error, as before


class _Line(Struct, gc=False):
    """A change on the wire without a base, built positionally (fields in the canonical key order)."""

    device_id: str
    entity: str
    field: str
    hlc: int
    row_id: str
    value: str
    worker: str


class _LineBase(Struct, gc=False):
    """A change on the wire with its base."""

    base: tuple[int, str]
    device_id: str
    entity: str
    field: str
    hlc: int
    row_id: str
    value: str
    worker: str


def encode_rows(rows: Sequence[tuple]) -> bytes:
    """``encode_changes`` for change-log tuples ``(entity, row_id, field, hlc, device_id, worker,
    value, base)`` (``changes.WireRows.batches``): the same lines, without a dict per change. The
    columns' types are checked per batch; a batch with anything but strings and integers where the
    wire form wants them goes through ``encode_changes`` (and its reference fallback)."""
    if not rows:
        return b""
    entity, row_id, fld, hlc, device, worker, value, base = zip(*rows, strict=True)
    strings = set(map(type, entity)) | set(map(type, row_id)) | set(map(type, fld)) | set(map(type, device)) \
        | set(map(type, worker)) | set(map(type, value))
    bases = [b for b in base if b is not None]
    if strings != {str} or set(map(type, hlc)) != {int} or not all(
            type(b) is tuple and len(b) == 2 and type(b[0]) is int and type(b[1]) is str for b in bases):
        return encode_changes([_as_wire(r) for r in rows])
    records = [_Line(d, e, f, h, r, v, w) if b is None else _LineBase(b, d, e, f, h, r, v, w)
               for e, r, f, h, d, w, v, b in rows]
    return _ENCODER.encode_lines(records)


def _as_wire(row: tuple) -> dict[str, Any]:
    entity, row_id, fld, hlc, device, worker, value, base = row
    out = {"entity": entity, "row_id": row_id, "field": fld, "hlc": hlc, "device_id": device, "worker": worker,
           "value": value}
    if base is not None:
        out["base"] = [base[0], base[1]]
    return out


def entity_counts(changes: Sequence[dict[str, Any]]) -> Counter[str]:
    return Counter(map(itemgetter("entity"), changes))


# =========================================================================== reading
# Entities and field names as literals: unknown ones are left to the reference (which names them), and
# the decoded strings are shared, not one copy per change.
_ENTITY_NAMES = tuple(SYNCED_TABLES)
_FIELD_NAMES = tuple(sorted({"*"}.union(*(B._rules(name) or () for name in SYNCED_TABLES))))


class _WireIn(TypedDict):
    """A payload line as ``check_change`` accepts it (the id patterns are checked per batch). Decoded
    straight into the wire dict the reader returns (no struct, then a dict, per change); keys it does
    not know are left out, as ``bundle._wire_keys`` leaves them out of what the reference returns."""

    device_id: Annotated[str, Meta(min_length=32, max_length=32)]
    entity: Literal[_ENTITY_NAMES]
    field: Literal[_FIELD_NAMES]
    hlc: _HLC
    row_id: Annotated[str, Meta(min_length=1, max_length=32)]
    value: str
    worker: Annotated[str, Meta(max_length=64)]
    base: NotRequired[tuple[Annotated[int, Meta(ge=0, le=B.MAX_HLC)], str]]


_LINE = msgspec.json.Decoder(_WireIn)
_KEY = itemgetter("entity", "field")
_VALUE, _ROW, _DEVICE = itemgetter("value"), itemgetter("row_id"), itemgetter("device_id")
_DECODE_ERRORS = (msgspec.DecodeError, TypeError, ValueError, RecursionError)

# The reference's own checks, mapped over a batch in C: the id patterns, and the date parsers.
_CALENDAR = {"date": date.fromisoformat, "datetime": datetime.fromisoformat}


def _all_parse(parse: Callable[[str], Any], texts: Iterable[str]) -> bool:
    try:
        deque(map(parse, texts), maxlen=0)
    except ValueError:
        return False
    return True


def _value_type(kind: str, nullable: bool) -> Any:
    base: Any = {"str": str, "int": Annotated[int, Meta(ge=-B.MAX_HLC, le=B.MAX_HLC)], "bool": bool,
                 "date": str, "datetime": str}.get(kind, str | int | bool)
    return base | None if nullable else base


class _Entity:
    """The decoders of one entity's values: the whole row (creation), and each field (edit)."""

    def __init__(self, rules: dict[str, tuple[str, bool]]) -> None:
        fields = [(name, _value_type(kind, nullable) | UnsetType, UNSET) for name, (kind, nullable) in rules.items()]
        row = msgspec.defstruct("Row", fields, forbid_unknown_fields=True, kw_only=True, gc=False)
        self.row = msgspec.json.Decoder(row)
        self.calendar = {name: kind for name, (kind, _n) in rules.items() if kind in _CALENDAR}
        self.fields = {name: msgspec.json.Decoder(_value_type(kind, nullable))
                       for name, (kind, nullable) in rules.items() if name not in SyncedBase.BOOKKEEPING}
        self.kinds = {name: kind for name, (kind, _n) in rules.items()}
        self.has_id = "id" in rules


_ENTITIES: dict[str, _Entity | None] = {}


def _entity(name: str) -> _Entity | None:
    if name not in _ENTITIES:
        rules = B._rules(name)
        _ENTITIES[name] = None if rules is None else _Entity(rules)
    return _ENTITIES[name]


def _calendar_ok(kind: str, values: list[Any]) -> bool:
    return _all_parse(_CALENDAR[kind], (v for v in values if v is not None and v is not UNSET))


def _group_ok(entity: _Entity, fld: str, group: list[_WireIn]) -> bool:
    # decoded from UTF-8 copies made and let go here: msgspec handed a str keeps its UTF-8 form
    # inside the str (a third more memory for every value the reader returns)
    values = list(map(str.encode, map(_VALUE, group)))
    if fld == "*":
        rows = list(map(entity.row.decode, values))
        if entity.has_id:
            ids = list(map(attrgetter("id"), rows))
            row_ids = list(map(_ROW, group))
            if ids != row_ids and any(i is not UNSET and i != r for i, r in zip(ids, row_ids, strict=True)):
                return False
        for name, kind in entity.calendar.items():
            if not _calendar_ok(kind, list(map(attrgetter(name), rows))):
                return False
        return True
    decoder = entity.fields.get(fld)
    if decoder is None:
        return False
    parsed = list(map(decoder.decode, values))
    kind = entity.kinds[fld]
    return kind not in _CALENDAR or _calendar_ok(kind, parsed)


def decode_changes(lines: Sequence[bytes], max_line_bytes: int) -> tuple[list[dict[str, Any]], Counter[str]] | None:
    """The changes of these payload lines in wire form, and their count per entity; ``None`` when the
    batch is not plainly well-formed (then ``bundle.check_change`` decides, line by line)."""
    if not lines:
        return [], Counter()
    if max(map(len, lines)) > max_line_bytes:
        return None
    try:
        records = list(map(_LINE.decode, lines))
        groups: dict[tuple[str, str], list[_WireIn]] = {}
        for key, r in zip(map(_KEY, records), records, strict=True):
            group = groups.get(key)
            if group is None:
                groups[key] = group = []
            group.append(r)
        for (name, fld), group in groups.items():
            entity = _entity(name)
            if entity is None or not _group_ok(entity, fld, group):
                return None
        based = [r for r in records if "base" in r]
        if not (all(map(B._ROW_ID.fullmatch, map(_ROW, records)))
                and all(map(B._HEX32.fullmatch, set(map(_DEVICE, records))))
                and all(d == "" or B._HEX32.fullmatch(d) for d in {r["base"][1] for r in based})):
            return None
    except _DECODE_ERRORS:
        return None
    counts: Counter[str] = Counter()
    for (name, _f), group in groups.items():
        counts[name] += len(group)
    for r in based:
        r["base"] = list(r["base"])   # a JSON array reads as a list, as json.loads gives it
    return records, counts


# =========================================================================== for the merge
_ANY = msgspec.json.Decoder()


def from_wire_all(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``changes.from_wire`` for a whole verified bundle, values parsed by msgspec (the same Python
    values ``json.loads`` gives for JSON the bundle check accepted; a value msgspec will not read —
    an escaped lone surrogate — is read by ``json.loads``)."""
    out = []
    decode = _ANY.decode
    for r in records:
        try:
            value = decode(r["value"].encode())   # bytes: no UTF-8 copy left inside the str (_group_ok)
        except (msgspec.DecodeError, UnicodeEncodeError):
            value = json.loads(r["value"])
        base = r.get("base")
        out.append({"entity": r["entity"], "row_id": r["row_id"], "field": r["field"], "hlc": r["hlc"],
                    "device_id": r["device_id"], "worker": r["worker"], "value": value,
                    "base": None if base is None else (int(base[0]), str(base[1]))})
    return out


__all__ = ["decode_changes", "encode_changes", "encode_rows", "entity_counts", "from_wire_all"]
