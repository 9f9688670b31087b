"""Property: 2–5 laptops edit the same records (concurrently, archiving, duplicates, merges, referral
events), exchange changes in random bundles and random orders — whole feeds, or a random split of a
feed applied piece by piece, edits before creations — and in the end every laptop holds the same
records, derived columns included. Applying a change set again changes nothing."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from outreach.domain.searchkeys import name_keys
from outreach.storage.tables import SYNCED_TABLES, Household, Person, Provider, Referral, ReferralEvent, Visit
from outreach.sync import duplicates
from outreach.sync.changes import collect_changes
from outreach.sync.merge import apply_changes
from tests.unit.merge.helpers import LOCAL_BOOKKEEPING, OTHER_VILLAGE, VILLAGE, make_store, seed_areas, sync

NAMES = ["张建国", "張建國", "王秀英", "刘小雨", "李娜"]
BIRTHS = [date(1961, 8, 8), date(1942, 5, 1), None]
TEXTS = ["", "13800000000", "13911111111", "屋顶漏雨", "独居"]
STATUSES = ["issued", "accepted", "served", "declined"]

replica = st.integers(0, 4)
index = st.integers(0, 3)
HOUSEHOLD = st.tuples(st.just("household"), replica, st.sampled_from([VILLAGE, OTHER_VILLAGE]))
PERSON = st.tuples(st.just("person"), replica, index, st.sampled_from(NAMES), st.sampled_from(BIRTHS))
CREATE = st.one_of(
    HOUSEHOLD, PERSON,
    st.tuples(st.just("visit"), replica, index),
    st.tuples(st.just("referral"), replica, index),
    st.tuples(st.just("event"), replica, index, st.sampled_from(STATUSES), st.integers(1, 5)),
)
EDIT = st.one_of(
    st.tuples(st.just("edit_household"), replica, index, st.sampled_from(["phone", "notes"]),
              st.sampled_from(TEXTS)),
    st.tuples(st.just("edit_person"), replica, index, st.sampled_from(["name", "phone"]),
              st.sampled_from(NAMES + TEXTS[1:3])),
    st.tuples(st.just("archive"), replica, st.sampled_from([Household, Person]), index, st.booleans()),
    st.tuples(st.just("merge"), replica, index, index),
    st.tuples(st.just("unmerge"), replica, index),
    # two laptops change the same field of the same record, each without knowing of the other
    st.tuples(st.just("clash"), replica, replica, index, st.sampled_from(["phone", "notes", "archived"]),
              st.sampled_from(TEXTS), st.sampled_from(TEXTS)),
)
EXCHANGE = st.one_of(
    st.tuples(st.just("sync"), replica, replica),
    st.tuples(st.just("pieces"), replica, replica, st.integers(0, 2**32)),
)
# households and people on a few laptops, everyone gets everything, then edits (often of the same
# records on several laptops before they meet again), more creations and exchanges, mixed
OPS = st.tuples(st.lists(HOUSEHOLD, min_size=1, max_size=3), st.lists(PERSON, min_size=1, max_size=4),
                st.lists(CREATE, max_size=5), st.lists(st.one_of(EDIT, EDIT, EXCHANGE, CREATE), min_size=6, max_size=25)
                ).map(lambda t: [*t[0], *t[1], *t[2], ("settle", 0), *t[3]])


def full_dump(store) -> dict[str, list[tuple]]:
    """Every synced table with its device-local derived columns (they must agree too)."""
    out = {}
    with store.connect() as conn:
        for name, model in SYNCED_TABLES.items():
            table = model.__table__
            cols = [c for c in table.c if c.name not in LOCAL_BOOKKEEPING]
            out[name] = [tuple(r) for r in conn.execute(select(*cols).order_by(table.c.id))]
    return out


def ids(store, model, **where) -> list[str]:
    table = model.__table__
    cond = [table.c[k] == v for k, v in where.items()]
    with store.connect() as conn:
        return list(conn.execute(select(table.c.id).where(*cond).order_by(table.c.id)).scalars())


def pick(store, model, i, **where) -> str | None:
    found = ids(store, model, **where)
    return found[i % len(found)] if found else None


class World:
    def __init__(self, n: int) -> None:
        self.stores = [make_store(f"worker{i}") for i in range(n)]
        seed_areas(self.stores[0])
        with self.stores[0].transaction() as w:
            w.insert(Provider, {"name": "镇卫生院", "category": "health"})
        for other in self.stores[1:]:
            sync(self.stores[0], other)
        self.counter = 0

    def run(self, op: tuple) -> None:
        kind, r, *args = op
        s = self.stores[r % len(self.stores)]
        self.counter += 1
        getattr(self, "op_" + kind)(s, *args)

    def op_household(self, s, village):
        with s.transaction() as w:
            w.insert(Household, {"code": f"H-{s.device.code}-{self.counter}", "village_id": village})

    def op_person(self, s, i, name, birth):
        hh = pick(s, Household, i)
        if hh:
            pinyin, initials = name_keys(name)
            with s.transaction() as w:
                w.insert(Person, {"household_id": hh, "name": name, "birth_date": birth,
                                  "search_pinyin": pinyin, "search_initials": initials})

    def op_edit_household(self, s, i, field, value):
        hh = pick(s, Household, i)
        if hh:
            with s.transaction() as w:
                w.update(Household, hh, {field: value})

    def op_edit_person(self, s, i, field, value):
        pid = pick(s, Person, i)
        if pid:
            with s.transaction() as w:
                w.update(Person, pid, {field: value})
                if field == "name":
                    pinyin, initials = name_keys(value)
                    w.set_local(Person, pid, {"search_pinyin": pinyin, "search_initials": initials})

    def op_clash(self, s, other, i, field, one, two):
        t = self.stores[other % len(self.stores)]
        if field == "archived":
            one, two = bool(one), bool(two)
        self.op_edit_household(s, i, field, one)
        self.op_edit_household(t, i, field, two)

    def op_archive(self, s, model, i, flag):
        rid = pick(s, model, i)
        if rid:
            with s.transaction() as w:
                w.archive(model, rid, flag)

    def op_visit(self, s, i):
        pid = pick(s, Person, i)
        if pid:
            with s.connect() as conn:
                hh = conn.execute(select(Person.__table__.c.household_id).where(Person.__table__.c.id == pid)).scalar_one()
            with s.transaction() as w:
                w.insert(Visit, {"household_id": hh, "visit_date": date(2026, 3, 1), "visit_type": "routine",
                                 "outcome": "met", "people_met": json.dumps([pid])})

    def op_merge(self, s, i, j):
        a, b = pick(s, Person, i), pick(s, Person, j)
        if a and b:
            with s.connect() as conn:
                same = duplicates.resolve_person(conn, a) == duplicates.resolve_person(conn, b)
            if not same:
                duplicates.merge_people(s, a, b)

    def op_unmerge(self, s, i):
        pid = pick(s, Person, i)
        if pid and pid not in ids(s, Person, merged_into=None):
            duplicates.unmerge_people(s, pid)

    def op_referral(self, s, i):
        pid = pick(s, Person, i)
        if pid:
            with s.connect() as conn:
                hh = conn.execute(select(Person.__table__.c.household_id).where(Person.__table__.c.id == pid)).scalar_one()
            with s.transaction() as w:
                w.insert(Referral, {"reference": f"ZJ-{s.device.code}-{self.counter:06d}", "person_id": pid,
                                    "household_id": hh, "provider_id": ids(s, Provider)[0]})

    def op_event(self, s, i, status, day):
        ref = pick(s, Referral, i)
        if ref:
            from outreach.services.referrals import refresh_status

            with s.transaction() as w:
                w.insert(ReferralEvent, {"referral_id": ref, "status": status, "event_date": date(2026, 3, day)})
                refresh_status(w, ref)

    def op_settle(self, _s):
        self.settle()

    def op_sync(self, src, dst_index):
        dst = self.stores[dst_index % len(self.stores)]
        if dst is not src:
            sync(src, dst)

    def op_pieces(self, src, dst_index, seed):
        """Everything ``src`` holds, shuffled and cut in random pieces, each applied on its own."""
        dst = self.stores[dst_index % len(self.stores)]
        if dst is src:
            return
        with src.connect() as conn:
            changes = collect_changes(conn, None)
        rng = random.Random(seed)
        rng.shuffle(changes)
        while changes:
            cut = rng.randint(1, len(changes))
            piece, changes = changes[:cut], changes[cut:]
            with dst.transaction() as w:
                apply_changes(w, piece)

    def settle(self) -> None:
        """Everyone sends to the first laptop (the lead), which sends everything back."""
        hub = self.stores[0]
        for other in self.stores[1:]:
            sync(other, hub)
        for other in self.stores[1:]:
            sync(hub, other)

    def close(self) -> None:
        for s in self.stores:
            s.close()


@pytest.mark.slow
@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 5), ops=OPS)
def test_any_exchange_of_bundles_ends_in_the_same_records(n, ops):
    world = World(n)
    try:
        for op in ops:
            world.run(op)
        world.settle()
        states = [full_dump(s) for s in world.stores]
        assert all(state == states[0] for state in states[1:])
        for s in world.stores:                      # derived search keys are right
            with s.connect() as conn:
                for name, pinyin in conn.execute(select(Person.__table__.c.name, Person.__table__.c.search_pinyin)):
                    assert pinyin == name_keys(name)[0]
        # applying a whole change set again changes nothing
        with world.stores[0].connect() as conn:
            everything = collect_changes(conn, None)
        with world.stores[-1].transaction() as w:
            report = apply_changes(w, everything)
        assert report.new == 0 and report.rows_inserted == report.rows_updated == 0
        assert full_dump(world.stores[-1]) == states[0]
    finally:
        world.close()
