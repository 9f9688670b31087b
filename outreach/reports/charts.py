"""Bar charts for the monthly report, drawn with reportlab's own graphics (no plotting library).

Each function returns a ``Drawing`` that can go straight into a platypus story. Labels use the
embedded CJK font; counts are whole numbers, so the value axis has whole-number steps.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

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
    """The axis end and step: the next whole step above the largest value, leaving room for its label."""
    top = max([0, *values])
    step = nice_step(max(top, 1))
    return step * (top // step + 1), step


def bar_chart(categories: list[str], series: list[list[int]], *, width: float, height: float,
              names: list[str] | None = None, horizontal: bool = False, title: str = "",
              label_values: bool = True, font_size: float = 7.5, value_max: int | None = None,
              value_suffix: str = "") -> Drawing:
    """Bars for one or more series over the same categories (grouped when there are several).

    ``horizontal=True`` suits long category names (villages, providers, vulnerability groups); the
    first category is drawn on top, as in the table beside it. The title sits top left and the legend
    (for several series) top right, clear of the axis labels."""
    font = register_fonts()
    d = Drawing(width, height, initialFontName=font, initialFontSize=font_size)  # no stray Helvetica
    top_pad = 16 if (title or (names and len(series) > 1)) else 4
    if title:
        d.add(String(0, height - 10, title, fontName=font, fontSize=font_size + 1.5, fillColor=colors.black))
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    rotate = False
    if horizontal:
        chart.x = 6 + _label_room(categories, font_size)
        chart.y = 14
    else:
        slot = (width - 40) / max(1, len(categories))
        rotate = max((stringWidth(c, font, font_size) for c in categories), default=0) > slot - 4
        chart.x = 30
        chart.y = 14 + (_label_room(categories, font_size) * 0.5 if rotate else 8)
    top, step = _axis_top([v for s in series for v in s])
    if value_max is not None:
        top, step = value_max, nice_step(value_max)
    right = 8
    if horizontal:   # room for the longest bar's label ("100%") after its bar, inside the drawing
        widest = max([v for s in series for v in s] + [top if value_max is not None else 0], default=0)
        right = max(22.0, 7 + stringWidth(f"{widest:,}{value_suffix}", font, font_size - 0.5) + 2) \
            if label_values else 22
    chart.width = width - chart.x - right
    chart.height = height - chart.y - top_pad - 4
    chart.data = [list(s) for s in series] or [[0] * len(categories)]
    chart.categoryAxis.categoryNames = list(categories)
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = font_size
        axis.strokeColor = AXIS
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = top
    chart.valueAxis.valueStep = step
    chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}{value_suffix}"
    if horizontal:
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        chart.categoryAxis.reverseDirection = True
    else:
        chart.categoryAxis.labels.boxAnchor = "ne" if rotate else "n"
        chart.categoryAxis.labels.angle = 30 if rotate else 0
        chart.categoryAxis.labels.dy = -2
    chart.barSpacing = 1
    chart.groupSpacing = 6 if len(series) > 1 else 4
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    if label_values:
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = font_size - 0.5
        chart.barLabelFormat = (lambda v: f"{int(v):,}{value_suffix}" if v else "") if value_suffix else _nonzero
        chart.barLabels.nudge = 7
        chart.barLabels.boxAnchor = "w" if horizontal else "s"
    d.add(chart)
    if names and len(series) > 1:
        legend = Legend()
        legend.fontName = font
        legend.fontSize = font_size
        legend.alignment = "right"
        legend.boxAnchor = "ne"
        legend.x = width - 4 - max(stringWidth(n, font, font_size) for n in names)
        legend.y = height - 2
        legend.dx = legend.dy = 7
        legend.columnMaximum = 1
        legend.deltax = max(stringWidth(n, font, font_size) for n in names) + 22
        legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], n) for i, n in enumerate(names)]
        d.add(legend)
    return d


def _nonzero(value) -> str:
    return f"{int(value):,}" if value else ""


def _label_room(categories: list[str], font_size: float) -> float:
    """Width for the category labels of a horizontal chart."""
    font = register_fonts()
    widest = max((stringWidth(c, font, font_size) for c in categories), default=0)
    return min(widest + 6, 140)
