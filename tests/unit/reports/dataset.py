"""A small hand-built team whose right answers are worked out in test_indicators.py.

Period under test: May 2024, looked at on 2024-06-15 (so ``as_of`` is 2024-05-31).
Township 石门镇 (T) has villages 东坪村 (V1) and 石门村 (V2, with group 一组 G1); the other township
河口乡 (T2) has 河口村 (V3).

Households (registered; ``*`` = excluded from May figures of T):
  h1 东坪-0001 V1 2024-01-10 李娜       h2 东坪-0002 V1 2024-05-05 李娜 (new in May)
  h3 东坪-0003 V1 archived *            h4 石门-0001 V2/G1 2023-12-01 王强
  h5 石门-0002 V2 2024-03-01 李娜       h6 石门-0003 V2 2024-06-03 * (after May)
  h7 河口-0001 V3 2024-01-01 赵敏 (T2)  h8 石门-0004 V2 2024-04-01 王强 (never visited)
  h9 石门-0005 V2 typed in on 2024-06-10 by 王强 from his paper notes of an 8 May visit (counts in May)
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from outreach.domain import idnumber
from outreach.storage.tables import (
    Area,
    Assessment,
    AssessmentTemplate,
    Household,
    Need,
    Person,
    Provider,
    Referral,
    ReferralEvent,
    Visit,
)

T, T2 = "522301101", "522301102"
V1, V2, V3 = "522301101201", "522301101202", "522301102201"
G1 = "522301101202001"

NAMES = ["王秀英", "李建华", "刘小雨", "张桂兰", "张建国", "張建國", "陈晓", "陈老汉", "陈大妈", "陈某某",
         "赵大爷", "孙明"]


def noon(d: str) -> datetime:
    return datetime.combine(date.fromisoformat(d), datetime.min.time(), tzinfo=UTC).replace(hour=12)


def build(store) -> dict[str, str]:
    ids: dict[str, str] = {}
    store.set_setting("org_name", "石门镇社会工作服务站")
    store.set_setting("org_address", "石门镇政府院内")
    store.set_setting("org_phone", "0851-12345678")
    with store.transaction(worker="陈静") as w:
        w.insert_many(Area, [
            {"id": "522301", "name": "山区县", "level": "county"},
            {"id": T, "name": "石门镇", "level": "township", "parent_id": "522301"},
            {"id": T2, "name": "河口乡", "level": "township", "parent_id": "522301"},
            {"id": V1, "name": "东坪村", "level": "village", "parent_id": T},
            {"id": V2, "name": "石门村", "level": "village", "parent_id": T},
            {"id": G1, "name": "一组", "level": "group", "parent_id": V2},
            {"id": V3, "name": "河口村", "level": "village", "parent_id": T2},
        ])
        ids["tpl"] = w.insert(AssessmentTemplate, {"template_key": "needs", "version": 1, "body": "{}"})
        for key, name, cat in [("pr1", "镇卫生院", "clinic"), ("pr2", "东坪村村委会", "village_committee"),
                               ("pr3", "县民政局", "civil_affairs")]:
            ids[key] = w.insert(Provider, {"name": name, "category": cat, "phone": "0851-87654321"})

    def hh(key, code, village, created, worker, *, group=None, archived=False, phone=""):
        with store.transaction(worker=worker) as w:
            ids[key] = w.insert(Household, {"code": code, "village_id": village, "group_id": group,
                                            "created_at": noon(created), "archived": archived,
                                            "address": f"{code} 号", "phone": phone})

    hh("h1", "东坪-0001", V1, "2024-01-10", "李娜", phone="13912345678")
    hh("h2", "东坪-0002", V1, "2024-05-05", "李娜", phone="13787654321")
    hh("h3", "东坪-0003", V1, "2024-02-01", "李娜", archived=True)
    hh("h4", "石门-0001", V2, "2023-12-01", "王强", group=G1)
    hh("h5", "石门-0002", V2, "2024-03-01", "李娜")
    hh("h6", "石门-0003", V2, "2024-06-03", "王强")
    hh("h7", "河口-0001", V3, "2024-01-01", "赵敏")
    hh("h8", "石门-0004", V2, "2024-04-01", "王强")
    hh("h9", "石门-0005", V2, "2024-06-10", "王强")

    def person(key, household, name, born, *, created="2024-01-10", **extra):
        values = {"household_id": ids[household], "name": name, "created_at": noon(created),
                  "birth_date": date.fromisoformat(born) if born else None, **extra}
        with store.transaction(worker="李娜") as w:
            ids[key] = w.insert(Person, values)

    person("p1", "h1", "王秀英", "1942-03-01", flag_elder_alone=True, flag_chronic_illness=True, sex="female",
           id_number=idnumber.make("522301", date(1942, 3, 1), 122), phone="13812341234")
    person("p2", "h1", "李建华", "1980-06-01", status="away_for_work", flag_migrant_worker=True, sex="male",
           id_number=idnumber.make("522301", date(1980, 6, 1), 131), phone="15098765432")
    person("p3", "h2", "刘小雨", "2015-02-01", created="2024-05-05", flag_left_behind_child=True, sex="female",
           id_number=idnumber.make("522301", date(2015, 2, 1), 242))
    person("p4", "h2", "张桂兰", "1950-05-31", created="2024-05-05", flag_left_behind_elder=True)
    person("p5", "h4", "张建国", "1961-01-01", id_number=idnumber.make("522301", date(1961, 1, 1), 311))
    person("p6", "h4", "張建國", "1961-01-01", merged_into=ids["p5"])
    person("p7", "h5", "陈晓", "2006-06-01", flag_disability=True, disability_type="physical")
    person("p8", "h5", "陈老汉", "1944-05-31", status="deceased", flag_elder_alone=True)
    person("p9", "h5", "陈大妈", None)
    person("p10", "h5", "陈某某", "1990-01-01", archived=True, flag_disability=True)
    person("p11", "h7", "赵大爷", "1940-01-01", flag_elder_alone=True)
    person("p12", "h8", "孙明", "2006-05-31")

    def visit(key, household, day, vtype, outcome, worker, due=None, archived=False, notes="", met=()):
        with store.transaction(worker=worker) as w:
            ids[key] = w.insert(Visit, {"household_id": ids[household], "visit_date": date.fromisoformat(day),
                                        "visit_type": vtype, "outcome": outcome, "archived": archived,
                                        "next_due": date.fromisoformat(due) if due else None, "notes": notes,
                                        "people_met": json.dumps([ids[m] for m in met])})

    visit("v1", "h1", "2024-02-10", "routine", "met", "李娜", "2024-03-10")
    visit("v2", "h1", "2024-05-06", "follow_up", "nobody_home", "李娜", "2024-05-09")
    visit("v3", "h1", "2024-05-20", "follow_up", "met", "李娜", "2024-06-20", met=["p1"],
          notes="王秀英血压药快吃完了，儿子李建华电话15098765432，身份证见档案")
    visit("v4", "h2", "2024-05-07", "assessment", "met", "李娜", met=["p3", "p4"], notes="=HYPERLINK(\"x\")")
    visit("v5", "h4", "2024-04-15", "routine", "met", "王强", "2024-05-15")
    visit("v7", "h5", "2024-05-25", "crisis", "nobody_home", "王强", "2024-05-28")
    visit("v8", "h5", "2024-05-10", "routine", "refused", "李娜")
    visit("v9", "h3", "2024-05-12", "routine", "met", "李娜")
    visit("v10", "h1", "2024-05-15", "routine", "met", "李娜", archived=True)
    visit("v11", "h7", "2024-05-03", "routine", "met", "赵敏")
    visit("v12", "h6", "2024-06-05", "routine", "met", "王强")
    visit("v13", "h9", "2024-05-08", "routine", "met", "王强")

    def need(key, household, domain, priority, created, status="open", worker="李娜", archived=False):
        with store.transaction(worker=worker) as w:
            ids[key] = w.insert(Need, {"household_id": ids[household], "domain": domain, "priority": priority,
                                       "status": status, "created_at": noon(created), "archived": archived})

    need("n1", "h1", "care", "high", "2024-05-06", "referred")
    need("n2", "h1", "health", "medium", "2024-05-06", "met")
    need("n3", "h1", "psychosocial", "medium", "2024-05-06")
    need("n4", "h5", "housing", "urgent", "2024-05-25", worker="王强")
    need("n5", "h2", "education", "low", "2024-04-20")
    need("n6", "h1", "health", "low", "2024-05-20", archived=True)

    def assessment(key, household, day, priority, worker="李娜"):
        with store.transaction(worker=worker) as w:
            ids[key] = w.insert(Assessment, {"household_id": ids[household], "template_id": ids["tpl"],
                                             "assessed_on": date.fromisoformat(day), "priority": priority})

    assessment("a1", "h1", "2024-05-06", "high")
    assessment("a2", "h2", "2024-04-20", "low")
    assessment("a3", "h5", "2024-05-25", "urgent", worker="王强")
    # a need from the 6 May assessment, typed in on 2 June: dated by its assessment, so it counts in May
    with store.transaction(worker="李娜") as w:
        ids["n7"] = w.insert(Need, {"household_id": ids["h1"], "assessment_id": ids["a1"], "domain": "basic_living",
                                    "priority": "high", "status": "open", "created_at": noon("2024-06-02")})

    def referral(key, person_key, household, provider, issued, expected, events, *, archived=False, **extra):
        with store.transaction(worker="李娜") as w:
            ids[key] = rid = w.insert(Referral, {**extra,
                "reference": f"ZJ-TEST-{key}", "person_id": ids[person_key], "household_id": ids[household],
                "provider_id": ids[provider], "reason": "测试",
                "issued_on": date.fromisoformat(issued) if issued else None,
                "expected_reply_on": date.fromisoformat(expected) if expected else None,
                "archived": archived, "status": events[-1][0] if events else "draft"})
            for status, day in events:   # inserted in order: later inserts get later clock stamps
                w.insert(ReferralEvent, {"referral_id": rid, "status": status,
                                         "event_date": date.fromisoformat(day)})

    referral("r1", "p1", "h1", "pr1", "2024-05-06", "2024-05-20",
             [("draft", "2024-05-06"), ("issued", "2024-05-06"), ("accepted", "2024-05-09"), ("served", "2024-05-12")],
             consent_given=True, consent_by="王秀英", consent_witness="张桂兰", consent_method="verbal_witnessed",
             consent_on=date(2024, 5, 6))
    referral("r2", "p1", "h1", "pr2", "2024-05-06", "2024-05-20", [("draft", "2024-05-06"), ("issued", "2024-05-06")])
    referral("r3", "p7", "h5", "pr3", "2024-05-25", "2024-05-27",
             [("draft", "2024-05-25"), ("issued", "2024-05-25"), ("accepted", "2024-05-27")])
    referral("r4", "p3", "h2", "pr1", "2024-04-25", "2024-05-09", [("issued", "2024-04-25"), ("served", "2024-05-02")])
    referral("r5", "p2", "h1", "pr1", "2024-05-28", "2024-06-11", [("issued", "2024-05-28"), ("declined", "2024-06-02")])
    referral("r6", "p7", "h5", "pr2", "2024-05-10", "2024-05-24", [("issued", "2024-05-10"), ("cancelled", "2024-05-15")])
    referral("r7", "p7", "h5", "pr2", "2024-05-10", "2024-05-24", [("issued", "2024-05-10")], archived=True)
    referral("r8", "p7", "h5", "pr2", None, None, [("draft", "2024-05-10")])
    return ids
