"""The English monthly report counts households in the plural form their own number asks: the line
of people in vulnerable groups and the assessments line said "2 (1 households)" and "1 (1 households)"
(the form followed the number of people or assessments, not of households)."""

from __future__ import annotations

import re

from pypdf import PdfReader

from outreach.reports.report_pdf import write_monthly_report

from .conftest import TODAY
from .dataset import V2


def _text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


def test_one_household_is_one_household(store, team, tmp_path):
    path = tmp_path / "shimen-en.pdf"
    write_monthly_report(store, path, month="2024-05", area=V2, lang="en", today=TODAY)   # 石门村
    text = _text(path)
    assert "1 households" not in text
    assert re.search(r"In vulnerable groups \d+ \(1 household\)", text), text[:600]
    assert re.search(r"Assessments this period: \d+ \(1 household\)", text)


def test_several_households_and_chinese_unchanged(store, team, tmp_path):
    en, zh = tmp_path / "en.pdf", tmp_path / "zh.pdf"
    write_monthly_report(store, en, month="2024-05", area="522301101", lang="en", today=TODAY)   # 石门镇
    write_monthly_report(store, zh, month="2024-05", area="522301101", lang="zh_CN", today=TODAY)
    assert "(3 households)" in _text(en) and "(2 households)" in _text(en)
    flat = re.sub(r"\s+", "", _text(zh))
    assert "5人（3户）" in flat and "本期完成需求评估2份（2户）" in flat
