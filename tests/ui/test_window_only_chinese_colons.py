"""Window only: Chinese text on screen puts a full-width ： between a Chinese label and its value. A
household's assessments listed "基本生活:紧急、照料:高", the needs line of the assessment form "健康: 紧急",
a chart's tooltip and the households behind a bar "走访结果: 见面", and a form's general error line
"同意人: 必填" — all with the ASCII colon. English keeps "Health: Urgent"."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from outreach.domain.errors import FieldError
from outreach.i18n import set_language

from .conftest import wait_idle


@pytest.fixture
def chinese():
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def test_assessment_domains_on_the_household_page(chinese):
    from outreach.ui.views.household_page import ASSESSMENT_COLUMNS

    column = next(c for c in ASSESSMENT_COLUMNS if c.header_key == "ui.col.domains")
    record = SimpleNamespace(domain_priorities={"basic_living": "urgent", "care": "high"})
    assert column.text(record) == "基本生活：紧急、照料：高"
    set_language("en")
    assert column.text(record).startswith("Basic living & income: Urgent")


def test_a_bars_tooltip(qtbot, chinese, monkeypatch):
    from outreach.ui.views import bar_chart

    shown: list[str] = []
    monkeypatch.setattr(bar_chart.QToolTip, "showText", staticmethod(lambda _pos, text, *_a: shown.append(text)))
    chart = bar_chart.BarChart()
    qtbot.addWidget(chart)
    chart.resize(400, 200)
    chart.set_bars("走访结果", [bar_chart.Bar("见面", 3, "3", None)])
    chart.show()
    centre = chart.bar_rects()[0].center()
    event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(centre), chart.mapToGlobal(centre.toPoint()).toPointF(),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(chart, event)
    assert shown == ["见面：3"]


def test_the_needs_line_of_the_assessment_form_and_a_general_error(qtbot, window, ctx, county, chinese):
    form = window.forms.assess(county["h2"])
    wait_idle(qtbot, ctx)
    for widget in form.questions.values():             # the worst answer everywhere: some domains are high
        if widget.segments is not None or widget.combo is not None:
            options = widget._options("zh_CN")
            widget.set_value(True if widget.q.type == "yesno" else options[-1][1])
    form._refresh()
    text = form.result.text()
    assert "：" in text and not any(f"{c}:" in text for c in "活康全料育绪持障业护"), text
    form.show_errors([FieldError("consent_by", "error.required")])   # a field this form does not show
    assert form.general_error.text() == "同意人：必填"
