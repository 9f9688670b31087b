"""The monthly report as the civil-affairs office files it: dates written as a Chinese paper writes them,
"第 X 页 共 Y 页" on every page, nothing inside the binding margin on the left."""

from __future__ import annotations

import re

import pytest

from outreach.letters.layout import BINDING_MARGIN
from outreach.reports.report_pdf import MARGIN, write_monthly_report
from tests.unit.letters.pdftools import page_texts, words

from .conftest import TODAY
from .dataset import T

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_report_pages_are_numbered_and_keep_the_binding_margin(store, team, tmp_path, lang):
    path = tmp_path / f"report-{lang}.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, lang=lang, today=TODAY)
    texts = [re.sub(r"\s+", " ", t) for t in page_texts(path)]
    assert len(texts) >= 2
    for i, text in enumerate(texts, 1):
        expected = f"第 {i} 页 共 {len(texts)} 页" if lang == "zh_CN" else f"Page {i} of {len(texts)}"
        assert expected in text, (i, text[-100:])
    found, (width, _h) = words(path)
    for w in found:
        hang = 6 if w.text[-1] in "，。、；：）”」』》？！" else 0
        assert w.x0 >= BINDING_MARGIN - 0.5, w
        assert w.x1 <= width - MARGIN + 0.5 + hang, w


def test_chinese_report_writes_its_dates_in_chinese(store, team, tmp_path):
    path = tmp_path / "report.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, today=TODAY)
    text = re.sub(r"\s+", "", "".join(page_texts(path)))
    assert "统计时段2024年5月1日至2024年5月31日" in text
    assert f"生成于{TODAY.year}年{TODAY.month}月{TODAY.day}日" in text
    assert ISO_DATE.findall(text) == []


def test_english_report_keeps_iso_dates(store, team, tmp_path):
    path = tmp_path / "report-en.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, lang="en", today=TODAY)
    text = " ".join(page_texts(path))
    assert "2024-05-01" in text and "2024-05-31" in text


LONG_PROVIDER = "青山县残疾人联合会康复服务指导中心（残疾人辅助器具适配服务站）"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_long_provider_name_wraps_in_its_cell_instead_of_running_off_the_page(store, team, tmp_path, lang):
    from sqlalchemy import select

    from outreach.storage.tables import Provider

    with store.connect() as conn:
        pid = conn.execute(select(Provider.__table__.c.id).where(Provider.__table__.c.name == "东坪村村委会")).scalar_one()
    with store.transaction() as w:
        w.update(Provider, pid, {"name": LONG_PROVIDER})
    path = tmp_path / f"report-{lang}.pdf"
    write_monthly_report(store, path, month="2024-05", area=T, lang=lang, today=TODAY)
    text = re.sub(r"\s+", "", "".join(page_texts(path)))
    assert LONG_PROVIDER in text                                # whole, not cut
    found, (width, _h) = words(path)
    assert all(w.x1 <= width - MARGIN + 0.5 + (6 if w.text[-1] in "，。、；：）”」』》？！" else 0) for w in found), \
        [w for w in found if w.x1 > width - MARGIN + 0.5]
