"""Shared page furniture for every PDF: styles, the numbered canvas (page x of y per document part),
flowables for the tear-off line and for anchoring the reply slip to the bottom of a page, and the
atomic writer (a temp file in the target folder, then ``os.replace``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, TypeVar

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import sameFrag
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.textsplit import ALL_CANNOT_START, wordSplit
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

from outreach.i18n import tr
from outreach.letters.fonts import register_fonts
from outreach.safefiles import atomic_output, os_reason  # noqa: F401  (re-exported for letters)

PAGE_SIZE = A4
MARGIN = 18 * mm          # the outer (cutting) edge
BINDING_MARGIN = 25 * mm  # the left edge: a township office punches and binds its files there (装订线)
FOOTER_Y = 10 * mm

T = TypeVar("T")


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    tiny: ParagraphStyle
    org_name: ParagraphStyle
    org_line: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    right: ParagraphStyle


def styles() -> Styles:
    font = register_fonts()

    def style(name: str, size: float, leading: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw)

    return Styles(
        body=style("body", 10.5, 16),
        small=style("small", 8.5, 12, textColor=colors.HexColor("#333333")),
        tiny=style("tiny", 7, 9, alignment=TA_RIGHT, textColor=colors.HexColor("#555555")),
        org_name=style("org_name", 15, 20, alignment=TA_CENTER),
        org_line=style("org_line", 9, 13, alignment=TA_CENTER, textColor=colors.HexColor("#333333")),
        title=style("title", 20, 26, alignment=TA_CENTER, spaceBefore=3),
        heading=style("heading", 11.5, 17, spaceBefore=6, spaceAfter=2, textColor=colors.HexColor("#1a3d6d")),
        cell=style("cell", 9.5, 13),
        cell_head=style("cell_head", 9.5, 13, alignment=TA_CENTER),
        right=style("right", 10.5, 16, alignment=TA_RIGHT),
    )


# ---------------------------------------------------------------------------- wrapping by language
# Han, kana, hangul, CJK punctuation and full-width forms: text with any of these wraps per character
_CJK = re.compile(r"[\u2e80-\u303f\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_TAGS = re.compile(r"<[^>]*>")
# in mostly-English text a Chinese list ("王秀英、Maria Lopez") may break after its punctuation
_CJK_PUNCT_THEN_LATIN = re.compile(r"([、，；：。）])(?=[A-Za-z0-9(])")
MIN_FIT_SIZE = 6.5   # a word too wide for its cell is set smaller, down to this size, rather than cut
# Chinese marks that may not begin a line (GB/T 15834, the usual 行首禁则). reportlab's CJK breaker hangs
# one of its own (。、）」) on the line before, but not these, nor a second one after a first
# (“（紧急）；”), so a letter could print a line starting with “；权益保障”.
NO_LINE_START = frozenset(ALL_CANNOT_START + "，；：！？”’》〉』」】〕］｝…")
MAX_HANG = 2   # kind 1: marks pulled back onto the line before (they hang in the margin, as reportlab's do)


def has_cjk(text: str | None) -> bool:
    return bool(text) and _CJK.search(text) is not None


def word_wrap_for(text: str | None) -> str | None:
    """reportlab's ``wordWrap`` for this text. Chinese text (or mostly Chinese: a Han character is about
    as wide as two Latin letters) → ``"CJK"``: a break between any two characters, and reportlab backs
    an English word in it up to its space ("……转介至 Guizhou Rehab Centre"). English text, or mostly
    English with a Chinese name in it → ``None``: breaks only between words ("Outcome", never
    "Outcom e"); a Chinese run longer than the line is still broken per character."""
    if not has_cjk(text):
        return None
    han = len(_CJK.findall(text or ""))
    latin = sum(1 for ch in text or "" if ch.isascii() and ch.isalnum())
    return "CJK" if 2 * han >= latin else None


def wrap_style(style: ParagraphStyle, text: str | None) -> ParagraphStyle:
    """``style`` with the word wrapping its text needs (the same object when it already has it)."""
    mode = word_wrap_for(text)
    if getattr(style, "wordWrap", None) == mode:
        return style
    return ParagraphStyle(f"{style.name}-{mode or 'words'}", parent=style, wordWrap=mode)


class Para(Paragraph):
    """A Paragraph that wraps as its own text asks (``word_wrap_for``): every PDF's text goes through
    it. In English a single word wider than the space it gets (a narrow table column) is set in a
    smaller size, down to ``MIN_FIT_SIZE``, so it stays whole instead of being broken mid-word."""

    def __init__(self, text, style=None, *args, frags=None, **kwargs) -> None:
        if frags is None and style is not None:
            style = wrap_style(style, _TAGS.sub("", text or ""))
            if style.wordWrap is None and text and has_cjk(text):
                text = _CJK_PUNCT_THEN_LATIN.sub(r"\1 ", text)
        self._fitted = frags is not None
        super().__init__(text, style, *args, frags=frags, **kwargs)

    def wrap(self, availWidth: float, availHeight: float):  # noqa: N803 (reportlab's names)
        if not self._fitted:
            self._fitted = True
            self._fit_words(availWidth)
        return super().wrap(availWidth, availHeight)

    def breakLinesCJK(self, maxWidths):  # noqa: N802, N803 (reportlab's names)
        lines = super().breakLinesCJK(maxWidths)
        if not getattr(self, "_splitpara", 0):   # the part of a split paragraph has its lines already
            _pull_back_marks(lines, maxWidths)
        return lines

    def _fit_words(self, width: float) -> None:
        style = self.style
        if style.wordWrap == "CJK" or width <= 0:
            return
        widest = max((stringWidth(w, f.fontName, f.fontSize) for f in self.frags
                      for w in (getattr(f, "text", "") or "").split() if not has_cjk(w)), default=0.0)
        room = width - style.leftIndent - style.rightIndent - 0.5
        if widest <= room:
            return
        size = max(MIN_FIT_SIZE, style.fontSize * room / widest)
        if size >= style.fontSize:
            return
        smaller = ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size,
                                 leading=style.leading * size / style.fontSize)
        for f in self.frags:
            if getattr(f, "fontSize", None) == style.fontSize:
                f.fontSize = size
        self.style = smaller


def _pull_back_marks(bl, max_widths) -> None:
    """No wrapped line starts with closing punctuation. One style (kind 0, ``(extra space, [text])``
    per line): the character before the marks goes down with them (挤进 would overflow the margin),
    and the rest is wrapped again by reportlab. Several styles (kind 1, lines of fragments, as with
    a bold label or a typed line break): the marks, up to ``MAX_HANG``, go back up to the line before
    and hang in its margin, unless that line ended with a typed break. Nothing is lost or repeated."""
    if bl.kind == 0:
        full = getattr(bl, "text", None)
        starts = (words[0][:1] for _room, words in bl.lines[1:] if words)
        if isinstance(full, str) and full and any(c in NO_LINE_START for c in starts):
            widths = list(max_widths) if isinstance(max_widths, (list, tuple)) else [max_widths]
            bl.lines = [(room, [text]) for room, [text] in _pushed_down(full, widths, bl.fontName, bl.fontSize)]
        return
    lines = bl.lines
    for i in range(1, len(lines)):
        prev, line = lines[i - 1], lines[i]
        if getattr(prev, "lineBreak", False) or not prev.words:
            continue
        moved = 0
        while (moved < MAX_HANG and line.words and (getattr(line.words[0], "text", "") or "")[:1] in NO_LINE_START
               and (len(line.words) > 1 or len(line.words[0].text) > 1)):
            first = line.words[0]
            mark, rest = first.text[0], first.text[1:]
            w = stringWidth(mark, first.fontName, first.fontSize)
            last = prev.words[-1]
            same = sameFrag(last, first)
            joined = (last if same else first).clone()
            joined.text = (last.text + mark) if same else mark
            if same:
                prev.words[-1] = joined
            else:
                prev.words.append(joined)
            if rest:
                line.words[0] = first.clone()
                line.words[0].text = rest
            else:
                line.words.pop(0)
            prev.extraSpace -= w
            line.extraSpace += w
            prev.currentWidth = getattr(prev, "currentWidth", 0) + w
            line.currentWidth = getattr(line, "currentWidth", 0) - w
            moved += 1


def _pushed_down(full: str, max_widths: list, font: str, size: float) -> list:
    """Kind 0 lines of ``full`` with every line that would start with a mark fixed (see
    ``_pull_back_marks``): wrapped by reportlab, then again from each fixed line on."""
    out: list = []
    start = 0
    while True:
        widths = max_widths[len(out):] or [max_widths[-1]]
        lines = wordSplit(full[start:], widths, font, size)
        cursor = start
        for j, (room, text) in enumerate(lines):
            at = full.index(text, cursor) if text else cursor
            following = lines[j + 1][1] if j + 1 < len(lines) else ""
            if following[:1] and following[0] in NO_LINE_START:
                cut = len(text) - 1      # keep text[:cut]; the rest goes down with the marks
                while cut > 1 and text[cut] in NO_LINE_START:
                    cut -= 1
                if cut >= 1:
                    kept = text[:cut]
                    out.append((widths[min(j, len(widths) - 1)] - stringWidth(kept, font, size), [kept]))
                    start = at + cut
                    break
            out.append((room, [text]))
            cursor = at + len(text)
        else:
            return out
def font_table(rows: list[list], **kwargs) -> Table:
    """A platypus Table whose plain-string cells use the embedded font (the default, Helvetica, is
    not embedded, so even empty string cells would make the PDF depend on the printer's fonts)."""
    t = Table(rows, **kwargs)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), register_fonts())]))
    return t


def esc(text: str) -> str:
    """Text made safe for a reportlab Paragraph (which reads a little XML), line breaks kept."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r\n", "\n").replace("\n", "<br/>"))


def para(text: str, style: ParagraphStyle) -> Para:
    """Plain text (escaped, line breaks kept) as a paragraph that wraps as its language asks."""
    return Para(esc(text), style)


def format_date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    return tr("letters.date", lang, y=value.year, m=value.month, d=value.day)


def blank_date(lang: str) -> str:
    return tr("letters.blank_date", lang)


def make_doc(out: BinaryIO, *, pagesize: tuple[float, float] = PAGE_SIZE, title: str = "",
             author: str = "") -> BaseDocTemplate:
    """A document with one frame per page and no frame padding, so ``doc.width`` is exactly the
    width tables may use (reportlab's default 6 pt padding would make full-width tables overhang)."""
    doc = BaseDocTemplate(out, pagesize=pagesize, leftMargin=BINDING_MARGIN, rightMargin=MARGIN, topMargin=14 * mm,
                          bottomMargin=16 * mm, title=title, author=author, creator="Outreach",
                          initialFontName=register_fonts())
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    return doc


# ---------------------------------------------------------------------------- page numbering
class PartMarker(Flowable):
    """Zero-size flowable that tells the canvas a new part (one letter) begins on this page, so the
    footer can say "page 2 of 3" per letter in a batch and name the letter's reference."""

    def __init__(self, key: str, footer: str) -> None:
        super().__init__()
        self.key = key
        self.footer = footer
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._part = (self.key, self.footer)  # type: ignore[attr-defined]


def numbered_canvas_factory(lang: str) -> Callable[..., Canvas]:
    """A Canvas that holds pages until the end, then writes each page's footer with the page's
    number and the page count of its part (a whole document counts as one part)."""
    font = register_fonts()

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["initialFontName"] = kwargs.get("initialFontName") or font  # no unembedded Helvetica
            super().__init__(*args, **kwargs)
            self._part: tuple[str, str] = ("", "")
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            totals: dict[str, int] = {}
            for state in self._pages:
                key = state["_part"][0]
                totals[key] = totals.get(key, 0) + 1
            seen: dict[str, int] = {}
            for state in self._pages:
                self.__dict__.update(state)
                key, footer = self._part
                seen[key] = seen.get(key, 0) + 1
                self._draw_footer(footer, seen[key], totals[key])
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_footer(self, footer: str, page: int, total: int) -> None:
            self.saveState()
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#555555"))
            width = self._pagesize[0]
            number = tr("letters.page_of", lang, page=page, total=total)
            room = width - BINDING_MARGIN - MARGIN - stringWidth(number, font, 8) - 6 * mm
            self.drawString(BINDING_MARGIN, FOOTER_Y, fit_line(footer, font, 8, room))
            self.drawRightString(width - MARGIN, FOOTER_Y, number)
            self.restoreState()

    return NumberedCanvas


# ---------------------------------------------------------------------------- flowables
class CutLine(Flowable):
    """A dashed tear-off line with a short label in the middle ("沿此线剪下")."""

    def __init__(self, label: str, height: float = 8 * mm) -> None:
        super().__init__()
        self.label = label
        self.height = height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        font = register_fonts()
        c = self.canv
        y = self.height / 2
        label_w = c.stringWidth(self.label, font, 8) + 6 * mm
        left_end = (self.width - label_w) / 2
        c.saveState()
        c.setDash(4, 3)
        c.setLineWidth(0.6)
        c.setStrokeColor(colors.HexColor("#444444"))
        c.line(0, y, left_end, y)
        c.line(left_end + label_w, y, self.width, y)
        c.setFont(font, 8)
        c.setFillColor(colors.HexColor("#444444"))
        c.drawCentredString(self.width / 2, y - 3, self.label)
        c.restoreState()


class BottomAnchored(Flowable):
    """Flowables kept together and drawn at the bottom of the frame: the tear-off reply slip sits
    at the foot of the page. When the remaining space is too small, the whole block moves to the
    next page (it never splits)."""

    def __init__(self, flowables: list[Flowable]) -> None:
        super().__init__()
        self.flowables = flowables
        self._content_height = 0.0
        self._avail = 0.0

    def _measure(self, width: float) -> float:
        total = 0.0
        for f in self.flowables:
            _w, h = f.wrap(width, 10_000)
            total += h + f.getSpaceBefore() + f.getSpaceAfter()
        return total

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self._content_height = self._measure(availWidth)
        self._avail = availHeight
        self.height = max(self._content_height, availHeight)
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return []  # never split: move to the next page instead

    def draw(self) -> None:
        y = self._content_height
        for f in self.flowables:
            y -= f.getSpaceBefore()
            _w, h = f.wrap(self.width, 10_000)
            y -= h
            f.drawOn(self.canv, 0, y)
            y -= f.getSpaceAfter()


class TickBoxes(Flowable):
    """Empty boxes with labels, for a person to tick with a pen. Laid out on an even grid when the
    labels fit, otherwise left to right, wrapping onto more lines."""

    GAP = 2 * mm     # box to label
    SPACING = 6 * mm  # between items in flow layout

    def __init__(self, labels: list[str], size: float = 10.5, box: float = 3.6 * mm) -> None:
        super().__init__()
        self.labels = labels
        self.size = size
        self.box = box
        self.line_h = box + 3 * mm
        self._positions: list[tuple[float, int]] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        font = register_fonts()
        self.width = availWidth
        widths = [self.box + self.GAP + stringWidth(label, font, self.size) for label in self.labels]
        step = availWidth / max(len(self.labels), 1)
        if all(w + self.SPACING / 2 <= step for w in widths):
            self._positions = [(i * step, 0) for i in range(len(self.labels))]
        else:
            self._positions = []
            x, line = 0.0, 0
            for w in widths:
                if x > 0 and x + w > availWidth:
                    x, line = 0.0, line + 1
                self._positions.append((x, line))
                x += w + self.SPACING
        lines = (max((ln for _x, ln in self._positions), default=0) + 1)
        self.height = lines * self.line_h
        return availWidth, self.height

    def draw(self) -> None:
        font = register_fonts()
        c = self.canv
        c.saveState()
        c.setLineWidth(0.8)
        c.setFont(font, self.size)
        for label, (x, line) in zip(self.labels, self._positions, strict=True):
            y = self.height - (line + 1) * self.line_h + 1.5 * mm
            c.rect(x, y, self.box, self.box)
            c.drawString(x + self.box + self.GAP, y + (self.box - self.size * 0.72) / 2, label)
        c.restoreState()


class SealBlock(Flowable):
    """The 落款 at the lower right of a letter: the issuing unit, the date under it, and a dashed
    circle over both where the unit's stamp goes (a stamp conventionally covers the unit's name and
    the date). ``lines`` are drawn right-aligned, centred under each other."""

    MAX_WIDTH = 75 * mm

    def __init__(self, lines: list[str], stamp_label: str, *, size: float = 11, block_width: float = 70 * mm,
                 radius: float = 19 * mm) -> None:
        super().__init__()
        self._given = list(lines)
        self.lines = list(lines)
        self._circle = radius
        self.stamp_label = stamp_label
        self.size = size
        self.block_width = block_width
        self.radius = radius
        self.leading = size * 1.9

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        font = register_fonts()
        widest = max([stringWidth(t, font, self.size) for t in self._given] + [2 * self.radius])
        self.block_width = min(max(self.block_width, widest + 4 * mm), availWidth, self.MAX_WIDTH)
        # a unit name longer than the block goes onto more lines, never past the paper's edge
        self.lines = [ln for t in self._given for ln in split_lines(t, font, self.size, self.block_width - 4 * mm)]
        self.width = availWidth
        # the circle grows with a name on several lines, so its "(盖章)" stays below the date
        self._circle = max(self.radius, len(self.lines) * self.leading / 2 + 4 * mm)
        self.height = max(len(self.lines) * self.leading + 3 * mm, 2 * self._circle + 2 * mm)
        return availWidth, self.height

    def draw(self) -> None:
        font = register_fonts()
        c = self.canv
        centre_x = self.width - self.block_width / 2
        top = self.height - (self.height - len(self.lines) * self.leading) / 2
        c.saveState()
        c.setStrokeColor(colors.HexColor("#b8b8b8"))
        c.setDash(2, 2)
        c.setLineWidth(0.6)
        c.circle(centre_x, self.height / 2, self._circle)
        c.setDash()
        c.setFont(font, 7.5)
        c.setFillColor(colors.HexColor("#9a9a9a"))
        c.drawCentredString(centre_x, self.height / 2 - self._circle + 2.5 * mm, self.stamp_label)
        c.setFont(font, self.size)
        c.setFillColor(colors.black)
        for i, text in enumerate(self.lines):
            c.drawCentredString(centre_x, top - (i + 1) * self.leading + self.leading * 0.3, text)
        c.restoreState()


class SignOff(Flowable):
    """The sign-off a township office expects under a register or a report, kept whole at its end:
    填表人 (with the worker's name when known), 审核人 and 日期 on ruled lines at the left, and at the
    right the unit's name with a dashed circle over it where the unit's stamp (单位盖章) goes."""

    def __init__(self, lang: str, *, unit: str = "", filled_by: str = "", size: float = 10,
                 filled_key: str = "papers.sign.filled_by") -> None:
        super().__init__()
        self.lang = lang
        self.filled_key = filled_key
        self.unit = unit
        self.filled_by = filled_by
        self.size = size
        self.row_h = 11 * mm
        self.radius = 17 * mm

    def _labels(self) -> list[tuple[str, str]]:
        return [(tr(self.filled_key, self.lang), self.filled_by),
                (tr("papers.sign.checked_by", self.lang), ""),
                (tr("papers.sign.date", self.lang), "")]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = availWidth
        self.height = max(3 * self.row_h, 2 * self.radius) + 6 * mm
        return availWidth, self.height

    def draw(self) -> None:
        font = register_fonts()
        c = self.canv
        c.saveState()
        c.setFont(font, self.size)
        label_w = max(stringWidth(label, font, self.size) for label, _v in self._labels()) + 2 * mm
        line_w = min(70 * mm, self.width * 0.45 - label_w)
        for i, (label, value) in enumerate(self._labels()):
            y = self.height - (i + 1) * self.row_h
            c.setFillColor(colors.black)
            c.drawString(0, y, label)
            c.setLineWidth(0.5)
            c.line(label_w, y - 1.5, label_w + line_w, y - 1.5)
            if value:
                c.drawString(label_w + 2 * mm, y, value)
        # the stamp place: the unit's name and "(单位盖章)", a dashed circle over both
        cx = self.width - max(45 * mm, self.radius + 10 * mm)
        cy = self.height - 3 * mm - self.radius
        c.setStrokeColor(colors.HexColor("#b8b8b8"))
        c.setDash(2, 2)
        c.setLineWidth(0.6)
        c.circle(cx, cy, self.radius)
        c.setDash()
        c.setFillColor(colors.black)
        if self.unit:   # a long unit name on up to three lines inside the page, the first ones above
            lines = split_lines(self.unit, font, self.size, 2 * (self.width - cx) - 2 * mm, max_lines=3)
            for i, text in enumerate(lines):
                c.drawCentredString(cx, cy + 2 * mm + (len(lines) - 1 - i) * self.size * 1.3, text)
        c.setFont(font, 9)
        c.setFillColor(colors.HexColor("#555555"))
        c.drawCentredString(cx, cy - 5 * mm, tr("papers.sign.stamp", self.lang))
        c.restoreState()


_NO_LINE_START = frozenset("，。、；：）」』》？！…")   # a Chinese line never starts with these


def split_lines(text: str, font: str, size: float, width: float, max_lines: int = 4) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (Chinese between any two characters, English
    between words), at most ``max_lines``, the last cut with "…" when more would be needed."""
    if stringWidth(text, font, size) <= width:
        return [text]
    tokens = list(text) if word_wrap_for(text) == "CJK" else re.split(r"(?<=\s)", text)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if line and token not in _NO_LINE_START and stringWidth(line + token, font, size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line:
        lines.append(line)
    if len(lines) > max_lines:   # the rest is wider than a line, so fit_line cuts it with "…"
        joiner = "" if word_wrap_for(text) == "CJK" else " "
        lines = lines[:max_lines - 1] + [fit_line(joiner.join(lines[max_lines - 1:]), font, size, width)]
    return lines   # a closing mark may hang one character past the line, as in Chinese typesetting


def fit_line(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with "…" to fit ``width`` on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# ---------------------------------------------------------------------------- writing
def write_pdf(path: str | Path, render: Callable[[BinaryIO], T]) -> T:
    """Render into ``path`` atomically: ``render(fh)`` writes the PDF; its result is returned."""
    with atomic_output(path) as fh:
        return render(fh)
