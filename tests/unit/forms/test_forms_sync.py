"""Imported forms are team data: the lead imports them, the invite and the downlink carry every
version to the workers' laptops, a worker cannot import one, and answers taken with an old version
still render after the new one arrives."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.services.assessments import get_assessment
from outreach.services.forms import import_form_file, list_forms, record_form
from outreach.services.team_data import TeamDataReadOnly
from tests.unit.sync.test_reference_data import join
from tests.unit.sync.transport_kit import DONGPING, add_household, create_lead, downlink, receive

from .xlsforms import NEEDS_SURVEY, needs_form, write_xlsx


@pytest.fixture
def lead(tmp_path):
    lead = create_lead(tmp_path)
    yield lead
    lead.close()


def test_imported_form_versions_travel_to_workers(lead, tmp_path):
    assert import_form_file(lead.store, needs_form(tmp_path)).version == 1
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    assert [(f.key, f.version) for f in list_forms(li.store)] == [("hh_needs", 1)]      # in the invite
    with pytest.raises(TeamDataReadOnly):
        import_form_file(li.store, needs_form(tmp_path / "li"))
    household = add_household(li, "东坪-0150", DONGPING)
    answers = {"consent": "OK", "visit_date": "2024-06-10", "head_age": 70, "head_sex": "male",
               "food_enough": "yes", "members_n": 0}
    taken = record_form(li.store, household_id=household, key="hh_needs", answers=answers,
                        assessed_on=date(2024, 6, 10), today=date(2024, 6, 10), lang="zh_CN")
    renamed = [[*r[:2], "户主的年龄（周岁）", *r[3:]] if r[:2] == ["integer", "head_age"] else r for r in NEEDS_SURVEY]
    assert import_form_file(lead.store, write_xlsx(tmp_path / "v2.xlsx", renamed)).version == 2
    receive(li, downlink(lead, li))
    assert [(f.key, f.version) for f in list_forms(li.store)] == [("hh_needs", 2)]
    lines = {x.question: x.answer for x in get_assessment(li.store, taken.id, lang="zh_CN").lines}
    assert lines["户主年龄"] == "70"                            # still read with version 1's wording
    li.close()
