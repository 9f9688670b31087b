"""Fixtures for the letters tests: letter data built by hand, and a store seeded row by row."""

from __future__ import annotations

import json
from datetime import date

import pytest

from outreach.domain import idnumber
from outreach.letters.data import ConsentInfo, Organisation, PersonInfo, ProviderInfo, ReferralLetterData
from outreach.storage.tables import Area, Household, Need, Person, Provider, Referral, ReferralEvent, Visit

FULL_ID = idnumber.make("522731", date(1943, 5, 6), 2)  # 522731194305060026
ORG = Organisation("青山镇社会工作服务站", "青山县青山镇人民路 18 号", "0871-6123456")


def make_letter(**changes) -> ReferralLetterData:
    values = dict(
        reference="ZJ-ABCD-000123",
        issued_on=date(2025, 3, 10),
        organisation=ORG,
        provider=ProviderInfo("青山镇卫生院", "clinic", "张医生", "0871-6120120", "青山镇卫生路 3 号"),
        person=PersonInfo("王秀英", "female", 82, FULL_ID, "青山县青山镇东坪村三组 15 号", "13800138000", "东坪-0150"),
        reason="王秀英，82岁，独居，儿子在东莞务工。无法爬楼梯，洗澡需要协助；降压药即将用完。",
        needs=("健康：降压药即将用完（高）", "照料：洗澡需要协助（高）"),
        urgency="soon",
        consent=ConsentInfo(True, date(2025, 3, 10), "verbal_witnessed", "王秀英", "邻居 刘桂兰"),
        worker_name="李娜",
        worker_phone="13900001111",
        expected_reply_on=date(2025, 3, 24),
    )
    values.update(changes)
    return ReferralLetterData(**values)


@pytest.fixture
def letter() -> ReferralLetterData:
    return make_letter()


VILLAGE = "522731100200"


@pytest.fixture
def seeded(store):
    """A store with one village, a household of two, a clinic, an issued referral (with a need) for
    王秀英, a draft, a cancelled one, and visits in March 2025. Returns a dict of ids."""
    store.set_setting("org_name", ORG.name)
    store.set_setting("org_address", ORG.address)
    store.set_setting("org_phone", ORG.phone)
    store.set_setting("worker_phone", "13900001111")
    store.set_setting("team_name", "青山镇社工站第一小组")
    ids = {}
    with store.transaction() as w:
        w.insert(Area, {"id": VILLAGE, "name": "东坪村", "level": "village", "short_name": "东坪"})
        hh = w.insert(Household, {"code": "东坪-0150", "village_id": VILLAGE, "address": "东坪村三组 15 号",
                                  "phone": "0871-6000150"})
        wang = w.insert(Person, {"household_id": hh, "name": "王秀英", "sex": "female",
                                 "birth_date": date(1943, 5, 6), "id_number": FULL_ID, "relation": "self"})
        son = w.insert(Person, {"household_id": hh, "name": "刘建军", "sex": "male", "relation": "child",
                                "status": "away_for_work"})
        clinic = w.insert(Provider, {"name": "青山镇卫生院", "category": "clinic", "phone": "0871-6120120",
                                     "contact_person": "张医生"})
        need = w.insert(Need, {"household_id": hh, "person_id": wang, "domain": "health", "priority": "high",
                               "description": "降压药即将用完", "status": "referred"})
        common = {"person_id": wang, "household_id": hh, "provider_id": clinic, "urgency": "soon",
                  "consent_given": True, "consent_by": "王秀英", "consent_on": date(2025, 3, 10),
                  "consent_method": "verbal_witnessed", "consent_witness": "刘桂兰"}
        issued = w.insert(Referral, {**common, "reference": "ZJ-TEST-000001", "status": "issued",
                                     "reason": "降压药即将用完，需要上门评估。", "need_ids": json.dumps([need]),
                                     "issued_on": date(2025, 3, 10), "expected_reply_on": date(2025, 3, 24)})
        second = w.insert(Referral, {**common, "reference": "ZJ-TEST-000002", "status": "issued",
                                     "reason": "洗澡需要协助。", "issued_on": date(2025, 3, 10),
                                     "expected_reply_on": date(2025, 3, 24)})
        draft = w.insert(Referral, {**common, "reference": "ZJ-TEST-000003", "status": "draft",
                                    "reason": "草稿"})
        cancelled = w.insert(Referral, {**common, "reference": "ZJ-TEST-000004", "status": "cancelled",
                                        "reason": "已取消", "issued_on": date(2025, 3, 10)})
        for rid in (issued, second, cancelled):
            w.insert(ReferralEvent, {"referral_id": rid, "status": "issued", "event_date": date(2025, 3, 10)})
        w.insert(ReferralEvent, {"referral_id": cancelled, "status": "cancelled", "event_date": date(2025, 3, 10)})
        w.insert(Visit, {"household_id": hh, "visit_date": date(2025, 3, 3), "visit_type": "routine",
                         "outcome": "nobody_home"})
        w.insert(Visit, {"household_id": hh, "visit_date": date(2025, 3, 10), "visit_type": "assessment",
                         "outcome": "met", "people_met": json.dumps([wang])})
        w.insert(Visit, {"household_id": hh, "visit_date": date(2025, 4, 1), "visit_type": "follow_up",
                         "outcome": "met", "people_met": json.dumps([wang])})
    ids.update(household=hh, wang=wang, son=son, clinic=clinic, need=need, issued=issued, second=second,
               draft=draft, cancelled=cancelled)
    return ids
