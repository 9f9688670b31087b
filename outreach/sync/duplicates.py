"""Duplicate people: proposals, decisions, and reversible merges.

Two people may be the same person when they have the same resident ID number, or when their names
read the same in pinyin (so 张建国 and 張建國 match) and they have the same birth date and live in the
same village. Such pairs are *proposed* — when a worker is about to save a person
(``find_possible_duplicates``) and after every import (``scan_people``) — and never merged
automatically. A pair the lead declared "not the same person" is never proposed again on this store.

A merge sets ``Person.merged_into`` on the merged record (an ordinary change that syncs). Nothing
else is rewritten, so visits, needs and referrals that other laptops recorded against either id keep
working: ``resolve_person`` follows the pointers to the person to show, ``aliases`` gives every id
that is that person (use ``person_id IN aliases`` in queries), ``visits_for_person`` lists the visits
that met any of them. ``unmerge_people`` clears the pointer again. If two stores merged two people
into each other at the same time, the pointers form a loop; every store then shows the person with
the smallest id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from outreach.domain.errors import NotFound, OutreachError
from outreach.domain.idnumber import mask, normalize
from outreach.domain.searchkeys import name_keys
from outreach.storage.merge_tables import DuplicateProposal, PersonMerge
from outreach.storage.store import Store
from outreach.storage.tables import Area, Household, Person, Visit
from outreach.storage.types import utcnow
from outreach.sync.changes import chunks

PERSON = Person.__table__
HOUSEHOLD = Household.__table__
PROPOSAL = DuplicateProposal.__table__
MERGE = PersonMerge.__table__
VISIT = Visit.__table__
AREA = Area.__table__

BY_ID_NUMBER = "id_number"
BY_NAME = "name_birth_village"


# ============================================================================ following merges
def resolve_person(conn: Connection, person_id: str) -> str:
    """The id of the person a record now stands for (following ``merged_into``; in a loop, the
    smallest id of the loop)."""
    seen: list[str] = []
    current = person_id
    while current is not None and current not in seen:
        seen.append(current)
        nxt = conn.execute(select(PERSON.c.merged_into).where(PERSON.c.id == current)).scalar_one_or_none()
        if nxt is None:
            return current
        current = nxt
    if current is None:
        return seen[-1]
    loop = seen[seen.index(current):]
    return min(loop)


def aliases(conn: Connection, person_id: str) -> set[str]:
    """Every person id that stands for the same person as ``person_id`` (itself included)."""
    root = resolve_person(conn, person_id)
    found = {root}
    frontier = {root}
    while frontier:
        rows = conn.execute(select(PERSON.c.id).where(PERSON.c.merged_into.in_(sorted(frontier)))).scalars().all()
        frontier = {r for r in rows if r not in found and resolve_person(conn, r) == root}
        found |= frontier
    return found


def visits_for_person(conn: Connection, person_id: str) -> list[dict[str, Any]]:
    """Visits that met this person under any of its ids, newest first (plain dicts)."""
    ids = sorted(aliases(conn, person_id))
    cond = or_(*[VISIT.c.people_met.like(f'%"{pid}"%') for pid in ids])
    rows = conn.execute(select(VISIT).where(cond, VISIT.c.archived.is_(False))
                        .order_by(VISIT.c.visit_date.desc(), VISIT.c.hlc.desc())).mappings().all()
    return [dict(r) for r in rows if set(json.loads(r["people_met"] or "[]")) & set(ids)]


# ============================================================================ finding
@dataclass(frozen=True)
class Candidate:
    person_id: str
    name: str
    birth_date: date | None
    id_number_masked: str
    household_id: str
    household_code: str
    village_id: str
    reason: str          # id_number | name_birth_village


def _people_select():
    return (select(PERSON.c.id, PERSON.c.name, PERSON.c.birth_date, PERSON.c.id_number, PERSON.c.search_pinyin,
                   PERSON.c.household_id, HOUSEHOLD.c.code, HOUSEHOLD.c.village_id)
            .join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
            .where(PERSON.c.archived.is_(False), PERSON.c.merged_into.is_(None)))


def _candidate(r: Any, reason: str) -> Candidate:
    return Candidate(r.id, r.name, r.birth_date, mask(r.id_number) if r.id_number else "", r.household_id,
                     r.code, r.village_id, reason)


def find_possible_duplicates(conn: Connection, name: str, birth_date: date | None, village_id: str | None,
                             id_number: str | None, *, exclude_id: str | None = None) -> list[Candidate]:
    """People already on file who may be the person about to be saved: same ID number, or same name
    in pinyin with the same birth date in the same village. Archived and merged records are left out."""
    out: dict[str, Candidate] = {}
    if id_number:
        for r in conn.execute(_people_select().where(PERSON.c.id_number == normalize(id_number))):
            out[r.id] = _candidate(r, BY_ID_NUMBER)
    pinyin = name_keys(name or "")[0]
    if pinyin and birth_date is not None and village_id:
        stmt = _people_select().where(PERSON.c.search_pinyin == pinyin, PERSON.c.birth_date == birth_date,
                                      HOUSEHOLD.c.village_id == village_id)
        for r in conn.execute(stmt):
            out.setdefault(r.id, _candidate(r, BY_NAME))
    if exclude_id:
        skip = aliases(conn, exclude_id)
        out = {k: v for k, v in out.items() if k not in skip}
    return sorted(out.values(), key=lambda c: (c.reason != BY_ID_NUMBER, c.household_code, c.name, c.person_id))


def scan_people(conn: Connection, person_ids: set[str] | None = None, *, found_at: str = "scan",
                no_number: set[str] | frozenset[str] = frozenset()) -> int:
    """Propose pairs among ``person_ids`` and everyone else (all people when None); returns how many
    new proposals were made. Every pair inside a group (same ID number; same pinyin, birth date and
    village) that holds one of ``person_ids`` is proposed; pairs already proposed or decided are
    skipped. ``no_number``: people the caller knows to have no ID number as stored (the merge, of the
    people it has just inserted): they are in no ID-number group, so their numbers are not read."""
    if person_ids is not None and not person_ids:
        return 0
    if person_ids is None:
        return _scan_everyone(conn, found_at)
    by_number: dict[str, set[str]] = defaultdict(set)
    by_key: dict[tuple, set[str]] = defaultdict(set)
    if not _GROUPS:
        _GROUPS.extend((*_number_groups(), _name_groups()))
    numbers, members, names = _GROUPS
    for batch in chunks(sorted(set(person_ids) - no_number)):   # the groups of these people, found by the database
        held = [r[0] for r in conn.execute(numbers, {"ids": batch}).fetchall()]
        for part in chunks(held):
            for number, pid in conn.execute(members, {"numbers": part}).fetchall():
                by_number[number].add(pid)
    for batch in chunks(sorted(person_ids)):
        for pinyin, born, village, pid in conn.execute(names, {"ids": batch}).fetchall():
            by_key[(pinyin, born, village)].add(pid)
    return _propose(conn, _pairs(by_number.values(), by_key.values()), found_at)


def _active(person: Any) -> Any:
    return and_(person.c.archived.is_(False), person.c.merged_into.is_(None))


_GROUPS: list[Any] = []   # the two statements below, built once


def _number_groups() -> tuple[Any, Any]:
    """(the ID numbers of the active people of ``ids``; (ID number, member) of every active person
    with one of ``numbers``)."""
    oh = HOUSEHOLD.alias("oh")
    numbers = (select(PERSON.c.id_number).distinct()
               .where(PERSON.c.id.in_(bindparam("ids", expanding=True)), PERSON.c.id_number.is_not(None),
                      PERSON.c.id_number != "", _active(PERSON), PERSON.c.household_id.in_(select(HOUSEHOLD.c.id))))
    members = (select(PERSON.c.id_number, PERSON.c.id).join(oh, oh.c.id == PERSON.c.household_id)
               .where(PERSON.c.id_number.in_(bindparam("numbers", expanding=True)), _active(PERSON)))
    return numbers, members


def _name_groups() -> Any:
    """(pinyin, birth date, village, member) of every active person with the same pinyin, birth date
    and village as an active one of ``ids``."""
    s, o = PERSON.alias("s"), PERSON.alias("o")
    sh, oh = HOUSEHOLD.alias("sh"), HOUSEHOLD.alias("oh")
    return (select(o.c.search_pinyin, o.c.birth_date, oh.c.village_id, o.c.id).distinct()
            .select_from(s.join(sh, sh.c.id == s.c.household_id)
                         .join(o, and_(o.c.search_pinyin == s.c.search_pinyin, o.c.birth_date == s.c.birth_date))
                         .join(oh, and_(oh.c.id == o.c.household_id, oh.c.village_id == sh.c.village_id)))
            .where(s.c.id.in_(bindparam("ids", expanding=True)), s.c.search_pinyin != "", s.c.birth_date.is_not(None), _active(s), _active(o)))


def _pairs(*groupings: Any) -> dict[tuple[str, str], str]:
    """Every pair inside each group, with the reason of the first grouping that has it."""
    pairs: dict[tuple[str, str], str] = {}
    for groups, reason in zip(groupings, (BY_ID_NUMBER, BY_NAME), strict=True):
        for group in groups:
            ids = sorted(group)
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    pairs.setdefault((a, b), reason)
    return pairs


def _scan_everyone(conn: Connection, found_at: str) -> int:
    by_number: dict[str, set[str]] = defaultdict(set)
    by_key: dict[tuple, set[str]] = defaultdict(set)
    for r in conn.execute(_people_select()):
        if r.id_number:
            by_number[r.id_number].add(r.id)
        if r.search_pinyin and r.birth_date:
            by_key[(r.search_pinyin, r.birth_date, r.village_id)].add(r.id)
    return _propose(conn, _pairs(by_number.values(), by_key.values()), found_at)


def _propose(conn: Connection, pairs: dict[tuple[str, str], str], found_at: str) -> int:
    if not pairs:
        return 0
    known: set[tuple[str, str]] = set()
    for batch in chunks(sorted({a for a, _ in pairs})):
        known.update((a, b) for a, b in conn.execute(
            select(PROPOSAL.c.person_a, PROPOSAL.c.person_b).where(PROPOSAL.c.person_a.in_(batch))))
    now = utcnow()
    rows = [{"person_a": a, "person_b": b, "reason": reason, "found_at": found_at, "status": "open",
             "created_at": now} for (a, b), reason in sorted(pairs.items()) if (a, b) not in known]
    if rows:
        conn.execute(insert(PROPOSAL), rows)
    return len(rows)


def scan_all(store: Store) -> int:
    """Look for duplicates among everyone on file (the duplicate queue's "scan again" button)."""
    with store.transaction() as w:
        return scan_people(w.conn, None, found_at="scan")


# ============================================================================ the queue
@dataclass(frozen=True)
class PersonCard:
    """What the lead compares side by side."""

    id: str
    name: str
    sex: str
    birth_date: date | None
    id_number_masked: str
    phone: str
    household_code: str
    village_name: str
    visits: int
    created_by: str
    created_device: str
    merged_into: str | None


@dataclass(frozen=True)
class ProposalItem:
    id: int
    reason: str
    status: str          # open | merged | not_duplicate
    found_at: str
    a: PersonCard
    b: PersonCard


def person_card(conn: Connection, person_id: str) -> PersonCard:
    r = conn.execute(select(PERSON, HOUSEHOLD.c.code, AREA.c.name.label("village_name"))
                     .join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
                     .outerjoin(AREA, AREA.c.id == HOUSEHOLD.c.village_id)
                     .where(PERSON.c.id == person_id)).mappings().first()
    if r is None:
        raise NotFound("error.person.not_found", id=person_id)
    visits = sum(1 for v in conn.execute(select(VISIT.c.people_met).where(VISIT.c.people_met.like(f'%"{person_id}"%')))
                 if person_id in json.loads(v.people_met or "[]"))
    return PersonCard(person_id, r["name"], r["sex"], r["birth_date"],
                      mask(r["id_number"]) if r["id_number"] else "", r["phone"], r["code"],
                      r["village_name"] or "", visits, r["created_by"], r["created_device"], r["merged_into"])


def list_proposals(store: Store, *, status: str | None = "open") -> list[ProposalItem]:
    """Proposals (open ones by default), oldest first. An open pair that is already the same person
    (merged on another laptop) is shown as merged."""
    with store.connect() as conn:
        stmt = select(PROPOSAL).order_by(PROPOSAL.c.id)
        rows = conn.execute(stmt).mappings().all()
        items = []
        for r in rows:
            state = r["status"]
            if state == "open" and resolve_person(conn, r["person_a"]) == resolve_person(conn, r["person_b"]):
                state = "merged"
            if status is not None and state != status:
                continue
            items.append(ProposalItem(r["id"], r["reason"], state, r["found_at"],
                                      person_card(conn, r["person_a"]), person_card(conn, r["person_b"])))
        return items


@dataclass(frozen=True)
class MergeItem:
    """A merge made on this laptop, for the "undo merge" list."""

    id: int
    kept: PersonCard
    merged: PersonCard
    merged_at: datetime
    merged_by: str
    undone: bool       # undone since (here, or by a later change from another laptop)


def list_merges(store: Store, *, include_undone: bool = False) -> list[MergeItem]:
    """Merges made on this laptop, newest first."""
    with store.connect() as conn:
        rows = conn.execute(select(MERGE).order_by(MERGE.c.merged_at.desc(), MERGE.c.id.desc())).mappings().all()
        out = []
        for r in rows:
            merged = person_card(conn, r["merged_id"])
            undone = r["undone_at"] is not None or merged.merged_into != r["keep_id"]
            if undone and not include_undone:
                continue
            out.append(MergeItem(r["id"], person_card(conn, r["keep_id"]), merged, r["merged_at"], r["merged_by"],
                                 undone))
        return out


def _decide(conn: Connection, a: str, b: str, status: str, by: str) -> None:
    lo, hi = sorted((a, b))
    conn.execute(update(PROPOSAL).where(PROPOSAL.c.person_a == lo, PROPOSAL.c.person_b == hi)
                 .values(status=status, decided_at=utcnow(), decided_by=by))


def mark_not_duplicate(store: Store, proposal_id: int) -> None:
    """Remember that the two are different people; the pair is not proposed again."""
    with store.transaction() as w:
        row = w.conn.execute(select(PROPOSAL).where(PROPOSAL.c.id == proposal_id)).mappings().first()
        if row is None:
            raise NotFound("merge.error.proposal_not_found", id=proposal_id)
        _decide(w.conn, row["person_a"], row["person_b"], "not_duplicate", w.actor.worker)


def merge_people(store: Store, keep_id: str, merge_id: str) -> str:
    """Merge ``merge_id`` into ``keep_id`` (both may be given as any of their ids). Returns the id of
    the merged record that now points to the kept one."""
    from outreach.services.backups import before

    before(store, "merge")   # an encrypted backup before the decision (issue 13)
    with store.transaction() as w:
        for pid in (keep_id, merge_id):
            if w.conn.execute(select(PERSON.c.id).where(PERSON.c.id == pid)).first() is None:
                raise NotFound("error.person.not_found", id=pid)
        keep = resolve_person(w.conn, keep_id)
        merged = resolve_person(w.conn, merge_id)
        if keep == merged:
            raise OutreachError("merge.error.same_person")
        w.update(Person, merged, {"merged_into": keep})
        w.conn.execute(insert(MERGE).values(keep_id=keep, merged_id=merged, merged_at=utcnow(),
                                            merged_by=w.actor.worker))
        _decide(w.conn, keep_id, merge_id, "merged", w.actor.worker)
        _decide(w.conn, keep, merged, "merged", w.actor.worker)
        return merged


def unmerge_people(store: Store, merged_id: str) -> str:
    """Undo a merge: ``merged_id`` stands for itself again. Returns the id it pointed to."""
    with store.transaction() as w:
        target = w.conn.execute(select(PERSON.c.merged_into).where(PERSON.c.id == merged_id)).first()
        if target is None:
            raise NotFound("error.person.not_found", id=merged_id)
        if target.merged_into is None:
            raise OutreachError("merge.error.not_merged")
        w.update(Person, merged_id, {"merged_into": None})
        w.conn.execute(update(MERGE).where(and_(MERGE.c.merged_id == merged_id, MERGE.c.undone_at.is_(None)))
                       .values(undone_at=utcnow(), undone_by=w.actor.worker))
        lo, hi = sorted((merged_id, target.merged_into))
        w.conn.execute(update(PROPOSAL).where(PROPOSAL.c.person_a == lo, PROPOSAL.c.person_b == hi,
                                              PROPOSAL.c.status == "merged")
                       .values(status="open", decided_at=None, decided_by=""))
        return target.merged_into
