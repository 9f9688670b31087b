"""What a report or dashboard is about: a period, an area, optionally one worker.

Dates are calendar dates in the team's local time. Row timestamps (``created_at``, UTC) are compared
with the local midnights that bound the period, converted to UTC, so a household registered at 07:30
Beijing time on the 1st belongs to the 1st, not to the last day of the previous month.

``as_of`` is the day "now" means for a period: its last day, or today when the period has not ended
yet. Coverage windows ("visited in the last 30 days") and overdue checks count back from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from outreach.domain.errors import OutreachError

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Scope:
    """A period ``start``..``end`` (both days included), an area (``None`` = the whole team) and an
    optional worker (the ``created_by`` name on visits, needs and referrals)."""

    start: date
    end: date
    area_id: str | None = None
    worker: str | None = None
    today: date | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise OutreachError("reports.error.bad_period", start=self.start.isoformat(), end=self.end.isoformat())

    @classmethod
    def for_month(cls, month: str, *, area_id: str | None = None, worker: str | None = None,
                  today: date | None = None) -> Scope:
        start, end = month_bounds(month)
        return cls(start, end, area_id=area_id or None, worker=worker or None, today=today)

    @property
    def as_of(self) -> date:
        return min(self.end, self.today or date.today())

    def window(self, days: int) -> tuple[date, date]:
        """The last ``days`` days up to and including ``as_of``."""
        return self.as_of - timedelta(days=days - 1), self.as_of

    def narrowed(self, area_id: str) -> Scope:
        return replace(self, area_id=area_id)

    @property
    def month_label(self) -> str:
        """``2024-05`` for a whole calendar month, otherwise ``2024-05-03 – 2024-06-02``."""
        if self.start.day == 1 and self.end == _month_end(self.start.year, self.start.month):
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def month_bounds(month: str) -> tuple[date, date]:
    """``"2024-05"`` → (2024-05-01, 2024-05-31); anything else is a clear user error."""
    m = _MONTH.match((month or "").strip())
    if not m:
        raise OutreachError("reports.error.bad_month", value=month)
    year, mon = int(m.group(1)), int(m.group(2))
    if not (1 <= mon <= 12 and 1900 <= year <= 2999):
        raise OutreachError("reports.error.bad_month", value=month)
    return date(year, mon, 1), _month_end(year, mon)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def local_midnight_utc(day: date) -> datetime:
    """The start of ``day`` in this machine's time zone, as an aware UTC datetime."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def local_date(moment: datetime) -> date:
    return moment.astimezone().date()


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 Feb falls back to 28 Feb). Someone born on or
    before this date is at least ``years`` old on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def months_between(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar months overlapping start..end, clipped to it."""
    out = []
    cur = date(start.year, start.month, 1)
    while cur <= end:
        last = _month_end(cur.year, cur.month)
        out.append((max(cur, start), min(last, end)))
        cur = last + timedelta(days=1)
    return out


def time_buckets(start: date, end: date) -> list[tuple[date, date]]:
    """Bars over time: weeks (Monday-based, clipped) for periods up to ~2 months, else months."""
    if (end - start).days <= 62:
        out = []
        cur = start
        while cur <= end:
            last = min(cur + timedelta(days=6 - cur.weekday()), end)
            out.append((cur, last))
            cur = last + timedelta(days=1)
        return out
    return months_between(start, end)
