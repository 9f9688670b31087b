from datetime import date

import pytest

from outreach.services import areas, households, people, providers

TODAY = date(2026, 11, 29)


@pytest.fixture
def village(store):
    areas.add_area(store, code="522731", name="青山县", level="county")
    areas.add_area(store, code="522731100", name="青山镇", level="township", parent_id="522731")
    areas.add_area(store, code="522731100200", name="东坪村", level="village", parent_id="522731100")
    areas.add_area(store, code="522731100201", name="石门村", level="village", parent_id="522731100")
    return "522731100200"


@pytest.fixture
def family(store, village):
    """王秀英, 82, lives alone; her son is away for work (SCENARIOS Monday 3)."""
    hid = households.create_household(store, village_id=village, address="东坪村2组15号", phone="13800138000")
    mother = people.add_person(store, household_id=hid, name="王秀英", sex="female", birth_date=date(1944, 5, 3),
                               relation="self", flags={"elder_alone", "chronic_illness"})
    son = people.add_person(store, household_id=hid, name="李国强", sex="male", birth_date=date(1972, 8, 9),
                            relation="child", status="away_for_work", flags={"migrant_worker"}, phone="13912345678")
    return {"household": hid, "mother": mother, "son": son}


@pytest.fixture
def clinic(store):
    return providers.create_provider(store, name="青山镇卫生院", category="clinic", services="慢病随访、送药",
                                     phone="0854-1234567")
