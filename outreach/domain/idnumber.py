"""Resident ID numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit area code, 8-digit birth date (YYYYMMDD), 3-digit sequence (odd = male,
even = female), and a check character computed with ISO 7064 MOD 11-2 (0–9 or X).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from outreach.domain.enums import Sex

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would accept any script's digits


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


_SEPARATORS = str.maketrans("", "", " -\u00a0\u3000")


def normalize(raw: str) -> str:
    """What people type, as stored: full-width and other compatibility forms made plain (NFKC:
    ５２２７ → 5227, ｘ → x), spaces and dashes removed, a trailing x upper-case. Digits of other
    scripts stay as they are, so ``problems`` refuses them."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.translate(_SEPARATORS).split()).upper()


@dataclass(frozen=True)
class IdProblem:
    """Why an ID number is invalid: a catalog key and its parameters."""

    key: str
    params: dict


@dataclass(frozen=True)
class IdInfo:
    number: str
    area_code: str
    birth_date: date
    sex: Sex


def problems(raw: str, *, today: date | None = None) -> list[IdProblem]:
    """Everything wrong with an ID number; empty when it is valid."""
    number = normalize(raw)
    if len(number) != 18:
        return [IdProblem("error.id.length", {"length": len(number)})]
    if not _SHAPE.match(number):
        return [IdProblem("error.id.characters", {})]
    found: list[IdProblem] = []
    birth = _birth_date(number)
    if birth is None:
        found.append(IdProblem("error.id.birth_date_invalid", {"digits": number[6:14]}))
    elif birth > (today or date.today()) or birth.year < 1880:
        found.append(IdProblem("error.id.birth_date_out_of_range", {"date": birth.isoformat()}))
    if number[1:2] == "0" or number[:2] == "00":
        found.append(IdProblem("error.id.area_code", {"code": number[:6]}))
    expected = check_char(number[:17])
    if number[17] != expected:
        found.append(IdProblem("error.id.check_digit", {"expected": expected, "found": number[17]}))
    return found


def parse(raw: str, *, today: date | None = None) -> IdInfo | None:
    """The facts an ID number carries, or None when it is invalid."""
    number = normalize(raw)
    if problems(number, today=today):
        return None
    birth = _birth_date(number)
    assert birth is not None
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return IdInfo(number=number, area_code=number[:6], birth_date=birth, sex=sex)


def is_valid(raw: str, *, today: date | None = None) -> bool:
    return not problems(raw, today=today)


def mask(number: str | None) -> str:
    """110105********002X: area code and the last four shown, birth date and the rest hidden."""
    if not number:
        return ""
    n = normalize(number)
    if len(n) <= 10:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:]


def make(area_code: str, birth: date, sequence: int) -> str:
    """A valid ID number (for demo data and tests)."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
