"""The change feed: what this store sends to a peer, and the history the merge reads.

A *change* (the contract between this module, ``merge.apply_changes`` and the bundle transport) is a
plain dict::

    {"entity": "household", "row_id": "<uuid hex>", "field": "phone" | "*",
     "value": <parsed JSON: the field's value, or for "*" the whole row as an object>,
     "hlc": <int>, "device_id": "<origin device>", "worker": "<who>",
     "base": [<hlc>, "<device>"] | None}

``field='*'`` is the creation of a row with all its synced fields. ``base`` is optional: for a field
edit it names the change (hlc, device) whose value the edit replaced *on the device that wrote it*
(``[0, ""]`` = it replaced nothing logged). It lets the lead's store tell a true conflict (neither
writer had seen the other's change) from an ordinary later edit; without it conflicts between two
received edits cannot be told apart and are not queued (they still merge deterministically).

On the wire (bundle payload lines) use ``to_wire`` / ``from_wire``: the value travels as JSON text
and ``base`` is included only when known.

Scope of a downlink (``villages``): the team's reference data (areas, service providers, assessment
templates, the team profile) always, to every worker whatever its villages; a
household when its *current* village on this store is one of ``villages``; people, visits,
assessments, needs and referrals of those households; status events of those referrals. Rows this
store holds only as buffered changes (their creation never arrived) are left out. When a worker is
given more villages, send a full export for the new scope (``since=None``): rows of the new villages
that did not change since are otherwise not sent.

Causal completeness: every row that has an edit in the output also has its creation in the output
(even when the peer's vector says it has it already: re-sending is harmless, and a receiver never has
to hold an edit without its row). A village-scoped peer's vector only speaks for the rows it was sent,
so a scoped output carries every row it touches *whole* (all the row's changes), and when a household
moved into the villages, everything of that household (its people, visits, …). A receiver that still
gets an edit first (a lost bundle) keeps it in its change log and applies it when the creation
arrives.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, func, select

from outreach.storage import codec
from outreach.storage.merge_tables import ChangeBase
from outreach.storage.sync_tables import DIRECTION_IN, ROLE_LEAD, SyncBundle, SyncTeam
from outreach.storage.tables import SYNCED_TABLES, Household, Referral, ReferralEvent, Setting
from outreach.storage.writer import CHANGE_LOG

CHANGE_BASE = ChangeBase.__table__
CHUNK = 400  # ids per IN (...) list: well under every database's bound-parameter limit

# The team's reference data (issue 9): maintained on the lead's laptop, sent to every worker whatever
# its villages, and carried by the invite (``sync.reference``).
REFERENCE_ENTITIES = frozenset({"area", "provider", "assessmenttemplate", "teamprofile"})
ALWAYS_SENT = REFERENCE_ENTITIES
BY_HOUSEHOLD = ("person", "visit", "assessment", "need", "referral")

Stamp = tuple[int, str]
NOTHING: Stamp = (0, "")


@dataclass(slots=True)
class Entry:
    """One change-log entry of a row, as the merge needs it."""

    seq: int
    field: str
    hlc: int
    device: str
    worker: str
    value: str           # JSON text, parsed lazily
    base: Stamp | None   # the replaced change on its writing device; None = unknown
    parsed: Any = None   # cache of json.loads(value) (see ``data``)
    has_parsed: bool = False

    @property
    def stamp(self) -> Stamp:
        return (self.hlc, self.device)

    def data(self) -> Any:
        if not self.has_parsed:
            self.parsed = json.loads(self.value)
            self.has_parsed = True
        return self.parsed


# ============================================================================ wire format
def to_wire(change: dict[str, Any]) -> dict[str, Any]:
    """A change as a bundle line: ``value`` as canonical JSON text; ``base`` only when known."""
    out = {k: change[k] for k in ("entity", "row_id", "field", "hlc", "device_id", "worker")}
    out["value"] = codec.dumps(change["value"])
    if change.get("base") is not None:
        out["base"] = [int(change["base"][0]), str(change["base"][1])]
    return out


def from_wire(record: dict[str, Any]) -> dict[str, Any]:
    """The inverse of ``to_wire`` (the record's schema is checked by the bundle reader)."""
    out = {k: record[k] for k in ("entity", "row_id", "field", "hlc", "device_id", "worker")}
    out["value"] = json.loads(record["value"])
    base = record.get("base")
    out["base"] = None if base is None else (int(base[0]), str(base[1]))
    return out


# ============================================================================ reading the log
def own_device_id(conn: Connection) -> str:
    table = Setting.__table__
    return conn.execute(select(table.c.value).where(table.c.key == "device_id")).scalar_one_or_none() or ""


def version_vector(conn: Connection) -> dict[str, int]:
    """The highest change stamp this store holds from each origin device.

    A worker's laptop that has not imported any bundle yet holds from other laptops only what its
    invite carried (the team's reference data, not the households of its villages): it claims
    nothing for them, so the lead's first downlink to it is a full one whatever it sent before."""
    vector = _held(conn)
    if vector and _only_invite_data(conn):
        me = own_device_id(conn)
        return {device: hlc for device, hlc in vector.items() if device == me}
    return vector


def _held(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(CHANGE_LOG.c.device_id, func.max(CHANGE_LOG.c.hlc)).group_by(CHANGE_LOG.c.device_id))
    return {device: int(hlc) for device, hlc in rows}


def _is_member(conn: Connection) -> bool:
    role = conn.execute(select(SyncTeam.__table__.c.role)).scalars().first()
    return role is not None and role != ROLE_LEAD


def _only_invite_data(conn: Connection) -> bool:
    bundles = SyncBundle.__table__
    if not _is_member(conn):
        return False
    return conn.execute(select(bundles.c.bundle_id).where(bundles.c.direction == DIRECTION_IN).limit(1)).first() is None


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_history(conn: Connection, entity: str, row_ids: Iterable[str], *, me: str) -> dict[str, list[Entry]]:
    """All change-log entries of the given rows, in log order, with each entry's base when known
    (own edits: read from the log order; received edits: from ``change_base``)."""
    out: dict[str, list[Entry]] = defaultdict(list)
    c = CHANGE_LOG.c
    b = CHANGE_BASE.c
    for batch in chunks(sorted(set(row_ids))):
        rows = conn.execute(
            select(c.seq, c.row_id, c.field, c.hlc, c.device_id, c.worker, c.value)
            .where(c.entity == entity, c.row_id.in_(batch)).order_by(c.seq)
        )
        for seq, row_id, fld, hlc, device, worker, value in rows:
            out[row_id].append(Entry(seq, fld, hlc, device, worker, value, None))
        stored = {
            (row_id, fld, hlc, device): (bh, bd)
            for row_id, fld, hlc, device, bh, bd in conn.execute(
                select(b.row_id, b.field, b.hlc, b.device_id, b.base_hlc, b.base_device)
                .where(b.entity == entity, b.row_id.in_(batch))
            )
        }
        for row_id in batch:
            _fill_bases(out.get(row_id, ()), stored, row_id, me)
    return out


def _fill_bases(entries: Iterable[Entry], stored: dict, row_id: str, me: str) -> None:
    latest: dict[str, Stamp] = {}   # field -> newest stamp seen so far in log order ('*' counts for all)
    star: Stamp = NOTHING
    for e in entries:
        if e.field != "*":
            if e.device == me:
                e.base = max(latest.get(e.field, NOTHING), star)
            else:
                e.base = stored.get((row_id, e.field, e.hlc, e.device))
            latest[e.field] = max(latest.get(e.field, NOTHING), e.stamp)
        else:
            star = max(star, e.stamp)


# ============================================================================ collecting
def collect_changes(conn: Connection, since: dict[str, int] | None, *,
                    villages: set[str] | None = None, wire: bool = False) -> list[dict[str, Any]]:
    """Changes a peer whose version vector is ``since`` lacks (``None``: everything), ordered by
    (hlc, device_id); limited to ``villages`` when given (see the module doc for the rule). With
    ``wire`` they come in wire form (``to_wire``) straight from the log's stored JSON text, which is
    already canonical (``codec.dumps``), so an export does not parse and re-encode every value."""
    ordered, bases = _collect_rows(conn, since, villages)
    return list(_emit(ordered, bases, wire))


def iter_changes(conn: Connection, since: dict[str, int] | None, *,
                 villages: set[str] | None = None, wire: bool = False) -> Iterator[dict[str, Any]]:
    """``collect_changes`` as an iterator: every query runs before this returns (so the changes are
    those of this moment of the transaction); the change dicts are made one at a time as they are
    taken, and the log rows are let go as they are (an export never holds all the dicts at once).
    With ``wire`` it is what the bundle writer takes without a dict per change: a full export's
    lines already encoded (``export_rows.EncodedRows``), else the log rows (``export_rows.WireRows``);
    iterated, either gives the wire dicts."""
    from outreach.sync.export_rows import WireRows, collector_paused, read_full

    with collector_paused():
        if wire and not since and villages is None:
            return read_full(conn)
        ordered, bases = _collect_rows(conn, since, villages)
    return WireRows(ordered, bases) if wire else _emit(ordered, bases, wire)


def _collect_rows(conn: Connection, since: dict[str, int] | None,
                  villages: set[str] | None) -> tuple[list[tuple], dict[int, Stamp | None]]:
    """The log rows to send, ordered by (hlc, device, seq), and the bases of their edits (seq -> base)."""
    since = since or {}
    c = CHANGE_LOG.c
    cols = (c.seq, c.entity, c.row_id, c.field, c.value, c.hlc, c.device_id, c.worker)
    member = _is_member(conn)
    if not since and villages is None:
        # everything: one pass over the log, in log order; every row's whole history is at hand, so
        # the bases are worked out from it instead of reading each edited row's history again
        rows = [r for r in _tuples(conn, select(*cols).where(c.hlc > -1).order_by(c.seq))
                if not (member and r[1] == "teamprofile")]
        bases = _bases_of_whole_rows(conn, rows, own_device_id(conn), stored=None)
        rows.sort(key=_ORDER)
        return rows, bases
    found: dict[int, tuple] = {}
    for device in _held(conn):
        stmt = select(*cols).where(c.device_id == device, c.hlc > since.get(device, -1))
        for row in _tuples(conn, stmt):
            found[row[0]] = row
    if member:
        # the team profile is the lead's alone: a worker's laptop never speaks for it (an organisation
        # it had set while it was in no team must not overwrite the team's)
        found = {seq: r for seq, r in found.items() if r[1] != "teamprofile"}
    scope = _Scope(conn, villages) if villages is not None else None
    if scope is not None:
        found = {seq: r for seq, r in found.items() if scope.allows(r[1], r[2])}
    if scope is None:
        # causal completeness: the creation of every row with an edit in the output
        have_star = {(r[1], r[2]) for r in found.values() if r[3] == "*"}
        wanted: dict[str, set[str]] = defaultdict(set)
        for r in found.values():
            if r[3] != "*" and (r[1], r[2]) not in have_star:
                wanted[r[1]].add(r[2])
        for entity, ids in wanted.items():
            for batch in chunks(sorted(ids)):
                for row in _tuples(conn, select(*cols).where(c.entity == entity, c.field == "*", c.row_id.in_(batch))):
                    found[row[0]] = row
        ordered = sorted(found.values(), key=_ORDER)
        return ordered, _bases(conn, [r for r in ordered if r[3] != "*"])
    # a scoped peer's vector does not cover rows it was never sent: send whole rows (all their
    # changes), and everything of a household that moved into the villages
    wanted = defaultdict(set)
    for r in found.values():
        wanted[r[1]].add(r[2])
    moved = sorted({r[2] for r in found.values() if r[1] == "household" and r[3] == "village_id"})
    for entity, ids in scope.dependents(conn, moved).items():
        wanted[entity] |= ids
    for entity, ids in wanted.items():
        for batch in chunks(sorted(ids)):
            for row in _tuples(conn, select(*cols).where(c.entity == entity, c.row_id.in_(batch))):
                found[row[0]] = row
    # every row in the output is there whole: its bases come from what was read
    rows = sorted(found.values(), key=_SEQ)
    bases = _bases_of_whole_rows(conn, rows, own_device_id(conn), stored=_stored_bases)
    rows.sort(key=_ORDER)
    return rows, bases


_ORDER = itemgetter(5, 6, 0)   # (hlc, device, seq)
_SEQ = itemgetter(0)


def _tuples(conn: Connection, stmt: Any) -> Iterator[tuple]:
    """The statement's rows as plain tuples, fetched in batches (no per-row result objects)."""
    result = conn.execute(stmt)
    try:
        while batch := result.fetchmany(FETCH):
            yield from map(tuple, batch)
    finally:
        result.close()


FETCH = 5000


def _emit(rows: list[tuple], bases: dict[int, Stamp | None], wire: bool) -> Iterator[dict[str, Any]]:
    rows.reverse()
    while rows:
        seq, entity, row_id, fld, value, hlc, device, worker = rows.pop()
        base = bases.get(seq) if fld != "*" else None
        if wire:
            change = {"entity": entity, "row_id": row_id, "field": fld, "hlc": hlc, "device_id": device,
                      "worker": worker, "value": value}
            if base is not None:
                change["base"] = [int(base[0]), str(base[1])]
            yield change
        else:
            yield {"entity": entity, "row_id": row_id, "field": fld, "value": json.loads(value), "hlc": hlc,
                   "device_id": device, "worker": worker, "base": base}


def _bases_of_whole_rows(conn: Connection, rows: list[tuple], me: str, *, stored: Any) -> dict[int, Stamp | None]:
    """Bases of the edits among ``rows`` (log rows in log order that hold the whole history of every
    row they touch), as ``load_history`` works them out: an own edit's base is the newest stamp of
    the field, or of the row's creation, logged before it; a received edit's is in ``change_base``.
    ``stored`` reads the received ones for given rows (``None``: read the whole table)."""
    edited = {(r[1], r[2]) for r in rows if r[3] != "*"}
    received: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r[3] != "*" and r[6] != me:
            received[r[1]].add(r[2])
    known = {} if not received else (_all_stored_bases(conn) if stored is None else stored(conn, received))
    latest: dict[tuple, Stamp] = {}   # (entity, row, field) -> newest stamp so far
    star: dict[tuple, Stamp] = {}     # (entity, row) -> newest creation stamp so far
    out: dict[int, Stamp | None] = {}
    for seq, entity, row_id, fld, _value, hlc, device, _worker in rows:
        key = (entity, row_id)
        if key not in edited:
            continue
        stamp = (hlc, device)
        if fld == "*":
            star[key] = max(star.get(key, NOTHING), stamp)
            continue
        fkey = (entity, row_id, fld)
        before = latest.get(fkey, NOTHING)
        if device == me:
            out[seq] = max(before, star.get(key, NOTHING))
        else:
            out[seq] = known.get((entity, row_id, fld, hlc, device))
        latest[fkey] = max(before, stamp)
    return out


def _all_stored_bases(conn: Connection) -> dict[tuple, Stamp]:
    b = CHANGE_BASE.c
    stmt = select(b.entity, b.row_id, b.field, b.hlc, b.device_id, b.base_hlc, b.base_device)
    return {r[:5]: (r[5], r[6]) for r in _tuples(conn, stmt)}


def _stored_bases(conn: Connection, rows: dict[str, set[str]]) -> dict[tuple, Stamp]:
    b = CHANGE_BASE.c
    out: dict[tuple, Stamp] = {}
    for entity, ids in rows.items():
        for batch in chunks(sorted(ids)):
            stmt = select(b.entity, b.row_id, b.field, b.hlc, b.device_id, b.base_hlc, b.base_device) \
                .where(b.entity == entity, b.row_id.in_(batch))
            out.update({r[:5]: (r[5], r[6]) for r in _tuples(conn, stmt)})
    return out


def _bases(conn: Connection, edits: list[tuple]) -> dict[int, Stamp | None]:
    """Base stamps of the given edit rows (seq -> base), from the log order or ``change_base``."""
    me = own_device_id(conn)
    by_entity: dict[str, set[str]] = defaultdict(set)
    for r in edits:
        by_entity[r[1]].add(r[2])
    out: dict[int, Stamp | None] = {}
    for entity, ids in by_entity.items():
        for entries in load_history(conn, entity, ids, me=me).values():
            for e in entries:
                out[e.seq] = e.base
    return out


class _Scope:
    """Which rows a village-scoped downlink may carry (current state of this store)."""

    def __init__(self, conn: Connection, villages: set[str]) -> None:
        hh = Household.__table__
        households = select(hh.c.id).where(hh.c.village_id.in_(sorted(villages)))
        self.ids: dict[str, set[str]] = {"household": set(conn.execute(households).scalars())}
        for entity in BY_HOUSEHOLD:
            table = _table(entity)
            self.ids[entity] = set(conn.execute(select(table.c.id).where(table.c.household_id.in_(households))).scalars())
        ref = Referral.__table__
        ev = ReferralEvent.__table__
        in_scope_refs = select(ref.c.id).where(ref.c.household_id.in_(households))
        self.ids["referralevent"] = set(conn.execute(select(ev.c.id).where(ev.c.referral_id.in_(in_scope_refs))).scalars())

    def dependents(self, conn: Connection, household_ids: list[str]) -> dict[str, set[str]]:
        """Rows that belong to these (in-scope) households."""
        out: dict[str, set[str]] = defaultdict(set)
        for batch in chunks(household_ids):
            for entity in BY_HOUSEHOLD:
                table = _table(entity)
                out[entity].update(conn.execute(select(table.c.id).where(table.c.household_id.in_(batch))).scalars())
            ev = ReferralEvent.__table__
            refs = sorted(out["referral"])
            for rb in chunks(refs):
                out["referralevent"].update(conn.execute(select(ev.c.id).where(ev.c.referral_id.in_(rb))).scalars())
        return out

    def allows(self, entity: str, row_id: str) -> bool:
        if entity in ALWAYS_SENT:
            return True
        return row_id in self.ids.get(entity, ())


def _table(entity: str):
    return SYNCED_TABLES[entity].__table__


__all__ = ["Entry", "collect_changes", "from_wire", "iter_changes", "load_history", "own_device_id",
           "to_wire", "version_vector"]
