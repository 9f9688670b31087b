"""Who is overdue: Today's visits due and replies overdue, each given to the worker a lead would ask about
(``followups`` "Whose it is"): who made the promise, unless the team roster has given the village to
someone else since. The field week: 李娜 covers 东坪村 and 石门村, 王强 石门村 and 河口村, 赵敏 河口村."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import insert

from outreach.services import areas, followups, households, people, referrals, visits
from outreach.storage.sync_tables import STATUS_ENROLLED, STATUS_REVOKED, SyncDevice

TODAY = date(2026, 12, 3)
DONGPING, SHIMEN, HEKOU = "522731100200", "522731100201", "522731100202"


def as_worker(store, name: str) -> None:
    store.set_setting("worker_name", name)


def roster(store, *laptops: tuple[str, str, list[str]]) -> None:
    with store.transaction() as w:
        for n, (worker, status, villages) in enumerate(laptops):
            w.conn.execute(insert(SyncDevice.__table__).values(
                device_id=f"{n:032x}", team_id="t" * 32, worker=worker, status=status,
                villages=json.dumps(villages, ensure_ascii=False)))


def household(store, village: str, address: str) -> str:
    return households.create_household(store, village_id=village, address=address)


def visit(store, worker: str, hid: str, *, days_ago: int, next_in: int) -> None:
    as_worker(store, worker)
    visits.record_visit(store, household_id=hid, visit_date=TODAY - timedelta(days=days_ago), outcome="nobody_home",
                        next_due=TODAY - timedelta(days=days_ago) + timedelta(days=next_in), today=TODAY)


def test_each_worker_sees_their_own_promises(store, village):
    areas.add_area(store, code=HEKOU, name="河口村", level="village", parent_id="522731100")
    a = household(store, DONGPING, "东坪村1组3号")
    b = household(store, SHIMEN, "石门村2组8号")
    c = household(store, SHIMEN, "石门村4组1号")
    d = household(store, HEKOU, "河口村1组2号")
    visit(store, "李娜", a, days_ago=10, next_in=3)     # 7 days overdue
    visit(store, "李娜", b, days_ago=5, next_in=5)      # due today
    visit(store, "王强", c, days_ago=20, next_in=7)     # 13 days overdue, shared village: still his
    visit(store, "王强", d, days_ago=30, next_in=30)    # due today
    mother = people.add_person(store, household_id=a, name="王秀英", sex="female", birth_date=date(1944, 5, 3),
                               relation="self")
    as_worker(store, "李娜")
    clinic = _clinic(store)
    referrals.create_referral(store, person_id=mother, provider_id=clinic, reason="降压药", consent_given=True,
                              consent_by="王秀英", consent_on=date(2026, 11, 20), consent_method="verbal",
                              issue_on=date(2026, 11, 20), expected_reply_on=date(2026, 11, 27), today=TODAY)
    roster(store, ("陈静", STATUS_ENROLLED, []), ("李娜", STATUS_ENROLLED, [DONGPING, SHIMEN]),
           ("王强", STATUS_ENROLLED, [SHIMEN, HEKOU]))

    today = followups.today_list(store, today=TODAY)
    assert {v.address: v.worker for v in today.due_visits} == {
        "东坪村1组3号": "李娜", "石门村2组8号": "李娜", "石门村4组1号": "王强", "河口村1组2号": "王强"}
    assert [r.worker for r in today.overdue_referrals] == ["李娜"]
    summary = [(w.worker, w.visits_overdue, w.visits_due_today, w.replies_overdue)
               for w in followups.overdue_by_worker(today)]
    assert summary == [("李娜", 1, 1, 1), ("王强", 1, 1, 0)]

    only_wang = followups.for_worker(today, "王强")
    assert sorted(v.address for v in only_wang.due_visits) == ["河口村1组2号", "石门村4组1号"]
    assert only_wang.overdue_referrals == []
    assert followups.for_worker(today, None) is today

    j = followups.today_json(today)
    assert {"household_code", "household_id", "village", "address", "next_due", "days_overdue"} <= set(
        j["visits_due"][0])
    assert j["replies_overdue"][0]["worker"] == "李娜"
    assert followups.by_worker_json(today)[1] == {"worker": "王强", "visits_overdue": 1, "visits_due_today": 1,
                                                  "replies_overdue": 0}


def test_a_village_handed_over_goes_to_its_new_worker(store, village):
    """Wednesday: 王强's laptop is revoked and 赵敏 covers 河口村; what 王强 promised there is now hers,
    while 石门村 (shared with 李娜, 王强 gone) goes to 李娜. The lead's own visit in 东坪村 is 李娜's."""
    areas.add_area(store, code=HEKOU, name="河口村", level="village", parent_id="522731100")
    d = household(store, HEKOU, "河口村1组2号")
    c = household(store, SHIMEN, "石门村4组1号")
    a = household(store, DONGPING, "东坪村5组1号")
    visit(store, "王强", d, days_ago=15, next_in=5)
    visit(store, "王强", c, days_ago=15, next_in=5)
    visit(store, "陈静", a, days_ago=15, next_in=5)
    roster(store, ("陈静", STATUS_ENROLLED, []), ("李娜", STATUS_ENROLLED, [DONGPING, SHIMEN]),
           ("王强", STATUS_REVOKED, [SHIMEN, HEKOU]), ("赵敏", STATUS_ENROLLED, [HEKOU]))
    today = followups.today_list(store, today=TODAY)
    assert {v.address: v.worker for v in today.due_visits} == {
        "河口村1组2号": "赵敏", "石门村4组1号": "李娜", "东坪村5组1号": "李娜"}
    assert [(w.worker, w.visits_overdue) for w in followups.overdue_by_worker(today)] == [("李娜", 2), ("赵敏", 1)]


def test_without_a_roster_it_stays_with_who_recorded_it(store, village):
    a = household(store, DONGPING, "东坪村1组3号")
    b = household(store, DONGPING, "东坪村1组4号")
    visit(store, "李娜", a, days_ago=10, next_in=3)
    visit(store, "", b, days_ago=10, next_in=3)      # old data: nobody recorded
    today = followups.today_list(store, today=TODAY)
    assert [(w.worker, w.visits_overdue) for w in followups.overdue_by_worker(today)] == [("李娜", 1), ("", 1)]
    assert [v.address for v in followups.for_worker(today, "").due_visits] == ["东坪村1组4号"]


def _clinic(store) -> str:
    from outreach.services import providers
    return providers.create_provider(store, name="青山镇卫生院", category="clinic", services="慢病随访", phone="0854-1234567")
