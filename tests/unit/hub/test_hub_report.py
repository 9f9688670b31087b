"""The county's monthly figures at the hub: a hub fed by two leads reports every team's work, and each
figure equals the sum of the two teams' own reports."""

from __future__ import annotations

from collections import Counter
from datetime import date

from outreach.reports.indicators import compute_indicators
from outreach.reports.report_pdf import write_monthly_report
from outreach.reports.scope import Scope
from outreach.sync import transport
from tests.unit.hub.hub_kit import TOWNSHIPS, close_all, county, hub_receive, hub_up, week

TODAY = date(2026, 11, 30)


def _sums(*indicators) -> Counter:
    out: Counter = Counter()
    for ind in indicators:
        for t in ind.tallies():
            out[(t.key, t.code, "count")] += t.count
            out[(t.key, t.code, "households")] += t.households
    return out


def test_county_report_at_the_hub_equals_the_sum_of_the_teams_reports(tmp_path):
    hub, teams = county(tmp_path, n_teams=2, n_workers=2)
    try:
        week(hub, teams)
        for r in hub_receive(hub, *[hub_up(t.lead) for t in teams]):
            assert r.status == transport.IMPORTED, r.text("en")
        scope = Scope.for_month("2026-11", today=TODAY)
        team_reports = [compute_indicators(t.lead.store, scope) for t in teams]
        county_report = compute_indicators(hub.store, scope)

        # 2 teams × (2 workers × 2 households + the lead's 1) = 10 households, all visited this month
        assert county_report.households.total.count == 10
        assert county_report.visits.total.count == 10
        assert [t.households.total.count for t in team_reports] == [5, 5]
        assert _sums(county_report) == _sums(*team_reports)
        # one row per village with work in it, from both townships
        assert len(county_report.villages) == 4
        assert {v.village_id[:9] for v in county_report.villages} == {t.township for t in teams}
        # the county's report also sums them by township; a team's own report (one township) does not
        assert [(r.village_id, r.households, r.visited) for r in county_report.townships] == [
            (t.township, 5, 5) for t in sorted(teams, key=lambda t: TOWNSHIPS[t.township])]
        assert all(t.townships == () for t in team_reports)
        assert county_report.area_name == "全县" and team_reports[0].area_name == "全部片区"

        pdf = tmp_path / "county.pdf"
        ind = write_monthly_report(hub.store, pdf, month="2026-11", today=TODAY)
        assert pdf.read_bytes().startswith(b"%PDF") and ind.households.total.count == 10
        en = write_monthly_report(hub.store, tmp_path / "county_en.pdf", month="2026-11", today=TODAY, lang="en")
        assert en.area_name == "Whole county" and (tmp_path / "county_en.pdf").stat().st_size > 10_000
    finally:
        close_all(hub, teams)
