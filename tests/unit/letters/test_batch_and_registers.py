"""Many letters in one PDF or as separate files; the monthly visit register; the blank visit form."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from outreach.letters.batch import letter_file_name, write_letter_files, write_letters_pdf
from outreach.letters.data import VisitRegisterData, VisitRow
from outreach.letters.layout import write_pdf
from outreach.letters.registers import register_summary, render_blank_visit_form, render_visit_register
from tests.unit.letters.conftest import ORG, make_letter
from tests.unit.letters.pdftools import all_text, fonts, long_chinese_text, page_texts, words


def test_batch_puts_each_letter_on_its_own_pages_with_its_own_page_count(tmp_path):
    letters = [make_letter(reference="ZJ-ABCD-000001"),
               make_letter(reference="ZJ-ABCD-000002", reason=long_chinese_text(2000)),
               make_letter(reference="ZJ-ABCD-000003")]
    path = tmp_path / "day.pdf"
    assert write_letters_pdf(path, letters) == 3
    texts = page_texts(path)
    assert len(texts) == 4  # the long one takes two pages
    assert "ZJ-ABCD-000001" in texts[0] and "第 1 页 共 1 页" in texts[0]
    assert "ZJ-ABCD-000002" in texts[1] and "第 1 页 共 2 页" in texts[1]
    assert "ZJ-ABCD-000002" in texts[2] and "第 2 页 共 2 页" in texts[2]
    assert "ZJ-ABCD-000003" in texts[3] and "第 1 页 共 1 页" in texts[3]
    assert "ZJ-ABCD-000001" not in texts[1] + texts[2] + texts[3]
    # every letter starts with its letterhead and ends with its whole reply slip
    for i in (0, 1, 3):
        assert "转介函" in texts[i]
    for i in (0, 2, 3):
        assert "沿此线剪下" in texts[i] and "经办人签名" in texts[i]


def test_letters_as_separate_files(tmp_path):
    letters = [make_letter(reference=f"ZJ-ABCD-{n:06d}") for n in (1, 2)]
    paths = write_letter_files(tmp_path / "out", letters, lang="en")
    assert [p.name for p in paths] == ["ZJ-ABCD-000001.pdf", "ZJ-ABCD-000002.pdf"]
    assert "ZJ-ABCD-000002" in all_text(paths[1]) and "ReferralLetter" in all_text(paths[1])
    assert letter_file_name("ZJ/../x y") == "ZJ_.._x_y.pdf"


def _register(rows: int) -> VisitRegisterData:
    types = ["routine", "follow_up", "assessment", "crisis"]
    outcomes = ["met", "nobody_home", "met", "refused"]
    return VisitRegisterData(
        ORG, "石门村", "522731100201", 2025, 3, "第一小组",
        tuple(VisitRow(date(2025, 3, 1 + i % 28), f"石门-{i % 30:04d}", "张建国、李秀兰" if i % 4 != 1 else "",
                       types[i % 4], outcomes[i % 4], "王强" if i % 2 else "李娜") for i in range(rows)))


def test_monthly_register_is_a_table_with_header_summary_and_page_numbers(tmp_path):
    data = _register(60)
    path = tmp_path / "register.pdf"
    assert write_pdf(path, lambda fh: render_visit_register(data, fh)) == 60
    texts = page_texts(path)
    assert len(texts) >= 2
    first = texts[0].replace(" ", "")
    for expected in ("石门村入户走访台账", "2025年3月", "522731100201", "第一小组", "走访日期", "户编号", "见到的人",
                     "走访类型", "结果", "社工", "张建国、李秀兰", "未遇", "危机介入", "拒绝"):
        assert expected in first, expected
    for n, text in enumerate(texts, 1):
        assert f"第 {n} 页 共 {len(texts)} 页" in text
        assert "走访日期" in text  # the column headings repeat on every page
    assert register_summary(data) == {"visits": 60, "households": 30, "nobody_home": 15}
    assert "本月共走访60次，涉及30户，其中未遇15次" in all_text(path)
    assert all(f["embedded"] for f in fonts(path))
    found, (width, height) = words(path)
    assert width > height  # landscape
    assert all(w.x1 <= width - 40 for w in found)


def test_empty_month_says_so_and_english_register(tmp_path):
    data = VisitRegisterData(ORG, "石门村", "522731100201", 2025, 2)
    path = tmp_path / "empty.pdf"
    assert write_pdf(path, lambda fh: render_visit_register(data, fh, lang="en")) == 0
    text = " ".join(page_texts(path))
    assert "No visits this month" in text and "2025-02" in text and "Page 1 of 1" in text


def test_blank_visit_form_is_one_page_with_every_choice(tmp_path):
    path = tmp_path / "form.pdf"
    write_pdf(path, lambda fh: render_blank_visit_form(ORG, fh, village="东坪村"))
    assert len(PdfReader(str(path)).pages) == 1
    text = all_text(path)
    for expected in ("入户走访记录表", "东坪村", "户编号", "常规走访", "物资发放", "未遇", "住房与安全", "保护",
                     "下次走访日期", "服务对象签名/手印"):
        assert expected in text, expected
    en = tmp_path / "form-en.pdf"
    write_pdf(en, lambda fh: render_blank_visit_form(ORG, fh, lang="en"))
    found, (width, _h) = words(en)
    # long English choice labels wrap instead of running into each other
    labels = [w for w in found if w.text in ("Information", "campaign", "Supply")]
    assert labels and all(w.x1 <= width - 50 for w in found)
    boxes = sorted((w for w in found if w.text in ("Information", "Supply")), key=lambda w: (w.y0, w.x0))
    assert len(boxes) == 2
    a, b = boxes
    assert a.y0 != b.y0 or a.x1 < b.x0
