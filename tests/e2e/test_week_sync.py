"""A week in the field (SCENARIOS.md) through encrypted bundles: three field laptops and the lead, each
with its own data folder, exchanging files only. Friday's bundles are imported in two different orders
on two copies of the lead's laptop and give the same store; after the downlinks every laptop holds
exactly the lead's rows for its villages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from outreach.services import areas, households, people, providers, referrals, visits
from outreach.storage.store import Store
from outreach.storage.tables import Household, Person
from outreach.sync import conflicts, duplicates, transport
from outreach.sync import team as T
from tests.conftest import copy_data_folder
from tests.unit.sync.transport_kit import PASS, Laptop, join, state_diff, synced_state

MON, TUE, WED, THU, FRI = (date(2026, 11, d) for d in (23, 24, 25, 26, 27))
LAST_MONTH = date(2026, 10, 20)
TOWNSHIP, DONGPING, SHIMEN, HEKOU = "522731100", "522731100200", "522731100201", "522731100202"


def send(laptop, **kw):
    return transport.export_bundle(laptop.store, laptop.ring, out=laptop.outbox, **kw).path


def down(lead, laptop, **kw):
    return transport.export_bundle(lead.store, lead.ring, out=lead.outbox, to=laptop.id, **kw).path


def take(laptop, *paths):
    results = transport.import_bundles(laptop.store, laptop.ring, list(paths))
    return results


def imported(laptop, *paths):
    results = take(laptop, *paths)
    assert all(r.status == "imported" for r in results), [r.text("en") for r in results]
    return results


def household_id(store, code_prefix: str) -> str:
    with store.connect() as conn:
        return conn.execute(select(Household.__table__.c.id)
                            .where(Household.__table__.c.code.like(code_prefix + "%"))).scalar_one()


def phone_of(store, hid: str) -> str:
    with store.connect() as conn:
        return conn.execute(select(Household.__table__.c.phone).where(Household.__table__.c.id == hid)).scalar_one()


def scoped(state: dict, villages: set[str]) -> dict:
    """The lead's state as a worker of ``villages`` should hold it (household-bound rows in scope)."""
    hh = {r["id"] for r in state["household"] if r["village_id"] in villages}
    by_household = {"person", "visit", "assessment", "need", "referral"}
    out = {}
    for entity, rows in state.items():
        if entity == "household":
            out[entity] = [r for r in rows if r["id"] in hh]
        elif entity in by_household:
            out[entity] = [r for r in rows if r["household_id"] in hh]
        elif entity == "referralevent":
            refs = {r["id"] for r in state["referral"] if r["household_id"] in hh}
            out[entity] = [r for r in rows if r["referral_id"] in refs]
        else:
            out[entity] = rows
    return out


@pytest.mark.slow
def test_a_week_of_field_work_ends_identical_on_every_laptop(tmp_path):
    # ---------------------------------------------------------------- before the week: the team
    lead = Laptop(tmp_path, "lead", "陈静")
    T.create_team(lead.store, PASS, name="东坪社工站")
    lead.ring = T.unlock(lead.store, PASS)
    areas.add_area(lead.store, code=TOWNSHIP, name="东坪乡", level="township")
    for code, name in ((DONGPING, "东坪村"), (SHIMEN, "石门村"), (HEKOU, "河口村")):
        areas.add_area(lead.store, code=code, name=name, level="village", parent_id=TOWNSHIP)
    clinic = providers.create_provider(lead.store, name="镇卫生院", category="clinic")
    civil = providers.create_provider(lead.store, name="乡民政办", category="civil_affairs")
    li = join(tmp_path, lead, "li", "李娜", [DONGPING, SHIMEN])
    wang = join(tmp_path, lead, "wang", "王强", [SHIMEN, HEKOU])
    imported(li, down(lead, li))
    imported(wang, down(lead, wang))
    # last month 李娜 registered 石门-0022 and 張建國 in 石门-0107; it reached everyone
    h22 = households.create_household(li.store, village_id=SHIMEN, code="石门-0022", phone="13800000022")
    h107 = households.create_household(li.store, village_id=SHIMEN, code="石门-0107")
    zhang_trad = people.add_person(li.store, household_id=h107, name="張建國", birth_date=date(1961, 3, 2),
                                   relation="self")
    visits.record_visit(li.store, household_id=h107, visit_date=LAST_MONTH, people_met=[zhang_trad])
    imported(lead, send(li))
    imported(wang, down(lead, wang))
    imported(li, down(lead, li))

    # ---------------------------------------------------------------- Monday: 李娜 in 东坪村
    h143 = households.create_household(li.store, village_id=DONGPING, code="东坪-0143")
    visits.record_visit(li.store, household_id=h143, visit_date=MON, outcome="nobody_home", next_due=THU)
    h150 = households.create_household(li.store, village_id=DONGPING, code="东坪-0150")
    wang_xiuying = people.add_person(li.store, household_id=h150, name="王秀英", birth_date=date(1944, 5, 1),
                                     relation="self", flag_elder_alone=True)
    people.add_person(li.store, household_id=h150, name="刘军", birth_date=date(1970, 8, 8), relation="child",
                      status="away_for_work")
    visits.record_visit(li.store, household_id=h150, visit_date=MON, people_met=[wang_xiuying])
    ref = referrals.create_referral(li.store, person_id=wang_xiuying, provider_id=clinic, reason="降压药快吃完了",
                                    consent_given=True, consent_by="王秀英", consent_on=MON,
                                    consent_method="verbal_witnessed", consent_witness="邻居", issue_on=MON,
                                    expected_reply_on=THU, today=MON)
    households.update_household(li.store, h22, phone="13911112222")

    # ---------------------------------------------------------------- Tuesday: 王强 in 石门村
    households.update_household(wang.store, h22, phone="13733334444")
    zhang_simple = people.add_person(wang.store, household_id=h107, name="张建国", birth_date=date(1961, 3, 2),
                                     relation="self")
    visits.record_visit(wang.store, household_id=h107, visit_date=TUE, people_met=[zhang_simple])
    h_roof = households.create_household(wang.store, village_id=HEKOU, code="河口-0031")
    victim = people.add_person(wang.store, household_id=h_roof, name="赵大山", birth_date=date(1958, 1, 9),
                               relation="self")
    visits.record_visit(wang.store, household_id=h_roof, visit_date=TUE, visit_type="crisis", people_met=[victim])
    referrals.create_referral(wang.store, person_id=victim, provider_id=civil, reason="房屋倒塌，需临时安置",
                              urgency="urgent", consent_given=True, consent_by="赵大山", consent_on=TUE,
                              consent_method="verbal", issue_on=TUE, today=TUE)
    tuesday = send(wang)                        # sent by messaging app on Tuesday evening
    visits.record_visit(wang.store, household_id=h_roof, visit_date=WED, notes="未发送")
    unsent = send(wang)                         # still in the stolen bag

    # ---------------------------------------------------------------- Wednesday: new worker, lost laptop
    imported(lead, tuesday)
    zhao = join(tmp_path, lead, "zhao", "赵敏", [HEKOU])
    T.revoke(lead.store, "王强的笔记本")
    [refused] = take(lead, unsent)
    assert refused.message.key == "sync.refused.revoked_sender"
    assert [r.message.key for r in take(wang, tuesday)] == ["sync.refused.not_for_us"]   # the thief's view
    wang2 = join(tmp_path, lead, "wang2", "王强", [SHIMEN, HEKOU], device_name="王强的新笔记本")
    imported(zhao, down(lead, zhao))
    imported(wang2, down(lead, wang2))
    assert phone_of(wang2.store, h22) == "13733334444"

    # ---------------------------------------------------------------- Thursday: replies come back
    referrals.record_reply(li.store, ref.reference, status="served", on=THU, today=THU)
    visits.record_visit(li.store, household_id=h143, visit_date=THU, people_met=[])
    visits.record_visit(zhao.store, household_id=h_roof, visit_date=THU, visit_type="follow_up",
                        people_met=[victim])
    visits.record_visit(wang2.store, household_id=h107, visit_date=THU, people_met=[zhang_simple])

    # ---------------------------------------------------------------- Friday: merge day
    from_li, from_zhao, from_wang2 = send(li), send(zhao), send(wang2)
    cut = tmp_path / "wechat" / from_wang2.name
    cut.parent.mkdir()
    cut.write_bytes(from_wang2.read_bytes()[: len(from_wang2.read_bytes()) // 2])
    lead.store.close()
    copy_data_folder(lead.dir, tmp_path / "lead_b")
    lead.store = Store.open(lead.dir)
    lead_b = Laptop.__new__(Laptop)
    lead_b.store, lead_b.ring = Store.open(tmp_path / "lead_b"), lead.ring

    results = take(lead, cut, from_li, from_zhao)
    assert [r.status for r in results] == ["refused", "imported", "imported"]
    assert "王强的新笔记本" in results[0].text("zh_CN") and "重新发送" in results[0].text("zh_CN")
    imported(lead, from_wang2)
    assert take(lead, from_wang2)[0].status == "already"
    imported(lead_b, from_wang2, from_zhao, from_li)            # another order, without the cut file
    state_a, state_b = synced_state(lead.store), synced_state(lead_b.store)
    assert state_a == state_b, state_diff(state_a, state_b)
    lead_b.store.close()

    open_items = [c for c in conflicts.list_conflicts(lead.store) if c.kind == "concurrent"]
    assert [(c.entity, c.field) for c in open_items] == [("household", "phone")]
    assert {open_items[0].current.value, open_items[0].other.value} == {"13911112222", "13733334444"}
    conflicts.edit(lead.store, open_items[0].id, "13911112222")   # she phoned the family
    [proposal] = duplicates.list_proposals(lead.store)
    duplicates.merge_people(lead.store, zhang_trad, zhang_simple)

    # ---------------------------------------------------------------- downlinks; a second round settles all
    for _ in range(2):
        outs = transport.export_downlinks(lead.store, lead.ring, tmp_path / "downlinks")
        assert {o.recipient for o in outs} == {li.id, zhao.id, wang2.id}     # the stolen laptop is left out
        by_id = {o.recipient: o.path for o in outs}
        for laptop in (li, zhao, wang2):
            imported(laptop, by_id[laptop.id])
            take(lead, send(laptop))

    final = synced_state(lead.store)
    for laptop, villages in ((li, {DONGPING, SHIMEN}), (zhao, {HEKOU}), (wang2, {SHIMEN, HEKOU})):
        mine = synced_state(laptop.store)
        assert mine == scoped(final, villages), (laptop.dir.name, state_diff(mine, scoped(final, villages)))
    for laptop in (li, wang2):
        assert phone_of(laptop.store, h22) == "13911112222"
        with laptop.store.connect() as conn:
            merged = conn.execute(select(Person.__table__.c.merged_into)
                                  .where(Person.__table__.c.id.in_([zhang_trad, zhang_simple]))).scalars().all()
            assert sorted(merged, key=str) == sorted([None, duplicates.resolve_person(conn, zhang_trad)], key=str)
            assert len(duplicates.visits_for_person(conn, zhang_trad)) == 3
    status = {d["name"]: d for d in transport.status_report(lead.store)["devices"]}
    assert status["王强的笔记本"]["status"] == "revoked" and status["王强的新笔记本"]["gaps"] == []
    assert proposal is not None
    for laptop in (lead, li, wang, zhao, wang2):
        laptop.store.close()
