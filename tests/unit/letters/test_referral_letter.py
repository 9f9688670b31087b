"""The referral letter PDF as the provider and the person see it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from outreach.domain import idnumber
from outreach.letters.data import ConsentInfo, Organisation
from outreach.letters.layout import BINDING_MARGIN, MARGIN, write_pdf
from outreach.letters.referral_letter import render_referral_letter, render_referral_letters
from tests.unit.letters.conftest import FULL_ID, make_letter
from tests.unit.letters.pdftools import (
    all_text,
    fonts,
    long_chinese_text,
    page_texts,
    qr_codes,
    render_png,
    words,
)


def _write(tmp_path: Path, data, name="letter.pdf", lang="zh_CN") -> Path:
    path = tmp_path / name
    write_pdf(path, lambda fh: render_referral_letter(data, fh, lang=lang))
    return path


def test_chinese_letter_shows_every_field_and_only_the_masked_id(tmp_path, letter):
    path = _write(tmp_path, letter)
    text = all_text(path)
    for expected in ("青山镇社会工作服务站", "0871-6123456", "转介函", "ZJ-ABCD-000123", "2025年3月10日",
                     "致：青山镇卫生院", "王秀英", "女", "82岁", "13800138000", "东坪-0150",
                     "青山县青山镇东坪村三组15号", "降压药即将用完", "洗澡需要协助", "尽快",
                     "2025年3月24日前回复", "口头同意（有见证人）", "邻居刘桂兰", "经办社工：李娜", "13900001111",
                     "社工签名", "机构（盖章）", "回执", "已接收", "不予接收", "已提供服务", "提供的服务",
                     "经办人签名", "沿此线剪下"):
        assert expected in text, expected
    assert idnumber.mask(FULL_ID) == "522731********0026"
    assert "522731********0026" in text
    assert FULL_ID not in text
    assert "19430506" not in text  # not even the birth-date digits
    assert FULL_ID.encode() not in path.read_bytes()


def test_letter_embeds_a_wenquanyi_subset_and_no_other_font(tmp_path, letter):
    used = fonts(_write(tmp_path, letter))
    assert used, "the PDF uses no font"
    for font in used:
        assert font["embedded"], font
        assert "WenQuanYiMicroHei" in font["name"], font
        assert "+" in font["name"], f"not a subset: {font}"  # e.g. /AAAAAA+WenQuanYiMicroHei-0


def test_both_qr_codes_decode_to_the_reference(tmp_path, letter):
    pngs = render_png(_write(tmp_path, letter), tmp_path)
    assert len(pngs) == 1
    assert qr_codes(pngs[0]) == ["ZJ-ABCD-000123", "ZJ-ABCD-000123"]  # letter head and reply slip


def test_short_letter_and_its_reply_slip_fit_on_one_page(tmp_path, letter):
    path = _write(tmp_path, letter)
    texts = page_texts(path)
    assert len(texts) == 1
    assert "第 1 页 共 1 页" in texts[0]


@pytest.mark.slow
def test_long_chinese_reason_flows_to_page_two_inside_the_margins(tmp_path):
    reason = long_chinese_text(2000)
    assert len(reason) == 2000
    path = _write(tmp_path, make_letter(reason=reason))
    texts = page_texts(path)
    assert len(texts) == 2
    assert "第 1 页 共 2 页" in texts[0] and "第 2 页 共 2 页" in texts[1]
    flat = all_text(path)
    squeezed = "".join(reason.split())
    # every character of the reason is printed, in order, across the page break
    body = flat[flat.index("二、转介原因及需求"):]
    assert squeezed[:200] in body and squeezed[-200:] in body.replace("第1页共2页", "")
    # the reply slip is whole, on the last page, below the end of the reason
    assert "沿此线剪下" not in texts[0] and "沿此线剪下" in texts[1] and "经办人签名" in texts[1]
    found, (width, height) = words(path)
    tolerance = 0.5
    for w in found:
        # the left edge keeps the binding margin; a Chinese closing mark may hang at a line's end (its ink
        # sits in the left half of its box, as in Chinese typesetting)
        hang = 10.5 / 2 if w.text[-1] in "，。、；：）”」』》？！" else 0
        assert BINDING_MARGIN - tolerance <= w.x0 and w.x1 <= width - MARGIN + tolerance + hang, w
        assert 14 * mm - tolerance <= w.y0 and w.y1 <= height - 8 * mm, w
    # both QR codes on the pages still decode
    codes = [c for png in render_png(path, tmp_path) for c in qr_codes(png)]
    assert codes == ["ZJ-ABCD-000123", "ZJ-ABCD-000123"]


def test_english_letter(tmp_path, letter):
    path = _write(tmp_path, letter, lang="en")
    text = " ".join(page_texts(path))
    for expected in ("Referral Letter", "Reference: ZJ-ABCD-000123", "Date: 2025-03-10", "To: 青山镇卫生院",
                     "Female", "Resident ID", "522731********0026", "Urgency: Soon", "Please reply by 2025-03-24",
                     "Verbal, witnessed", "Social worker: 李娜", "Reply slip", "Accepted", "Declined", "Served",
                     "cut here", "Page 1 of 1"):
        assert expected in text, expected
    assert "转介函" not in text and "回执" not in text
    assert FULL_ID not in text


def test_letter_without_consent_says_so(tmp_path):
    text = all_text(_write(tmp_path, make_letter(consent=ConsentInfo(given=False))))
    assert "未记录知情同意" in text


def test_logo_is_drawn_when_set_and_a_broken_logo_is_a_clear_error(tmp_path):
    from PIL import Image

    from outreach.domain.errors import OutreachError

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 120), (26, 61, 109)).save(logo)
    org = Organisation("青山镇社会工作服务站", logo_path=str(logo))
    buf = io.BytesIO()
    render_referral_letter(make_letter(organisation=org), buf)
    page = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    assert page["/Resources"]["/XObject"], "no image on the page"

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(OutreachError) as err:
        render_referral_letter(make_letter(organisation=Organisation("站", logo_path=str(broken))), io.BytesIO())
    assert err.value.key == "letters.error.bad_logo"
    # a logo file that has gone missing is left out rather than blocking the letter
    render_referral_letter(make_letter(organisation=Organisation("站", logo_path=str(tmp_path / "gone.png"))),
                           io.BytesIO())


def test_text_that_looks_like_markup_is_printed_as_typed(tmp_path):
    text = all_text(_write(tmp_path, make_letter(reason="血压 <160/100> & 头晕 <b>不是粗体</b>")))
    assert "<160/100>&头晕<b>不是粗体</b>" in text


def test_no_letters_is_an_error():
    from outreach.domain.errors import OutreachError

    with pytest.raises(OutreachError):
        render_referral_letters([], io.BytesIO())


def test_a_person_without_id_or_age_leaves_the_cells_empty(tmp_path):
    from outreach.letters.data import PersonInfo

    path = _write(tmp_path, make_letter(person=PersonInfo("刘小雨", "female")))
    text = all_text(path)
    assert "刘小雨" in text and "*" not in text


def test_dates_follow_the_letter_language(tmp_path):
    zh = all_text(_write(tmp_path, make_letter(issued_on=date(2025, 12, 1)), "zh.pdf"))
    en = " ".join(page_texts(_write(tmp_path, make_letter(issued_on=date(2025, 12, 1)), "en.pdf", lang="en")))
    assert "2025年12月1日" in zh
    assert "2025-12-01" in en
