"""Bar charts for the monthly report, drawn with reportlab's own graphics (no plotting library).

Each function returns a ``Drawing`` that can go straight into a platypus story. Labels use the
embedded CJK font; counts are whole numbers, so the value axis has whole-number steps.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from outreach.letters.fonts import register_fonts

PALETTE = [colors.HexColor(c) for c in ("#2f6db5", "#e08a2c", "#4c9a56", "#b8484a", "#7a5aa6", "#8c8c8c")]
AXIS = colors.HexColor("#555555")
GRID = colors.HexColor("#dddddd")


def nice_step(top: int, ticks: int = 5) -> int:
    """A whole-number axis step (1, 2, 5, 10, 20, 50 …) giving about ``ticks`` intervals up to ``top``."""
    raw = max(1, -(-top // ticks))
    base = 1
    while True:
        for m in (1, 2, 5):
            if base * m >= raw:
                return base * m
        base *= 10


def _axis_top(values: list[int]) -> tuple[int, int]:
    top = max([0, *values])
    step = nice_step(max(top, 1))
    return step * max(1, -(-top // step)), step


def bar_chart(categories: list[str], series: list[list[int]], *, width: float, height: float,
              names: list[str] | None = None, horizontal: bool = False, title: str = "",
              label_values: bool = True, font_size: float = 7.5) -> Drawing:
    """Bars for one or more series over the same categories (grouped when there are several).

    ``horizontal=True`` suits long category names (villages, providers, vulnerability groups)."""
    font = register_fonts()
    d = Drawing(width, height)
    top_pad = 14 if title else 4
    legend_h = 14 if names and len(series) > 1 else 0
    if title:
        d.add(String(0, height - 10, title, fontName=font, fontSize=font_size + 1.5, fillColor=colors.black))
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    label_room = _label_room(categories, font_size) if horizontal else 0
    chart.x = 6 + label_room if horizontal else 26
    chart.y = 4 + legend_h if horizontal else 22 + legend_h
    chart.width = width - chart.x - 12
    chart.height = height - chart.y - top_pad - 4
    chart.data = [list(s) for s in series] or [[0] * len(categories)]
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = font_size
    chart.categoryAxis.strokeColor = AXIS
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = font_size
    chart.valueAxis.strokeColor = AXIS
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.visibleGrid = True
    top, step = _axis_top([v for s in series for v in s])
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = top
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = "{:,.0f}".format
    if horizontal:
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        chart.categoryAxis.reverseDirection = True   # first category on top, as in the table beside it
    else:
        chart.categoryAxis.labels.boxAnchor = "n"
        chart.categoryAxis.labels.dy = -2
        if len(categories) > 6 or max((len(c) for c in categories), default=0) > 6:
            chart.categoryAxis.labels.angle = 30
            chart.categoryAxis.labels.boxAnchor = "ne"
    chart.barSpacing = 1
    chart.groupSpacing = 6 if len(series) > 1 else 4
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    if label_values:
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = font_size - 0.5
        chart.barLabelFormat = _nonzero
        chart.barLabels.nudge = 6
        chart.barLabels.boxAnchor = "w" if horizontal else "s"
        chart.barLabels.dx = 0
    d.add(chart)
    if legend_h:
        legend = Legend()
        legend.fontName = font
        legend.fontSize = font_size
        legend.alignment = "right"
        legend.x = chart.x
        legend.y = 8
        legend.dx = legend.dy = 7
        legend.columnMaximum = 1
        legend.deltax = max(60, max(len(n) for n in names) * font_size + 24)
        legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], n) for i, n in enumerate(names)]
        legend.boxAnchor = "sw"
        d.add(legend)
    return d


def _nonzero(value) -> str:
    return f"{int(value):,}" if value else ""


def _label_room(categories: list[str], font_size: float) -> float:
    """Width for the category labels of a horizontal chart (CJK characters are about square)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = register_fonts()
    widest = max((stringWidth(c, font, font_size) for c in categories), default=0)
    return min(widest + 6, 140)
