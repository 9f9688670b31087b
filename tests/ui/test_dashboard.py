"""The dashboard: figures for the chosen period and area, and a click from any number or bar to the
households behind it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.ui.views.dashboard_view import DashboardView, build_dashboard
from tests.ui.conftest import wait_idle

LAST_12 = -2   # the period list ends with "last 12 months", "this year"


def make(qtbot, ctx) -> DashboardView:
    view = build_dashboard(ctx, None)
    qtbot.addWidget(view)
    view.resize(1200, 900)
    view.show()
    wait_idle(qtbot, ctx)
    view.select(period=len(view.periods) + LAST_12)
    wait_idle(qtbot, ctx)
    return view


def resolve(qtbot, ctx, query) -> list[str]:
    got = []
    ctx.runner.query(query.resolve, on_done=got.append)
    wait_idle(qtbot, ctx)
    return got[0]


def card(view, caption: str):
    return next(c for c in view.cards if c.caption.text() == caption)


def test_figures_and_click_through(qtbot, ctx, county):
    view = make(qtbot, ctx)
    assert card(view, "在册户数").value.text() == "3"
    assert card(view, "本期走访户数").value.text() == "1"          # 石门-0022, ten days ago
    assert card(view, "到期未回访户数").value.text() == "1"         # its next visit was due yesterday
    never = card(view, "从未走访户数")
    assert never.value.text() == "2"
    with qtbot.waitSignal(view.sig_open_households) as sig:
        qtbot.mouseClick(never, Qt.MouseButton.LeftButton)
    query = sig.args[0]
    assert query.key == "households.never_visited" and "从未走访" in query.title
    assert resolve(qtbot, ctx, query) == [county["h1"], county["h2"]]


def test_a_bar_opens_its_households(qtbot, ctx, county):
    view = make(qtbot, ctx)
    chart = view.charts["vulnerability"]
    i = next(i for i, b in enumerate(chart.bars) if b.label == "独居老人")
    assert chart.bars[i].value == 1
    centre = chart.bar_rects()[i].center().toPoint()
    with qtbot.waitSignal(view.sig_open_households) as sig:
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=centre)
    assert sig.args[0].key == "people.vulnerability.elder_alone"
    assert resolve(qtbot, ctx, sig.args[0]) == [county["h2"]]
    empty = next(i for i, b in enumerate(chart.bars) if b.value == 0)
    with qtbot.assertNotEmitted(view.sig_open_households):
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_rects()[empty].center().toPoint())


def test_keyboard_reaches_bars(qtbot, ctx, county):
    view = make(qtbot, ctx)
    chart = view.charts["villages"]          # lowest coverage first: 东坪村 (0 of 2), then 石门村
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_Down)
    with qtbot.waitSignal(view.sig_open_households) as sig:
        qtbot.keyClick(chart, Qt.Key.Key_Return)
    query = sig.args[0]
    assert query.key == "coverage.unvisited_90" and query.scope.area_id == "530101100201"
    assert resolve(qtbot, ctx, query) == [county["h1"], county["h2"]]


def test_village_table_cells_open_that_village(qtbot, ctx, county):
    view = make(qtbot, ctx)
    model = view.village_model
    row = next(r for r in range(model.rowCount()) if model.record_at(r).name == "石门村")
    with qtbot.waitSignal(view.sig_open_households) as sig:
        view.village_table.activated.emit(model.index(row, 2))    # "visited this period"
    assert sig.args[0].scope.area_id == "530101100202"
    assert resolve(qtbot, ctx, sig.args[0]) == [county["h3"]]


def test_area_picker_and_language(qtbot, ctx, county):
    view = make(qtbot, ctx)
    view.select(area_id="530101100201")
    wait_idle(qtbot, ctx)
    assert card(view, "在册户数").value.text() == "2"
    ctx.language.apply("en")
    view.retranslate()
    assert card(view, "Households registered").value.text() == "2"
    assert view.picker_labels[0].text() == "Period" and view.area_box.currentText().strip() == "东坪村"
    assert view.charts["vulnerability"].title == "People in each vulnerable group"


def test_save_monthly_report(qtbot, ctx, county, tmp_path, monkeypatch):
    view = make(qtbot, ctx)
    assert not view.save_button.isEnabled()            # "last 12 months" is not one month
    view.select(period=0)
    wait_idle(qtbot, ctx)
    assert view.save_button.isEnabled()
    target = tmp_path / "report.pdf"
    monkeypatch.setattr(view, "ask_save_path", lambda _suggested: str(target))
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert target.read_bytes().startswith(b"%PDF") and str(target) in view.status.text()


def test_screenshot_shows_the_bars(qtbot, ctx, county, tmp_path):
    view = make(qtbot, ctx)
    image = view.grab().toImage()
    image.save(str(tmp_path / "dashboard.png"))
    chart = view.charts["vulnerability"]
    i = next(i for i, b in enumerate(chart.bars) if b.value)
    centre = chart.mapTo(view, chart.bar_rects()[i].center().toPoint())
    assert image.pixelColor(centre).name() == "#2f6db5", "the bar is drawn where a click opens it"
