from datetime import date

import pytest

from outreach.domain.errors import NotFound, ValidationError
from outreach.services import households, people
from outreach.services.households import HouseholdQuery
from outreach.storage.tables import Household


def test_household_codes_carry_the_village_and_device(store, village):
    a = households.create_household(store, village_id=village)
    b = households.create_household(store, village_id=village)
    codes = [households.get_household(store, h).row.code for h in (a, b)]
    code = store.device.code
    assert codes == [f"东坪-{code}-0001", f"东坪-{code}-0002"]


def test_head_of_household_is_set_by_relation_self(store, family):
    detail = households.get_household(store, family["household"])
    assert detail.head_person_id == family["mother"]
    assert detail.row.head_name == "王秀英"
    assert [m.name for m in detail.members] == ["王秀英", "李国强"]
    assert detail.row.member_count == 2


def test_birth_date_and_sex_come_from_a_valid_id(store, family):
    pid = people.add_person(store, household_id=family["household"], name="测试", id_number="11010519491231002x")
    p = people.get_person(store, pid)
    assert p.birth_date == date(1949, 12, 31) and p.sex == "female" and p.id_number == "11010519491231002X"
    assert p.masked_id == "110105********002X"


def test_wrong_check_digit_is_refused_but_saving_without_an_id_works(store, family):
    hid = family["household"]
    with pytest.raises(ValidationError) as exc:
        people.add_person(store, household_id=hid, name="刘小雨", id_number="522731201702140021",
                          relation="grandchild", flags={"left_behind_child"})
    assert exc.value.for_field("id_number")[0].key == "error.id.check_digit"
    assert "校验码" in exc.value.message("zh_CN") and "check digit" in exc.value.message("en")
    pid = people.add_person(store, household_id=hid, name="刘小雨", birth_date=date(2017, 2, 14),
                            relation="grandchild", flags={"left_behind_child"})
    assert people.get_person(store, pid).flags == {"left_behind_child"}


def test_marking_a_member_moved_or_deceased(store, family):
    people.set_status(store, family["son"], "moved")
    assert people.get_person(store, family["son"]).status == "moved"
    with pytest.raises(ValueError):
        people.set_status(store, family["son"], "vanished")


def test_person_in_unknown_household(store, village):
    with pytest.raises(NotFound):
        people.add_person(store, household_id="nope", name="张三")


def test_list_filters(store, family, village):
    other = households.create_household(store, village_id="522731100201", benefit_status="dibao")
    people.add_person(store, household_id=other, name="张三", relation="self")
    q = HouseholdQuery()
    assert households.count_households(store, q) == 2
    assert [r.id for r in households.query_households(store, HouseholdQuery(flags=("elder_alone",)))] == [family["household"]]
    assert [r.id for r in households.query_households(store, HouseholdQuery(benefit_status="dibao"))] == [other]
    assert [r.id for r in households.query_households(store, HouseholdQuery(village_ids=(village,)))] == [family["household"]]
    assert [r.id for r in households.query_households(store, HouseholdQuery(text="zs"))] == [other]
    assert [r.id for r in households.query_households(store, HouseholdQuery(text="wangxiu"))] == [family["household"]]
    by_head = households.query_households(store, HouseholdQuery(sort="head", descending=True))
    assert [r.head_name for r in by_head] == sorted([r.head_name for r in by_head], reverse=True)


def test_archived_households_leave_the_list_but_not_the_database(store, family):
    households.archive_household(store, family["household"])
    assert households.count_households(store, HouseholdQuery()) == 0
    assert households.count_households(store, HouseholdQuery(include_archived=True)) == 1
    assert households.get_household(store, family["household"]).row.archived


def test_consent_needs_who_when_how(store, family):
    with pytest.raises(ValidationError) as exc:
        households.update_household(store, family["household"], consent_given=True)
    assert {e.field for e in exc.value.errors} == {"consent_by", "consent_on", "consent_method"}
    households.update_household(store, family["household"], consent_given=True, consent_by="王秀英",
                                consent_on=date(2026, 11, 2), consent_method="verbal_witnessed")
    assert households.get_household(store, family["household"]).consent_method == "verbal_witnessed"


def test_bad_phone_is_refused(store, village):
    with pytest.raises(ValidationError) as exc:
        households.create_household(store, village_id=village, phone="12345")
    assert exc.value.errors[0].key == "error.phone.invalid"


def test_sorting_by_priority_follows_its_rank_not_the_alphabet(store, village):
    from outreach.storage.tables import Assessment, AssessmentTemplate

    with store.transaction() as w:
        tid = w.insert(AssessmentTemplate, {"template_key": "needs", "version": 1, "body": "{}"})
        for prio in ("high", "low", "urgent", "medium"):
            hid = w.insert(Household, {"code": f"T-{prio}", "village_id": village})
            w.insert(Assessment, {"household_id": hid, "template_id": tid, "assessed_on": date(2026, 1, 1),
                                  "priority": prio})
    rows = households.query_households(store, HouseholdQuery(sort="priority", descending=True))
    assert [r.priority for r in rows] == ["urgent", "high", "medium", "low"]


def test_group_filter(store, village):
    a = households.create_household(store, village_id=village, group_id=village + "001")
    households.create_household(store, village_id=village, group_id=village + "002")
    assert [r.id for r in households.query_households(store, HouseholdQuery(group_ids=(village + "001",)))] == [a]
