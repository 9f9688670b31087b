"""Printed registers (台账) officials expect: the monthly visit register of one village, and the blank
visit form a worker takes into the field when the laptop stays at the station."""

from __future__ import annotations

import io
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from outreach.domain.enums import NeedDomain, VisitOutcome, VisitType
from outreach.i18n import tr
from outreach.letters.data import Organisation, VisitRegisterData
from outreach.letters.fonts import register_fonts
from outreach.letters.layout import (
    PAGE_SIZE,
    Para,
    PartMarker,
    SignOff,
    Styles,
    TickBoxes,
    blank_date,
    font_table,
    format_date,
    make_doc,
    numbered_canvas_factory,
    para,
    styles,
)
from outreach.letters.referral_letter import letterhead

LINE = colors.HexColor("#777777")
HEAD = colors.HexColor("#dfe6f0")
ZEBRA = colors.HexColor("#f6f8fb")



def _p(text: str, style) -> Para:
    return para(text, style)


# ---------------------------------------------------------------------------- monthly register
REGISTER_COLUMNS = ("no", "date", "household", "head", "address", "people_met", "visit_type", "outcome", "worker",
                    "remarks")
# column widths as shares of the frame width (landscape A4); a date like 2025年11月24日 and a household
# code like 石门-OAXV-0001 fit on one line (a code cut in two cannot be searched for or typed back)
_SHARES = (0.045, 0.115, 0.12, 0.08, 0.12, 0.115, 0.075, 0.065, 0.065, 0.20)
# English: a date is shorter (2025-11-24) and the words longer ("Assessment", "Outcome", "Nobody home"),
# so the date gives the type and outcome columns room to keep their words at the cell's size
_SHARES_EN = (0.045, 0.085, 0.12, 0.08, 0.12, 0.115, 0.09, 0.075, 0.065, 0.205)
NOTE_CHARS = 40          # 备注 shows the visit's note up to this many characters, then "…"
KEEP_ROWS = 3            # a page never holds fewer than this many rows of the register (no orphan rows)


def shorten(text: str, limit: int = NOTE_CHARS) -> str:
    """The note on one line, cut at ``limit`` characters with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def _register_table(data: VisitRegisterData, st: Styles, width: float, lang: str, tail: list[Flowable]) -> Table:
    """The register's table; ``tail`` (the summary and the sign-off) is its last, unruled row, so the
    signatures always share a page with the last rows they certify (never a loose page of signatures)."""
    # every cell wraps as its own text asks (layout.Para): "Head of / household", never "househol / d"
    head = [_p(tr(f"letters.register.col.{c}", lang), st.cell_head) for c in REGISTER_COLUMNS]
    rows: list[list] = [head]
    for i, row in enumerate(data.rows, 1):
        rows.append([
            _p(str(i), st.cell),
            _p(format_date(row.visit_date, lang), st.cell),
            _p(row.household_code, st.cell),
            _p(row.head_name, st.cell),
            _p(row.address, st.cell),
            _p(row.people_met or "—", st.cell),
            _p(VisitType.label_of(row.visit_type, lang), st.cell),
            _p(VisitOutcome.label_of(row.outcome, lang), st.cell),
            _p(row.worker, st.cell),
            _p(shorten(row.notes), st.cell),
        ])
    if not data.rows:
        rows.append([_p(tr("letters.register.empty", lang), st.cell)] + [""] * (len(REGISTER_COLUMNS) - 1))
    rows.append([tail] + [""] * (len(REGISTER_COLUMNS) - 1))
    table = font_table(rows, colWidths=[width * s for s in (_SHARES_EN if lang == "en" else _SHARES)], repeatRows=1)
    cmds = [
        ("GRID", (0, 0), (-1, -2), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        # the tail row: no rules, the full width, its text flush with the table's left edge
        ("SPAN", (0, -1), (-1, -1)),
        ("VALIGN", (0, -1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, -1), (-1, -1), 0),
        ("RIGHTPADDING", (0, -1), (-1, -1), 0),
        ("TOPPADDING", (0, -1), (-1, -1), 3 * mm),
    ]
    cmds += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, len(rows) - 1, 2)]
    # No orphan rows: the header stays with the first rows, and the last rows go over together with the
    # summary and sign-off row.
    keep = min(KEEP_ROWS, len(rows) - 2)
    cmds += [("NOSPLIT", (0, 0), (-1, keep)), ("NOSPLIT", (0, len(rows) - 1 - keep), (-1, len(rows) - 1))]
    if not data.rows:
        cmds.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(cmds))
    return table


def _summary_text(summary: dict[str, int], lang: str) -> str:
    return tr("papers.register.summary", lang,
              visits=tr("papers.register.visits", lang, count=summary["visits"]),
              households=tr("papers.register.households", lang, count=summary["households"]),
              nobody_home=summary["nobody_home"])


def register_summary(data: VisitRegisterData) -> dict[str, int]:
    households = {r.household_code for r in data.rows}
    return {
        "visits": len(data.rows),
        "households": len(households),
        "nobody_home": sum(1 for r in data.rows if r.outcome == VisitOutcome.NOBODY_HOME),
    }


def render_visit_register(data: VisitRegisterData, out: BinaryIO, *, lang: str = "zh_CN") -> int:
    """The monthly visit register (走访台账) of one village as a PDF table; returns the row count."""
    register_fonts()
    st = styles()
    page = landscape(PAGE_SIZE)
    title = tr("letters.register.title", lang, village=data.village_name, year=data.year, month=data.month)
    doc = make_doc(out, pagesize=page, title=title, author=data.organisation.name)
    meta = [
        tr("letters.register.village", lang, village=data.village_name, code=data.village_code),
        tr("letters.register.month", lang, year=data.year, month=data.month),
    ]
    if data.team:
        meta.append(tr("letters.register.team", lang, team=data.team))
    meta_table = font_table([[_p(m, st.body) for m in meta]], colWidths=[doc.width / len(meta)] * len(meta))
    meta_table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    summary = register_summary(data)
    story: list[Flowable] = [
        PartMarker("register", title),
        *letterhead(data.organisation, st, doc.width, lang, title=title),
        meta_table,
        Spacer(1, 2 * mm),
        _register_table(data, st, doc.width, lang, [
            _p(_summary_text(summary, lang), st.body),
            Spacer(1, 6 * mm),
            SignOff(lang, unit=data.organisation.name, filled_key="papers.signoff.prepared_by"),
        ]),
    ]
    doc.build(story, canvasmaker=numbered_canvas_factory(lang))
    return len(data.rows)


def _sign_row(st: Styles, width: float, labels: list[str]) -> Table:
    table = font_table([[_p(label, st.body) for label in labels]], colWidths=[width / len(labels)] * len(labels))
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


# ---------------------------------------------------------------------------- blank visit form
def _field_grid(pairs: list[tuple[str, str]], st: Styles, width: float, height: float = 9 * mm) -> Table:
    """Label / blank-value pairs, two per row (a lone last pair spans the row)."""
    rows = []
    cmds = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (0, -1), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for r, i in enumerate(range(0, len(pairs), 2)):
        row = []
        for label, value in pairs[i:i + 2]:
            row += [_p(label, st.cell), _p(value, st.cell)]
        if len(row) == 2:
            row += ["", ""]
            cmds.append(("SPAN", (1, r), (3, r)))
        else:
            cmds.append(("BACKGROUND", (2, r), (2, r), HEAD))
        rows.append(row)
    label_w = 26 * mm
    value_w = (width - 2 * label_w) / 2
    table = font_table(rows, colWidths=[label_w, value_w, label_w, value_w], rowHeights=[height] * len(rows))
    table.setStyle(TableStyle(cmds))
    return table


def _ruled(width: float, lines: int, height: float = 7.5 * mm) -> Table:
    table = font_table([[""] for _ in range(lines)], colWidths=[width], rowHeights=[height] * lines)
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE)]))
    return table


def _boxes(labels: list[str], per_row: int) -> list[Flowable]:
    return [TickBoxes(labels[i:i + per_row], size=9.5) for i in range(0, len(labels), per_row)]


def render_blank_visit_form(org: Organisation, out: BinaryIO, *, lang: str = "zh_CN", village: str = "") -> None:
    """A printable, empty household-visit form (one A4 page) to fill in by hand. A long letterhead takes
    lines from the notes area rather than pushing the signatures onto a second page."""
    for lines in range(NOTE_LINES, MIN_NOTE_LINES - 1, -1):
        buf = io.BytesIO()
        if _blank_visit_form(org, buf, lang=lang, village=village, note_lines=lines) == 1:
            break
    out.write(buf.getvalue())


NOTE_LINES = 10       # ruled lines for the visit's notes on the blank form …
MIN_NOTE_LINES = 4    # … fewer when the letterhead is long, so the form stays on one page


def _blank_visit_form(org: Organisation, out: BinaryIO, *, lang: str, village: str, note_lines: int) -> int:
    """The blank form with ``note_lines`` ruled lines for notes; returns the number of pages."""
    register_fonts()
    st = styles()
    title = tr("letters.form.title", lang)
    doc = make_doc(out, title=title, author=org.name)
    w = doc.width
    blank = blank_date(lang)
    story: list[Flowable] = [
        PartMarker("form", title),
        *letterhead(org, st, w, lang, title=title),
        _field_grid([
            (tr("letters.form.village", lang), village),
            (tr("letters.person.household", lang), ""),
            (tr("letters.form.head", lang), ""),
            (tr("letters.person.phone", lang), ""),
            (tr("letters.form.visit_date", lang), blank),
            (tr("letters.form.worker", lang), ""),
            (tr("letters.person.address", lang), ""),
        ], st, w),
        _p(tr("letters.form.visit_type", lang), st.heading),
        *_boxes([t.label(lang) for t in VisitType], 6),
        _p(tr("letters.form.outcome", lang), st.heading),
        *_boxes([o.label(lang) for o in VisitOutcome], 6),
        _p(tr("letters.form.people_met", lang), st.heading),
        _ruled(w, 1),
        _p(tr("letters.form.notes", lang), st.heading),
        _ruled(w, note_lines),
        _p(tr("letters.form.needs", lang), st.heading),
        *_boxes([d.label(lang) for d in NeedDomain], 5),
        _p(tr("letters.form.follow_up", lang), st.heading),
        _ruled(w, 2),
        Spacer(1, 2 * mm),
        _p(tr("letters.form.next_visit", lang, date=blank), st.body),
        Spacer(1, 4 * mm),
        _sign_row(st, w, [tr("letters.form.person_sign", lang), tr("letters.sign.worker", lang)]),
    ]
    doc.build(story, canvasmaker=numbered_canvas_factory(lang))
    return doc.page


def format_month(year: int, month: int, lang: str) -> str:
    return tr("letters.register.month", lang, year=year, month=month)


__all__ = ["render_visit_register", "render_blank_visit_form", "register_summary", "format_date", "format_month"]
