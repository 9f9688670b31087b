"""Search keys for Chinese names: full pinyin ("zhangsan") and initials ("zs"), computed once on write
and stored in indexed columns so search on 200k people needs no per-query conversion.

pypinyin reads traditional characters too (張建國 → zhangjianguo), which also lets duplicate detection
match names written in traditional and simplified characters. Names are converted character by
character (cached), with the surname readings that differ from a character's everyday reading
(曾 zeng, 单 shan, 解 xie …): a name is not a phrase, so phrase-based readings would mislead.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Characters whose reading as a surname differs from pypinyin's default reading.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "單": "shan", "解": "xie", "仇": "qiu", "区": "ou", "區": "ou", "查": "zha",
    "朴": "piao", "盖": "ge", "蓋": "ge", "尉": "yu", "乐": "yue", "樂": "yue", "缪": "miao", "繆": "miao",
    "翟": "zhai", "召": "shao", "种": "chong", "種": "chong", "秘": "bi", "覃": "qin", "折": "she",
    "员": "yun", "員": "yun", "长": "chang", "長": "chang", "重": "chong", "隗": "kui", "万": "wan",
}


@lru_cache(maxsize=32768)
def char_pinyin(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    # imported on first use: pypinyin loads its phrase dictionary on import (~0.3 s), which the window
    # does not need to open (issue 14: start-up)
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(ch, style=Style.NORMAL, errors=lambda s: list(s))[0].lower()


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower-case ASCII; Latin letters are kept as they are."""
    text = "".join(name.split())
    if not text:
        return "", ""
    syllables = [SURNAME_READINGS.get(text[0]) or char_pinyin(text[0])]
    syllables += [char_pinyin(ch) for ch in text[1:]]
    full = "".join(syllables)
    initials = "".join(s[0] if not text[i].isascii() else s for i, s in enumerate(syllables) if s)
    return full, initials


def normalize_query(text: str) -> str:
    """Search text as the keys are stored: NFKC (full-width ５２２７ and Ｚｈａｎｇ made plain), no
    spaces, lower-case; a number typed with dashes (138-1234-5678) loses them."""
    text = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    plain = text.replace("-", "")
    if plain.isascii() and plain.rstrip("x").isdigit():
        return plain
    return text


def is_ascii_query(text: str) -> bool:
    return text.isascii() and text.isalpha()
