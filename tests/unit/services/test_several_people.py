"""Several people at once (issue 15): two county staff on one PostgreSQL database see each other's
changes on refresh and never overwrite each other silently; the same rule holds on one SQLite store
(two windows, or an edit and an import)."""

from __future__ import annotations

import pytest

from outreach.services import households
from outreach.services.stale import RecordChanged
from outreach.storage.store import Store
from tests.conftest import ENGINE


def _detail(store, hid):
    return households.get_household(store, hid).row


def test_a_field_changed_since_the_form_opened_is_not_overwritten(store, family):
    hid = family["household"]
    seen = {"phone": _detail(store, hid).phone, "address": _detail(store, hid).address}
    households.update_household(store, hid, phone="13700137000")            # someone else, meanwhile
    with pytest.raises(RecordChanged) as exc:
        households.update_household(store, hid, expected=seen, phone="13600136000")
    assert _detail(store, hid).phone == "13700137000"
    assert exc.value.fields == ("phone",)
    assert "李娜" in exc.value.message("en") and "phone" in exc.value.message("en").lower()
    # a field nobody else touched is saved; so is a value both chose
    households.update_household(store, hid, expected=seen, address="东坪村2组16号")
    households.update_household(store, hid, expected=seen, phone="13700137000")
    assert _detail(store, hid).address == "东坪村2组16号"


@pytest.mark.skipif(ENGINE != "postgresql", reason="two laptops on one database: OUTREACH_TEST_ENGINE=postgresql")
def test_two_staff_on_one_database_see_each_other_and_never_overwrite_silently(pg_cluster, tmp_path):
    url = pg_cluster.new_database()
    zhang = Store.open(tmp_path / "zhang", database_url=url)
    wang = Store.open(tmp_path / "wang", database_url=url)
    try:
        zhang.set_setting("worker_name", "张敏")
        wang.set_setting("worker_name", "王强")
        from outreach.services import areas

        areas.add_area(zhang, code="522731100200", name="东坪村", level="village")
        hid = households.create_household(zhang, village_id="522731100200", phone="13800138000", address="一组")
        # Wang refreshes: the household Zhang registered is there
        assert [h.id for h in households.query_households(wang, households.HouseholdQuery())] == [hid]
        # both open the same household
        zhang_saw = {"phone": _detail(zhang, hid).phone, "address": _detail(zhang, hid).address}
        wang_saw = dict(zhang_saw)
        # different fields: both saves keep
        households.update_household(zhang, hid, expected=zhang_saw, phone="13900139000")
        households.update_household(wang, hid, expected=wang_saw, address="二组")
        for s in (zhang, wang):
            row = _detail(s, hid)
            assert (row.phone, row.address) == ("13900139000", "二组")
        # the same field: the second save is told, and Zhang's number stays
        with pytest.raises(RecordChanged) as exc:
            households.update_household(wang, hid, expected=wang_saw, phone="13500135000")
        assert "张敏" in exc.value.message("zh_CN") and "电话" in exc.value.message("zh_CN")
        assert _detail(wang, hid).phone == "13900139000"
        from outreach.storage.tables import Household

        with zhang.session() as session:   # each laptop's edit carries its own device and worker
            row = session.get(Household, hid)
        assert (row.created_by, row.created_device) == ("张敏", zhang.device.id)
        assert (row.updated_by, row.updated_device) == ("王强", wang.device.id)   # the address, last
    finally:
        zhang.close()
        wang.close()
        pg_cluster.drop_database(url)


def test_a_member_changed_since_the_form_opened_is_not_overwritten(store, family):
    from outreach.services import people

    son = family["son"]
    seen = {"phone": "13912345678", "flags": {"migrant_worker"}}
    people.update_person(store, son, phone="13712345678")                   # someone else, meanwhile
    with pytest.raises(RecordChanged) as exc:
        people.update_person(store, son, expected=seen, phone="13612345678")
    assert exc.value.fields == ("phone",) and "电话" in exc.value.message("zh_CN")
    assert people.get_person(store, son).phone == "13712345678"
    people.update_person(store, son, expected=seen, flags={"migrant_worker", "chronic_illness"})   # untouched
