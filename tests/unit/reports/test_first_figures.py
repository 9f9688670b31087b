"""The dashboard's first figures (shown before the full set) are the very numbers of the full set, for
the whole team, a township, a village and one worker."""

from __future__ import annotations

from outreach.reports.first_figures import first_figures
from outreach.reports.indicators import compute_indicators
from outreach.reports.scope import Scope

from .conftest import TODAY
from .dataset import T


def test_first_figures_are_the_full_sets_households_coverage_and_visit_total(store, team, may):
    scopes = [may, Scope.for_month("2024-05", today=TODAY), Scope.for_month("2024-06", area_id=T, today=TODAY),
              Scope.for_month("2024-05", worker="李娜", today=TODAY)]
    seen = set()
    for scope in scopes:
        first, full = first_figures(store, scope), compute_indicators(store, scope)
        assert first.scope == scope
        assert first.households == full.households, scope
        assert first.coverage == full.coverage, scope
        assert first.visits.total == full.visits.total, scope
        seen.add((first.households.total.count, first.coverage.visited_90.count, first.visits.total.count))
    assert len(seen) > 1, "the scopes tell different numbers apart"
    assert all(total > 0 for total, _, _ in seen)
