"""`outreach report --json` on a store spanning two townships (a county hub's, or a team's across a
township line): the county's figures as before, plus the same figures for each township under
"townships" — each exactly what a report about that township says. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from outreach.cli.main import main
from outreach.reports import summary
from outreach.reports.indicators import compute_indicators
from outreach.reports.scope import Scope
from outreach.storage.store import Store

from .dataset import T2, T, build

KEYS = {"month", "start", "end", "as_of", "area", "area_id", "worker", "households_total", "households_new",
        "households_visited", "households_never_visited", "visits", "coverage_30", "coverage_90", "visits_due",
        "people", "people_vulnerable", "age_groups", "needs_identified", "needs_open", "needs_by_priority",
        "urgent_needs", "assessments", "referrals_issued", "referrals_replied", "referrals_served",
        "replies_overdue", "median_days_to_reply"}


def _report(data_dir, capsys, *args) -> dict:
    assert main(["--data-dir", str(data_dir), "report", "--month", "2024-05", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_json_breaks_the_county_down_by_township(tmp_path, capsys):
    data_dir = tmp_path / "data"
    store = Store.open(data_dir)
    build(store)
    store.close()

    county = _report(data_dir, capsys)
    assert set(county) == KEYS | {"townships"}, "every key of before is kept"
    towns = county["townships"]
    assert [t["area_id"] for t in towns] == [T2, T]   # by name: 河口乡 before 石门镇 (code-point order)
    assert all(set(t) == KEYS for t in towns)
    for town in towns:   # each township's figures are those of its own report
        own = _report(data_dir, capsys, "--area", town["area_id"])
        assert own["townships"] == []
        assert town == {k: v for k, v in own.items() if k != "townships"}
    # a household lies in one township: household figures, visits and people add up to the county's
    for key in ("households_total", "households_new", "households_visited", "households_never_visited", "visits",
                "people", "needs_identified", "assessments", "referrals_issued"):
        assert sum(t[key] for t in towns) == county[key], key
    assert county["households_total"] > towns[0]["households_total"] > 0
    assert towns[1]["visits"] > 0 and towns[1]["needs_identified"] > 0

    # the same as the library's own figures (the CLI adds nothing of its own)
    store = Store.open(data_dir)
    try:
        ind = compute_indicators(store, Scope.for_month("2024-05"))
        assert county == json.loads(json.dumps(summary.report_json(
            ind, [compute_indicators(store, Scope.for_month("2024-05", area_id=a)) for a in (T2, T)]), default=str))
    finally:
        store.close()
