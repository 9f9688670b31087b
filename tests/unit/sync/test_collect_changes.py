"""``changes.collect_changes`` (the export's read of the change log) pinned against the reference
implementation it replaced (kept below, verbatim but for names): the same changes, in the same order,
with the same bases, for full and since-ack exports, scoped and unscoped, wire and parsed form — on a
store with local edits, received edits (bases from other devices), concurrent edits of one field,
creations, archives, a household moving between villages and reference data."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from outreach.storage.tables import Household, Person, Provider
from outreach.sync import changes as C
from outreach.sync.changes import collect_changes, version_vector
from tests.unit.merge.helpers import (
    OTHER_VILLAGE,
    VILLAGE,
    add_household,
    add_person,
    edit,
    make_store,
    seed_areas,
    sync,
)


# ------------------------------------------------------------------ reference (the pre-issue-14 read)
def _ref_history(conn, entity, row_ids, me):
    out = defaultdict(list)
    c, b = C.CHANGE_LOG.c, C.CHANGE_BASE.c
    for batch in C.chunks(sorted(set(row_ids))):
        for seq, row_id, fld, hlc, device in conn.execute(
                select(c.seq, c.row_id, c.field, c.hlc, c.device_id)
                .where(c.entity == entity, c.row_id.in_(batch)).order_by(c.seq)):
            out[row_id].append([seq, fld, hlc, device, None])
        stored = {(r, f, h, d): (bh, bd) for r, f, h, d, bh, bd in conn.execute(
            select(b.row_id, b.field, b.hlc, b.device_id, b.base_hlc, b.base_device)
            .where(b.entity == entity, b.row_id.in_(batch)))}
        for row_id in batch:
            latest, star = {}, C.NOTHING
            for e in out.get(row_id, ()):
                seq, fld, hlc, device, _ = e
                if fld != "*":
                    e[4] = max(latest.get(fld, C.NOTHING), star) if device == me else stored.get((row_id, fld, hlc, device))
                    latest[fld] = max(latest.get(fld, C.NOTHING), (hlc, device))
                else:
                    star = max(star, (hlc, device))
    return out


def reference_collect(conn, since, *, villages=None, wire=False):
    since = since or {}
    c = C.CHANGE_LOG.c
    cols = (c.seq, c.entity, c.row_id, c.field, c.value, c.hlc, c.device_id, c.worker)
    found = {}
    for device in C._held(conn):
        for row in conn.execute(select(*cols).where(c.device_id == device, c.hlc > since.get(device, -1))):
            found[row[0]] = tuple(row)
    if C._is_member(conn):
        found = {seq: r for seq, r in found.items() if r[1] != "teamprofile"}
    scope = C._Scope(conn, villages) if villages is not None else None
    if scope is not None:
        found = {seq: r for seq, r in found.items() if scope.allows(r[1], r[2])}
    wanted = defaultdict(set)
    if scope is None:
        have_star = {(r[1], r[2]) for r in found.values() if r[3] == "*"}
        for r in found.values():
            if r[3] != "*" and (r[1], r[2]) not in have_star:
                wanted[r[1]].add(r[2])
        extra = (c.field == "*",)
    else:
        for r in found.values():
            wanted[r[1]].add(r[2])
        moved = sorted({r[2] for r in found.values() if r[1] == "household" and r[3] == "village_id"})
        for entity, ids in scope.dependents(conn, moved).items():
            wanted[entity] |= ids
        extra = ()
    for entity, ids in wanted.items():
        for batch in C.chunks(sorted(ids)):
            for row in conn.execute(select(*cols).where(c.entity == entity, c.row_id.in_(batch), *extra)):
                found[row[0]] = tuple(row)
    ordered = sorted(found.values(), key=lambda r: (r[5], r[6], r[0]))
    me = C.own_device_id(conn)
    by_entity = defaultdict(set)
    for r in ordered:
        if r[3] != "*":
            by_entity[r[1]].add(r[2])
    bases = {e[0]: e[4] for entity, ids in by_entity.items()
             for entries in _ref_history(conn, entity, ids, me).values() for e in entries}
    out = []
    for seq, entity, row_id, fld, value, hlc, device, worker in ordered:
        base = bases.get(seq) if fld != "*" else None
        if wire:
            change = {"entity": entity, "row_id": row_id, "field": fld, "hlc": hlc, "device_id": device,
                      "worker": worker, "value": value}
            if base is not None:
                change["base"] = [int(base[0]), str(base[1])]
        else:
            change = {"entity": entity, "row_id": row_id, "field": fld, "value": json.loads(value), "hlc": hlc,
                      "device_id": device, "worker": worker, "base": base}
        out.append(change)
    return out


# ------------------------------------------------------------------ the store
@pytest.fixture(scope="module")
def team():
    # lina's clock runs ahead of the lead's: received stamps are larger than later local ones
    lead, lina = make_store("陈静", clock_ms=1_000), make_store("李娜", clock_ms=5_000_000)
    wang = make_store("王强", clock_ms=2_000)
    seed_areas(lead, lina, wang)
    with lead.transaction() as w:
        w.insert(Provider, {"name": "镇卫生院", "category": "health"})
    # the lead logs lina's edit (a large stamp) before wang's (a smaller one) of the same field, then
    # edits it itself: its base is the larger stamp, not the one logged last
    early = add_household(lead, "石门-0900")
    sync(lead, lina)
    sync(lead, wang)
    edit(lina, Household, early, phone="13700000001")
    edit(wang, Household, early, phone="13700000002")
    sync(lina, lead)
    sync(wang, lead)
    edit(lead, Household, early, phone="13700000003")
    sync(lead, lina)
    sync(lead, wang)
    shimen = [add_household(lina, f"石门-{i:04d}", notes="独居老人") for i in range(4)]
    dongping = [add_household(wang, f"东坪-{i:04d}", village=OTHER_VILLAGE) for i in range(3)]
    people = [add_person(lina, h, f"王秀英{i}", date(1942, 5, i + 1)) for i, h in enumerate(shimen)]
    people += [add_person(wang, h, f"张建国{i}") for i, h in enumerate(dongping)]
    edit(lina, Household, shimen[0], phone="13800000000")
    edit(wang, Household, dongping[0], phone="13900000000")
    sync(lina, lead)
    sync(wang, lead)
    # the lead edits received rows (own edits whose base is another device's change) ...
    edit(lead, Household, shimen[0], phone="13811111111")
    edit(lead, Person, people[1], name="王秀兰")
    # ... while lina edits the same field without having seen it (a true conflict on the lead)
    edit(lina, Household, shimen[0], phone="13822222222")
    edit(lina, Household, shimen[1], notes="儿子在东莞务工")
    with lina.transaction() as w:
        w.archive(Person, people[2])
    sync(lina, lead)
    sync(lead, lina)
    edit(lina, Household, shimen[1], notes="降压药快吃完了")   # after seeing the lead's edits
    with wang.transaction() as w:
        w.archive(Household, dongping[2])
    edit(wang, Household, dongping[1], village_id=VILLAGE)       # moves into lina's villages
    sync(lina, lead)
    sync(wang, lead)
    edit(lead, Household, shimen[2], phone="13833333333")
    edit(lead, Household, shimen[2], phone="13844444444")
    stores = {"lead": lead, "lina": lina, "wang": wang}
    yield stores
    for s in stores.values():
        s.close()


def _vector(store):
    with store.connect() as conn:
        return version_vector(conn)


@pytest.mark.parametrize("wire", [False, True], ids=["parsed", "wire"])
@pytest.mark.parametrize("villages", [None, "mine", "none"])
@pytest.mark.parametrize("since", ["full", "wang", "lina", "empty"])
@pytest.mark.parametrize("source", ["lead", "lina", "wang"])
def test_collect_changes_is_the_reference_read(team, source, since, villages, wire):
    vector = {"full": None, "empty": {}}[since] if since in ("full", "empty") else _vector(team[since])
    scope = {None: None, "mine": {VILLAGE}, "none": set()}[villages]
    with team[source].connect() as conn:
        expected = reference_collect(conn, vector, villages=scope, wire=wire)
        got = collect_changes(conn, vector, villages=scope, wire=wire)
        got = list(got)
    assert got == expected
    # same key order and value types too (the bundle's bytes are made from these dicts)
    assert [[(k, type(v)) for k, v in c.items()] for c in got] == [[(k, type(v)) for k, v in c.items()] for c in expected]


def test_the_pinned_store_has_what_the_pin_is_about(team):
    """The mix above is not vacuous: received edits with bases, own edits based on another device's
    change, archives and a moved household are all in the lead's full export."""
    with team["lead"].connect() as conn:
        me = C.own_device_id(conn)
        out = reference_collect(conn, None)
    edits = [c for c in out if c["field"] != "*"]
    assert any(c["device_id"] != me and c["base"] not in (None, C.NOTHING) for c in edits)
    assert any(c["device_id"] == me and c["base"] not in (None, C.NOTHING) and c["base"][1] != me for c in edits)
    assert {c["field"] for c in edits} >= {"phone", "archived", "village_id", "name", "notes"}
    assert len({c["hlc"] for c in out}) == len(out)
