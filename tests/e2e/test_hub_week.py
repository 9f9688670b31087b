"""The field week (SCENARIOS.md) in two teams of one county, relayed to the county hub: each team's
workers register families, visit, refer to a county provider and hear back; two edits of one family
meet at the lead, who settles them; the leads merge their workers' bundles, and on Friday drop their
uplinks into the hub's inbox, where the
unattended watcher (nobody at the hub) imports them and writes each team's downlink. The county's
monthly figures at the hub then equal the sum of the two teams' own reports, and each lead reads the
county's downlink. Runs on SQLite and, with OUTREACH_TEST_ENGINE=postgresql, on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from outreach.reports.indicators import compute_indicators
from outreach.reports.report_pdf import write_monthly_report
from outreach.reports.scope import Scope
from outreach.services import households, people, referrals, visits
from outreach.storage.tables import Provider
from outreach.sync import conflicts, transport
from outreach.sync.watch import Watcher
from tests.unit.hub.hub_kit import close_all, county, county_state, hub_receive, hub_up, villages_of
from tests.unit.sync.transport_kit import state_diff

MON, TUE, WED, THU, FRI = (date(2026, 11, d) for d in (23, 24, 25, 26, 27))
TODAY = date(2026, 11, 30)


def send(laptop):
    return transport.export_bundle(laptop.store, laptop.ring, out=laptop.outbox).path


def down(lead, laptop):
    return transport.export_bundle(lead.store, lead.ring, out=lead.outbox, to=laptop.id).path


def take(laptop, *paths):
    return transport.import_bundles(laptop.store, laptop.ring, list(paths))


def imported(laptop, *paths):
    for r in take(laptop, *paths):
        assert r.status == transport.IMPORTED, r.text("en")


def county_provider(store) -> str:
    with store.connect() as conn:
        return conn.execute(select(Provider.__table__.c.id).where(Provider.__table__.c.name == "县残联")).scalar_one()


def team_week(t: int, team) -> dict[str, int]:
    """One team's week; returns what it did (for the checks)."""
    lead, (a, b) = team.lead, team.workers
    v1, v2 = villages_of(team.township)[:2]
    disabled = county_provider(a.store)          # the county's provider reached the worker via hub → lead
    # Monday: worker a registers two families in her village, meets an elder living alone, refers him
    h1 = households.create_household(a.store, village_id=v1, code=f"T{t}-0150", phone="13800000150")
    elder = people.add_person(a.store, household_id=h1, name=f"王秀英{t}", birth_date=date(1944, 5, 1),
                              relation="self", flag_elder_alone=True)
    visits.record_visit(a.store, household_id=h1, visit_date=MON, people_met=[elder])
    ref = referrals.create_referral(a.store, person_id=elder, provider_id=disabled, reason="轮椅坏了",
                                    consent_given=True, consent_by=f"王秀英{t}", consent_on=MON,
                                    consent_method="verbal", issue_on=MON, expected_reply_on=THU, today=MON)
    h2 = households.create_household(a.store, village_id=v1, code=f"T{t}-0143")
    visits.record_visit(a.store, household_id=h2, visit_date=MON, outcome="nobody_home", next_due=THU)
    imported(lead, send(a))
    imported(b, down(lead, b))
    # Tuesday: worker b in the other village; the lead, told by the village head, changes a's family's phone
    h3 = households.create_household(b.store, village_id=v2, code=f"T{t}-0031")
    victim = people.add_person(b.store, household_id=h3, name=f"赵大山{t}", birth_date=date(1958, 1, 9),
                               relation="self")
    visits.record_visit(b.store, household_id=h3, visit_date=TUE, visit_type="crisis", people_met=[victim])
    households.update_household(lead.store, h1, phone="13733334444")
    # Wednesday: a, who has not synced, records another number for the same family (a true conflict)
    households.update_household(a.store, h1, phone="13911112222")
    # Thursday: the county provider replies; a follows up
    referrals.record_reply(a.store, ref.reference, status="served", on=THU, today=THU)
    visits.record_visit(a.store, household_id=h2, visit_date=THU, people_met=[])
    # Friday: the lead merges both laptops, settles the phone number (she phoned), works a family herself
    imported(lead, send(b), send(a))
    [conflict] = [c for c in conflicts.list_conflicts(lead.store) if c.kind == "concurrent"]
    assert {conflict.current.value, conflict.other.value} == {"13733334444", "13911112222"}
    conflicts.edit(lead.store, conflict.id, "13911112222")
    h4 = households.create_household(lead.store, village_id=v2, code=f"T{t}-0200")
    visits.record_visit(lead.store, household_id=h4, visit_date=FRI, visit_type="follow_up")
    return {"households": 4, "visits": 5, "referrals": 1}


def _sums(*indicators) -> Counter:
    out: Counter = Counter()
    for ind in indicators:
        for t in ind.tallies():
            out[(t.key, t.code, "count")] += t.count
            out[(t.key, t.code, "households")] += t.households
    return out


def test_two_teams_week_relayed_to_the_hub_gives_the_county_its_monthly_figures(tmp_path):
    hub, teams = county(tmp_path, n_teams=2, n_workers=2)
    try:
        done = [team_week(t, team) for t, team in enumerate(teams)]
        # Friday evening: both uplinks land in the hub's shared inbox; nobody is at the hub
        inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
        inbox.mkdir()
        for team in teams:
            up = hub_up(team.lead).path
            up.rename(inbox / up.name)
        [report] = Watcher(hub.store, hub.ring, inbox, outbox, settle=0).run(once=True)
        assert report.count("imported") == 2 and report.count("refused") == 0
        assert len(report.downlinks) == 2 and not list(inbox.glob("*.age"))
        assert len(list((inbox / "done").glob("*.age"))) == 2

        # the county's monthly figures = the sum of the two teams' own reports
        scope = Scope.for_month("2026-11", today=TODAY)
        team_reports = [compute_indicators(t.lead.store, scope) for t in teams]
        county_report = compute_indicators(hub.store, scope)
        assert _sums(county_report) == _sums(*team_reports)
        assert county_report.households.total.count == sum(d["households"] for d in done) == 8
        assert county_report.visits.total.count == sum(d["visits"] for d in done) == 10
        assert county_report.referrals.issued.count == 2 and county_report.referrals.served.count == 2
        assert [r.households for r in county_report.townships] == [4, 4]
        assert county_report.area_name == "全县"
        pdf = tmp_path / "全县月报.pdf"
        write_monthly_report(hub.store, pdf, month="2026-11", today=TODAY)
        assert pdf.stat().st_size > 10_000

        # the phone number the lead settled is the county's too; each team's rows are identical at the hub
        hub_state = county_state(hub.store)
        phones = {row["code"]: row["phone"] for row in hub_state["household"]}
        assert phones["T0-0150"] == phones["T1-0150"] == "13911112222"
        for team in teams:
            mine = county_state(team.lead.store)
            for entity in ("household", "person", "visit", "referral", "referralevent"):
                ids = {r["id"] for r in mine[entity]}
                at_hub = [r for r in hub_state[entity] if r["id"] in ids]
                assert at_hub == mine[entity], state_diff({entity: at_hub}, {entity: mine[entity]})
        # each lead reads the county's downlink (the watcher wrote one per team)
        for team in teams:
            [r] = hub_receive(team.lead, *[d.path for d in report.downlinks if d.recipient == team.lead.id])
            assert r.status in (transport.IMPORTED, transport.ALREADY), r.text("en")
    finally:
        close_all(hub, teams)

