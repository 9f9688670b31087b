"""Indicators on the hand-built team of dataset.py; the right answers are worked out by hand below."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from outreach.domain.errors import OutreachError
from outreach.reports.indicators import compute_indicators, households_behind
from outreach.reports.scope import Scope

from .conftest import TODAY
from .dataset import G1, V1, V2


def by_code(tallies):
    return {t.code: (t.count, t.households) for t in tallies}


def behind(store, ids, key, scope):
    inverse = {v: k for k, v in ids.items()}
    return [inverse[h] for h in households_behind(store, key, scope)]


def test_households_and_coverage(store, team, may):
    ind = compute_indicators(store, may)
    assert ind.area_name == "石门镇" and ind.as_of == date(2024, 5, 31)
    # h1 h2 h4 h5 h8 h9: h3 is archived, h6 registered (and visited) in June, h7 in the other township;
    # h9 was typed in in June but visited on 8 May.
    assert ind.households.total.count == 6
    assert ind.households.new.count == 1                 # h2, registered 5 May
    assert ind.households.visited.count == 4             # h1 h2 h5 h9
    assert ind.households.never_visited.count == 1       # h8
    cov = ind.coverage
    assert cov.households == 6
    # 30 days = 2 May..31 May: h1 h2 h5 h9; 90 days = 3 Mar..31 May adds h4 (15 Apr).
    assert (cov.visited_30.count, cov.visited_90.count) == (4, 5)
    # someone met: h1 (20 May) h2 (7 May) h9 (8 May); h4 (15 Apr) within 90 days. h5: nobody home, refused.
    assert (cov.reached_30.count, cov.reached_90.count) == (3, 4)
    assert cov.share(cov.visited_90) == Fraction(5, 6)
    assert behind(store, team, "households.never_visited", may) == ["h8"]
    assert behind(store, team, "coverage.visited_90", may) == ["h1", "h2", "h4", "h5", "h9"]
    assert cov.unvisited_90.count == 1 and behind(store, team, "coverage.unvisited_90", may) == ["h8"]


def test_visits_by_type_outcome_worker_village_and_time(store, team, may):
    v = compute_indicators(store, may).visits
    # v2 v3 (h1), v4 (h2), v7 v8 (h5), v13 (h9); v9 is in an archived household, v10 is archived.
    assert (v.total.count, v.total.households) == (6, 4)
    assert by_code(v.by_type) == {"routine": (2, 2), "follow_up": (2, 1), "assessment": (1, 1), "crisis": (1, 1),
                                  "campaign": (0, 0), "supply_delivery": (0, 0)}
    assert by_code(v.by_outcome) == {"met": (3, 3), "nobody_home": (2, 2), "refused": (1, 1)}
    assert by_code(v.by_worker) == {"李娜": (4, 3), "王强": (2, 2)}
    assert by_code(v.by_village) == {V1: (3, 2), V2: (3, 2)}
    assert [t.label for t in v.by_village] == ["东坪村", "石门村"]
    # Weeks of May 2024 (the 1st is a Wednesday): 1–5, 6–12, 13–19, 20–26, 27–31.
    assert [(b.start.day, b.end.day) for b in v.over_time] == [(1, 5), (6, 12), (13, 19), (20, 26), (27, 31)]
    assert [(b.tally.count, b.tally.households) for b in v.over_time] == [(0, 0), (4, 4), (0, 0), (2, 2), (0, 0)]
    assert behind(store, team, "visits.outcome.nobody_home", may) == ["h1", "h5"]
    assert behind(store, team, v.over_time[3].tally.key, may) == ["h1", "h5"]


def test_people_by_vulnerability_and_age(store, team, may):
    p = compute_indicators(store, may).people
    # p1 p2 p3 p4 p5 p7 p9 p12: p6 merged into p5, p8 deceased, p10 archived, p11 in the other township.
    assert (p.total.count, p.total.households) == (8, 5)
    vul = by_code(p.by_vulnerability)
    assert vul["elder_alone"] == (1, 1)          # p1 (p8 deceased, p11 elsewhere)
    assert vul["disability"] == (1, 1)           # p7 (p10 archived)
    assert vul["left_behind_child"] == vul["left_behind_elder"] == (1, 1)
    assert vul["migrant_worker"] == vul["chronic_illness"] == (1, 1)
    assert vul["pregnant"] == (0, 0)
    assert (p.vulnerable.count, p.vulnerable.households) == (5, 3)   # p1 p2 p3 p4 p7 in h1 h2 h5
    # Ages on 31 May 2024: p3 9; p7 17 (18 on 1 June); p2 43 and p12 18 that very day; p4 74, p5 63;
    # p1 82; p9 has no birth date.
    # Civil-affairs groups: children are under 18 (p3, p7), older people 60 and over (p4 p5 p1), of whom
    # 80 and over p1 (an "of whom" line: not added to the total).
    assert by_code(p.by_age_group) == {"minor": (2, 2), "adult": (2, 2), "elder": (3, 3),
                                       "oldest_old": (1, 1), "unknown": (1, 1)}
    summed = [t.count for t in p.by_age_group if t.code != "oldest_old"]
    assert sum(summed) == p.total.count
    assert behind(store, team, "people.vulnerability.left_behind_child", may) == ["h2"]
    assert behind(store, team, "people.age.minor", may) == ["h2", "h5"]


def test_needs_and_assessments(store, team, may):
    ind = compute_indicators(store, may)
    n = ind.needs
    # identified in May: n1 n2 n3 n7 (h1), n4 (h5); n5 is from April, n6 archived. n7 was typed in on
    # 2 June but comes from the 6 May assessment.
    assert (n.identified.count, n.identified.households) == (5, 2)
    assert {k: c for k, c in by_code(n.by_domain).items() if c[0]} == {
        "care": (1, 1), "health": (1, 1), "psychosocial": (1, 1), "housing": (1, 1), "basic_living": (1, 1)}
    assert by_code(n.by_priority) == {"low": (0, 0), "medium": (2, 1), "high": (2, 1), "urgent": (1, 1)}
    assert n.matrix["health"] == {"medium": 1} and n.matrix["housing"] == {"urgent": 1}
    # open or referred now: n1 n3 n7 (h1) n4 (h5) n5 (h2, from April); n2 is met.
    assert (n.open.count, n.open.households) == (5, 3)
    assert by_code(n.open_by_domain)["education"] == (1, 1)
    a = ind.assessments
    assert (a.total.count, a.total.households) == (2, 2)       # a1 (h1), a3 (h5); a2 is April
    assert by_code(a.by_priority) == {"low": (0, 0), "medium": (0, 0), "high": (1, 1), "urgent": (1, 1)}


def test_referrals(store, team, may):
    r = compute_indicators(store, may).referrals
    # Issued in May: r1 r2 r5 (h1), r3 r6 (h5). r4 was issued in April, r7 is archived, r8 a draft.
    assert (r.issued.count, r.issued.households) == (5, 2)
    status = {k: c for k, c in by_code(r.by_status).items() if c[0]}
    # r5 was declined on 2 June: after the period, so still "issued" at its end.
    assert status == {"issued": (2, 1), "accepted": (1, 1), "served": (1, 1), "cancelled": (1, 1)}
    assert "draft" not in by_code(r.by_status)
    provider = {t.label: (t.count, t.households) for t in r.by_provider}
    assert provider == {"镇卫生院": (2, 1), "东坪村村委会": (2, 2), "县民政局": (1, 1)}
    # First answers: r1 accepted after 3 days, r3 after 2 days → median 2.5 days.
    assert r.replied.count == 2 and r.median_days_to_reply == Fraction(5, 2)
    assert r.served.count == 1 and r.share_served == Fraction(1, 5)
    # r2 expected a reply by 20 May and has none; r5's date (11 June) has not come; r6 was cancelled.
    assert r.overdue_replies.count == 1
    assert behind(store, team, "referrals.overdue_reply", may) == ["h1"]
    assert behind(store, team, f"referrals.provider.{team['pr2']}", may) == ["h1", "h5"]


def test_overdue_followups(store, team, may):
    ind = compute_indicators(store, may)
    # h4: due 15 May after the 15 April visit, nothing since. h5: the 25 May visit (nobody home) asked for
    # 28 May. h1's earlier due dates were each followed by a later visit; its last asks for 20 June.
    assert ind.overdue_followups.count == 2
    assert behind(store, team, "followups.overdue", may) == ["h4", "h5"]
    # Looking at May on 20 May: only h4 is overdue (h5's due date has not come yet on that day).
    mid = replace(may, today=date(2024, 5, 20))
    assert behind(store, team, "followups.overdue", mid) == ["h4"]


def test_villages_table(store, team, may):
    rows = {r.name: (r.households, r.visited, r.visited_90, r.never_visited)
            for r in compute_indicators(store, may).villages}
    assert rows == {"东坪村": (2, 2, 2, 0), "石门村": (4, 2, 3, 1)}


def test_other_areas_and_whole_team(store, team):
    whole = compute_indicators(store, Scope.for_month("2024-05", today=TODAY))
    assert whole.households.total.count == 7 and whole.visits.total.count == 7   # + h7 and its visit
    assert whole.people.total.count == 9
    village = compute_indicators(store, Scope.for_month("2024-05", area_id=V2, today=TODAY))
    assert village.area_name == "石门村" and village.households.total.count == 4
    group = compute_indicators(store, Scope.for_month("2024-05", area_id=G1, today=TODAY))
    assert group.households.total.count == 1 and group.overdue_followups.count == 1   # h4


def test_per_worker(store, team, may):
    wq = compute_indicators(store, replace(may, worker="王强"))
    # 王强's caseload: h4 h8 h9 (registered) and h5 (visited); not h6 (June). His May visits: v7 v13.
    assert wq.households.total.count == 4
    assert (wq.visits.total.count, wq.households.never_visited.count) == (2, 1)
    assert wq.overdue_followups.count == 2                     # his v5 (h4) and v7 (h5)
    assert wq.needs.identified.count == 1 and wq.referrals.issued.count == 0
    ln = compute_indicators(store, replace(may, worker="李娜"))
    assert ln.households.total.count == 3 and ln.visits.total.count == 4   # h1 h2 h5; v2 v3 v4 v8
    assert ln.overdue_followups.count == 0                    # h5 is overdue on 王强's visit, not hers


def test_every_number_leads_to_its_households(store, team, may):
    for scope in (may, replace(may, worker="王强"), Scope.for_month("2024-05", today=TODAY)):
        ind = compute_indicators(store, scope)
        for tally in ind.tallies():
            assert len(households_behind(store, tally.key, scope)) == tally.households, tally.key


def test_unknown_area_and_bad_month(store, team):
    with pytest.raises(OutreachError) as err:
        compute_indicators(store, Scope.for_month("2024-05", area_id="999999"))
    assert err.value.key == "reports.error.unknown_area"
    for bad in ("2024-13", "2024/05", "May", "", "24-05"):
        with pytest.raises(OutreachError) as err:
            Scope.for_month(bad)
        assert err.value.key == "reports.error.bad_month"
    with pytest.raises(KeyError):
        households_behind(store, "nonsense.key", Scope.for_month("2024-05"))


def test_empty_store_gives_zeros_not_errors(store):
    ind = compute_indicators(store, Scope.for_month("2024-05", today=TODAY))
    assert ind.households.total.count == 0 and ind.coverage.share(ind.coverage.visited_30) is None
    assert ind.referrals.median_days_to_reply is None and ind.referrals.share_served is None
