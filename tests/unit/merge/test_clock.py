"""The merge's per-field clocks (``merge_clock``, issue 14): after imports they hold what the change
log says wins each field; a local write since the last import is noticed and the row re-folded; the
version-6 upgrade fills them for data already held exactly as the merge would."""

from __future__ import annotations

from sqlalchemy import delete, select, text

from outreach.storage.merge_tables import MergeClock
from outreach.storage.migrations import m0006_merge_clock as m0006
from outreach.storage.migrations import m0007_merge_fast_reserved as m0007
from outreach.storage.tables import Household, Person
from outreach.sync import conflicts
from outreach.sync.changes import load_history
from outreach.sync.merge_fast import clocks_of
from tests.unit.merge.helpers import add_household, add_person, edit, make_store, seed_areas, sync

CLOCK = MergeClock.__table__


def clock_rows(store, entities=("household", "person")) -> set[tuple]:
    with store.connect() as conn:
        return {tuple(r) for r in conn.execute(select(CLOCK).where(CLOCK.c.entity.in_(entities)))}


def truth(store, entities=("household", "person")) -> set[tuple]:
    """The clocks as defined: folded from each row's whole history."""
    out = set()
    with store.connect() as conn:
        me = store.device.id
        for entity in entities:
            table = {"household": Household, "person": Person}[entity].__table__
            ids = list(conn.execute(select(table.c.id)).scalars())
            for row_id, entries in load_history(conn, entity, ids, me=me).items():
                out |= {tuple(r.values()) for r in clocks_of(entity, row_id, entries)}
    return out


def team_of_three():
    lead, lina, wang = make_store("陈静"), make_store("李娜"), make_store("王强")
    seed_areas(lead, lina, wang)
    return lead, lina, wang


def test_clocks_after_imports_are_the_fold_of_the_whole_history():
    lead, lina, wang = team_of_three()
    hh = add_household(lina, "石门-0001", phone="13800000000")
    add_person(lina, hh, "张建国")
    sync(lina, lead)
    sync(lead, wang)
    edit(lina, Household, hh, phone="13911111111")
    edit(wang, Household, hh, phone="13722222222", notes="独居")
    sync(wang, lead)
    sync(lina, lead)
    assert clock_rows(lead) and clock_rows(lead) == truth(lead)
    with lead.connect() as conn:
        phone = conn.execute(select(Household.__table__.c.phone).where(Household.__table__.c.id == hh)).scalar_one()
    assert phone == "13722222222"   # Wang's edit is the later one (a true conflict, queued)


def test_a_local_edit_since_the_last_import_is_not_overwritten_by_an_older_one():
    lead, lina, _wang = team_of_three()
    hh = add_household(lina, "石门-0002", phone="13800000000")
    sync(lina, lead)                                   # the lead's clock for the row is set here
    edit(lina, Household, hh, phone="13911111111")     # Monday on Lina's laptop
    edit(lead, Household, hh, phone="13600000000")     # Tuesday on the lead's, not knowing
    report = sync(lina, lead)
    with lead.connect() as conn:
        phone = conn.execute(select(Household.__table__.c.phone).where(Household.__table__.c.id == hh)).scalar_one()
    assert phone == "13600000000"
    assert report.conflicts == 1
    (item,) = conflicts.list_conflicts(lead)
    assert {item.current.value, item.other.value} == {"13600000000", "13911111111"}
    assert clock_rows(lead) == truth(lead)


def test_the_upgrade_fills_the_clocks_the_merge_keeps():
    lead, lina, wang = team_of_three()
    hh = add_household(lina, "石门-0003", phone="13800000000")
    pid = add_person(lina, hh, "王秀英")
    sync(lina, lead)
    sync(lead, wang)
    edit(wang, Person, pid, phone="13512345678")
    edit(lina, Household, hh, notes="屋顶漏雨")
    sync(wang, lead)
    sync(lina, lead)
    edit(lead, Household, hh, phone="13600000000")    # the lead's own edit: its base from the log order
    expected = truth(lead)
    with lead.engine.begin() as conn:
        conn.execute(delete(CLOCK))
        me = conn.execute(text("SELECT value FROM setting WHERE key = 'device_id'")).scalar_one()
        for statement in (m0006.FIELD_WINNERS, m0006.STARS):
            conn.execute(text(statement), {"me": me})
        assert conn.execute(select(CLOCK).where(CLOCK.c.field == "*")).first() is not None
        m0007.upgrade(conn)   # version 7 keeps field winners only
    assert clock_rows(lead) == expected
    own = [r for r in expected if r[2] == "phone" and r[1] == hh]
    assert own and own[0][4] == lead.device.id and own[0][6] is not None   # base known for an own edit
