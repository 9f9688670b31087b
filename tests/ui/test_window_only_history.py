"""Window only: a household's change history names every field in the interface language — no column
name such as "complete=是" inside the Chinese screen."""

from __future__ import annotations

import re

import pytest
from sqlmodel import SQLModel

import outreach.storage.tables  # noqa: F401  (the tables register on SQLModel.metadata)
from outreach.i18n import set_language
from outreach.storage.tables import SYNCED_TABLES
from outreach.ui.history_text import _hidden, change_text, field_label


def _shown_fields() -> list[tuple[str, str]]:
    return [(t.name, c.name) for t in SQLModel.metadata.sorted_tables if t.name in SYNCED_TABLES
            for c in t.columns if not _hidden(c.name)]


def test_every_field_the_history_shows_has_a_chinese_name():
    set_language("zh_CN")
    raw = [f"{table}.{name}" for table, name in _shown_fields() if re.search(r"[A-Za-z]", field_label(name))]
    assert raw == []


@pytest.mark.parametrize(("lang", "expected"), [("zh_CN", "已填完=是"), ("en", "Complete=Yes")])
def test_an_assessment_line_reads_in_the_language(lang, expected):
    set_language(lang)
    try:
        assert expected in change_text("assessment", "*", {"complete": True, "score": 6})
    finally:
        set_language("zh_CN")
