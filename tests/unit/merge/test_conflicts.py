"""The Tuesday/Friday conflict: two workers changed the phone of 石门-0022 without knowing of each
other. The lead sees both values with who/when/which laptop and decides; the decision travels."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.domain.errors import OutreachError
from outreach.storage.tables import Household
from outreach.sync import conflicts
from tests.unit.merge.helpers import add_household, dump, edit, make_store, seed_areas, sync


@pytest.fixture
def team():
    lead, lina, wang = make_store("陈静"), make_store("李娜"), make_store("王强")
    seed_areas(lead, lina, wang)
    hh = add_household(lead, "石门-0022", phone="13800000000")
    sync(lead, lina)
    sync(lead, wang)
    yield lead, lina, wang, hh
    for s in (lead, lina, wang):
        s.close()


def phone(store, hh):
    with store.connect() as conn:
        return conn.execute(select(Household.__table__.c.phone).where(Household.__table__.c.id == hh)).scalar_one()


def concurrent_phone_edits(lead, lina, wang, hh):
    edit(lina, Household, hh, phone="13911111111")   # Monday
    edit(wang, Household, hh, phone="13722222222")   # Tuesday, not knowing
    sync(lina, lead)
    return sync(wang, lead)


@pytest.mark.parametrize("order", ["lina_first", "wang_first"])
def test_two_workers_changing_the_same_phone_is_a_conflict_with_both_values(team, order):
    lead, lina, wang, hh = team
    edit(lina, Household, hh, phone="13911111111")
    edit(wang, Household, hh, phone="13722222222")
    first, second = (lina, wang) if order == "lina_first" else (wang, lina)
    sync(first, lead)
    report = sync(second, lead)
    assert report.conflicts == 1
    [item] = conflicts.list_conflicts(lead, device_names={lina.device.id: "李娜的笔记本", wang.device.id: "王强的笔记本"})
    assert item.row_label == "石门-0022" and item.field == "phone"
    assert (item.current.value, item.current.worker, item.current.device_name) == ("13722222222", "王强", "王强的笔记本")
    assert (item.other.value, item.other.worker, item.other.device_name) == ("13911111111", "李娜", "李娜的笔记本")
    assert item.other.at <= item.current.at
    assert phone(lead, hh) == "13722222222"          # resolved by itself meanwhile (last writer wins)


def test_the_leads_own_side_is_named_by_her_laptops_name(team):
    """The lead's own laptop is not in the team registry: its name comes from this laptop's settings
    (on PostgreSQL those live in the data folder, not in the shared database)."""
    lead, lina, _wang, hh = team
    lead.set_setting("device_name", "陈静的笔记本")
    edit(lina, Household, hh, phone="13911111111")
    edit(lead, Household, hh, phone="13600000000")
    assert sync(lina, lead).conflicts == 1
    [item] = conflicts.list_conflicts(lead)
    sides = {item.current.device_id: item.current.device_name, item.other.device_id: item.other.device_name}
    assert sides[lead.device.id] == "陈静的笔记本"


def test_an_edit_made_after_seeing_the_other_is_not_a_conflict(team):
    lead, lina, wang, hh = team
    edit(lina, Household, hh, phone="13911111111")
    sync(lina, lead)
    sync(lead, wang)                                  # 王强 received 李娜's number …
    edit(wang, Household, hh, phone="13722222222")    # … and corrected it knowingly
    report = sync(wang, lead)
    assert report.conflicts == 0 and conflicts.list_conflicts(lead) == []
    # a worker getting both changes later in one downlink sees no conflict either
    other = make_store("赵敏")
    sync(lead, other)
    assert conflicts.list_conflicts(other) == []


def test_same_new_value_on_both_laptops_is_not_a_conflict(team):
    lead, lina, wang, hh = team
    edit(lina, Household, hh, phone="13911111111")
    edit(wang, Household, hh, phone="13911111111")
    sync(lina, lead)
    assert sync(wang, lead).conflicts == 0


def test_keep_take_and_edit_are_ordinary_changes_that_flow_down(team):
    lead, lina, wang, hh = team
    concurrent_phone_edits(lead, lina, wang, hh)
    [item] = conflicts.list_conflicts(lead)
    conflicts.take(lead, item.id)                     # the family says 李娜's number is right
    assert phone(lead, hh) == "13911111111"
    assert conflicts.list_conflicts(lead) == []
    [done] = conflicts.list_conflicts(lead, status="resolved")
    assert done.resolution == "take"
    for worker in (lina, wang):
        sync(lead, worker)
        sync(worker, lead)
        assert phone(worker, hh) == "13911111111"
    assert conflicts.list_conflicts(lead) == []       # no new conflict from the resolution
    assert dump(lead) == dump(lina) == dump(wang)


def test_keep_confirms_the_current_value_with_a_new_change(team):
    lead, lina, wang, hh = team
    concurrent_phone_edits(lead, lina, wang, hh)
    [item] = conflicts.list_conflicts(lead)
    assert conflicts.keep(lead, item.id) == "13722222222"
    sync(lead, lina)
    assert phone(lina, hh) == "13722222222"
    with pytest.raises(OutreachError):
        conflicts.keep(lead, item.id)                 # already decided


def test_edit_writes_a_third_value(team):
    lead, lina, wang, hh = team
    concurrent_phone_edits(lead, lina, wang, hh)
    [item] = conflicts.list_conflicts(lead)
    conflicts.edit(lead, item.id, " 13655555555 ")
    assert phone(lead, hh) == "13655555555"
    sync(lead, wang)
    assert phone(wang, hh) == "13655555555"


def test_two_leads_deciding_differently_still_converge(team):
    lead, lina, wang, hh = team
    concurrent_phone_edits(lead, lina, wang, hh)
    deputy = make_store("副站长")
    sync(lead, deputy)
    [mine] = conflicts.list_conflicts(lead)
    [theirs] = conflicts.list_conflicts(deputy)
    conflicts.take(lead, mine.id)
    conflicts.edit(deputy, theirs.id, "13600000000")
    sync(lead, deputy)
    sync(deputy, lead)
    assert phone(lead, hh) == phone(deputy, hh)
    assert dump(lead) == dump(deputy)
    assert len(conflicts.list_conflicts(lead)) == 1   # the two decisions are themselves concurrent


def test_a_later_edit_by_someone_who_saw_both_values_supersedes_the_conflict(team):
    lead, lina, wang, hh = team
    concurrent_phone_edits(lead, lina, wang, hh)
    sync(lead, lina)                                 # 李娜 now has both …
    edit(lina, Household, hh, phone="13688888888")   # … and fixes the number herself
    sync(lina, lead)
    assert conflicts.list_conflicts(lead) == []
    [done] = conflicts.list_conflicts(lead, status="resolved")
    assert done.resolution == "superseded"


def test_flags_can_be_dismissed_but_not_taken(team):
    lead, lina, wang, hh = team
    from outreach.domain.hlc import pack, wall_ms
    from tests.unit.merge.test_merge import apply

    apply(lead, [{"entity": "household", "row_id": hh, "field": "notes", "value": "x",
                  "hlc": pack(wall_ms() + 5 * 86_400_000, 0), "device_id": "e" * 32, "worker": "?", "base": None}])
    [flag] = conflicts.list_conflicts(lead)
    assert flag.kind == "future_stamp" and flag.other is None
    with pytest.raises(OutreachError):
        conflicts.take(lead, flag.id)
    conflicts.dismiss(lead, flag.id)
    assert conflicts.list_conflicts(lead) == []
    with lead.connect() as conn:
        assert conflicts.count_open(conn) == 0
