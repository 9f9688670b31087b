"""Applying received changes: per-field last-writer-wins on (HLC, origin device).

``apply_changes(writer, changes)`` runs inside the caller's transaction. The state of every row is a
pure function of the *set* of changes its store holds, so stores that hold the same changes hold the
same rows, whatever the order, grouping or repetition of imports (commutative, associative,
idempotent):

1. Each received change is checked and stored once in the change log (a change already held — same
   entity, row, field, hlc and device — is skipped), with its ``base`` in ``change_base``, so it can
   be forwarded later.
2. For each field the value of the greatest (hlc, device) among the field's edits and the row's
   creations (``'*'``) wins. The row's ``hlc`` / ``updated_device`` / ``updated_by`` are those of its
   greatest change, ``created_*`` come from the creation; ``updated_at`` is the wall time of that
   greatest change (local bookkeeping: on the writing device it is the exact write time).
   How (issue 14, see ``merge_fast``): the batch is staged in a temporary table and held changes are
   found with one join (a re-import stops there); a row the batch creates is the fold of the batch
   alone, written with ready values (``merge_write``; new people indexed for search set-based); an
   edit of a row whose per-field clocks (``merge_clock``) are current meets its field's winner in
   one indexed lookup; every other row (a local write since the last import, a second creation, a
   waiting row…) is re-folded from *all* its logged changes, as before, and its clocks rebuilt.
   Either way the result is the fold of the whole log, so it does not depend on the order of imports.
3. A row whose creation has not arrived stays as changes in the log (nothing is lost) and is
   written when the creation comes. A row whose parent row (household of a person, …) is missing, or
   whose household code / referral reference is already taken by another row, waits in
   ``merge_pending`` and is retried after every import; unique clashes also go to the review queue.
   (Codes are unique by construction, so a clash means a bug or a hand-made file; which of the two
   rows waits then depends on which arrived first, until someone renumbers one.)
4. Derived local columns are recomputed: people's search keys, referrals' status from their events
   (with the referral service's own rule).
5. True conflicts (see ``is_conflict``) and stamps far in the future are queued for review; received
   people are checked for possible duplicates.

Archive is an ordinary field: an archived row stays archived unless someone un-archives it with a
later stamp. Append-only entities (visits, assessments, templates, referral events) merge the same
way but never enter the conflict queue.

Only ``PRAGMA``-free, portable SQLAlchemy Core is used: parents are written before children, so no
deferred foreign keys are needed.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import SQLModel

from outreach import testhooks
from outreach.domain.hlc import physical_ms
from outreach.domain.searchkeys import name_keys
from outreach.services.referrals import refresh_status
from outreach.storage import codec, search_index
from outreach.storage.merge_tables import MergePending
from outreach.storage.tables import APPEND_ONLY, SYNCED_TABLES, SyncedBase
from outreach.storage.types import utcnow
from outreach.storage.writer import CHANGE_LOG, Writer, bulk_insert
from outreach.sync import conflicts, duplicates, merge_fast, merge_write
from outreach.sync.changes import CHANGE_BASE, NOTHING, Entry, Stamp, chunks, load_history
from outreach.sync.merge_check import SETTABLE, check_change, from_json_row, settable

PENDING = MergePending.__table__
ORDER = [t.name for t in SQLModel.metadata.sorted_tables if t.name in SYNCED_TABLES]
UNIQUE = {name: [c.name for c in model.__table__.columns if c.unique] for name, model in SYNCED_TABLES.items()}
PARENTS = {
    name: [(fk.parent.name, fk.column.table.name) for fk in model.__table__.foreign_keys]
    for name, model in SYNCED_TABLES.items()
}
SEARCH_FIELDS = frozenset({"name", "birth_date", "id_number", "household_id", "merged_into", "archived"})


@dataclass
class ApplyReport:
    source: str = ""
    received: int = 0           # changes in the input
    new: int = 0                # stored in the change log (not held before)
    already_had: int = 0        # skipped: held before (re-import, overlap)
    rows_inserted: int = 0
    rows_updated: int = 0
    waiting: int = 0            # rows still waiting for their creation or a parent row
    conflicts: int = 0          # new entries in the conflict queue (concurrent edits, unique clashes)
    far_future: int = 0         # changes stamped more than a day ahead of this computer's clock
    duplicate_proposals: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ============================================================================ conflicts
def is_conflict(new: Entry, winner: Entry | None) -> bool:
    """Is ``new`` a true conflict with the field's current ``winner``?

    Two edits of one field conflict when they come from different devices, set different values,
    and neither writer had seen the other's change. An edit's ``base`` is the change it replaced on
    its own device; a writer had seen change C iff its base is C or later (LWW winners only grow).
    A change with the smaller stamp cannot have seen the other (stamps grow along causality), so:
    if ``new`` wins, it is concurrent iff new.base < winner; if ``new`` loses, iff winner.base < new.
    Unknown bases (a change from an old bundle) never raise a conflict."""
    if winner is None or winner.field == "*" or winner.device == new.device:
        return False
    if new.data() == winner.data():
        return False
    if new.stamp > winner.stamp:
        return new.base is not None and new.base < winner.stamp
    return winner.base is not None and winner.base < new.stamp


# ============================================================================ the fold
@dataclass
class Folded:
    exists_in_log: bool          # a creation ('*') is held
    values: dict[str, Any]       # field -> winning JSON value
    top: Entry                   # the greatest change of the row
    star: Entry | None           # the first creation (a row created on two stores has two)


def fold(entries: list[Entry], fields: frozenset[str]) -> Folded:
    """The winning value of every field among a row's changes (see the module doc)."""
    best: dict[str, tuple[Stamp, Any]] = {}
    star: Entry | None = None
    top = entries[0]
    for e in entries:
        s = e.stamp
        if s > top.stamp:
            top = e
        if e.field == "*":
            if star is None or s < star.stamp:
                star = e
            for k, v in e.data().items():
                if k in fields and (k not in best or s > best[k][0]):
                    best[k] = (s, v)
        elif e.field in fields and (e.field not in best or s > best[e.field][0]):
            best[e.field] = (s, e.data())
    return Folded(star is not None, {k: v for k, (_s, v) in best.items()}, top, star)


def _single(star: Entry, fields: frozenset[str]) -> Folded:
    """``fold`` of a row whose only change is its creation (most received rows)."""
    return Folded(True, {k: v for k, v in star.data().items() if k in fields}, star, star)


_UPDATES: dict[tuple[str, str, tuple[str, ...]], tuple[Any, Any, dict[str, Any]]] = {}


def _bulk_update(conn: Any, table: Any, cols: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """executemany of one compiled UPDATE … WHERE id = ? (values converted as ``bulk_insert`` does),
    compiled once per (dialect, table, columns)."""
    key = (conn.dialect.name, table.name, cols)
    found = _UPDATES.get(key)
    if found is None:
        stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
        convert = {c: conv for c in cols if (conv := codec.db_converter(table.c[c].type))}
        found = _UPDATES[key] = (stmt, stmt.compile(dialect=conn.dialect), convert)
    stmt, compiled, convert = found
    order = compiled.positiontup if compiled.positional else None
    if order is None:
        conn.execute(stmt, rows)
        return
    params = [tuple(convert[k](r[k]) if k in convert else r[k] for k in order) for r in rows]
    conn.exec_driver_sql(compiled.string, params)


def _defaults(model: type[SyncedBase]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            out[name] = info.default_factory()
        elif not info.is_required():
            out[name] = info.default
    return out


def _wall(hlc: int) -> datetime:
    return datetime.fromtimestamp(physical_ms(hlc) / 1000, UTC)


def _wall_text(hlc: int) -> str:
    """``_wall(hlc)`` as the database stores it (``codec.db_timestamp``), without the time-zone round."""
    return datetime.fromtimestamp(physical_ms(hlc) / 1000, UTC).isoformat(timespec="milliseconds")


def _at(top: Entry) -> datetime:
    """When the row last changed: the creation's own ``updated_at`` if it carries one, else the wall
    time inside the stamp of its greatest change."""
    if top.field == "*" and isinstance(top.data().get("updated_at"), str):
        return datetime.fromisoformat(top.data()["updated_at"])
    return _wall(top.hlc)


# ============================================================================ applying
class _Apply:
    def __init__(self, writer: Writer, source: str) -> None:
        self.w = writer
        self.conn = writer.conn
        self.me = writer.actor.device_id
        self.report = ApplyReport(source=source)
        self.touched_people: set[str] = set()
        self.no_number: set[str] = set()       # people inserted without an ID number
        self.inserted: dict[str, set[str]] = defaultdict(set)   # entity -> ids inserted by this merge
        self.touched_referrals: set[str] = set()
        self.blocked: dict[tuple[str, str], str] = {}
        self.new_conflicts: list[dict[str, Any]] = []

    # ---------------------------------------------------------------- conflicts
    def detect(self, entity: str, row_id: str, hist: list[Entry], new: list[Entry]) -> None:
        """Queue true conflicts between the new edits of a row and the field winners they meet."""
        if entity in APPEND_ONLY:
            return
        winners: dict[str, Entry] = {}

        def offer(name: str, e: Entry) -> None:
            if name not in winners or e.stamp > winners[name].stamp:
                winners[name] = e

        for e in hist:
            for name in (e.data() if e.field == "*" else (e.field,)):
                offer(name, e)
        for e in new:  # in stamp order
            if e.field == "*":
                for name in e.data():
                    offer(name, e)
                continue
            w = winners.get(e.field)
            if w is not None and is_conflict(e, w):
                older, newer = (w, e) if w.stamp < e.stamp else (e, w)
                self.new_conflicts.append(conflicts.pair_row(entity, row_id, e.field, older, newer,
                                                             self.report.source))
            offer(e.field, e)

    # ---------------------------------------------------------------- writing rows
    def settle(self, entity: str, entries_by_row: dict[str, list[Entry]], *, none_exist: bool = False) -> int:
        """Write the folded state of these rows; returns how many rows were inserted. ``none_exist``:
        the caller knows none of the rows is in the table yet (no read needed)."""
        model = SYNCED_TABLES[entity]
        table = model.__table__
        fields = SETTABLE[entity]
        current = {}
        for batch in ([] if none_exist else chunks(sorted(entries_by_row))):
            for row in self.conn.execute(select(table).where(table.c.id.in_(batch))).mappings():
                current[row["id"]] = dict(row)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        defaults = _defaults(model)
        for row_id, entries in entries_by_row.items():
            self.blocked.pop((entity, row_id), None)
            if not entries:
                continue
            f = _single(entries[0], fields) if len(entries) == 1 and entries[0].field == "*" else fold(entries, fields)
            cur = current.get(row_id)
            if cur is None and not f.exists_in_log:
                self.blocked[(entity, row_id)] = "creation"
                continue
            values = from_json_row(entity, f.values)
            stamps = {"hlc": f.top.hlc, "updated_device": f.top.device, "updated_by": f.top.worker,
                      "updated_at": _at(f.top)}
            if f.star is not None:
                stamps["created_by"], stamps["created_device"] = f.star.worker, f.star.device
                created_at = f.star.data().get("created_at")
                if created_at or cur is None:
                    stamps["created_at"] = datetime.fromisoformat(created_at) if created_at else _wall(f.star.hlc)
            if cur is None:
                inserts.append({**defaults, **values, **stamps, "id": row_id})
            else:
                diff = {k: v for k, v in {**values, **stamps}.items() if cur.get(k) != v}
                if diff:
                    updates.append({"_id": row_id, **diff, "_cur": cur})
        return self._write(entity, inserts, updates)

    def settle_new(self, entity: str, entries_by_row: dict[str, list[Entry]]) -> int:
        """``settle`` of rows that hold no change yet and arrive with their creation (``NEW``): no
        read, the fold of the batch alone, values turned from JSON straight into stored text."""
        fields = SETTABLE[entity]
        to_db = merge_write.JSON_TO_DB[entity]
        defaults = _defaults(SYNCED_TABLES[entity])
        for k, conv in to_db.items():
            if defaults.get(k) is not None:
                defaults[k] = conv(defaults[k])
        converted = [k for k in to_db if k in fields]
        stamp_text = codec.db_converter(SYNCED_TABLES[entity].__table__.c.updated_at.type)
        blocked = self.blocked
        inserts: list[dict[str, Any]] = []
        for row_id, entries in entries_by_row.items():
            blocked.pop((entity, row_id), None)
            if len(entries) == 1:
                star = top = entries[0]
                data = star.data()
                values = {k: v for k, v in data.items() if k in fields}
            else:
                f = fold(entries, fields)
                values, top, star = f.values, f.top, f.star
                data = star.data()
            for k in converted:
                v = values.get(k)
                if v is not None:
                    values[k] = to_db[k](v)
            created_at = data.get("created_at")
            if top is star and not created_at and not isinstance(data.get("updated_at"), str):
                updated_text = created_text = _wall_text(star.hlc)   # both the creation's wall time
            else:
                updated_text = stamp_text(_at(top))
                created_text = stamp_text(datetime.fromisoformat(created_at) if created_at else _wall(star.hlc))
            inserts.append({**defaults, **values, "hlc": top.hlc, "updated_device": top.device,
                            "updated_by": top.worker, "updated_at": updated_text,
                            "created_by": star.worker, "created_device": star.device,
                            "created_at": created_text, "id": row_id})
        return self._write(entity, inserts, [], ready=True)

    def settle_edits(self, entity: str, rows: dict[str, list[Entry]], plan: merge_fast.Plan) -> list[dict[str, Any]]:
        """The fast path for rows whose clock is current (see ``merge_fast``): each new edit meets its
        field's winner from the clock (a true conflict is queued in the same pass), the row gets the
        new winners and top stamp. Returns the clock entries that moved."""
        append_only = entity in APPEND_ONLY
        current = plan.current[entity]
        updates: list[dict[str, Any]] = []
        moved: list[dict[str, Any]] = []
        source = self.report.source
        for row_id, new in rows.items():
            cur = current[row_id]
            win = merge_fast.winners(plan, entity, row_id)
            top = old_top = plan.top[(entity, row_id)]
            changed: dict[str, Entry] = {}
            for e in new:   # in stamp order
                w = win.get(e.field)
                if w is not None and not append_only and is_conflict(e, w):
                    older, newer = (w, e) if w.stamp < e.stamp else (e, w)
                    self.new_conflicts.append(conflicts.pair_row(entity, row_id, e.field, older, newer, source))
                if w is None or e.stamp > w.stamp:
                    win[e.field] = changed[e.field] = e
                if e.stamp > top.stamp:
                    top = e
            moved += [merge_fast.clock_row(entity, row_id, f, e) for f, e in changed.items()]
            values = from_json_row(entity, {f: e.data() for f, e in changed.items()})
            if top is not old_top:
                values.update(hlc=top.hlc, updated_device=top.device, updated_by=top.worker, updated_at=_wall(top.hlc))
            diff = {k: v for k, v in values.items() if cur.get(k) != v}
            if diff:
                updates.append({"_id": row_id, **diff, "_cur": cur})
        self._write(entity, [], updates)
        return moved

    def _write(self, entity: str, inserts: list[dict[str, Any]], updates: list[dict[str, Any]], *,
               ready: bool = False) -> int:
        """Write rows (``ready``: insert values are already as stored, see ``merge_write``)."""
        table = SYNCED_TABLES[entity].__table__
        inserts = self._admissible(entity, inserts, is_insert=True)
        updates = self._admissible(entity, updates, is_insert=False)
        if inserts:
            if entity == "person":
                for r in inserts:
                    r["search_pinyin"], r["search_initials"] = name_keys(r["name"])
                    if not r.get("id_number"):   # in no ID-number group (see duplicates.scan_people)
                        self.no_number.add(r["id"])
            if ready and entity == "person":   # the search index written set-based (see search_index)
                search_index.insert_people(self.conn, lambda: merge_write.insert_rows(self.conn, table, inserts),
                                           [r["id"] for r in inserts])
            elif entity == "household":        # members' index rows given the code set-based (idem)
                search_index.insert_households(self.conn, lambda: self._insert(table, inserts, ready),
                                               [r["id"] for r in inserts])
            else:
                self._insert(table, inserts, ready)
        grouped: dict[tuple[str, ...], list[dict]] = defaultdict(list)
        for u in updates:
            u.pop("_cur")
            if entity == "person" and "name" in u:
                u["search_pinyin"], u["search_initials"] = name_keys(u["name"])
            if entity == "person" and "id_number" in u:
                self.no_number.discard(u["_id"])
            grouped[tuple(sorted(k for k in u if k != "_id"))].append(u)
        if entity == "person":   # phone / household moves re-indexed set-based (see search_index)
            plain = [(cols, rows) for cols, rows in grouped.items() if "name" not in cols]
            search_index.update_people(
                self.conn, lambda: [_bulk_update(self.conn, table, cols, rows) for cols, rows in plain],
                [u["_id"] for cols, rows in plain if {"phone", "household_id"} & set(cols) for u in rows])
            grouped = {cols: rows for cols, rows in grouped.items() if "name" in cols}
        for cols, rows in grouped.items():
            _bulk_update(self.conn, table, cols, rows)
        self.inserted[entity].update(r["id"] for r in inserts)
        self.report.rows_inserted += len(inserts)
        self.report.rows_updated += len(updates)
        for r in inserts + updates:
            self._note_derived(entity, r.get("id") or r["_id"], r)
        return len(inserts)

    def _insert(self, table: Any, inserts: list[dict[str, Any]], ready: bool) -> None:
        if ready:
            merge_write.insert_rows(self.conn, table, inserts)
            return
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for r in inserts:
            shapes[tuple(r)].append(r)
        for same in shapes.values():
            for batch in chunks(same, 2000):
                bulk_insert(self.conn, table, batch)

    def _note_derived(self, entity: str, row_id: str, values: dict[str, Any]) -> None:
        if entity == "person" and (SEARCH_FIELDS & set(values)):
            self.touched_people.add(row_id)
        elif entity == "referral":
            self.touched_referrals.add(row_id)
        elif entity == "referralevent":
            ref = values.get("referral_id")
            if ref is None:
                ev = SYNCED_TABLES["referralevent"].__table__
                ref = self.conn.execute(select(ev.c.referral_id).where(ev.c.id == row_id)).scalar_one()
            self.touched_referrals.add(ref)

    def _admissible(self, entity: str, rows: list[dict[str, Any]], *, is_insert: bool) -> list[dict[str, Any]]:
        """Drop (and mark waiting) rows whose parent is missing or whose unique value is taken; for an
        update only the offending column is held back."""
        key = "id" if is_insert else "_id"
        for col, parent in PARENTS[entity]:
            wanted = {r[col] for r in rows if r.get(col) is not None}
            if not wanted:
                continue
            ptable = SYNCED_TABLES[parent].__table__
            present = wanted & self.inserted[parent]   # written by this merge: no need to look
            for batch in chunks(sorted(wanted - present)):
                present.update(self.conn.execute(select(ptable.c.id).where(ptable.c.id.in_(batch))).scalars())
            rows = self._hold(entity, rows, key, col, lambda r, c=col, p=present: r.get(c) is not None and r[c] not in p,
                              "parent", is_insert)
        table = SYNCED_TABLES[entity].__table__
        for col in UNIQUE[entity]:
            wanted = {r[col] for r in rows if r.get(col) is not None}
            taken: dict[Any, str] = {}
            for batch in chunks(sorted(wanted)):
                for rid, val in self.conn.execute(select(table.c.id, table.c[col]).where(table.c[col].in_(batch))):
                    taken[val] = rid
            claimed: dict[Any, str] = {}
            for r in sorted(rows, key=lambda r: r[key]):
                val = r.get(col)
                if val is not None and val not in taken and val not in claimed:
                    claimed[val] = r[key]

            def clash(r, c=col, taken=taken, claimed=claimed):
                val = r.get(c)
                owner = None if val is None else taken.get(val) or claimed.get(val)
                return owner is not None and owner != r[key]

            for r in rows:
                if clash(r):
                    other = taken.get(r[col]) or claimed.get(r[col])
                    self.new_conflicts.append(conflicts.unique_row(entity, r[key], col, r[col], other,
                                                                   r["hlc"], r["updated_device"], r["updated_by"],
                                                                   self.report.source))
            rows = self._hold(entity, rows, key, col, clash, "unique", is_insert)
        return rows

    def _hold(self, entity, rows, key, col, bad, reason, is_insert):
        kept = []
        for r in rows:
            if not bad(r):
                kept.append(r)
                continue
            self.blocked[(entity, r[key])] = reason
            if is_insert:
                continue
            r.pop(col, None)
            if set(r) - {"_id", "_cur", "hlc", "updated_device", "updated_by", "updated_at"}:
                kept.append(r)
        return kept

    # ---------------------------------------------------------------- waiting rows
    def settle_pending(self, attempted: set[tuple[str, str]]) -> None:
        """Retry the rows that waited (in earlier imports) for a parent or a free unique value, then
        record which rows wait now. Parents are settled first, so a chain of waiting rows is written
        in one pass."""
        before = {tuple(r) for r in self.conn.execute(select(PENDING.c.entity, PENDING.c.row_id))}
        waiting: dict[str, set[str]] = defaultdict(set)
        for entity, row_id in before - attempted:
            waiting[entity].add(row_id)
        for entity in ORDER:
            if waiting.get(entity):
                hist = load_history(self.conn, entity, waiting[entity], me=self.me)
                self.settle(entity, {row_id: hist.get(row_id, []) for row_id in waiting[entity]})
        now_waiting = {k for k, why in self.blocked.items() if why != "creation"}
        rows = [{"entity": e, "row_id": r, "reason": self.blocked[(e, r)], "since": utcnow()}
                for e, r in sorted(now_waiting - before)]
        if rows:
            self.conn.execute(insert(PENDING), rows)
        for entity, row_id in sorted(before - now_waiting):
            self.conn.execute(delete(PENDING).where(PENDING.c.entity == entity, PENDING.c.row_id == row_id))


def apply_changes(writer: Writer, changes: list[dict[str, Any]], *, source: str = "") -> ApplyReport:
    """Merge received changes into the store, inside the caller's transaction (see the module doc).
    Raises OutreachError('merge.error.bad_change') — and writes nothing — for a malformed change.

    Python's cyclic garbage collector is paused meanwhile: the merge makes hundreds of thousands of
    small acyclic objects (freed by reference counting), and each collection would walk every object
    the process holds — a sixth of a bench import's time."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _apply(writer, changes, source)
    finally:
        if paused:
            gc.enable()


def _apply(writer: Writer, changes: list[dict[str, Any]], source: str) -> ApplyReport:
    for i, ch in enumerate(changes):
        check_change(i, ch)
    job = _Apply(writer, source)
    job.report.received = len(changes)
    future = [ch for ch in changes if writer.clock.is_far_future(ch["hlc"])]   # before observing them
    for ch in changes:
        writer.clock.observe(ch["hlc"])
    conn = writer.conn
    plan = merge_fast.plan(conn, changes, utcnow(), job.me)
    job.report.already_had = plan.already_had
    slow = {entity: plan.rows(entity, merge_fast.SLOW) for entity in plan.fresh}
    history = {entity: load_history(conn, entity, rows, me=job.me) for entity, rows in slow.items() if rows}
    merge_write.insert_tuples(conn, CHANGE_LOG, merge_fast.LOG_COLS, plan.log_rows)
    merge_write.insert_tuples(conn, CHANGE_BASE, merge_fast.BASE_COLS, plan.base_rows)
    job.report.new = len(plan.log_rows)
    testhooks.point("import:mid_apply")   # the change log is written, the rows not yet (tests only)
    clocks: list[dict[str, Any]] = []
    for entity in ORDER:
        if not plan.fresh.get(entity):
            continue
        hist = history.get(entity, {})
        for row_id, new in slow[entity].items():
            job.detect(entity, row_id, hist.get(row_id, []), new)
        job.settle(entity, {row_id: hist.get(row_id, []) + new for row_id, new in slow[entity].items()})
        created = plan.rows(entity, merge_fast.NEW)
        for row_id, new in created.items():
            if len(new) > 1:   # edits that came with the creation
                job.detect(entity, row_id, [], new)
            clocks += merge_fast.clocks_of(entity, row_id, new)
        job.settle_new(entity, created)
        clocks += job.settle_edits(entity, plan.rows(entity, merge_fast.EDIT), plan)
    for entity, rows in slow.items():   # the clocks of re-folded rows, from their whole history now
        for row_id, entries in load_history(conn, entity, rows, me=job.me).items():
            clocks += merge_fast.clocks_of(entity, row_id, entries)
    merge_fast.write_clocks(conn, clocks)
    fresh = plan.fresh
    job.settle_pending({(e, r) for e, rows in fresh.items() for r in rows})
    job.report.waiting = len(job.blocked)
    _refresh_referrals(writer, job.touched_referrals)
    job.report.conflicts = conflicts.record(conn, job.new_conflicts)
    if future:  # count and flag only what this import brought (an overlap re-sends old changes)
        new_keys = {(entity, row_id, e.field, e.hlc, e.device) for entity, rows in fresh.items()
                    for row_id, entries in rows.items() for e in entries}
        future = [ch for ch in future if (ch["entity"], ch["row_id"], ch["field"], ch["hlc"], ch["device_id"]) in new_keys]
        job.report.far_future = len(future)
        conflicts.record(conn, [conflicts.future_row(ch, source) for ch in future])
    if any(e.base is not None for rows in fresh.values() for new in rows.values() for e in new):
        conflicts.supersede(conn, fresh)
    job.report.duplicate_proposals = duplicates.scan_people(conn, job.touched_people, found_at="import",
                                                                 no_number=job.no_number)
    return job.report


def _refresh_referrals(writer: Writer, referral_ids: set[str]) -> None:
    """Recompute each touched referral's derived status with the referral service's own rule, so a
    receiving store derives exactly what the recording store derived."""
    if not referral_ids:
        return
    ref = SYNCED_TABLES["referral"].__table__
    present: set[str] = set()
    for batch in chunks(sorted(referral_ids)):
        present.update(writer.conn.execute(select(ref.c.id).where(ref.c.id.in_(batch))).scalars())
    for rid in sorted(present):
        refresh_status(writer, rid)


__all__ = ["NOTHING", "ApplyReport", "apply_changes", "check_change", "fold", "is_conflict", "settable"]
