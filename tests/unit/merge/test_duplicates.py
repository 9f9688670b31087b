"""Duplicate people: 张建国 (王强, Tuesday) and 張建國 (李娜, last month) in 石门-0107 are proposed,
never merged by themselves; the lead merges them, visits of both show on the kept person on every
laptop, and the merge can be undone."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from outreach.domain.errors import OutreachError
from outreach.domain.idnumber import make
from outreach.storage.tables import Person, Visit
from outreach.sync import duplicates as dup
from tests.unit.merge.helpers import (
    OTHER_VILLAGE,
    VILLAGE,
    add_household,
    add_person,
    dump,
    edit,
    make_store,
    seed_areas,
    sync,
)

BORN = date(1961, 8, 8)


@pytest.fixture
def team():
    lead, lina, wang = make_store("陈静"), make_store("李娜"), make_store("王强")
    seed_areas(lead, lina, wang)
    hh = add_household(lead, "石门-0107")
    sync(lead, lina)
    sync(lead, wang)
    yield lead, lina, wang, hh
    for s in (lead, lina, wang):
        s.close()


def visit(store, hh, pid, day):
    with store.transaction() as w:
        return w.insert(Visit, {"household_id": hh, "visit_date": day, "visit_type": "routine", "outcome": "met",
                                "people_met": json.dumps([pid])})


def merged_into(store, pid):
    with store.connect() as conn:
        return conn.execute(select(Person.__table__.c.merged_into).where(Person.__table__.c.id == pid)).scalar_one()


def test_traditional_and_simplified_names_are_proposed_at_import(team):
    lead, lina, wang, hh = team
    trad = add_person(lina, hh, "張建國", BORN)
    simp = add_person(wang, hh, "张建国", BORN)
    assert sync(lina, lead).duplicate_proposals == 0
    assert sync(wang, lead).duplicate_proposals == 1
    [p] = dup.list_proposals(lead)
    assert p.reason == dup.BY_NAME and {p.a.name, p.b.name} == {"張建國", "张建国"}
    assert p.a.household_code == p.b.household_code == "石门-0107" and p.a.village_name == "石门村"
    assert merged_into(lead, trad) is None and merged_into(lead, simp) is None   # never merged by itself
    assert sync(wang, lead).duplicate_proposals == 0                              # proposed once


def test_entry_check_finds_the_same_man_before_saving(team):
    lead, lina, _wang, hh = team
    pid = add_person(lina, hh, "張建國", BORN)
    sync(lina, lead)
    with lead.connect() as conn:
        [c] = dup.find_possible_duplicates(conn, "张建国", BORN, VILLAGE, None)
        assert (c.person_id, c.household_code, c.reason) == (pid, "石门-0107", dup.BY_NAME)
        assert dup.find_possible_duplicates(conn, "张建国", date(1962, 8, 8), VILLAGE, None) == []
        assert dup.find_possible_duplicates(conn, "张建国", BORN, OTHER_VILLAGE, None) == []
        assert dup.find_possible_duplicates(conn, "张建国", BORN, VILLAGE, None, exclude_id=pid) == []


def test_same_resident_id_is_proposed_whatever_the_names(team):
    lead, lina, wang, hh = team
    number = make("522601", BORN, 123)
    other_hh = add_household(wang, "东坪-0009", village=OTHER_VILLAGE)
    a = add_person(lina, hh, "张建国", BORN, id_number=number)
    b = add_person(wang, other_hh, "张健国", BORN, id_number=number)
    sync(lina, lead)
    sync(wang, lead)
    [p] = dup.list_proposals(lead)
    assert p.reason == dup.BY_ID_NUMBER and {p.a.id, p.b.id} == {a, b}
    assert p.a.id_number_masked != number and p.a.id_number_masked.startswith("522601")
    with lead.connect() as conn:
        found = dup.find_possible_duplicates(conn, "某人", None, None, number.lower())
        assert {c.person_id for c in found} == {a, b} and {c.reason for c in found} == {dup.BY_ID_NUMBER}


def test_an_id_number_added_later_is_proposed_against_people_merged_with_it(team):
    """People merged in without an ID number are in no number group (the merge does not read their
    numbers); once an edit gives one of them a number, the import of that edit proposes the pair."""
    lead, lina, wang, hh = team
    number = make("522601", BORN, 321)
    other_hh = add_household(wang, "东坪-0011", village=OTHER_VILLAGE)
    a = add_person(lina, hh, "赵敏", date(1970, 1, 2))
    b = add_person(wang, other_hh, "钱芳", date(1980, 3, 4), id_number=number)
    sync(lina, lead)
    sync(wang, lead)
    assert dup.list_proposals(lead) == []
    edit(lina, Person, a, id_number=number)
    sync(lina, lead)
    [p] = dup.list_proposals(lead)
    assert p.reason == dup.BY_ID_NUMBER and {p.a.id, p.b.id} == {a, b}


def test_not_a_duplicate_is_remembered(team):
    lead, lina, wang, hh = team
    add_person(lina, hh, "張建國", BORN)
    add_person(wang, hh, "张建国", BORN)
    sync(lina, lead)
    sync(wang, lead)
    [p] = dup.list_proposals(lead)
    dup.mark_not_duplicate(lead, p.id)
    assert dup.list_proposals(lead) == []
    assert dup.scan_all(lead) == 0
    assert [q.status for q in dup.list_proposals(lead, status=None)] == ["not_duplicate"]


def test_merge_shows_visits_of_both_everywhere_and_survives_sync(team):
    lead, lina, wang, hh = team
    trad = add_person(lina, hh, "張建國", BORN)
    simp = add_person(wang, hh, "张建国", BORN)
    v1 = visit(lina, hh, trad, date(2026, 2, 10))
    v2 = visit(wang, hh, simp, date(2026, 3, 3))
    sync(lina, lead)
    sync(wang, lead)
    [p] = dup.list_proposals(lead)
    assert merged_into(lead, p.a.id) is None
    gone = dup.merge_people(lead, trad, simp)
    assert gone == simp and merged_into(lead, simp) == trad
    assert dup.list_proposals(lead) == [] and dup.list_proposals(lead, status="merged")[0].id == p.id
    for worker in (lina, wang):
        sync(lead, worker)
        with worker.connect() as conn:
            assert dup.resolve_person(conn, simp) == trad
            assert dup.aliases(conn, simp) == {trad, simp}
            assert [v["id"] for v in dup.visits_for_person(conn, trad)] == [v2, v1]
    # a visit 王强 records later against the old id still lands on the kept person
    v3 = visit(wang, hh, simp, date(2026, 3, 20))
    sync(wang, lead)
    with lead.connect() as conn:
        assert [v["id"] for v in dup.visits_for_person(conn, simp)] == [v3, v2, v1]
    assert dump(lead) == dump(wang)


def test_unmerge_reverses_and_travels(team):
    lead, lina, wang, hh = team
    trad = add_person(lina, hh, "張建國", BORN)
    simp = add_person(wang, hh, "张建国", BORN)
    sync(lina, lead)
    sync(wang, lead)
    dup.merge_people(lead, trad, simp)
    sync(lead, wang)
    assert dup.unmerge_people(lead, simp) == trad
    assert merged_into(lead, simp) is None
    assert [p.status for p in dup.list_proposals(lead, status=None)] == ["open"]
    sync(lead, wang)
    with wang.connect() as conn:
        assert dup.resolve_person(conn, simp) == simp
    with pytest.raises(OutreachError):
        dup.unmerge_people(lead, simp)
    with pytest.raises(OutreachError):
        dup.merge_people(lead, trad, trad)


def test_merges_made_into_each_other_on_two_laptops_agree_on_one_person(team):
    lead, lina, wang, hh = team
    a = add_person(lina, hh, "張建國", BORN)
    sync(lina, lead)
    sync(lead, wang)
    b = add_person(wang, hh, "张建国", BORN)
    sync(wang, lead)
    sync(lead, lina)
    dup.merge_people(lina, a, b)      # 李娜 keeps a …
    dup.merge_people(wang, b, a)      # … 王强 keeps b, at the same time
    sync(lina, lead)
    sync(wang, lead)
    with lead.connect() as conn:
        assert dup.resolve_person(conn, a) == dup.resolve_person(conn, b) == min(a, b)
        assert dup.aliases(conn, a) == {a, b}
