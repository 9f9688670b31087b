"""Papers as a township office files them: a binding margin on the left of every page, "第 X 页 共 Y 页"
right on every page, the serial number on the letter and on its reply slip, 经办人/审核人 places, table
headers on every page of a register, a long unit name that stays on the paper, and a blank form that
stays one sheet whatever the letterhead."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from reportlab.lib.units import mm

from outreach.letters.data import Organisation, VisitRegisterData, VisitRow
from outreach.letters.layout import BINDING_MARGIN, MARGIN, split_lines, write_pdf
from outreach.letters.referral_letter import render_referral_letters
from outreach.letters.registers import render_blank_visit_form, render_visit_register
from tests.unit.letters.conftest import ORG, make_letter
from tests.unit.letters.pdftools import long_chinese_text, page_texts, words

LONG_ORG = Organisation("黔南布依族苗族自治州青山县青山镇社会工作服务站（青山镇民政办公室社会救助服务中心）",
                        "贵州省黔南布依族苗族自治州青山县青山镇人民路18号政务服务中心三楼东侧302室", "0854-6123456")
HANGING = "，。、；：）”」』》？！"   # a Chinese closing mark may hang past the line's end by half its box


def _inside_the_margins(path) -> None:
    found, (width, _height) = words(path)
    assert found
    for w in found:
        hang = 6 if w.text[-1] in HANGING else 0
        assert w.x0 >= BINDING_MARGIN - 0.5, f"inside the binding margin (装订线): {w}"
        assert w.x1 <= width - MARGIN + 0.5 + hang, f"past the outer margin: {w}"


def _numbered(path, lang: str) -> None:
    texts = page_texts(path)
    for i, text in enumerate(texts, 1):
        flat = re.sub(r"\s+", " ", text)
        expected = f"第 {i} 页 共 {len(texts)} 页" if lang == "zh_CN" else f"Page {i} of {len(texts)}"
        assert expected in flat, (i, flat[-120:])


def _register(rows: int, org: Organisation = ORG) -> VisitRegisterData:
    notes = long_chinese_text(3000)
    return VisitRegisterData(org, "石门村", "522731101201", 2026, 11, "青山镇社工站第一小组", tuple(
        VisitRow(date(2026, 11, 1) + timedelta(days=i % 30), f"石门-{i:04d}", "欧阳阿依古丽·买买提明、王秀英",
                 "routine", "met", "欧阳娜仁托娅", notes[i * 30:i * 30 + 60], "欧阳阿依古丽·买买提明",
                 "龙潭乡石门村第三村民小组大坪子寨下湾组88号（老粮站背后第二户）")
        for i in range(rows)))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_long_letter_keeps_the_binding_margin_and_counts_its_own_pages(tmp_path, lang):
    letters = [make_letter(reference="ZJ-ABCD-000201", organisation=LONG_ORG, reason=long_chinese_text(1800)),
               make_letter(reference="ZJ-ABCD-000202")]
    path = tmp_path / f"letters-{lang}.pdf"
    write_pdf(path, lambda fh: render_referral_letters(letters, fh, lang=lang))
    _inside_the_margins(path)
    texts = [re.sub(r"\s+", " ", t) for t in page_texts(path)]
    first = [t for t in texts if "000201" in t]
    total = len(first)
    assert total >= 2, "the long letter runs over a page"
    page_of = "第 {} 页 共 {} 页" if lang == "zh_CN" else "Page {} of {}"
    # each letter in the batch counts its own pages: the long one 1..total, the short one 1 of 1
    for i, text in enumerate(first, 1):
        assert page_of.format(i, total) in text
    assert page_of.format(1, 1) in texts[-1] and "000202" in texts[-1]


def test_letter_and_its_reply_slip_carry_the_same_serial_and_the_signing_places(tmp_path):
    path = tmp_path / "letter.pdf"
    write_pdf(path, lambda fh: render_referral_letters([make_letter(reference="ZJ-ABCD-000777")], fh))
    text = re.sub(r"\s+", "", page_texts(path)[0])
    letter, slip = text.split("沿此线剪下")
    assert "编号：ZJ-ABCD-000777" in letter and "编号：ZJ-ABCD-000777" in slip
    for place in ("社工签名：", "审核人：", "（盖章）"):       # 经办人, 审核人 and the unit's stamp on the letter
        assert place in letter, place
    for place in ("服务机构（盖章）", "经办人签名："):            # the provider signs and stamps the slip
        assert place in slip, place
    assert "2025年3月10日" in letter                          # dates written as a Chinese paper writes them
    assert "2025-03" not in text
    assert "522731********0026" in letter and "522731194305060026" not in text   # ID masked


def test_english_letter_signing_places(tmp_path):
    path = tmp_path / "letter-en.pdf"
    write_pdf(path, lambda fh: render_referral_letters([make_letter()], fh, lang="en"))
    letter = re.sub(r"\s+", " ", page_texts(path)[0]).split("cut here")[0]
    assert "Worker's signature:" in letter and "Checked by:" in letter and "Reference: ZJ-ABCD-000123" in letter


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_long_register_repeats_its_header_keeps_rows_whole_and_ends_with_the_sign_off(tmp_path, lang):
    data = _register(70, LONG_ORG)
    path = tmp_path / f"register-{lang}.pdf"
    assert write_pdf(path, lambda fh: render_visit_register(data, fh, lang=lang)) == 70
    texts = [re.sub(r"\s+", "", t) for t in page_texts(path)]
    assert len(texts) >= 3
    head = ("户编号", "备注") if lang == "zh_CN" else ("Household", "Remarks")
    for i, text in enumerate(texts, 1):
        assert all(h in text for h in head), f"page {i} has no table header"
    # every row printed once, whole: its household code and its head's name on the same page
    for i in range(70):
        code = f"石门-{i:04d}"
        pages = [p for p, t in enumerate(texts) if code in t]
        assert len(pages) == 1, code
    sign = ("填表人", "审核人", "单位盖章") if lang == "zh_CN" else ("Preparedby", "Checkedby", "unitstamp")
    assert all(s in texts[-1] for s in sign)
    _inside_the_margins(path)
    _numbered(path, lang)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_blank_form_stays_one_sheet_under_a_long_letterhead(tmp_path, lang):
    path = tmp_path / f"form-{lang}.pdf"
    write_pdf(path, lambda fh: render_blank_visit_form(LONG_ORG, fh, lang=lang, village="石门村"))
    texts = page_texts(path)
    assert len(texts) == 1, "the signatures must not go onto a second sheet"
    sign = "社工签名" if lang == "zh_CN" else "signature"
    assert sign in texts[0]
    _inside_the_margins(path)


def test_split_lines_breaks_chinese_per_character_and_english_at_words():
    from outreach.letters.fonts import register_fonts
    font = register_fonts()
    lines = split_lines(LONG_ORG.name, font, 11, 60 * mm)
    assert len(lines) > 1 and "".join(lines) == LONG_ORG.name
    assert not any(line.startswith(("）", "，")) for line in lines)
    english = "Qingshan Township Social Work Station and Civil Affairs Assistance Centre"
    lines = split_lines(english, font, 11, 60 * mm)
    assert len(lines) > 1 and " ".join(lines) == english      # whole words only
    short = split_lines(english * 5, font, 11, 60 * mm, max_lines=2)
    assert len(short) == 2 and short[-1].endswith("…")
