"""Window only: an English message never says "a invite" or "a enrolment request" (the too-large-file
refusals a lead or worker meets when picking the wrong file to join or enrol). Every English text in
the catalogs uses "an" before a vowel sound ("a USB stick", "a UTF-8 file" are right as they are)."""

from __future__ import annotations

import re

from outreach.i18n import catalog, tr

A_BEFORE_VOWEL = re.compile(r"\b[Aa] (?=[aeiouAEIOU])(?!(?:u[a-z]*|one|once|US[A-Z]*|UTF|UOS)\b)")


def _english(entry) -> list[str]:
    text = entry.get("en")
    return list(text.values()) if isinstance(text, dict) else [text or ""]


def test_no_a_before_a_vowel_sound():
    found = [(key, text) for key, entry in catalog().items() for text in _english(entry)
             if A_BEFORE_VOWEL.search(text)]
    assert not found, found[:5]


def test_the_file_refusals_read_right():
    assert "larger than an invite may be" in tr("harden.file.too_large.invite", "en", path="x", limit="64 KB")
    assert "超过 CSV 表格" in tr("harden.file.too_large.csv", "zh_CN", path="x", limit="1 MB")
