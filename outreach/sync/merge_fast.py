"""The merge engine's set-based half (issue 14): staging a batch of received changes, telling which are
held already, reading the per-field clocks of the rows they touch, and keeping those clocks.

``merge_clock`` holds, for every (entity, row, field) edited, the edit that wins the field now (stamp,
worker, base, JSON value). A row's creations are not repeated there: its greatest creation (``'*'``)
is read from the change log's own index on (entity, row, field) when the batch touches the row, so a
row that arrives whole costs no clock write at all (version 7 drops the ``'*'`` entries version 6
made). The row's greatest change is the greatest of its clock entries and its greatest creation.
The clock is a pure function of the change log, which only grows, so every entry only grows: one
guarded upsert (``ON CONFLICT … DO UPDATE … WHERE excluded is newer``) keeps it whatever the order
of imports.

``plan`` sorts the rows a batch touches into three kinds:

- ``NEW``: the row holds no change yet and the batch brings its creation: its state is the fold of
  the batch alone (no history read);
- ``EDIT``: the row exists, its clock is current (the row's own top stamp is the greatest of its
  clock entries: no local write since the last merge), it is not waiting, and the batch brings only field edits newer
  than its creation: each edit is compared with its field's winner — one indexed lookup — and
  conflicts are found in the same pass;
- ``SLOW``: anything else (a local edit since, a second creation, a waiting row, edits older than the
  creation…): the row is re-folded from its whole history as before, and its clock rebuilt.

The statements are portable SQLAlchemy (sqlite/postgresql ``insert().on_conflict_do_update``), each
compiled once per dialect and run with ``executemany``.
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, and_, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from outreach.storage import codec
from outreach.storage.merge_tables import MergeClock, MergePending
from outreach.storage.tables import SYNCED_TABLES
from outreach.sync.changes import Entry
from outreach.sync.merge_write import dumps

CLOCK = MergeClock.__table__
PENDING = MergePending.__table__
STAR = "*"      # the field of a row's creation in the change log
NEW, EDIT, SLOW = "new", "edit", "slow"
CLOCK_COLS = ("entity", "row_id", "field", "hlc", "device_id", "worker", "base_hlc", "base_device", "value")
LOG_COLS = ("entity", "row_id", "field", "value", "hlc", "device_id", "worker", "recorded_at")
BASE_COLS = ("entity", "row_id", "field", "hlc", "device_id", "base_hlc", "base_device")

STAGE = "merge_in"
_STAGE_DDL = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (i INTEGER PRIMARY KEY, entity VARCHAR(32), "
              "row_id VARCHAR(32), field VARCHAR(40), hlc BIGINT, device_id VARCHAR(32))")
_HELD = text(f"SELECT m.i FROM {STAGE} m JOIN change_log c ON c.entity = m.entity AND c.row_id = m.row_id "
             "AND c.field = m.field AND c.hlc = m.hlc AND c.device_id = m.device_id")
# After the grouping the stage holds the rows to look up, one line each (``field``: ``n`` a row that
# arrives with its creation and is not stored, ``e`` a stored row the batch may edit on the fast path):
# no DISTINCT, and each row is looked up only for what decides its kind.
_WITH_HISTORY = text(f"SELECT m.entity, m.row_id FROM {STAGE} m WHERE m.field = 'n' AND EXISTS "
                     "(SELECT 1 FROM change_log c WHERE c.entity = m.entity AND c.row_id = m.row_id)")
_STARS = text(f"SELECT c.entity, c.row_id, c.hlc, c.device_id, c.worker FROM {STAGE} m "
              "JOIN change_log c ON c.entity = m.entity AND c.row_id = m.row_id AND c.field = '*' WHERE m.field = 'e'")
_CLOCKS = text(f"SELECT k.entity, k.row_id, k.field, k.hlc, k.device_id, k.worker, k.base_hlc, k.base_device, "
               f"k.value FROM {STAGE} m JOIN merge_clock k ON k.entity = m.entity AND k.row_id = m.row_id "
               "AND k.field <> '*' WHERE m.field = 'e'")

_COMPILED: dict[str, tuple[str, Any]] = {}


def _upsert(conn: Connection) -> tuple[str, Any]:
    """The clock upsert compiled once per dialect: (SQL, row -> parameters)."""
    name = conn.dialect.name
    if name not in _COMPILED:
        mod = postgresql if name == "postgresql" else sqlite
        stmt = mod.insert(CLOCK)
        ex, c = stmt.excluded, CLOCK.c
        newer = or_(ex.hlc > c.hlc, and_(ex.hlc == c.hlc, ex.device_id > c.device_id))
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.entity, c.row_id, c.field],
            set_={k: ex[k] for k in CLOCK_COLS[3:]}, where=newer)
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(CLOCK_COLS))
        order = compiled.positiontup if compiled.positional else None
        params = itemgetter(*order) if order else (lambda r: r)
        _COMPILED[name] = (compiled.string, params)
    return _COMPILED[name]


def write_clocks(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        sql, params = _upsert(conn)
        conn.exec_driver_sql(sql, list(map(params, rows)))


def clock_row(entity: str, row_id: str, field: str, e: Entry) -> dict[str, Any]:
    base = e.base
    return {"entity": entity, "row_id": row_id, "field": field, "hlc": e.hlc, "device_id": e.device,
            "worker": e.worker, "base_hlc": base[0] if base is not None else None,
            "base_device": base[1] if base is not None else None, "value": e.value}


def clocks_of(entity: str, row_id: str, entries: list[Entry]) -> list[dict[str, Any]]:
    """The clock entries of a row whose whole history (or any part of it: the upsert keeps the
    greatest) is ``entries``: the greatest edit of each field (creations are not kept)."""
    best: dict[str, Entry] = {}
    for e in entries:
        if e.field == STAR:
            continue
        cur = best.get(e.field)
        if cur is None or e.stamp > cur.stamp:
            best[e.field] = e
    return [clock_row(entity, row_id, k, e) for k, e in best.items()]


class Plan:
    """What a batch brings: new entries per row (stamp order), the rows' kinds and clocks."""

    def __init__(self) -> None:
        self.fresh: dict[str, dict[str, list[Entry]]] = {}
        self.log_rows: list[tuple] = []     # change_log rows (LOG_COLS), values as stored
        self.base_rows: list[tuple] = []    # change_base rows (BASE_COLS)
        self.already_had = 0
        self.kind: dict[tuple[str, str], str] = {}
        self.clock: dict[tuple[str, str], dict[str, Entry]] = defaultdict(dict)
        self.star: dict[tuple[str, str], Entry] = {}               # the greatest creation held
        self.current: dict[str, dict[str, dict[str, Any]]] = {}   # entity -> id -> row (EDIT rows)
        self.top: dict[tuple[str, str], Entry] = {}                # the greatest clock entry (EDIT rows)
        self.sorted_rows: dict[tuple[str, str], dict[str, list[Entry]]] = defaultdict(dict)  # (entity, kind) ->

    def rows(self, entity: str, kind: str) -> dict[str, list[Entry]]:
        return self.sorted_rows.get((entity, kind), {})


def _stage(conn: Connection, rows: list[tuple]) -> None:
    """Fill the stage with (i, entity, row_id, field, hlc, device_id) tuples."""
    conn.exec_driver_sql(f"INSERT INTO {STAGE} (i, entity, row_id, field, hlc, device_id) VALUES (?, ?, ?, ?, ?, ?)"
                         if conn.dialect.paramstyle == "qmark" else
                         f"INSERT INTO {STAGE} (i, entity, row_id, field, hlc, device_id) "
                         "VALUES (%s, %s, %s, %s, %s, %s)", rows)


def plan(conn: Connection, changes: list[dict[str, Any]], now: Any, me: str) -> Plan:
    """Stage the batch, drop what is held, and sort the touched rows into NEW / EDIT / SLOW."""
    p = Plan()
    if not changes:
        return p
    conn.exec_driver_sql(_STAGE_DDL)
    conn.exec_driver_sql(f"DELETE FROM {STAGE}")
    _stage(conn, [(i, ch["entity"], ch["row_id"], ch["field"], ch["hlc"], ch["device_id"])
                  for i, ch in enumerate(changes)])
    held = {r[0] for r in conn.execute(_HELD).fetchall()}
    if len(held) == len(changes):   # all held already (a re-import): nothing more to read
        conn.exec_driver_sql(f"DELETE FROM {STAGE}")
        p.already_had = len(changes)
        return p
    if held:   # the rows below are read for what is new only
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"DELETE FROM {STAGE} WHERE i = {mark}", [(i,) for i in held])
    pending = {(r[0], r[1]) for r in conn.execute(select(PENDING.c.entity, PENDING.c.row_id)).fetchall()}
    existing: dict[str, dict[str, dict[str, Any]]] = {}
    fields: dict[str, set[str]] = defaultdict(set)
    for i, ch in enumerate(changes):
        if i not in held:
            fields[ch["entity"]].add(ch["field"])
    for entity, edited in fields.items():   # stored rows, a query per table
        table = SYNCED_TABLES[entity].__table__
        result = conn.execute(select(*_stored_columns(table, edited)).where(table.c.id.in_(
            select(text("row_id")).select_from(text(STAGE)).where(text("entity = :e")))), {"e": entity})
        keys = list(result.keys())
        existing[entity] = {row[0]: dict(zip(keys, row, strict=True)) for row in result.fetchall()}
    conn.exec_driver_sql(f"DELETE FROM {STAGE}")

    by_entity: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for i, ch in enumerate(changes):
        if i in held:
            p.already_had += 1
        else:
            by_entity[ch["entity"]][ch["row_id"]].append(ch)
    now = codec.db_timestamp(now)   # one stored text for the whole batch
    log, bases = p.log_rows, p.base_rows
    by_stamp = itemgetter("hlc", "device_id")
    creating: set[tuple[str, str]] = set()   # rows the batch brings a creation of
    own: set[tuple[str, str]] = set()        # rows with a change made on this laptop (coming back)
    for entity, rows in by_entity.items():
        fresh = p.fresh.setdefault(entity, {})
        for row_id, chs in rows.items():
            if len(chs) > 1:
                chs.sort(key=by_stamp)
            seen: set[tuple[str, int, str]] = set()
            new_entries = []
            for ch in chs:
                fld, hlc, device = ch["field"], ch["hlc"], ch["device_id"]
                if fld == STAR:
                    creating.add((entity, row_id))
                if device == me:
                    own.add((entity, row_id))
                if len(chs) > 1:
                    key = (fld, hlc, device)
                    if key in seen:
                        p.already_had += 1
                        continue
                    seen.add(key)
                value = dumps(ch["value"])
                base = ch.get("base")
                if base is not None:
                    base = (int(base[0]), str(base[1]))
                    if fld != STAR:
                        bases.append((entity, row_id, fld, hlc, device, base[0], base[1]))
                new_entries.append(Entry(0, fld, hlc, device, ch["worker"], value, base, ch["value"], True))
                log.append((entity, row_id, fld, value, hlc, device, ch["worker"], now))
            if new_entries:
                fresh[row_id] = new_entries
    with_history = _look_up(p, conn, existing, pending, creating, own)
    _classify(p, with_history, pending, creating, own, existing)
    return p


_STAMPS = ("id", "hlc", "updated_device", "updated_by", "updated_at")


def _stored_columns(table: Any, edited: set[str]) -> list[Any]:
    """What is read of a stored row the batch touches: its id and stamps (its kind is decided on
    them) and the fields the batch edits (an ``EDIT`` row writes only those that differ; a ``SLOW``
    row is read whole again by ``settle``). Reading every column of every row cost the peer data set's
    40,000 edited people ~10% of its merge time."""
    return [table.c[k] for k in _STAMPS] + [table.c[f] for f in sorted(edited - {STAR}) if f not in _STAMPS]


def _look_up(p: Plan, conn: Connection, stored: dict[str, dict[str, dict]], pending: set, creating: set,
             own: set) -> set:
    """Read what decides the kind of each row (see ``_classify``), for the rows it can decide: whether
    a row that arrives with its creation and is not stored holds changes already (``n``); the clock
    and greatest creation of a stored row the batch only edits (``e``). Returns the rows of the first
    kind that hold changes; fills ``p.clock`` and ``p.star``."""
    keys: list[tuple] = []
    for entity, rows in p.fresh.items():
        existing = stored.get(entity, {})
        for row_id in rows:
            key = (entity, row_id)
            if key in own:   # SLOW whatever is held
                continue
            if row_id not in existing:
                if key in creating:
                    keys.append((len(keys), entity, row_id, "n", 0, ""))
            elif key not in creating and key not in pending:
                keys.append((len(keys), entity, row_id, "e", 0, ""))
    if not keys:
        return set()
    _stage(conn, keys)
    with_history = {(r[0], r[1]) for r in conn.execute(_WITH_HISTORY).fetchall()}
    for entity, row_id, fld, hlc, device, worker, bh, bd, value in conn.execute(_CLOCKS).fetchall():
        base = (bh, bd) if bh is not None else None
        p.clock[(entity, row_id)][fld] = Entry(0, fld, hlc, device, worker, value or "null", base)
    for entity, row_id, hlc, device, worker in conn.execute(_STARS).fetchall():
        held_star = p.star.get((entity, row_id))
        if held_star is None or (hlc, device) > held_star.stamp:
            p.star[(entity, row_id)] = Entry(0, STAR, hlc, device, worker, "null", None)
    conn.exec_driver_sql(f"DELETE FROM {STAGE}")
    return with_history


def _classify(p: Plan, with_history: set, pending: set, creating: set, own: set,
              stored: dict[str, dict[str, dict]]) -> None:
    for entity, rows in p.fresh.items():
        existing = stored.get(entity, {})
        current = p.current.setdefault(entity, {})
        for row_id, new in rows.items():
            key = (entity, row_id)
            has_star = key in creating
            cur = existing.get(row_id)
            if key in own:   # own changes coming back: bases from the log order
                p.kind[key] = SLOW
                p.sorted_rows[(entity, SLOW)][row_id] = new
                continue
            if cur is None:   # not stored: NEW only when no change of it is held either
                kind = p.kind[key] = NEW if has_star and key not in with_history else SLOW
                p.sorted_rows[(entity, kind)][row_id] = new
                continue
            clock = p.clock.get(key, {})
            star = p.star.get(key)
            top = max([star, *clock.values()], key=lambda e: e.stamp) if star is not None else None
            fast = (not has_star and key not in pending and top is not None
                    and top.hlc == cur["hlc"] and top.device == cur["updated_device"]
                    and all(e.stamp > star.stamp for e in new)
                    and all(clock[e.field].stamp > star.stamp for e in new if e.field in clock))
            kind = p.kind[key] = EDIT if fast else SLOW
            p.sorted_rows[(entity, kind)][row_id] = new
            if fast:
                current[row_id] = cur
                p.top[key] = top


def winners(p: Plan, entity: str, row_id: str) -> dict[str, Entry]:
    """The field winners an EDIT row's clock holds (each newer than the row's creation)."""
    return dict(p.clock.get((entity, row_id), {}))


__all__ = ["EDIT", "NEW", "SLOW", "Plan", "clocks_of", "plan", "winners", "write_clocks"]
