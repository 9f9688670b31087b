"""Search keys for Chinese names: full pinyin ("zhangsan") and initials ("zs"), computed once on write
and stored in indexed columns so search on 200k people needs no per-query conversion.

pypinyin reads traditional characters too (張建國 → zhangjianguo), which also lets duplicate detection
match names written in traditional and simplified characters.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower-case ASCII; non-Chinese letters are kept as they are."""
    text = "".join(name.split()).lower()
    if not text:
        return "", ""
    full = "".join(lazy_pinyin(text, errors=lambda s: list(s))).lower()
    initials = "".join(
        p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s)) if p
    ).lower()
    return full, initials


def normalize_query(text: str) -> str:
    return "".join(text.split()).lower()


def is_ascii_query(text: str) -> bool:
    return text.isascii() and text.isalpha()
