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


def test_first_figures_are_asked_before_the_picker_choices_and_only_once(qtbot, ctx, county, monkeypatch):
    """Opening the dashboard: the first six cards of the opening scope do not wait for the area and
    worker lists (a scan of every visit), and are not computed a second time when those arrive."""
    calls = []
    for name in ("first_figures", "report_choices", "compute_indicators"):
        real = getattr(dashboard_view, name)
        monkeypatch.setattr(dashboard_view, name,
                            lambda *a, _real=real, _name=name, **kw: calls.append(_name) or _real(*a, **kw))
    view = dashboard_view.build_dashboard(ctx, None)
    qtbot.addWidget(view)
    wait_idle(qtbot, ctx)
    assert calls == ["first_figures", "report_choices", "compute_indicators"]
    assert card(view, "在册户数").value.text() == "3"
    view.select(area_id=view.areas[-1].id)   # another scope: first figures again, then the rest
    wait_idle(qtbot, ctx)
    assert calls[3:] == ["first_figures", "compute_indicators"]
