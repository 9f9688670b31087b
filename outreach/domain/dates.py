"""Dates as people type them: 2016-03-08, 2016/3/8, 2016.3.8, 20160308, 2016年3月8日 (full-width digits
and surrounding spaces too). A typed date is either understood exactly as typed or refused with a
reason (a catalog key) — never guessed, never dropped.

Also: where a date picker should open when its field is empty (today, or the birth year an entered
resident ID implies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from outreach.domain import idnumber

EARLIEST = date(1900, 1, 1)

_FULL_WIDTH = str.maketrans("０１２３４５６７８９－／．　", "0123456789-/. ")
_SEPARATED = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class DateProblem(Exception):
    """Why a typed date was refused: ``key`` is a catalog key, ``params`` its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.key


def parse_date(text: str | None, *, allow_future: bool = True, today: date | None = None,
               earliest: date = EARLIEST) -> date | None:
    """The date ``text`` says, or None for an empty text. Raises ``DateProblem`` when the text is not
    a date in one of the accepted forms, names a day that does not exist (2016-02-30), lies before
    ``earliest`` or — with ``allow_future=False`` — after ``today``."""
    raw = (text or "").translate(_FULL_WIDTH).strip()
    if not raw:
        return None
    match = _SEPARATED.match(raw) or _CHINESE.match(raw) or _COMPACT.match(raw)
    if match is None:
        raise DateProblem("forms.date.unreadable", {"text": raw})
    year, month, day = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        raise DateProblem("forms.date.no_such_day", {"text": raw}) from None
    if value < earliest:
        raise DateProblem("forms.date.too_early", {"date": value.isoformat(), "earliest": earliest.isoformat()})
    today = today or date.today()
    if not allow_future and value > today:
        raise DateProblem("forms.date.future", {"date": value.isoformat()})
    return value


def format_date(value: date | None) -> str:
    """The one way a date is shown in a field (ISO, what every accepted form is read back into)."""
    return value.isoformat() if value else ""


def picker_start(*, today: date | None = None, id_number: str = "") -> date:
    """Where an empty date field's calendar opens: at the birth date a valid resident ID gives, else at
    the birth year a partly typed ID implies (its digits 7–10), else today."""
    today = today or date.today()
    number = idnumber.normalize(id_number or "")
    info = idnumber.parse(number, today=today) if len(number) == 18 else None
    if info is not None:
        return info.birth_date
    if len(number) >= 10 and number[6:10].isdigit():
        year = int(number[6:10])
        if EARLIEST.year <= year <= today.year:
            return date(year, 1, 1)
    return today
