"""The review queue: true conflicts between two workers' edits, and flags (stamps far in the future,
unique values taken) that a person should look at.

The merge always resolves a conflict by itself (last writer wins, the same on every store); the queue
lets the lead check it. Her decision — *keep* the current value, *take* the other one, or *edit* a new
one — is a new ordinary change written through the Writer, so it travels down to every laptop with
the next bundles and wins there too (it is stamped later than both sides). Deciding marks every open
conflict on that field resolved. A conflict also counts as resolved ("superseded") once someone edits
the field after having seen both values.

    items = list_conflicts(store)                 # open ones, newest first
    keep(store, items[0].id)                      # or take(...), edit(..., value), dismiss(...)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from outreach.domain.errors import NotFound, OutreachError
from outreach.domain.hlc import physical_ms
from outreach.domain.searchkeys import name_keys
from outreach.storage import codec
from outreach.storage.merge_tables import MergeConflict
from outreach.storage.store import Store
from outreach.storage.tables import SYNCED_TABLES, Person, Setting
from outreach.storage.types import utcnow
from outreach.storage.writer import Writer
from outreach.sync.changes import Entry, chunks, load_history, own_device_id

CONFLICT = MergeConflict.__table__
SETTING = Setting.__table__
KEY = ("kind", "entity", "row_id", "field", "a_hlc", "a_device", "b_hlc", "b_device")


# ============================================================================ rows for the queue
def pair_row(entity: str, row_id: str, field: str, older: Entry, newer: Entry, source: str) -> dict[str, Any]:
    return {"kind": "concurrent", "entity": entity, "row_id": row_id, "field": field,
            "a_value": older.value, "a_hlc": older.hlc, "a_device": older.device, "a_worker": older.worker,
            "b_value": newer.value, "b_hlc": newer.hlc, "b_device": newer.device, "b_worker": newer.worker,
            "source": source}


def unique_row(entity: str, row_id: str, field: str, value: Any, other_row: str | None, hlc: int,
               device: str, worker: str, source: str) -> dict[str, Any]:
    return {"kind": "unique", "entity": entity, "row_id": row_id, "field": field,
            "a_value": codec.dumps(codec.to_json_value(value)), "a_hlc": hlc, "a_device": device,
            "a_worker": worker, "b_value": codec.dumps(other_row), "b_hlc": 0, "b_device": "",
            "b_worker": "", "source": source}


def future_row(change: dict[str, Any], source: str) -> dict[str, Any]:
    return {"kind": "future_stamp", "entity": change["entity"], "row_id": change["row_id"],
            "field": change["field"], "a_value": codec.dumps(change["value"]), "a_hlc": change["hlc"],
            "a_device": change["device_id"], "a_worker": change["worker"], "b_value": "null", "b_hlc": 0,
            "b_device": "", "b_worker": "", "source": source}


def record(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Add queue entries not present yet (same kind, field and both stamps); returns how many."""
    fresh: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        fresh.setdefault(tuple(r[k] for k in KEY), r)
    if not fresh:
        return 0
    c = CONFLICT.c
    by_entity: dict[str, set[str]] = {}
    for key in fresh:
        by_entity.setdefault(key[1], set()).add(key[2])
    for entity, row_ids in by_entity.items():
        for batch in chunks(sorted(row_ids)):
            stmt = select(*[c[k] for k in KEY]).where(c.entity == entity, c.row_id.in_(batch))
            for held in conn.execute(stmt):
                fresh.pop(tuple(held), None)
    if fresh:
        now = utcnow()
        conn.execute(insert(CONFLICT), [{**r, "detected_at": now, "status": "open"} for r in fresh.values()])
    return len(fresh)


def supersede(conn: Connection, fresh: dict[str, dict[str, list[Entry]]]) -> int:
    """Mark open conflicts resolved when a received edit of the field was written by someone who had
    seen both sides (its base is at least the newer side). Only the stamps of the open conflicts are
    read, and the ones closed are written by one statement."""
    c = CONFLICT.c
    opened = conn.execute(select(c.id, c.entity, c.row_id, c.field, c.a_hlc, c.a_device, c.b_hlc, c.b_device)
                          .where(c.status == "open", c.kind == "concurrent")).all()
    closed: list[dict[str, Any]] = []
    for cid, entity, row_id, fld, a_hlc, a_device, b_hlc, b_device in opened:
        new = fresh.get(entity, {}).get(row_id)
        if not new:
            continue
        newer = max((a_hlc, a_device), (b_hlc, b_device))
        for e in new:
            if e.field == fld and e.base is not None and e.base >= newer:
                closed.append({"_id": cid, "_value": e.value, "_by": e.worker})
                break
    if closed:
        conn.execute(_CLOSE, [{**r, "_res": "superseded", "_at": utcnow()} for r in closed])
    return len(closed)


_CLOSE = (update(CONFLICT).where(CONFLICT.c.id == bindparam("_id"))
          .values(status="resolved", resolution=bindparam("_res"), resolved_value=bindparam("_value"),
                  resolved_at=bindparam("_at"), resolved_by=bindparam("_by")))


def _close(conn: Connection, conflict_id: int, resolution: str, value_json: str | None, by: str) -> None:
    conn.execute(_CLOSE, {"_id": conflict_id, "_res": resolution, "_value": value_json, "_at": utcnow(), "_by": by})


# ============================================================================ reading the queue
@dataclass(frozen=True)
class Side:
    """One value of a conflict: what, who, when, on which device."""

    value: Any
    worker: str
    device_id: str
    device_name: str
    hlc: int

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(physical_ms(self.hlc) / 1000, UTC)

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class ConflictItem:
    id: int
    kind: str            # concurrent | future_stamp | unique
    entity: str
    row_id: str
    field: str
    row_label: str       # household code, person's name … (what the record is)
    current: Side        # the value the record holds now
    other: Side | None   # the competing value (None for a flag)
    source: str
    detected_at: datetime
    status: str
    resolution: str


def _side(value_json: str, hlc: int, device: str, worker: str, names: dict[str, str]) -> Side:
    return Side(json.loads(value_json), worker, device, names.get(device, device[:8]), hlc)


def laptop_names(conn: Connection, own: tuple[str, str] | None = None) -> dict[str, str]:
    """Device id -> the laptop's name as the team registry knows it (this laptop's own name too:
    ``own`` = (device id, name) from ``store.device``, which on PostgreSQL lives in the data folder,
    not in the shared ``setting`` table; without it the table is read)."""
    from outreach.sync.team import list_devices

    names = {d.device_id: d.display_name for d in list_devices(conn)}
    if own is not None:
        me, name = own
    else:
        me = own_device_id(conn)
        name = conn.execute(select(SETTING.c.value).where(SETTING.c.key == "device_name")).scalar_one_or_none()
    if name and me not in names:
        names[me] = name
    return names


def list_conflicts(store: Store, *, status: str = "open", device_names: dict[str, str] | None = None) -> list[ConflictItem]:
    """The queue, newest first. Each side names the laptop it came from (``device_names``: device id ->
    name; by default from the team registry). Open conflicts superseded by a later edit (made by
    someone who had both values) are closed on the way."""
    device = store.device if device_names is None else None
    with store.connect() as conn:
        names = device_names if device is None else laptop_names(conn, (device.id, device.name))
        me = own_device_id(conn)
        rows = conn.execute(select(CONFLICT).where(CONFLICT.c.status == status)
                            .order_by(CONFLICT.c.detected_at.desc(), CONFLICT.c.id.desc())).mappings().all()
        by_entity: dict[str, set[str]] = {}
        for r in rows:
            by_entity.setdefault(r["entity"], set()).add(r["row_id"])
        labels: dict[tuple[str, str], str] = {}
        history: dict[tuple[str, str], list[Entry]] = {}
        for entity, ids in by_entity.items():
            labels.update({(entity, k): v for k, v in describe_rows(conn, entity, ids).items()})
            history.update({(entity, k): v for k, v in load_history(conn, entity, ids, me=me).items()})
        items: list[ConflictItem] = []
        stale: list[tuple[int, Entry]] = []
        for r in rows:
            key = (r["entity"], r["row_id"])
            label = labels.get(key) or f"{r['entity']} {r['row_id'][:8]}"
            a = _side(r["a_value"], r["a_hlc"], r["a_device"], r["a_worker"], names)
            if r["kind"] != "concurrent":
                other = None if r["kind"] == "future_stamp" else Side(json.loads(r["b_value"]), "", "", "", 0)
                items.append(_item(r, label, a, other))
                continue
            b = _side(r["b_value"], r["b_hlc"], r["b_device"], r["b_worker"], names)
            winner = field_winner(history.get(key, []), r["field"])
            newer = max((a.hlc, a.device_id), (b.hlc, b.device_id))
            if status == "open" and winner is not None and winner.base is not None and winner.base >= newer:
                stale.append((r["id"], winner))
                continue
            if winner is None or winner.stamp in {(b.hlc, b.device_id), (a.hlc, a.device_id)}:
                current, other = (b, a) if winner is None or winner.stamp == (b.hlc, b.device_id) else (a, b)
            else:
                current = _side(winner.value, winner.hlc, winner.device, winner.worker, names)
                other = b
            items.append(_item(r, label, current, other))
    if stale:
        with store.transaction() as w:
            for cid, winner in stale:
                _close(w.conn, cid, "superseded", winner.value, winner.worker)
    return items


def _item(r: Any, label: str, current: Side, other: Side | None) -> ConflictItem:
    return ConflictItem(r["id"], r["kind"], r["entity"], r["row_id"], r["field"], label, current, other,
                        r["source"], r["detected_at"], r["status"], r["resolution"])


def count_open(conn: Connection) -> int:
    from sqlalchemy import func

    return conn.execute(select(func.count()).select_from(CONFLICT).where(CONFLICT.c.status == "open")).scalar_one()


def field_winner(entries: list[Entry], field: str) -> Entry | None:
    """Among a row's changes, the one whose value the field holds now (greatest stamp among its edits
    and the row's creation), with its base."""
    best: Entry | None = None
    for e in entries:
        if (e.field == field or (e.field == "*" and field in e.data())) and (best is None or e.stamp > best.stamp):
            best = e
    if best is not None and best.field == "*":
        star = best
        best = Entry(star.seq, field, star.hlc, star.device, star.worker, codec.dumps(star.data()[field]), None)
    return best


def current_winner(conn: Connection, entity: str, row_id: str, field: str, *, me: str) -> Entry | None:
    return field_winner(load_history(conn, entity, [row_id], me=me).get(row_id, []), field)


def describe_rows(conn: Connection, entity: str, row_ids: set[str]) -> dict[str, str]:
    """Short human labels for records: household code, person's name, provider's name, reference."""
    model = SYNCED_TABLES.get(entity)
    if model is None:
        return {}
    table = model.__table__
    col = next((c for c in ("code", "name", "reference") if c in table.c), None)
    if col is None:
        return {}
    out: dict[str, str] = {}
    for batch in chunks(sorted(row_ids)):
        out.update({rid: str(v) for rid, v in conn.execute(
            select(table.c.id, table.c[col]).where(table.c.id.in_(batch))) if v})
    return out


def describe_row(conn: Connection, entity: str, row_id: str) -> str:
    return describe_rows(conn, entity, {row_id}).get(row_id) or f"{entity} {row_id[:8]}"


# ============================================================================ deciding
def _load(conn: Connection, conflict_id: int) -> Any:
    row = conn.execute(select(CONFLICT).where(CONFLICT.c.id == conflict_id)).mappings().first()
    if row is None:
        raise NotFound("merge.error.conflict_not_found", id=conflict_id)
    if row["status"] != "open":
        raise OutreachError("merge.error.conflict_closed", id=conflict_id)
    return row


def keep(store: Store, conflict_id: int) -> Any:
    """Confirm the value the record holds now. Returns the value."""
    item = _find(store, conflict_id)
    return _decide(store, conflict_id, "keep", item.current.value)


def take(store: Store, conflict_id: int) -> Any:
    """Replace the current value by the competing one. Returns the value."""
    item = _find(store, conflict_id)
    if item.other is None:
        raise OutreachError("merge.error.nothing_to_take", id=conflict_id)
    return _decide(store, conflict_id, "take", item.other.value)


def edit(store: Store, conflict_id: int, value: Any) -> Any:
    """Write a new value (e.g. the number the family gave on the phone). Returns the value."""
    with store.connect() as conn:
        row = _load(conn, conflict_id)
    table = SYNCED_TABLES[row["entity"]].__table__
    if isinstance(value, str):
        value = value.strip()
    return _decide(store, conflict_id, "edit", codec.from_json_value(table, row["field"], codec.to_json_value(value)))


def dismiss(store: Store, conflict_id: int) -> None:
    """Acknowledge a flag (stamp far in the future, unique value taken) without changing data."""
    with store.transaction() as w:
        row = _load(w.conn, conflict_id)
        _close(w.conn, row["id"], "dismissed", None, w.actor.worker)


def _find(store: Store, conflict_id: int) -> ConflictItem:
    with store.connect() as conn:
        row = _load(conn, conflict_id)
    if row["kind"] != "concurrent":
        raise OutreachError("merge.error.not_a_conflict", id=conflict_id)
    for item in list_conflicts(store):
        if item.id == conflict_id:
            return item
    raise OutreachError("merge.error.conflict_closed", id=conflict_id)


def _decide(store: Store, conflict_id: int, action: str, value: Any) -> Any:
    with store.transaction() as w:
        row = _load(w.conn, conflict_id)
        model = SYNCED_TABLES[row["entity"]]
        write_value(w, model, row["row_id"], row["field"], value)
        c = CONFLICT.c
        opened = w.conn.execute(select(c.id).where(and_(
            c.entity == row["entity"], c.row_id == row["row_id"], c.field == row["field"],
            c.status == "open", c.kind == "concurrent"))).scalars().all()
        for cid in opened:
            _close(w.conn, cid, action, codec.dumps(codec.to_json_value(value)), w.actor.worker)
    return value


def write_value(w: Writer, model: Any, row_id: str, field: str, value: Any) -> None:
    """An ordinary logged edit of one field — logged even when the value does not change, so that
    a decision to keep the current value is itself a change that travels and wins on every store."""
    w.update(model, row_id, {field: value}, force=True)
    if model is Person and field == "name":
        pinyin, initials = name_keys(value)
        w.set_local(Person, row_id, {"search_pinyin": pinyin, "search_initials": initials})
