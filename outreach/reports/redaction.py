"""Masking personal identifiers for data that leaves the team (the county office, a funder).

Choices, so nobody has to guess what a redacted file still says:
- **Names** keep the surname and hide the given name, one ``*`` per character: 王秀英 → 王**, 张强 → 张*,
  欧阳娜娜 → 欧阳** (two-character surnames are kept whole). This is the form Chinese public notices
  use (公示), so officials read it at once; it never shows a full name. Names in Latin letters become
  initials: "Maria Lopez" → "M. L.".
- **Resident ID numbers**: area code and last four only, 522301********1224 (``idnumber.mask``).
- **Phones**: first three and last four digits, 138****1234; anything shorter than 7 digits is hidden.
- **Birth dates** are reduced to the year; **addresses** and **free text** (notes, reasons, service
  descriptions — they often name people) are left out entirely, not masked.
"""

from __future__ import annotations

import re
from functools import lru_cache

from outreach.domain import idnumber

# Two-character surnames (复姓) common enough to matter.
COMPOUND_SURNAMES = frozenset(
    ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "端木", "西门", "南宫", "独孤", "呼延", "赫连", "澹台", "公冶", "太史", "申屠", "闻人", "万俟", "濮阳", "司空", "百里", "东郭", "拓跋"]
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")
_WORD_BREAK = re.compile(r"[\s\-·.]+")
_NOT_DIGIT = re.compile(r"\D")
# what people put between digits; taking these out of an all-ASCII number leaves what \D would
_PHONE_SEPARATORS = str.maketrans("", "", " -()+./")


@lru_cache(maxsize=65536)
def mask_name(name: str | None) -> str:
    """王秀英 → 王**; Maria Lopez → M. L.; empty stays empty."""
    text = (name or "").strip()
    if not text:
        return ""
    if _CJK.match(text):
        text = _SPACE.sub("", text)
        keep = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
        return text[:keep] + "*" * max(1, len(text) - keep)
    words = [w for w in _WORD_BREAK.split(text) if w]
    return " ".join(f"{w[0].upper()}." for w in words)


def mask_phone(phone: str | None) -> str:
    """13812341234 → 138****1234 (separators dropped); short numbers are hidden entirely."""
    if not phone:   # most people have none (issue 14: an export masks 200k+)
        return ""
    # plain ASCII digits, perhaps with separators (nearly every stored phone), need no regex
    digits = phone.translate(_PHONE_SEPARATORS) if phone.isascii() else phone
    if not (digits.isascii() and digits.isdecimal()):
        digits = _NOT_DIGIT.sub("", phone)
    if not digits:
        return ""
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id(number: str | None) -> str:
    """``idnumber.mask``; a number already stored plain (ASCII letters and digits: nearly all) skips its
    Unicode normalisation, which would leave it unchanged but upper-case."""
    if number and number.isascii() and number.isalnum():
        n = number.upper()
        return "*" * len(n) if len(n) <= 10 else n[:6] + "*" * (len(n) - 10) + n[-4:]
    return idnumber.mask(number)


def mask_names_list(names: list[str]) -> list[str]:
    return [mask_name(n) for n in names]
