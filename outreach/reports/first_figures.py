"""The dashboard's first figures — households, visited, coverage — computed on their own so they can
be shown before the rest of the indicators (issue 14: the whole set takes seconds on 50k households).

The numbers come from the same functions as ``compute_indicators`` (``indicators._villages`` and
``indicators._coverage`` over the same ``Filters``), so the first figures and the full set always agree;
what is left out here (people, needs, assessments, referrals, overdue follow-ups) is the slow part.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from outreach.reports import indicators
from outreach.reports.figures import Coverage, HouseholdFigures, Tally
from outreach.reports.queries import AreaTree, Filters, H, V
from outreach.reports.scope import Scope
from outreach.storage.store import Store


@dataclass(frozen=True)
class FirstVisits:
    total: Tally


@dataclass(frozen=True)
class FirstFigures:
    """The fields of ``Indicators`` that the first six dashboard cards read, under the same names."""

    scope: Scope
    households: HouseholdFigures
    coverage: Coverage
    visits: FirstVisits


def first_figures(store: Store, scope: Scope) -> FirstFigures:
    with store.connect() as conn:
        f = Filters(conn, scope, AreaTree(conn))
        visit_rows = conn.execute(
            select(V.c.household_id, V.c.visit_type, V.c.outcome, V.c.created_by, H.c.village_id, V.c.visit_date)
            .join(H, H.c.id == V.c.household_id).where(*f.period_visits())).all()
        villages = indicators._villages(conn, f, visit_rows)
        coverage = indicators._coverage(conn, f, villages)
    visited = {r[0] for r in visit_rows}
    return FirstFigures(
        scope=scope,
        households=HouseholdFigures(
            indicators._hh("households.total", sum(v.households for v in villages.values())),
            indicators._hh("households.new", sum(v.new for v in villages.values())),
            indicators._hh("households.visited", len(visited)),
            indicators._hh("households.never_visited", sum(v.never_visited for v in villages.values()))),
        coverage=coverage,
        visits=FirstVisits(Tally("visits.total", "total", len(visit_rows), len(visited))),
    )
