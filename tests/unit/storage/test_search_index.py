"""The people search index (FTS5 trigram + one/two-character name pieces) stays current through every
write path: the Writer's insert and update, a merge import from another laptop, archiving, a person
moving household, deletion; and an upgraded database gets it built for the people it already has."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from outreach.services import households, people, search
from outreach.storage import search_index
from outreach.storage.store import Store
from outreach.storage.tables import Person
from tests.unit.merge.helpers import add_household, add_person, edit, make_store, seed_areas, sync

FIXTURES = Path(__file__).parents[2] / "fixtures"
# every kind of query the index answers: 1 and 2 characters (gram rows), 3+ (trigrams), phone, code
PIECES = ["秀", "秀英", "王秀英", "5678", "0022", "石门-0022"]


def found(store, query: str, **kw) -> list[str]:
    return sorted(h.name for h in search.search_people(store, query, **kw))


def index_rows(store) -> tuple[set, set]:
    """(gram rows, FTS rows) by person id: what the triggers wrote."""
    with store.connect() as conn:
        grams = set(conn.execute(text(
            "SELECT g.gram, k.person_id FROM person_search_gram g JOIN person_search_key k ON k.rid = g.rid")).all())
        fts = set(conn.execute(text(
            "SELECT k.person_id, f.name, f.phone, f.code FROM person_search_fts f "
            "JOIN person_search_key k ON k.rid = f.rowid")).all())
    return grams, fts


@pytest.fixture
def pair():
    lead, lina = make_store("陈静"), make_store("李娜")
    seed_areas(lead, lina)
    yield lead, lina
    lead.close()
    lina.close()


def test_inserted_person_is_found_by_every_piece_and_a_renamed_one_only_by_the_new_name(pair):
    lead, _ = pair
    hh = add_household(lead, "石门-0022")
    pid = add_person(lead, hh, "王秀英", date(1950, 3, 1), phone="13812345678")
    for piece in PIECES:
        assert found(lead, piece) == ["王秀英"], piece

    people.update_person(lead, pid, name="李桂兰", phone="13900001111")
    for piece in ["桂", "桂兰", "李桂兰", "1111", "石门-0022"]:
        assert found(lead, piece) == ["李桂兰"], piece
    for old in ["秀", "秀英", "王秀英", "5678"]:
        assert found(lead, old) == [], old


def test_a_person_moved_to_another_household_is_found_by_its_code(pair):
    lead, _ = pair
    first, second = add_household(lead, "石门-0022"), add_household(lead, "东坪-0105")
    pid = add_person(lead, first, "王秀英")
    edit(lead, Person, pid, household_id=second)
    assert found(lead, "东坪-0105") == ["王秀英"]
    assert found(lead, "石门-0022") == []


def test_people_arriving_and_renamed_by_a_merge_import_are_found(pair):
    lead, lina = pair
    hh = add_household(lina, "石门-0022")
    pid = add_person(lina, hh, "王秀英", phone="13812345678")
    sync(lina, lead)
    for piece in PIECES:
        assert found(lead, piece) == ["王秀英"], piece

    people.update_person(lina, pid, name="王秀兰")
    sync(lina, lead)
    assert found(lead, "王秀兰") == ["王秀兰"]
    assert found(lead, "秀兰") == ["王秀兰"]
    assert found(lead, "秀英") == [] and found(lead, "王秀英") == []


def test_an_archived_person_is_found_only_when_archived_people_are_asked_for(pair):
    lead, _ = pair
    hh = add_household(lead, "石门-0022")
    keep = add_person(lead, hh, "王秀英")
    gone = add_person(lead, hh, "王秀芳")
    people.archive_person(lead, gone)
    assert found(lead, "王秀") == ["王秀英"]
    assert found(lead, "秀芳") == []
    assert found(lead, "秀芳", include_archived=True) == ["王秀芳"]
    # the household list's search goes through the same index
    rows = households.query_households(lead, households.HouseholdQuery(text="秀英"))
    assert [r.code for r in rows] == ["石门-0022"]
    assert keep


def test_a_deleted_person_leaves_nothing_in_the_index_and_triggers_agree_with_a_rebuild(pair):
    lead, _ = pair
    hh = add_household(lead, "石门-0022")
    ids = {name: add_person(lead, hh, name, phone="13812345678") for name in ["王秀英", "Anna Li", "欧阳 娜娜", "秀秀"]}
    pid = add_person(lead, hh, "张三")
    people.update_person(lead, pid, name="张三丰")
    with lead.transaction() as w:  # a raw write path: the triggers still keep the index current
        w.conn.execute(text("DELETE FROM person WHERE name = '秀秀'"))
    by_triggers = index_rows(lead)
    assert ids["秀秀"] not in {p for _, p in by_triggers[0]} | {row[0] for row in by_triggers[1]}
    with lead.transaction() as w:
        search_index.rebuild(w.conn)
    by_rebuild = index_rows(lead)
    assert by_triggers == by_rebuild
    assert ("娜娜" in {g for g, _ in by_rebuild[0]}) and (" 娜" not in {g for g, _ in by_rebuild[0]})
    assert found(lead, "丰") == ["张三丰"] and found(lead, "秀秀") == []


@pytest.mark.sqlite_only
def test_an_upgraded_version_1_database_has_its_people_in_the_index(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    with sqlite3.connect(old / "outreach.sqlite3") as c:
        c.executescript((FIXTURES / "schema_v1.sql").read_text(encoding="utf-8"))
    s = Store.open(old)
    try:
        for piece in ["秀", "秀英", "王秀英"]:
            assert "王秀英" in found(s, piece), piece
    finally:
        s.close()
