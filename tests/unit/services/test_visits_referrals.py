from datetime import timedelta

import pytest

from outreach.domain.errors import OutreachError, ValidationError
from outreach.services import followups, history, households, referrals, visits
from outreach.services.households import HouseholdQuery

from .conftest import TODAY


def test_nobody_home_visit_with_next_date(store, family):
    vid = visits.record_visit(store, household_id=family["household"], visit_date=TODAY, outcome="nobody_home",
                              next_due=TODAY + timedelta(days=3), today=TODAY)
    [v] = visits.list_visits(store, family["household"])
    assert v.id == vid and v.outcome == "nobody_home" and v.worker == "李娜"
    assert households.get_household(store, family["household"]).row.last_visit == TODAY


def test_visit_rules(store, family):
    hid = family["household"]
    with pytest.raises(ValidationError) as exc:
        visits.record_visit(store, household_id=hid, visit_date=TODAY + timedelta(days=1), today=TODAY)
    assert exc.value.errors[0].key == "error.date.future"
    with pytest.raises(ValidationError) as exc:
        visits.record_visit(store, household_id=hid, visit_date=TODAY, next_due=TODAY - timedelta(days=1), today=TODAY)
    assert exc.value.errors[0].field == "next_due"
    with pytest.raises(ValidationError):
        visits.record_visit(store, household_id=hid, visit_date=TODAY, outcome="nobody_home",
                            people_met=[family["mother"]], today=TODAY)
    assert visits.list_visits(store, hid) == []


def test_due_and_not_visited_lists(store, family, village):
    other = households.create_household(store, village_id=village)
    visits.record_visit(store, household_id=family["household"], visit_date=TODAY - timedelta(days=10),
                        next_due=TODAY - timedelta(days=2), today=TODAY)
    due = followups.visits_due(store, as_of=TODAY)   # the one definition Today and the reports use
    assert [(d.household_id, d.days_overdue) for d in due] == [(family["household"], 2)]
    stale = households.query_households(store, HouseholdQuery(not_visited_days=90, today=TODAY))
    assert [r.id for r in stale] == [other]


def test_referral_needs_consent_before_issue(store, family, clinic):
    ref = referrals.create_referral(store, person_id=family["mother"], provider_id=clinic,
                                    reason="降压药快吃完了，需要到镇卫生院开药。")
    assert ref.status == "draft" and ref.reference.startswith(f"ZJ-{store.device.code}-")
    with pytest.raises(ValidationError) as exc:
        referrals.issue_referral(store, ref.id, on=TODAY, today=TODAY)
    assert exc.value.errors[0].key == "error.referral.consent_required"
    referrals.update_referral(store, ref.id, consent_given=True, consent_by="王秀英", consent_on=TODAY,
                              consent_method="verbal_witnessed", consent_witness="邻居张大妈")
    issued = referrals.issue_referral(store, ref.id, on=TODAY, today=TODAY)
    assert issued.status == "issued" and issued.expected_reply_on == TODAY + timedelta(days=14)


def _issued(store, family, clinic, on=TODAY):
    return referrals.create_referral(store, person_id=family["mother"], provider_id=clinic, reason="送药",
                                     consent_given=True, consent_by="王秀英", consent_on=on,
                                     consent_method="verbal", issue_on=on, today=TODAY)


def test_reply_slip_closes_the_loop_by_reference(store, family, clinic):
    ref = _issued(store, family, clinic, on=TODAY - timedelta(days=3))
    referrals.record_reply(store, ref.reference.lower(), status="accepted", on=TODAY - timedelta(days=2), today=TODAY)
    done = referrals.record_reply(store, ref.reference, status="served", on=TODAY, services_provided="开具降压药一个月",
                                  today=TODAY)
    assert done.status == "served" and done.services_provided == "开具降压药一个月"
    assert [e.status for e in done.events] == ["draft", "issued", "accepted", "served"]
    with pytest.raises(OutreachError) as exc:
        referrals.record_reply(store, ref.reference, status="declined", on=TODAY, today=TODAY)
    assert exc.value.key == "error.referral.bad_transition"


def test_no_reply_before_issue(store, family, clinic):
    ref = referrals.create_referral(store, person_id=family["mother"], provider_id=clinic, reason="送药")
    with pytest.raises(OutreachError) as exc:
        referrals.record_reply(store, ref.reference, status="accepted", on=TODAY, today=TODAY)
    assert exc.value.key == "error.referral.reply_before_issue"
    issued = _issued(store, family, clinic)
    with pytest.raises(ValidationError):
        referrals.record_reply(store, issued.reference, status="accepted", on=TODAY - timedelta(days=1), today=TODAY)


def test_overdue_is_computed_from_the_expected_reply_date(store, family, clinic):
    ref = _issued(store, family, clinic, on=TODAY - timedelta(days=20))
    assert referrals.get_referral(store, ref.id).is_overdue(TODAY)
    assert [r.id for r in referrals.list_referrals(store, overdue_only=True, today=TODAY)] == [ref.id]
    assert [r.id for r in followups.today_list(store, today=TODAY).overdue_referrals] == [ref.id]
    assert referrals.list_referrals(store, overdue_only=True, today=TODAY - timedelta(days=10)) == []


def test_unknown_reference(store):
    with pytest.raises(OutreachError) as exc:
        referrals.get_referral(store, "ZJ-XXXX-000999")
    assert "ZJ-XXXX-000999" in exc.value.message()


def test_history_shows_who_changed_what(store, family):
    households.update_household(store, family["household"], phone="13700137000")
    entries = history.household_history(store, family["household"])
    assert entries[0].field == "phone" and entries[0].value == "13700137000" and entries[0].worker == "李娜"
    assert {e.entity for e in entries} >= {"household", "person"}


def test_needs_of_a_household_and_a_visit_taken_back(store, family):
    from outreach.storage.tables import Need

    with store.transaction() as w:
        w.insert(Need, {"household_id": family["household"], "person_id": family["mother"], "domain": "health",
                        "priority": "medium", "description": "降压药快吃完了"})
    [need] = referrals.list_needs(store, household_id=family["household"])
    assert (need.person_name, need.domain, need.status) == ("王秀英", "health", "open")
    vid = visits.record_visit(store, household_id=family["household"], visit_date=TODAY, today=TODAY)
    visits.archive_visit(store, vid)
    assert visits.list_visits(store, family["household"]) == []
    visits.archive_visit(store, vid, archived=False)
    assert [v.id for v in visits.list_visits(store, family["household"])] == [vid]


def test_overdue_referrals_can_be_limited_to_my_villages(store, family, clinic):
    ref = _issued(store, family, clinic, on=TODAY - timedelta(days=20))
    assert [r.id for r in referrals.list_referrals(store, overdue_only=True, today=TODAY,
                                                   village_ids=["522731100200"])] == [ref.id]
    assert referrals.list_referrals(store, overdue_only=True, today=TODAY, village_ids=["522731100201"]) == []


def test_the_team_reply_period_sets_the_expected_reply_date(store, family, clinic):
    """The reply period the lead set in the team profile is what a newly issued referral waits for."""
    from outreach.services.team_profile import update_team_profile

    update_team_profile(store, reply_days=30)
    ref = _issued(store, family, clinic)
    assert ref.expected_reply_on == TODAY + timedelta(days=30)

