"""Merging received changes: last writer wins per field, creations before edits, waiting rows,
re-imports, derived columns, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from outreach.domain.errors import OutreachError
from outreach.domain.hlc import pack, wall_ms
from outreach.storage.merge_tables import MergeConflict, MergePending
from outreach.storage.tables import ChangeLog, Household, Person, Provider, Referral, ReferralEvent, Visit
from outreach.sync.changes import collect_changes, from_wire, to_wire, version_vector
from outreach.sync.merge import apply_changes
from tests.unit.merge.helpers import (
    VILLAGE,
    add_household,
    add_person,
    dump,
    edit,
    make_store,
    seed_areas,
    sync,
)


@pytest.fixture
def trio():
    lead, lina, wang = make_store("陈静"), make_store("李娜"), make_store("王强")
    seed_areas(lead, lina, wang)
    yield lead, lina, wang
    for s in (lead, lina, wang):
        s.close()


def all_changes(store):
    with store.connect() as conn:
        return collect_changes(conn, None)


def apply(store, changes, source="test"):
    with store.transaction() as w:
        return apply_changes(w, changes, source=source)


def row(store, model, row_id):
    table = model.__table__
    with store.connect() as conn:
        return conn.execute(select(table).where(table.c.id == row_id)).mappings().first()


def test_a_new_household_and_its_people_arrive_whole(trio):
    lead, lina, _ = trio
    hh = add_household(lina, "石门-0022", phone="13800000000")
    add_person(lina, hh, "王秀英", date(1942, 5, 1))
    report = sync(lina, lead)
    assert report.new == 2 and report.rows_inserted == 2
    assert dump(lead) == dump(lina)
    assert row(lead, Household, hh)["created_by"] == "李娜"


def test_later_edit_wins_whatever_the_import_order(trio):
    lead, lina, wang = trio
    hh = add_household(lina, "石门-0022", phone="13800000000")
    sync(lina, wang)
    edit(lina, Household, hh, phone="13911111111")
    edit(wang, Household, hh, phone="13722222222")   # later stamp
    sync(wang, lead)
    sync(lina, lead)
    other = make_store("赵敏")
    apply(other, [c for c in all_changes(lead) if c["entity"] == "area"])
    sync(lina, other)
    sync(wang, other)
    assert row(lead, Household, hh)["phone"] == row(other, Household, hh)["phone"] == "13722222222"
    assert dump(lead) == dump(other)


def test_importing_the_same_changes_again_changes_nothing(trio):
    lead, lina, _ = trio
    hh = add_household(lina, "石门-0022")
    edit(lina, Household, hh, notes="屋顶漏雨")
    changes = all_changes(lina)
    first = apply(lead, changes)
    before = dump(lead)
    with lead.connect() as conn:
        log_before = conn.execute(select(func.count()).select_from(ChangeLog.__table__)).scalar_one()
    again = apply(lead, changes)
    assert first.new == 2 and again.new == 0 and again.already_had == len(changes)
    assert again.rows_inserted == again.rows_updated == 0
    with lead.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ChangeLog.__table__)).scalar_one() == log_before
    assert dump(lead) == before


def test_an_edit_that_arrives_before_its_creation_is_kept_and_applied_later(trio):
    lead, lina, _ = trio
    hh = add_household(lina, "石门-0022", phone="13800000000")
    edit(lina, Household, hh, phone="13911111111")
    creation, phone_edit = all_changes(lina)[-2:]
    assert creation["field"] == "*" and phone_edit["field"] == "phone"
    early = apply(lead, [phone_edit])
    assert early.waiting == 1 and row(lead, Household, hh) is None
    apply(lead, [creation])
    assert row(lead, Household, hh)["phone"] == "13911111111"
    assert dump(lead) == dump(lina)


def test_a_person_whose_household_is_missing_waits_until_it_arrives(trio):
    lead, lina, _ = trio
    hh = add_household(lina, "石门-0107")
    pid = add_person(lina, hh, "张建国", date(1961, 8, 8))
    changes = all_changes(lina)
    household = [c for c in changes if c["entity"] == "household"]
    person = [c for c in changes if c["entity"] == "person"]
    report = apply(lead, person)
    assert report.waiting == 1 and row(lead, Person, pid) is None
    with lead.connect() as conn:
        assert conn.execute(select(MergePending.__table__.c.row_id)).scalars().all() == [pid]
    apply(lead, household)
    assert row(lead, Person, pid)["name"] == "张建国"
    assert row(lead, Person, pid)["search_pinyin"] == "zhangjianguo"
    with lead.connect() as conn:
        assert conn.execute(select(func.count()).select_from(MergePending.__table__)).scalar_one() == 0
    assert dump(lead) == dump(lina)


def test_every_received_stamp_moves_the_clock_and_far_future_stamps_are_flagged(trio):
    lead, lina, _ = trio
    hh = add_household(lina, "石门-0022")
    sync(lina, lead)
    future = pack(wall_ms() + 10 * 24 * 3600 * 1000, 0)
    bad = {"entity": "household", "row_id": hh, "field": "notes", "value": "钟表错了", "hlc": future,
           "device_id": "f" * 32, "worker": "某人", "base": None}
    report = apply(lead, [bad], source="bad-clock.outreach")
    assert report.far_future == 1
    assert apply(lead, [bad], source="again.outreach").far_future == 0   # counted once
    assert lead.clock.last >= future
    with lead.transaction() as w:  # the next local edit still wins
        w.update(Household, hh, {"notes": "已更正"})
    assert row(lead, Household, hh)["notes"] == "已更正"
    with lead.connect() as conn:
        flags = conn.execute(select(MergeConflict.__table__).where(MergeConflict.__table__.c.kind == "future_stamp")).all()
    assert len(flags) == 1 and flags[0].source == "bad-clock.outreach"


def test_archive_stays_unless_someone_unarchives_later(trio):
    lead, lina, wang = trio
    hh = add_household(lina, "东坪-0143")
    sync(lina, wang)
    with lina.transaction() as w:
        w.archive(Household, hh)
    edit(wang, Household, hh, notes="后来补的备注")   # concurrent edit of another field
    sync(lina, lead)
    sync(wang, lead)
    assert row(lead, Household, hh)["archived"] is True
    assert row(lead, Household, hh)["notes"] == "后来补的备注"
    sync(lead, wang)
    with wang.transaction() as w:                       # an explicit, later un-archive wins
        w.archive(Household, hh, False)
    sync(wang, lead)
    sync(lead, lina)
    assert row(lead, Household, hh)["archived"] is False
    assert dump(lead) == dump(lina) == dump(wang)


def test_search_keys_and_referral_status_are_recomputed_on_the_receiver(trio):
    lead, lina, _ = trio
    hh = add_household(lina, "东坪-0150")
    pid = add_person(lina, hh, "王秀英", date(1942, 5, 1))
    with lina.transaction() as w:
        prov = w.insert(Provider, {"name": "镇卫生院", "category": "health"})
        ref = w.insert(Referral, {"reference": "ZJ-AAAA-000001", "person_id": pid, "household_id": hh,
                                  "provider_id": prov, "status": "issued"})
        w.insert(ReferralEvent, {"referral_id": ref, "status": "issued", "event_date": date(2026, 3, 2)})
    sync(lina, lead)
    assert row(lead, Referral, ref)["status"] == "issued"
    with lina.transaction() as w:
        w.insert(ReferralEvent, {"referral_id": ref, "status": "served", "event_date": date(2026, 3, 5)})
        w.update(Person, pid, {"name": "王秀瑛"})
    sync(lina, lead)
    assert row(lead, Referral, ref)["status"] == "served"
    assert row(lead, Person, pid)["search_pinyin"] == "wangxiuying"


def test_visits_are_append_only_and_never_conflict(trio):
    lead, lina, wang = trio
    hh = add_household(lina, "石门-0022")
    with lina.transaction() as w:
        vid = w.insert(Visit, {"household_id": hh, "visit_date": date(2026, 3, 2), "visit_type": "routine",
                               "outcome": "met"})
    sync(lina, wang)
    edit(lina, Visit, vid, notes="李娜的更正")
    edit(wang, Visit, vid, notes="王强的更正")
    sync(lina, lead)
    report = sync(wang, lead)
    assert report.conflicts == 0
    assert row(lead, Visit, vid)["notes"] == "王强的更正"


def test_a_malformed_change_is_refused_and_nothing_is_written(trio):
    lead, lina, _ = trio
    add_household(lina, "石门-0022")
    good = all_changes(lina)
    before = dump(lead)
    for broken in ({**good[-1], "field": "search_pinyin", "value": "x"},     # a device-local column
                   {**good[-1], "field": "phone", "value": 13800000000},      # wrong type
                   {**good[-1], "field": "phone", "value": "1" * 21},         # too long
                   {**good[-1], "entity": "nothing"},
                   {**good[-1], "value": to_wire(good[-1])["value"]}):        # wire text, not parsed
        with pytest.raises(OutreachError) as err:
            apply(lead, [*good, broken])
        assert err.value.key == "merge.error.bad_change"
    assert dump(lead) == before
    with lead.connect() as conn:
        assert lina.device.id not in version_vector(conn)


def test_wire_format_round_trip(trio):
    _, lina, _ = trio
    hh = add_household(lina, "石门-0022")
    edit(lina, Household, hh, phone="13800000000")
    for change in all_changes(lina):
        wire = to_wire(change)
        assert isinstance(wire["value"], str)
        assert from_wire(wire) == change


def test_a_household_code_taken_by_another_row_waits_and_is_queued(trio):
    lead, lina, wang = trio
    mine = add_household(lina, "石门-0300")
    theirs = add_household(wang, "石门-0300")     # should never happen, but must not break an import
    sync(lina, lead)
    report = sync(wang, lead)
    assert report.waiting == 1 and report.conflicts == 1
    assert row(lead, Household, mine) is not None and row(lead, Household, theirs) is None
    with lina.transaction() as w:
        w.update(Household, mine, {"code": "石门-0301"})
    sync(lina, lead)                                # the code is free now: the waiting row is written
    assert row(lead, Household, theirs)["code"] == "石门-0300"


def test_village_scoped_downlink(trio):
    lead, lina, wang = trio
    shimen = add_household(lead, "石门-0022")
    dongping = add_household(lead, "东坪-0150", village="522601001002")
    add_person(lead, shimen, "张建国", date(1961, 8, 8))
    add_person(lead, dongping, "王秀英", date(1942, 5, 1))
    with lead.transaction() as w:
        w.insert(Provider, {"name": "镇卫生院", "category": "health"})
    sync(lead, wang, villages={VILLAGE})
    with wang.connect() as conn:
        codes = conn.execute(select(Household.__table__.c.code)).scalars().all()
        names = conn.execute(select(Person.__table__.c.name)).scalars().all()
        providers = conn.execute(select(func.count()).select_from(Provider.__table__)).scalar_one()
    assert codes == ["石门-0022"] and names == ["张建国"] and providers == 1
    # an edit of a row the worker already has still carries the row's creation
    edit(lead, Household, shimen, phone="13800000000")
    with wang.connect() as conn:
        vector = version_vector(conn)
    with lead.connect() as conn:
        down = collect_changes(conn, vector, villages={VILLAGE})
    assert [(c["entity"], c["field"]) for c in down] == [("household", "*"), ("household", "phone")]


def test_a_household_moving_into_the_workers_villages_arrives_whole(trio):
    lead, _lina, wang = trio
    dongping = add_household(lead, "东坪-0150", village="522601001002")
    pid = add_person(lead, dongping, "王秀英", date(1942, 5, 1))
    edit(lead, Household, dongping, phone="13800000000")
    add_household(lead, "石门-0022")
    sync(lead, wang, villages={VILLAGE})                # 王强 covers 石门村 only
    assert row(wang, Household, dongping) is None
    edit(lead, Household, dongping, village_id=VILLAGE)  # the family is now counted in 石门村
    sync(lead, wang, villages={VILLAGE})
    assert row(wang, Household, dongping)["phone"] == "13800000000"
    assert row(wang, Person, pid)["name"] == "王秀英"
