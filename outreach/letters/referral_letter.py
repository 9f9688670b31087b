"""The referral letter (转介函) with its tear-off reply slip (回执), A4, one or many per PDF.

The person's resident ID is printed masked, always (``outreach.domain.idnumber.mask``), whatever the
data carries. A long reason flows onto the next page; the reply slip is never split: it sits at the
foot of the last page of the letter, or moves whole onto a new page when there is no room for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from outreach.domain import idnumber
from outreach.domain.enums import ConsentMethod, ProviderCategory, Sex, Urgency
from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.letters.data import Organisation, ReferralLetterData
from outreach.letters.fonts import register_fonts
from outreach.letters.layout import (
    BottomAnchored,
    CutLine,
    Para,
    PartMarker,
    SealBlock,
    Styles,
    TickBoxes,
    blank_date,
    esc,
    font_table,
    format_date,
    make_doc,
    numbered_canvas_factory,
    para,
    styles,
)
from outreach.letters.qr import qr_drawing

LINE = colors.HexColor("#777777")
SHADE = colors.HexColor("#eef2f7")



def _sep(lang: str) -> str:
    return "\u00a0 · \u00a0" if lang == "en" else "\u00a0\u00a0\u00a0\u00a0"  # NBSP: a Paragraph keeps them


def _p(text: str, style) -> Para:
    return para(text, style)


def letterhead(org: Organisation, st: Styles, width: float, lang: str, *, title: str = "",
               qr_value: str = "") -> list[Flowable]:
    """Organisation name, address and phone (and the document title), the logo on the left when one
    is set, and a QR code on the right when ``qr_value`` is given."""
    lines: list[Flowable] = [Para(esc(org.name), st.org_name)]
    contact = _sep(lang).join(
        part for part in (
            tr("letters.org.address", lang, address=org.address) if org.address else "",
            tr("letters.org.phone", lang, phone=org.phone) if org.phone else "",
        ) if part
    )
    if contact:
        lines.append(Para(esc(contact), st.org_line))
    if title:
        lines.append(Para(esc(title), st.title))
    logo = _logo(org.logo_path)
    side = 26 * mm
    right: list[Flowable] | str = ""
    if qr_value:
        right = [qr_drawing(qr_value, 22 * mm), Para(esc(tr("letters.letter.qr_caption", lang)), st.tiny)]
    table = font_table([[logo or "", lines, right]], colWidths=[side, width - 2 * side, side])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return [table, HRFlowable(width="100%", thickness=1.2, color=colors.HexColor("#1a3d6d"),
                              spaceBefore=1 * mm, spaceAfter=2 * mm)]


def _logo(path: str) -> Image | None:
    """The logo as a flowable; no logo set (or the file is gone) means no logo. A file that is not
    an image is an error the user must fix in the settings."""
    if not path or not Path(path).is_file():
        return None
    try:
        iw, ih = ImageReader(path).getSize()
    except Exception as exc:  # reportlab/PIL raise many types for a bad image
        raise OutreachError("letters.error.bad_logo", path=path) from exc
    scale = min(20 * mm / iw, 20 * mm / ih)
    return Image(path, width=iw * scale, height=ih * scale)


def _grid(rows: list[list], widths: list[float], *, label_cols: Sequence[int] = (0,)) -> Table:
    table = font_table(rows, colWidths=widths)
    cmds = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for col in label_cols:
        cmds.append(("BACKGROUND", (col, 0), (col, -1), SHADE))
    table.setStyle(TableStyle(cmds))
    return table


def _meta_block(data: ReferralLetterData, st: Styles, width: float, lang: str) -> Table:
    reply_by = (tr("letters.letter.reply_by", lang, date=format_date(data.expected_reply_on, lang))
                if data.expected_reply_on else "")
    rows = [
        [_p(tr("letters.letter.reference", lang, reference=data.reference), st.body),
         _p(tr("letters.letter.issued_on", lang, date=format_date(data.issued_on, lang)), st.body)],
        [_p(tr("letters.letter.urgency", lang, urgency=Urgency.label_of(data.urgency, lang)), st.body),
         _p(reply_by, st.body)],
    ]
    table = font_table(rows, colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _person_table(data: ReferralLetterData, st: Styles, width: float, lang: str) -> Table:
    p = data.person
    c = st.cell
    age = tr("letters.person.age_value", lang, age=p.age) if p.age is not None else ""
    rows = [
        [_p(tr("letters.person.name", lang), c), _p(p.name, c),
         _p(tr("letters.person.sex", lang), c), _p(Sex.label_of(p.sex, lang) if p.sex else "", c)],
        [_p(tr("letters.person.age", lang), c), _p(age, c),
         _p(tr("letters.person.id_number", lang), c), _p(idnumber.mask(p.id_number), c)],
        [_p(tr("letters.person.phone", lang), c), _p(p.phone, c),
         _p(tr("letters.person.household", lang), c), _p(p.household_code, c)],
        [_p(tr("letters.person.address", lang), c), _p(p.address, c), "", ""],
    ]
    label_w = 24 * mm
    value_w = (width - 2 * label_w) / 2
    table = _grid(rows, [label_w, value_w, label_w, value_w], label_cols=(0, 2))
    table.setStyle(TableStyle([("SPAN", (1, 3), (3, 3)), ("BACKGROUND", (2, 3), (2, 3), colors.white)]))
    return table


def _consent_text(data: ReferralLetterData, lang: str) -> str:
    consent = data.consent
    if not consent.given:
        return tr("letters.consent.missing", lang)
    text = tr("letters.consent.statement", lang,
              by=consent.by or data.person.name,
              date=format_date(consent.on, lang) or blank_date(lang),
              method=ConsentMethod.label_of(consent.method, lang) if consent.method else "")
    if consent.witness:
        text += tr("letters.consent.witness", lang, witness=consent.witness)
    return text


def _signature_lines(st: Styles, width: float, labels: list[str]) -> Table:
    table = font_table([[_p(label, st.body) for label in labels]], colWidths=[width / len(labels)] * len(labels))
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 8)]))
    return table


def letter_body(data: ReferralLetterData, st: Styles, width: float, lang: str) -> list[Flowable]:
    """Everything above the cut line."""
    prov = data.provider
    story: list[Flowable] = letterhead(data.organisation, st, width, lang,
                                       title=tr("letters.letter.title", lang), qr_value=data.reference)
    story.append(_meta_block(data, st, width, lang))
    story.append(_p(tr("letters.letter.to", lang, provider=prov.name), st.heading))
    details = [
        ProviderCategory.label_of(prov.category, lang) if prov.category else "",
        tr("letters.provider.contact", lang, contact=prov.contact_person) if prov.contact_person else "",
        tr("letters.org.phone", lang, phone=prov.phone) if prov.phone else "",
        tr("letters.org.address", lang, address=prov.address) if prov.address else "",
    ]
    if any(details):
        story.append(_p(_sep(lang).join(d for d in details if d), st.small))
    story.append(Spacer(1, 2 * mm))
    story.append(_p(tr("letters.letter.intro", lang, org=data.organisation.name), st.body))
    story.append(_p(tr("letters.section.person", lang), st.heading))
    story.append(_person_table(data, st, width, lang))
    story.append(_p(tr("letters.section.reason", lang), st.heading))
    story.append(_p(data.reason or tr("letters.reason.none", lang), st.body))
    if data.needs:
        story.append(Spacer(1, 1 * mm))
        story.append(_p(tr("letters.letter.needs", lang) + tr("papers.letter.needs_sep", lang).join(data.needs),
                        st.body))
    story.append(_p(tr("letters.section.consent", lang), st.heading))
    story.append(_p(_consent_text(data, lang), st.body))
    story.append(Spacer(1, 2 * mm))
    story.append(_closing(data, st, width, lang))
    return story


def _closing(data: ReferralLetterData, st: Styles, width: float, lang: str) -> Table:
    """The worker to contact (name and phone, a line to write them on when unknown), where the reply
    goes, and the 落款 at the lower right: issuing unit, date, stamp."""
    org = data.organisation
    worker = (tr("letters.letter.worker", lang, name=data.worker_name or "__________") + _sep(lang)
              + tr("papers.letter.worker_phone", lang, phone=data.worker_phone or "______________"))
    contact = [
        _p(worker, st.body),
        _p(tr("papers.letter.reply_to", lang, to=org.return_address), st.small),
        Spacer(1, 2 * mm),
        _p(tr("letters.sign.worker", lang) + _sep(lang) + tr("papers2.letter.checked_by", lang), st.body),
    ]
    seal = SealBlock([org.name, format_date(data.issued_on, lang)], tr("papers.letter.stamp", lang),
                     radius=16 * mm)
    table = font_table([[contact, seal]], colWidths=[width * 0.58, width * 0.42])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def reply_slip(data: ReferralLetterData, st: Styles, width: float, lang: str) -> list[Flowable]:
    """The tear-off reply slip the provider fills in by hand and sends back."""
    org = data.organisation
    title = [
        Para(esc(tr("letters.slip.title", lang)) + "&nbsp;&nbsp;&nbsp;&nbsp;"
                  + esc(tr("letters.letter.reference", lang, reference=data.reference)), st.heading),
        _p(tr("letters.slip.to", lang, org=org.name), st.body),
        _p(tr("letters.slip.intro", lang, name=data.person.name, reference=data.reference), st.body),
        Spacer(1, 1 * mm),
        TickBoxes([tr("letters.slip.accepted", lang), tr("letters.slip.declined", lang),
                   tr("letters.slip.served", lang)]),
    ]
    qr = qr_drawing(data.reference, 22 * mm)
    top = font_table([[title, qr]], colWidths=[width - 26 * mm, 26 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                             ("TOPPADDING", (0, 0), (-1, -1), 0),
                             ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    ruled = font_table([[""], [""]], colWidths=[width], rowHeights=[6.5 * mm, 6.5 * mm])
    ruled.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE)]))
    return_to = org.return_address
    return [
        CutLine(tr("letters.slip.cut_here", lang)),
        top,
        _p(tr("letters.slip.services", lang), st.body),
        ruled,
        _signature_lines(st, width, [tr("letters.slip.provider_stamp", lang), tr("letters.slip.signature", lang),
                                     tr("letters.sign.date", lang)]),
        Spacer(1, 1.5 * mm),
        _p(tr("letters.slip.return_to", lang, org=return_to), st.small),
    ]


def letter_story(data: ReferralLetterData, st: Styles, width: float, lang: str) -> list[Flowable]:
    footer = tr("letters.letter.footer", lang, reference=data.reference, org=data.organisation.name)
    return [
        PartMarker(data.reference, footer),
        *letter_body(data, st, width, lang),
        Spacer(1, 4 * mm),
        BottomAnchored(reply_slip(data, st, width, lang)),
    ]


def render_referral_letters(letters: Iterable[ReferralLetterData], out: BinaryIO, *, lang: str = "zh_CN") -> int:
    """Write one PDF with every letter (each starts on a new page) into ``out``; returns the number
    of letters. An empty list is an error (there would be nothing to print)."""
    register_fonts()
    st = styles()
    items = list(letters)
    if not items:
        raise OutreachError("letters.error.no_letters")
    title = tr("letters.letter.title", lang) + (f" {items[0].reference}" if len(items) == 1 else "")
    doc = make_doc(out, title=title, author=items[0].organisation.name)
    story: list[Flowable] = []
    for i, data in enumerate(items):
        if i:
            story.append(PageBreak())
        story.extend(letter_story(data, st, doc.width, lang))
    doc.build(story, canvasmaker=numbered_canvas_factory(lang))
    return len(items)


def render_referral_letter(data: ReferralLetterData, out: BinaryIO, *, lang: str = "zh_CN") -> None:
    """Write the PDF of one referral letter with its reply slip into ``out``."""
    render_referral_letters([data], out, lang=lang)
