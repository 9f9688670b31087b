"""The dashboard shows its first figures (households, visited, coverage) from their own quick query,
without waiting for the rest of the indicators — here the rest never comes."""

from __future__ import annotations

from outreach.domain.errors import OutreachError
from outreach.ui.views import dashboard_view
from tests.ui.conftest import wait_idle
from tests.ui.test_dashboard import card, make


def test_first_figures_show_while_the_rest_is_missing(qtbot, ctx, county, monkeypatch):
    def never(store, scope, **_kw):
        raise OutreachError("reports.error.unknown_area", area="—")

    monkeypatch.setattr(dashboard_view, "compute_indicators", never)
    view = make(qtbot, ctx)
    wait_idle(qtbot, ctx)
    assert view.indicators is None, "the full set never arrived"
    assert card(view, "在册户数").value.text() == "3"
    assert card(view, "本期走访户数").value.text() == "1"
    assert card(view, "从未走访户数").value.text() == "2"
    assert view.cards[6].value.text() == "", "the cards after the first six wait for the full set"
