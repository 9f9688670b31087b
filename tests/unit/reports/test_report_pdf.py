"""The monthly report PDF: its text carries the figures, in Chinese or English, with the font embedded."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from outreach.domain.errors import OutreachError
from outreach.reports.charts import nice_step
from outreach.reports.report_pdf import write_monthly_report

from .conftest import TODAY
from .dataset import T


def pdf_text(path) -> str:
    """All text, with whitespace removed (table cells come out one per line)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(path).pages))


def test_chinese_report_carries_the_figures(store, team, tmp_path):
    path = tmp_path / "may.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, today=TODAY)
    text = pdf_text(path)
    assert "石门镇社会工作服务站" in text and "石门镇2024年5月入户走访工作月报" in text
    for figure in ("在册户数6", "本期走访户数4", "本期走访次数6", "近30天走访覆盖率66.7%（4/6）",
                   "近90天走访覆盖率83.3%（5/6）", "从未走访户数1", "到期未回访户数2", "重点人群5人（3户）",
                   "本期识别需求5", "本期发出转介5", "已获服务1（20.0%）", "回复天数中位数2.5天", "逾期未回复转介（含往月）1",
                   "未遇22",                                    # nobody home: 2 visits, 2 households
                   "石门村42375.0%1",                            # village row: 4 households, 2, 3, 75.0 %, 1 never
                   "留守儿童11", "东坪村村委会22"):
        assert figure in text, figure


def test_english_report(store, team, tmp_path):
    path = tmp_path / "may-en.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, lang="en", today=TODAY)
    text = pdf_text(path)
    assert "Outreachmonthlyreport—石门镇,May2024" in text
    for figure in ("Householdsregistered6", "Visitedinlast90days83.3%(5/6)", "Mediandaystoreply2.5days",
                   "Nobodyhome22", "Householdswithavisitdue2"):
        assert figure in text, figure
    assert "走访" not in text, "no Chinese labels left in the English report"


def test_fonts_are_embedded(store, team, tmp_path):
    path = tmp_path / "may.pdf"
    write_monthly_report(store, path, month="2024-05", today=TODAY)
    fonts = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendant = font.get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            assert desc is not None and any(k in desc.get_object() for k in ("/FontFile2", "/FontFile3")), font
    assert fonts and all("WenQuanYi" in f for f in fonts), fonts


def test_empty_month_still_renders(store, tmp_path):
    path = tmp_path / "empty.pdf"
    write_monthly_report(store, path, month="2020-01", today=TODAY)
    assert "在册户数0" in pdf_text(path)


def test_bad_input_leaves_nothing(store, team, tmp_path):
    for kwargs, key in (({"month": "2024-13"}, "reports.error.bad_month"),
                        ({"month": "2024-05", "area": "123"}, "reports.error.unknown_area")):
        with pytest.raises(OutreachError) as err:
            write_monthly_report(store, tmp_path / "x.pdf", **kwargs)
        assert err.value.key == key
    with pytest.raises(OutreachError) as err:
        write_monthly_report(store, tmp_path / "no" / "x.pdf", month="2024-05")
    assert err.value.key == "error.file.unwritable"
    assert [p for p in tmp_path.iterdir() if p.name != "store"] == []   # PG runs: the store's folder


def test_axis_steps_are_whole_numbers():
    assert [nice_step(n) for n in (1, 4, 7, 23, 180, 1_234, 50_000)] == [1, 1, 2, 5, 50, 500, 10_000]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (Debian/Ubuntu package poppler-utils)")
def test_pages_rasterise(store, team, tmp_path):
    path = tmp_path / "may.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, today=TODAY)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "page")], check=True, timeout=60)
    assert len(list(tmp_path.glob("page-*.png"))) == len(PdfReader(path).pages) >= 2


def cells(path) -> list[str]:
    """The text one table cell (or line) per item."""
    return [c.strip() for page in PdfReader(path).pages for c in page.extract_text().split("\n") if c.strip()]


def row_after(items: list[str], label: str, n: int) -> list[int]:
    i = items.index(label)
    return [int(x.replace(",", "")) for x in items[i + 1:i + 1 + n]]


def test_report_has_civil_affairs_age_groups_summable_needs_signatures_and_a_written_summary(store, team, tmp_path):
    path = tmp_path / "may.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, today=TODAY)
    items, text = cells(path), pdf_text(path)
    # Ages on 31 May: under 18 p3 p7; 18–59 p2 p12; 60+ p4 p5 p1, of whom 80+ p1; unknown p9.
    ages = {label: row_after(items, label, 2)[0] for label in
            ("儿童（0–17岁，未满18周岁）", "18–59岁", "老年人（60岁及以上）", "\u3000其中：80岁及以上".strip(),
             "出生日期不详", "合计（不含“其中”行）")}
    assert ages == {"儿童（0–17岁，未满18周岁）": 2, "18–59岁": 2, "老年人（60岁及以上）": 3, "其中：80岁及以上": 1,
                    "出生日期不详": 1, "合计（不含“其中”行）": 8}
    assert "0–13" not in text
    # Needs: each domain's priorities add up to its subtotal; every column's total is the sum of its rows.
    assert "本期新识别需求（按优先级）" in text and "截至统计日未解决（含往月）" in text.replace("\n", "")
    start = items.index("小计")                      # the last header cell
    end = items.index("合计", start)
    rows = [row_after(items, items[i], 6) for i in range(start + 1, end, 7)]
    assert rows and all(sum(r[:4]) == r[4] for r in rows)
    total = row_after(items[end:], "合计", 6)
    assert total == [sum(r[c] for r in rows) for c in range(6)]
    assert total[4] == 5 and total[5] == 5           # identified in May; open now (n5 from April included)
    for line in ("填报人：李娜", "审核人：", "日期：", "（单位盖章）"):
        assert line in text, line
    # A written summary generated from the figures.
    assert "2024年5月，石门镇在册6户，本月走访4户、共6次" in text
    assert "截至2024年5月31日，逾期未回复的转介1件" in text   # dates as a Chinese paper writes them


def test_english_summary_uses_plural_forms(store, team, tmp_path):
    path = tmp_path / "may-en.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, lang="en", today=TODAY)
    text = pdf_text(path)
    assert "had6householdsregistered;4householdsvisited(6visits)" in text
    assert "repliesoverduefor1referral(wheneverissued)" in text and "1referrals" not in text
    assert "Children(0–17,under18)" in text and "Olderpeople(60andover)" in text
    assert "Preparedby:李娜" in text and "Checkedby:" in text
