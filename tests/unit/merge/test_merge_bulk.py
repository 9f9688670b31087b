"""The merge's bulk paths (issue 14) leave what the row-by-row paths would: people that arrive new are
indexed for search set-based, exactly as the insert trigger and a rebuild index them, and the
trigger is back afterwards — also when the insert fails half-way."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from outreach.services import search
from outreach.storage import search_index
from outreach.storage.tables import Household, Person
from tests.unit.merge.helpers import VILLAGE, add_household, add_person, edit, make_store, seed_areas, sync
from tests.unit.storage.test_search_index import index_rows


@pytest.fixture
def pair():
    lead, lina = make_store("陈静"), make_store("李娜")
    seed_areas(lead, lina)
    yield lead, lina
    lead.close()
    lina.close()


def _trigger_present(store) -> bool:
    with store.connect() as conn:
        if conn.dialect.name != "sqlite":
            return True   # PostgreSQL keeps its own trigger; nothing is dropped there
        return conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name = 'person_search_ai'")).first() is not None


def test_people_merged_in_bulk_are_indexed_as_a_rebuild_indexes_them(pair):
    lead, lina = pair
    first = add_household(lina, "石门-0022", phone="13812345678")
    second = add_household(lina, "东坪-0105")
    add_person(lina, first, "王秀英", date(1950, 3, 1), phone="13812345678")
    add_person(lina, first, "张建国", date(1948, 7, 9))
    add_person(lina, second, "李 娜", phone="13900001111")   # a blank inside: no piece with it
    sync(lina, lead)
    merged = index_rows(lead)
    assert merged == index_rows(lina)          # what the sender's triggers wrote
    with lead.engine.begin() as conn:
        search_index.rebuild(conn)
    assert index_rows(lead) == merged
    assert _trigger_present(lead)
    assert sorted(h.name for h in search.search_people(lead, "秀英")) == ["王秀英"]
    assert sorted(h.name for h in search.search_people(lead, "东坪-0105")) == ["李 娜"]
    add_person(lead, second, "赵敏")            # a local insert after the import: the trigger indexes it
    assert sorted(h.name for h in search.search_people(lead, "赵敏")) == ["赵敏"]


def test_phones_moves_and_renames_merged_in_bulk_are_indexed_as_a_rebuild_indexes_them(pair):
    lead, lina = pair
    first, second = add_household(lina, "石门-0022"), add_household(lina, "东坪-0105")
    wang = add_person(lina, first, "王秀英", phone="13812345678")
    zhang = add_person(lina, first, "张建国", phone="13700000000")
    li = add_person(lina, first, "李娜")
    sync(lina, lead)
    edit(lina, Person, wang, phone="13900001111")             # a new phone
    edit(lina, Person, zhang, household_id=second)            # moved to another household
    edit(lina, Person, li, name="李桂兰", phone="13611112222")  # renamed: the row-by-row path
    sync(lina, lead)
    merged = index_rows(lead)
    assert merged == index_rows(lina)
    with lead.engine.begin() as conn:
        search_index.rebuild(conn)
    assert index_rows(lead) == merged
    assert [h.name for h in search.search_people(lead, "0000111")] == ["王秀英"]
    assert search.search_people(lead, "12345678") == []
    assert [h.name for h in search.search_people(lead, "东坪-0105")] == ["张建国"]
    assert [h.name for h in search.search_people(lead, "桂兰")] == ["李桂兰"]
    with lead.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'person_search_au'")).first()
    edit(lead, Person, wang, phone="13522223333")             # the trigger is back for local edits
    assert [h.name for h in search.search_people(lead, "22223333")] == ["王秀英"]


def test_the_insert_trigger_comes_back_when_the_insert_fails(pair):
    lead, _ = pair

    def failing_insert() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError), lead.engine.begin() as conn:
        search_index.insert_people(conn, failing_insert, ["a" * 32])
    assert _trigger_present(lead)
    hh = add_household(lead, "石门-0023")
    add_person(lead, hh, "王强")
    assert sorted(h.name for h in search.search_people(lead, "王强")) == ["王强"]


def _household_trigger_present(store) -> bool:
    with store.connect() as conn:
        if conn.dialect.name != "sqlite":
            return True
        return conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name = 'household_search_ai'")).first() is not None


def test_households_merged_in_bulk_are_found_by_code_and_their_trigger_is_back(pair):
    lead, lina = pair
    first, second = add_household(lina, "石门-0031"), add_household(lina, "东坪-0132")
    add_person(lina, first, "王秀英")
    add_person(lina, second, "张建国")
    sync(lina, lead)
    merged = index_rows(lead)
    assert merged == index_rows(lina)
    with lead.engine.begin() as conn:
        search_index.rebuild(conn)
    assert index_rows(lead) == merged
    assert _household_trigger_present(lead)
    assert [h.name for h in search.search_people(lead, "东坪-0132")] == ["张建国"]


@pytest.mark.sqlite_only
def test_a_household_inserted_in_bulk_after_its_members_gives_them_its_code(pair):
    """What the insert trigger does for members that were indexed before their household arrived,
    ``insert_households`` does for the whole set (foreign keys off to put the member first)."""
    lead, _ = pair
    hid = "a" * 32
    with lead.engine.connect() as conn:   # the test store's one connection: the pragma stays on it
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        with lead.transaction() as w:
            w.insert(Person, {"household_id": hid, "name": "赵敏"})
            search_index.insert_households(
                w.conn, lambda: w.insert(Household, {"id": hid, "code": "石门-0099", "village_id": VILLAGE}), [hid])
    finally:
        with lead.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    assert _household_trigger_present(lead)
    assert [h.name for h in search.search_people(lead, "石门-0099")] == ["赵敏"]
    merged = index_rows(lead)
    with lead.engine.begin() as conn:
        search_index.rebuild(conn)
    assert index_rows(lead) == merged


@pytest.mark.sqlite_only
def test_the_household_trigger_comes_back_when_the_insert_fails(pair):
    lead, _ = pair

    def failing_insert() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError), lead.engine.begin() as conn:
        search_index.insert_households(conn, failing_insert, ["a" * 32])
    assert _household_trigger_present(lead)
