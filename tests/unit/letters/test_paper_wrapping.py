"""Every paper wraps as its text's language asks: English between words (never "Outcom e"), Chinese per
character, mixed text sensibly; the visit register ends with the sign-off and the unit's stamp place."""

from __future__ import annotations

from datetime import date

import pytest
from reportlab.lib.styles import ParagraphStyle

from outreach.letters.batch import write_letters_pdf
from outreach.letters.data import ProviderInfo, VisitRegisterData, VisitRow
from outreach.letters.fonts import register_fonts
from outreach.letters.layout import MARGIN, MIN_FIT_SIZE, para, word_wrap_for, write_pdf
from outreach.letters.registers import render_visit_register
from tests.unit.letters.conftest import ORG, make_letter
from tests.unit.letters.pdftools import long_chinese_text, page_texts, words

LONG_PROVIDER = ("Guizhou Provincial Rehabilitation Centre for Persons with Disabilities and Their Families "
                 "(Qingshan County Branch Office, Outpatient Department)")


def _register(rows: int) -> VisitRegisterData:
    types = ["routine", "assessment", "campaign", "follow_up"]
    outcomes = ["met", "nobody_home", "refused", "met"]
    notes = long_chinese_text(3000)
    return VisitRegisterData(
        ORG, "石门村", "522731100201", 2025, 3, "第一小组",
        tuple(VisitRow(date(2025, 3, 1 + i % 28), f"石门-OAXV-{i:04d}", "王秀英、Maria Gonzalez-Fernandez",
                       types[i % 4], outcomes[i % 4], "Zhang Wei-Ming" if i % 2 else "李娜",
                       notes[i * 50:i * 50 + 60], "王秀英", "石门村三组 15 号") for i in range(rows)))


def _write_register(tmp_path, lang: str, rows: int = 30):
    path = tmp_path / f"register-{lang}.pdf"
    write_pdf(path, lambda fh: render_visit_register(_register(rows), fh, lang=lang))
    return path


def test_the_wrap_mode_follows_the_text():
    assert word_wrap_for("Outcome") is None
    assert word_wrap_for("Information campaign") is None
    assert word_wrap_for("王秀英，82岁，独居") == "CJK"
    assert word_wrap_for("转介至 Guizhou Rehab Centre 接受康复评估和上门服务") == "CJK"   # mostly Chinese
    assert word_wrap_for("致：Guizhou Provincial Rehabilitation Centre") is None          # mostly English
    assert word_wrap_for("王秀英、Maria Gonzalez-Fernandez") is None
    assert word_wrap_for("") is None


def test_a_word_wider_than_its_cell_is_set_smaller_not_cut():
    font = register_fonts()
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    p = para("Assessment", cell)
    _w, h = p.wrap(36, 1000)                  # "Assessment" is ~50 pt at 9.5 pt
    assert p.style.wordWrap is None and MIN_FIT_SIZE <= p.style.fontSize < 9.5
    assert len(p.blPara.lines) == 1, "the word stays on one line"
    chinese = para("王秀英，82岁，独居，儿子在东莞务工", cell)
    chinese.wrap(36, 1000)
    assert chinese.style.fontSize == 9.5 and len(chinese.blPara.lines) > 1   # wraps per character, same size


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_register_words_stay_whole(tmp_path, lang):
    boxes, _size = words(_write_register(tmp_path, lang))
    found = {w.text for w in boxes}
    expected = {"Outcome", "Assessment", "Information", "campaign", "Nobody", "Gonzalez-Fernandez",
                "Wei-Ming", "Purpose", "household"} if lang == "en" else {"Gonzalez-Fernandez", "Wei-Ming"}
    missing = {w for w in expected if w not in found and f"{w}," not in found}
    assert not missing, f"split or missing: {missing}"
    fragments = {"Outcom", "Informati", "Assessm", "campa", "Gonzal"}
    assert not fragments & found


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_register_text_stays_inside_the_page(tmp_path, lang):
    boxes, (width, _h) = words(_write_register(tmp_path, lang))
    assert boxes
    overflow = [w for w in boxes if w.x1 > width - MARGIN + 1 or w.x0 < MARGIN - 1]
    assert not overflow, overflow[:5]


@pytest.mark.parametrize(("lang", "labels"), [
    ("zh_CN", ("填表人：", "审核人：", "日期：", "（单位盖章）")),
    ("en", ("Prepared by:", "Checked by:", "Date:", "(unit stamp)")),
])
def test_register_ends_with_the_sign_off_and_stamp_place(tmp_path, lang, labels):
    texts = page_texts(_write_register(tmp_path, lang, rows=40))
    assert len(texts) >= 3
    last = texts[-1]
    for label in labels:
        assert label in last, label
    assert ORG.name in last, "the unit's name sits under the stamp place"
    assert "第 {0} 页 共 {0} 页".format(len(texts)) in last if lang == "zh_CN" else f"Page {len(texts)} of" in last
    for page in texts[:-1]:
        assert labels[-1] not in page, "the sign-off comes once, at the end"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_long_english_provider_name_keeps_its_words(tmp_path, lang):
    letter = make_letter(provider=ProviderInfo(LONG_PROVIDER, "clinic", "Dr. Christopher Montgomery-Whitfield",
                                               "0871-6120120", "Renmin Road 18, Qingshan"))
    path = tmp_path / f"letter-{lang}.pdf"
    write_letters_pdf(path, [letter], lang=lang)
    boxes, (width, _h) = words(path)
    found = {part.strip("(),") for w in boxes for part in w.text.split("：")}
    name_words = {w.strip("(),") for w in LONG_PROVIDER.split()}
    assert name_words <= found, f"split: {name_words - found}"
    lines = {round(w.y0) for w in boxes if w.text.strip("(),") in {"Guizhou", "Families", "Outpatient"}}
    assert len(lines) >= 2, "the name is long enough to need a second line"
    assert all(w.x1 <= width - MARGIN + 1 for w in boxes)


def test_chinese_reason_in_an_english_letter_fills_its_lines(tmp_path):
    path = tmp_path / "letter.pdf"
    write_letters_pdf(path, [make_letter(reason=long_chinese_text(600))], lang="en")
    boxes, (width, _h) = words(path)
    right = width - MARGIN
    # lines of the reason (pure Chinese words) reach the right margin: wrapped per character, not ragged
    chinese = [w for w in boxes if word_wrap_for(w.text) == "CJK" and len(w.text) > 10]
    full = [w for w in chinese if w.x1 > right - 12]
    assert len(full) >= 5
    assert all(w.x1 <= right + 1 for w in boxes)
