"""The monthly report PDF: the indicators of a month and an area as tables and bar charts, A4, under
the team's header (store settings ``org_name``, ``org_address``, ``org_phone``), in Chinese (default) or
English.

    write_monthly_report(store, "report.pdf", month="2024-05", area="522301101", lang="en")

The CJK font is the one the letters embed (``outreach.letters.fonts.register_fonts``: WenQuanYi Micro
Hei, subfont 0), so the PDF prints the same on any machine. ``render_report`` builds the PDF from
``Indicators`` alone (no database), which is what the tests and the dashboard's "print" use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from outreach.i18n import normalize_language, tr
from outreach.letters.fonts import register_fonts
from outreach.letters.layout import (  # Para wraps as its text's language asks (Chinese per character)
    BINDING_MARGIN,
    Para,
    SignOff,
    fit_line,
    format_date,
)
from outreach.reports import formatting as fmt
from outreach.reports.charts import bar_chart
from outreach.reports.figures import Indicators, Tally, ratio
from outreach.reports.files import atomic_file, check_target
from outreach.reports.indicators import AGE_GROUPS_SUMMED, compute_indicators
from outreach.reports.scope import Scope
from outreach.reports.summary import written_summary
from outreach.storage.store import Store

MARGIN = 16 * mm   # the outer edge; the left edge keeps the binding margin (装订线, 25 mm) of every paper
HEAD_BG = colors.HexColor("#e8eef6")
RULE = colors.HexColor("#9aa8bb")
ACCENT = colors.HexColor("#1a3d6d")
MAX_CHART_ROWS = 20
MAX_VILLAGES = 40
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: str = ""
    phone: str = ""
    filled_by: str = ""     # the worker making the report (local setting ``worker_name``), for 填报人

    @classmethod
    def from_store(cls, store: Store, lang: str) -> Letterhead:
        from outreach.services.team_profile import get_team_profile
        from outreach.sync.hub import get_hub

        profile = get_team_profile(store)
        if not profile.org_name:   # a county hub has no team profile: its own name heads the report
            with store.connect() as conn:
                hub = get_hub(conn)
            profile = replace(profile, org_name=hub.name if hub else "")
        return cls(profile.org_name or tr("reports.pdf.org_default", lang), profile.org_address, profile.org_phone,
                   store.get_setting("worker_name") or "")


def write_monthly_report(store: Store, path: str | Path, *, month: str, area: str | None = None,
                         worker: str | None = None, lang: str | None = None, today: date | None = None) -> Indicators:
    """Compute the month's indicators and write the report to ``path`` (atomically). Bad month, unknown
    area or an unwritable path raise ``OutreachError`` before anything is written."""
    lang = normalize_language(lang) or "zh_CN"
    scope = Scope.for_month(month, area_id=area, worker=worker, today=today)
    check_target(path)
    ind = compute_indicators(store, scope, lang=lang)
    head = Letterhead.from_store(store, lang)
    with atomic_file(path) as tmp, tmp.open("wb") as fh:
        render_report(ind, head, lang, fh, today=today)
    return ind


# --------------------------------------------------------------------------- styles
@dataclass(frozen=True)
class _Styles:
    org: ParagraphStyle
    org_line: ParagraphStyle
    title: ParagraphStyle
    meta: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle


def _styles() -> _Styles:
    font = register_fonts()

    def st(name: str, size: float, leading: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw)

    grey = colors.HexColor("#444444")
    return _Styles(
        org=st("org", 14, 19, alignment=TA_CENTER),
        org_line=st("org_line", 8.5, 12, alignment=TA_CENTER, textColor=grey),
        title=st("title", 18, 25, alignment=TA_CENTER, spaceBefore=4, spaceAfter=2),
        meta=st("meta", 9, 13, alignment=TA_CENTER, textColor=grey, spaceAfter=6),
        h1=st("h1", 12.5, 18, spaceBefore=8, spaceAfter=4, textColor=ACCENT),
        h2=st("h2", 10, 14, spaceBefore=4, spaceAfter=2, textColor=ACCENT),
        body=st("body", 9.5, 14),
        note=st("note", 8, 11.5, textColor=grey),
    )


def _table(rows: list[list], widths: list[float], *, header: bool = True, numeric_from: int = 1,
           zebra: bool = True) -> Table:
    font = register_fonts()
    rows = _wrap_wide_cells(rows, widths, font, header=header, numeric_from=numeric_from)
    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 11), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE), ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
    ]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                  ("ALIGN", (0, 0), (-1, 0), "CENTER")]
    if zebra:
        for r in range(2 if header else 1, len(rows), 2):
            style.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f6f8fb")))
    t.setStyle(TableStyle(style))
    return t


def _wrap_wide_cells(rows: list[list], widths: list[float], font: str, *, header: bool,
                     numeric_from: int) -> list[list]:
    """Text wider than its column (a provider or village with a long name) as a paragraph that wraps
    inside the cell (Chinese per character, English between words); a plain string would run over the
    next columns and off the page."""
    out = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            room = widths[c] - 8 - 0.5 if c < len(widths) else 0
            if isinstance(cell, str) and cell and room > 0 and stringWidth(cell, font, 8.5) > room:
                align = TA_CENTER if header and r == 0 else (TA_LEFT if c < numeric_from else TA_RIGHT)
                style = ParagraphStyle(f"cell-{align}", fontName=font, fontSize=8.5, leading=11, alignment=align)
                cell = Para(_esc(cell), style)
            cells.append(cell)
        out.append(cells)
    return out


def _side_by_side(left, right, width: float, split: float = 0.5) -> Table:
    t = Table([[left, right]], colWidths=[width * split, width * (1 - split)], hAlign="LEFT")
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), register_fonts()), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (0, 0), 8), ("RIGHTPADDING", (1, 0), (1, 0), 0),
                           ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return t


# --------------------------------------------------------------------------- page furniture
class _NumberedCanvas(Canvas):
    """Draws "page x of y" once the number of pages is known (pages are kept until save)."""

    footer_left = ""
    lang = "zh_CN"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        font = register_fonts()
        w, _h = self._pagesize
        self.saveState()
        self.setFont(font, 7.5)
        self.setFillColor(colors.HexColor("#666666"))
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        self.line(BINDING_MARGIN, 11 * mm, w - MARGIN, 11 * mm)
        number = tr("letters.page_of", self.lang, page=self._pageNumber, total=total)   # 第 X 页 共 Y 页
        room = w - BINDING_MARGIN - MARGIN - self.stringWidth(number, font, 7.5) - 6 * mm
        self.drawString(BINDING_MARGIN, 7.5 * mm, fit_line(self.footer_left, font, 7.5, room))
        self.drawRightString(w - MARGIN, 7.5 * mm, number)
        self.restoreState()


def period_title(ind: Indicators, lang: str) -> str:
    s = ind.scope
    if s.month_label == f"{s.start:%Y-%m}":
        if lang == "en":
            return f"{EN_MONTHS[s.start.month - 1]} {s.start.year}"
        return tr("reports.pdf.month", lang, y=s.start.year, m=s.start.month)
    return f"{_date(s.start, lang)} – {_date(s.end, lang)}"


# --------------------------------------------------------------------------- the report
def render_report(ind: Indicators, head: Letterhead, lang: str, out: BinaryIO, *, today: date | None = None) -> None:
    font = register_fonts()
    st = _styles()
    title = tr("reports.pdf.title", lang, area=ind.area_name, period=period_title(ind, lang))
    doc = BaseDocTemplate(out, pagesize=A4, leftMargin=BINDING_MARGIN, rightMargin=MARGIN, topMargin=14 * mm,
                          bottomMargin=17 * mm, title=title, author=head.name, creator="Outreach",
                          initialFontName=font, lang="zh-CN" if lang == "zh_CN" else "en")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    width = doc.width

    canvas_cls = type("ReportCanvas", (_NumberedCanvas,), {"footer_left": f"{head.name} · {title}", "lang": lang})
    story = _header(ind, head, title, lang, st, today)
    story += _summary(ind, lang, st, width)
    story += _visits(ind, lang, st, width)
    story += _people(ind, lang, st, width)
    story += _needs(ind, lang, st, width)
    story += _referrals(ind, lang, st, width)
    story += _notes(ind, lang, st)
    story += _signatures(lang, head.name, head.filled_by)
    doc.build(story, canvasmaker=canvas_cls)


_AREA_COLS = ("households", "visited", "visited_90", "coverage_90", "never")


def _area_row(r) -> list[str]:
    return [r.name, fmt.count(r.households), fmt.count(r.visited), fmt.count(r.visited_90),
            fmt.percent(ratio(r.visited_90, r.households)), fmt.count(r.never_visited)]


def _t(key: str, lang: str, **kw) -> str:
    return tr(f"reports.pdf.{key}", lang, **kw)


def _header(ind: Indicators, head: Letterhead, title: str, lang: str, st: _Styles, today: date | None) -> list:
    lines = " · ".join(x for x in (head.address, head.phone) if x)
    s = ind.scope
    meta = _t("meta", lang, start=_date(s.start, lang), end=_date(s.end, lang), as_of=_date(ind.as_of, lang),
              made=_date(today or date.today(), lang))
    if s.worker:
        meta += " · " + _t("meta_worker", lang, worker=s.worker)
    out = [Para(_esc(head.name), st.org)]
    if lines:
        out.append(Para(_esc(lines), st.org_line))
    out += [Para(_esc(title), st.title), Para(_esc(meta), st.meta)]
    return out


def _summary(ind: Indicators, lang: str, st: _Styles, width: float) -> list:
    cov, hh, r = ind.coverage, ind.households, ind.referrals

    def share(t: Tally) -> str:
        return f"{fmt.percent(cov.share(t))}（{t.count:,}/{cov.households:,}）" if lang == "zh_CN" else \
            f"{fmt.percent(cov.share(t))} ({t.count:,}/{cov.households:,})"

    pairs = [
        ("households_total", fmt.count(hh.total.count)), ("households_new", fmt.count(hh.new.count)),
        ("households_visited", fmt.count(hh.visited.count)), ("visits_total", fmt.count(ind.visits.total.count)),
        ("coverage_30", share(cov.visited_30)), ("coverage_90", share(cov.visited_90)),
        ("reached_90", share(cov.reached_90)), ("never_visited", fmt.count(hh.never_visited.count)),
        ("overdue_followups", fmt.count(ind.overdue_followups.count)),
        ("people_total", fmt.count(ind.people.total.count)),
        ("people_vulnerable", _t("people_in_households", lang, n=f"{ind.people.vulnerable.count:,}",
                                 h=f"{ind.people.vulnerable.households:,}",
                                 count=ind.people.vulnerable.households)),   # English: 1 household
        ("needs_identified", fmt.count(ind.needs.identified.count)),
        ("assessments", fmt.count(ind.assessments.total.count)), ("referrals_issued", fmt.count(r.issued.count)),
        ("referrals_served", f"{r.served.count:,}（{fmt.percent(r.share_served)}）" if lang == "zh_CN"
         else f"{r.served.count:,} ({fmt.percent(r.share_served)})"),
        ("median_reply", fmt.days(r.median_days_to_reply, lang)),
        ("overdue_replies", fmt.count(r.overdue_replies.count)), ("needs_open", fmt.count(ind.needs.open.count)),
        ("papers.urgent_waiting", fmt.count(ind.needs.urgent_waiting.count)),
    ]
    rows = []
    for i in range(0, len(pairs), 2):
        row = []
        for key, value in pairs[i:i + 2]:
            row += [tr(key, lang) if key.startswith("papers.") else _t(f"k.{key}", lang), value]
        rows.append(row + [""] * (4 - len(row)))
    t = _table(rows, [width * 0.22, width * 0.28, width * 0.22, width * 0.28], header=False, zebra=True)
    t.setStyle(TableStyle([("ALIGN", (0, 0), (0, -1), "LEFT"), ("ALIGN", (2, 0), (2, -1), "LEFT"),
                           ("FONTSIZE", (1, 0), (1, -1), 9.5), ("FONTSIZE", (3, 0), (3, -1), 9.5),
                           ("TOPPADDING", (0, 0), (-1, -1), 3.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3.2)]))
    words = [Para(_esc(text), st.body) for text in written_summary(ind, lang, period_title(ind, lang))]
    return [Para(_t("h.summary", lang), st.h1), *words, Spacer(1, 5), t]


def _tally_rows(tallies, lang: str, *, households: bool = True, skip_zero: bool = False) -> list[list[str]]:
    rows = []
    for t in tallies:
        if skip_zero and not t.count:
            continue
        row = [fmt.tally_label(t.key, t.code, t.label, lang), fmt.count(t.count)]
        if households:
            row.append(fmt.count(t.households))
        rows.append(row)
    return rows


def _chart_for(tallies, lang: str, width: float, *, horizontal: bool = True, title: str = "", height=None):
    shown = [t for t in tallies][:MAX_CHART_ROWS]
    names = [fmt.tally_label(t.key, t.code, t.label, lang) for t in shown]
    h = height or (max(60, 13 * len(shown) + 34) if horizontal else 120)
    return bar_chart(names, [[t.count for t in shown]], width=width, height=h, horizontal=horizontal, title=title)


def _visits(ind: Indicators, lang: str, st: _Styles, width: float) -> list:
    v = ind.visits
    out: list = [CondPageBreak(70 * mm), Para(_t("h.visits", lang), st.h1)]
    bars = [t.tally for t in (b for b in v.over_time)]
    labels = [f"{b.start.month}/{b.start.day}–{b.end.month}/{b.end.day}" if b.start != b.end else
              f"{b.start.month}/{b.start.day}" for b in v.over_time]
    if len(v.over_time) > 6 and v.over_time[0].end.day != v.over_time[0].start.day + 6:
        labels = [f"{b.start:%Y-%m}" for b in v.over_time] if v.over_time[0].start.day == 1 else labels
    out.append(bar_chart(labels, [[t.count for t in bars], [t.households for t in bars]], width=width, height=120,
                         names=[_t("col.visits", lang), _t("col.households_visited", lang)],
                         title=_t("chart.over_time", lang)))
    # Visits add up to the total; a household can appear on several rows, so its total is the distinct count.
    total = [tr("papers.total_distinct", lang), fmt.count(v.total.count), fmt.count(v.total.households)]
    head = [_t("col.type", lang), _t("col.visits", lang), _t("col.households", lang)]
    by_type = _table([head, *_tally_rows(v.by_type, lang), total], [width * 0.2, width * 0.13, width * 0.14])
    head_o = [_t("col.outcome", lang), _t("col.visits", lang), _t("col.households", lang)]
    by_outcome = _table([head_o, *_tally_rows(v.by_outcome, lang), total], [width * 0.2, width * 0.13, width * 0.14])
    for t in (by_type, by_outcome):
        t.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE)]))
    out += [Spacer(1, 4), _side_by_side(by_type, by_outcome, width)]
    if ind.townships:   # a county's report: the townships first, then their villages
        out += [CondPageBreak(40 * mm), Para(tr("hub_ui.report.h_townships", lang), st.h2),
                _table([[tr("hub_ui.report.col_township", lang), *[_t(f"col.{c}", lang) for c in _AREA_COLS]],
                        *[_area_row(r) for r in ind.townships]],
                       [width * x for x in (0.28, 0.14, 0.14, 0.16, 0.14, 0.14)])]
    if ind.villages:
        out += [CondPageBreak(60 * mm), Para(_t("h.villages", lang), st.h2)]
        head_v = [_t("col.village", lang), *[_t(f"col.{c}", lang) for c in _AREA_COLS]]
        rows = [_area_row(r) for r in ind.villages]
        out.append(_table([head_v, *rows], [width * x for x in (0.28, 0.14, 0.14, 0.16, 0.14, 0.14)]))
        shown = sorted(ind.villages, key=lambda r: (ratio(r.visited_90, r.households) or 0, r.name))[:MAX_VILLAGES]
        out.append(Spacer(1, 4))
        out.append(bar_chart([r.name for r in shown], [[_per_cent(r.visited_90, r.households) for r in shown]],
                             width=width, height=12 * len(shown) + 40, horizontal=True, value_max=100,
                             value_suffix="%", title=_t("chart.villages", lang)))
    if v.by_worker:
        head_w = [_t("col.worker", lang), _t("col.visits", lang), _t("col.households", lang)]
        out += [KeepTogether([Para(_t("h.workers", lang), st.h2),
                              _table([head_w, *_tally_rows(v.by_worker, lang)],
                                     [width * 0.3, width * 0.15, width * 0.15])])]
    return out


def _people(ind: Indicators, lang: str, st: _Styles, width: float) -> list:
    p = ind.people
    head = [_t("col.group", lang), _t("col.people", lang), _t("col.households", lang)]
    vul = _table([head, *_tally_rows(p.by_vulnerability, lang)], [width * 0.2, width * 0.12, width * 0.13])
    ages_head = [_t("col.age_group", lang), _t("col.people", lang), _t("col.households", lang)]
    summed = sum(t.count for t in p.by_age_group if t.code in AGE_GROUPS_SUMMED)
    ages = _table([ages_head, *_tally_rows(p.by_age_group, lang),
                   [tr("papers.age.total", lang), fmt.count(summed), fmt.count(p.total.households)]],
                  [width * 0.25, width * 0.1, width * 0.1])
    ages.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE)]))
    chart = _chart_for(p.by_vulnerability, lang, width * 0.5, title=_t("chart.vulnerability", lang))
    age_bars = [t for t in p.by_age_group if t.code in AGE_GROUPS_SUMMED]
    return [CondPageBreak(80 * mm), Para(_t("h.people", lang), st.h1),
            _side_by_side(vul, chart, width, 0.47), Spacer(1, 6),
            _side_by_side(ages, _chart_for(age_bars, lang, width * 0.5, title=_t("chart.ages", lang)),
                          width, 0.47)]


def _needs(ind: Indicators, lang: str, st: _Styles, width: float) -> list:
    from outreach.domain.enums import Priority

    n = ind.needs
    prios = [p.value for p in Priority]
    cell = ParagraphStyle("needs_head", fontName=register_fonts(), fontSize=8, leading=10, alignment=TA_CENTER,
                          wordWrap="CJK")
    group = [Para(_esc(_t("col.domain", lang)), cell), Para(_esc(tr("papers.needs.identified_group", lang)),
                                                                      cell), "", "", "", "",
             Para(_esc(_t("col.open", lang)), cell)]
    head = ["", *[Priority(p).label(lang) for p in prios], tr("papers.needs.col.domain_total", lang), ""]
    open_by = {t.code: t.count for t in n.open_by_domain}
    rows = []
    for t in n.by_domain:
        if not t.count and not open_by.get(t.code):
            continue
        cells = n.matrix.get(t.code, {})
        rows.append([fmt.tally_label(t.key, t.code, "", lang), *[fmt.count(cells.get(p, 0)) for p in prios],
                     fmt.count(t.count), fmt.count(open_by.get(t.code, 0))])
    total = [_t("col.total", lang), *[fmt.count(sum(n.matrix.get(d, {}).get(p, 0) for d in n.matrix))
                                      for p in prios], fmt.count(n.identified.count), fmt.count(n.open.count)]
    widths = [width * 0.2] + [width * 0.1] * 5 + [width * 0.2]
    table = _table([group, head, *rows, total], widths)
    table.repeatRows = 2
    table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE), ("SPAN", (1, 0), (5, 0)),
                               ("SPAN", (0, 0), (0, 1)), ("SPAN", (6, 0), (6, 1)), ("BACKGROUND", (0, 1), (-1, 1), HEAD_BG),
                               ("ALIGN", (0, 1), (-1, 1), "CENTER"), ("LINEBELOW", (1, 0), (5, 0), 0.4, RULE),
                               ("LINEBEFORE", (6, 0), (6, -1), 0.6, RULE), ("BACKGROUND", (0, 2), (-1, 2), colors.white)]))
    households = tr("papers.needs.households_line", lang, count=n.identified.households,
                    households=fmt.count(n.identified.households))
    a = ind.assessments
    detail = ("，" if lang == "zh_CN" else ", ").join(
        f"{fmt.tally_label(t.key, t.code, '', lang)} {t.count:,}" for t in a.by_priority if t.count)
    assess = _t("assessments_line" if detail else "assessments_line_none", lang, n=f"{a.total.count:,}",
                h=f"{a.total.households:,}", detail=detail, count=a.total.households)   # the households' plural
    shown = [t for t in n.by_domain if t.count]
    out = [CondPageBreak(70 * mm), Para(_t("h.needs", lang), st.h1), table, Spacer(1, 4),
           Para(_esc(households), st.body), Para(_esc(assess), st.body)]
    if shown:
        out += [Spacer(1, 4), _chart_for(shown, lang, width, title=_t("chart.needs", lang))]
    return out


def _referrals(ind: Indicators, lang: str, st: _Styles, width: float) -> list:
    r = ind.referrals
    head = [_t("col.status", lang), _t("col.referrals", lang), _t("col.households", lang)]
    status = _table([head, *_tally_rows(r.by_status, lang)], [width * 0.2, width * 0.13, width * 0.13])
    head_p = [_t("col.provider", lang), _t("col.referrals", lang), _t("col.households", lang)]
    providers = _table([head_p, *_tally_rows(r.by_provider, lang)], [width * 0.28, width * 0.12, width * 0.12])
    line = _t("referrals_line", lang, n=f"{r.issued.count:,}", replied=f"{r.replied.count:,}",
              median=fmt.days(r.median_days_to_reply, lang), served=f"{r.served.count:,}",
              share=fmt.percent(r.share_served), overdue=f"{r.overdue_replies.count:,}")
    return [CondPageBreak(60 * mm), Para(_t("h.referrals", lang), st.h1), Para(_esc(line), st.body),
            Spacer(1, 4), _side_by_side(status, providers, width, 0.47)]


def _notes(ind: Indicators, lang: str, st: _Styles) -> list:
    items = [_t(f"note.{k}", lang, as_of=_date(ind.as_of, lang)) for k in ("coverage", "people", "needs",
                                                                          "referrals", "followups", "households", "excluded")]
    return [CondPageBreak(40 * mm), Para(_t("h.notes", lang), st.h2),
            *[Para("• " + _esc(text), st.note) for text in items]]


def _signatures(lang: str, unit: str, filled_by: str) -> list:
    """填报人 / 审核人 / 日期 lines and the unit's stamp place (the papers' shared ``SignOff``), kept together
    at the end."""
    return [KeepTogether([Spacer(1, 14), SignOff(lang, unit=unit, filled_by=filled_by), Spacer(1, 20)])]


def _per_cent(part: int, whole: int) -> int:
    """A whole percentage for a bar (half up, exact arithmetic); the tables show one decimal."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def _date(value: date, lang: str) -> str:
    """A date as the paper's language writes it: 2026年12月1日 in Chinese, 2026-12-01 in English."""
    return format_date(value, lang)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
