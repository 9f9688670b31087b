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
                   "近90天走访覆盖率83.3%（5/6）", "从未走访户数1", "逾期未回访户数2", "重点人群5人（3户）",
                   "本期识别需求5", "本期发出转介5", "已获服务1（20.0%）", "回复天数中位数2.5天", "超期未回复转介1",
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
                   "Nobodyhome22", "Follow-upsoverdue2"):
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
    assert list(tmp_path.iterdir()) == []


def test_axis_steps_are_whole_numbers():
    assert [nice_step(n) for n in (1, 4, 7, 23, 180, 1_234, 50_000)] == [1, 1, 2, 5, 50, 500, 10_000]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (Debian/Ubuntu package poppler-utils)")
def test_pages_rasterise(store, team, tmp_path):
    path = tmp_path / "may.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, today=TODAY)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "page")], check=True, timeout=60)
    assert len(list(tmp_path.glob("page-*.png"))) == len(PdfReader(path).pages) >= 2
