"""Letter data read from the store."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.domain.errors import NotFound, OutreachError
from outreach.services.letter_sources import (
    find_village,
    letters_for,
    letters_issued_on,
    organisation,
    parse_month,
    referral_letter_data,
    visit_register_data,
)
from tests.unit.letters.conftest import FULL_ID, VILLAGE


def test_letter_data_from_the_store(store, seeded):
    data = referral_letter_data(store, "zj-test-000001")  # typed in lower case from the slip
    assert data.reference == "ZJ-TEST-000001"
    assert data.organisation.name == "青山镇社会工作服务站"
    assert data.provider.name == "青山镇卫生院" and data.provider.contact_person == "张医生"
    p = data.person
    assert (p.name, p.sex, p.age, p.household_code) == ("王秀英", "female", 81, "东坪-0150")
    assert p.id_number == FULL_ID  # the renderer masks it
    assert p.phone == "0871-6000150"  # no personal phone: the household's
    # The need's domain and priority only: its description is working text (the reason says it).
    assert data.needs == ("健康（高）",)
    assert data.consent.given and data.consent.method == "verbal_witnessed" and data.consent.witness == "刘桂兰"
    assert (data.worker_name, data.worker_phone) == ("李娜", "13900001111")
    assert data.expected_reply_on == date(2025, 3, 24)
    en = referral_letter_data(store, "ZJ-TEST-000001", lang="en")
    assert en.needs == ("Health (High)",)      # all in English: no Chinese working text


def test_drafts_cancelled_and_unknown_references_have_no_letter(store, seeded):
    with pytest.raises(OutreachError) as err:
        referral_letter_data(store, "ZJ-TEST-000003")
    assert err.value.key == "letters.error.not_issued"
    with pytest.raises(OutreachError) as err:
        referral_letter_data(store, "ZJ-TEST-000004")
    assert err.value.key == "letters.error.cancelled"
    with pytest.raises(NotFound):
        referral_letter_data(store, "ZJ-NOPE-000001")


def test_letters_of_a_day_leave_out_cancelled_ones(store, seeded):
    assert [d.reference for d in letters_issued_on(store, date(2025, 3, 10))] == ["ZJ-TEST-000001",
                                                                                 "ZJ-TEST-000002"]
    assert letters_issued_on(store, date(2025, 3, 11)) == []
    assert [d.reference for d in letters_for(store, ["ZJ-TEST-000002", "ZJ-TEST-000001"])] == [
        "ZJ-TEST-000002", "ZJ-TEST-000001"]


def test_worker_phone_is_only_printed_for_this_workers_letters(store, seeded):
    store.set_setting("worker_name", "陈静")
    assert referral_letter_data(store, "ZJ-TEST-000001").worker_phone == ""


def test_unnamed_organisation_gets_a_generic_name(store):
    assert organisation(store).name == "社会工作服务站"
    assert organisation(store, "en").name == "Social work station"


def test_register_data_for_a_month(store, seeded):
    data = visit_register_data(store, "东坪村", 2025, 3)
    assert (data.village_code, data.village_name, data.team) == (VILLAGE, "东坪村", "青山镇社工站第一小组")
    assert [(r.visit_date, r.outcome, r.people_met, r.worker) for r in data.rows] == [
        (date(2025, 3, 3), "nobody_home", "", "李娜"),
        (date(2025, 3, 10), "met", "王秀英", "李娜"),
    ]
    assert len(visit_register_data(store, VILLAGE, 2025, 4).rows) == 1
    assert visit_register_data(store, "东坪", 2025, 2).rows == ()
    store.set_setting("team_name", "")
    assert visit_register_data(store, "东坪", 2025, 3).team == "青山镇社会工作服务站"  # no team: the station


def test_village_and_month_errors(store, seeded):
    assert find_village(store, VILLAGE) == (VILLAGE, "东坪村")
    with pytest.raises(NotFound):
        find_village(store, "石门村")
    assert parse_month("2025-03") == (2025, 3)
    for bad in ("2025-13", "March", "2025/03", ""):
        with pytest.raises(OutreachError) as err:
            parse_month(bad)
        assert err.value.key == "letters.error.bad_month"
