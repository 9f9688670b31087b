"""The dashboard's first figures — households, visited, coverage — computed on their own so they can
be shown before the rest of the indicators (issue 14: the whole set takes seconds on 50k households).

The numbers come from the same query as ``compute_indicators`` (``indicators._household_pass`` over
the same ``Filters``: one query on two covering indexes, migration 9), so the first figures and the
full set always agree; what is left out here (people, needs, assessments, referrals, the period's
visits by type, worker and week, overdue follow-ups) is the slow part.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.reports import indicators
from outreach.reports.figures import Coverage, HouseholdFigures, Tally
from outreach.reports.queries import AreaTree, Filters
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
        hp = indicators._household_pass(conn, Filters(conn, scope, AreaTree(conn)))
    villages = hp.villages.values()
    return FirstFigures(
        scope=scope,
        households=HouseholdFigures(
            indicators._hh("households.total", sum(v.households for v in villages)),
            indicators._hh("households.new", sum(v.new for v in villages)),
            indicators._hh("households.visited", hp.visits.households),
            indicators._hh("households.never_visited", sum(v.never_visited for v in villages))),
        coverage=hp.coverage,
        visits=FirstVisits(hp.visits),
    )
