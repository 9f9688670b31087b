"""The plain values indicators are made of (no database, no Qt). See ``indicators.py``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from fractions import Fraction

from outreach.reports.scope import Scope


@dataclass(frozen=True)
class Tally:
    key: str            # for households_behind()
    code: str           # enum value, area/provider id or worker name
    count: int          # visits, people, needs, referrals … (households for household figures)
    households: int     # distinct households behind the count
    label: str = ""     # display name when ``code`` is not an enum value (village, provider, worker)


@dataclass(frozen=True)
class HouseholdFigures:
    total: Tally            # registered by the period end
    new: Tally              # registered during the period
    visited: Tally          # visited during the period
    never_visited: Tally    # no visit at all up to the period end


@dataclass(frozen=True)
class Coverage:
    households: int          # the denominator: households registered by the period end
    visited_30: Tally        # any visit (nobody home included) in the 30 days up to as_of
    visited_90: Tally
    reached_30: Tally        # a visit where someone was met
    reached_90: Tally
    unvisited_90: Tally      # the rest: no visit at all in those 90 days (the list to work through)

    def share(self, tally: Tally) -> Fraction | None:
        return ratio(tally.households, self.households)


@dataclass(frozen=True)
class TimeBar:
    start: date
    end: date
    tally: Tally


@dataclass(frozen=True)
class VisitFigures:
    total: Tally
    by_type: tuple[Tally, ...]
    by_outcome: tuple[Tally, ...]
    by_worker: tuple[Tally, ...]
    by_village: tuple[Tally, ...]
    over_time: tuple[TimeBar, ...]


@dataclass(frozen=True)
class PeopleFigures:
    total: Tally
    vulnerable: Tally        # people with at least one vulnerability flag
    by_vulnerability: tuple[Tally, ...]
    by_age_group: tuple[Tally, ...]


@dataclass(frozen=True)
class NeedFigures:
    identified: Tally                       # needs recorded during the period
    by_domain: tuple[Tally, ...]
    by_priority: tuple[Tally, ...]
    matrix: dict[str, dict[str, int]]       # domain → priority → needs identified
    open: Tally                             # open or referred now, recorded by the period end
    open_by_domain: tuple[Tally, ...]
    urgent_waiting: Tally                   # urgent, still open (no referral) as of as_of: see followups


@dataclass(frozen=True)
class AssessmentFigures:
    total: Tally
    by_priority: tuple[Tally, ...]


@dataclass(frozen=True)
class ReferralFigures:
    issued: Tally                       # referrals issued during the period (the cohort)
    by_status: tuple[Tally, ...]        # their status at the period end
    by_provider: tuple[Tally, ...]
    replied: Tally                      # the provider answered by the period end
    served: Tally
    overdue_replies: Tally              # reply overdue as of as_of, whenever issued (services.followups)
    median_days_to_reply: Fraction | None

    @property
    def share_served(self) -> Fraction | None:
        return ratio(self.served.count, self.issued.count)


@dataclass(frozen=True)
class VillageRow:
    village_id: str
    name: str
    households: int
    visited: int
    visited_90: int
    never_visited: int


@dataclass(frozen=True)
class Indicators:
    scope: Scope
    area_name: str
    as_of: date
    households: HouseholdFigures
    coverage: Coverage
    visits: VisitFigures
    people: PeopleFigures
    needs: NeedFigures
    assessments: AssessmentFigures
    referrals: ReferralFigures
    overdue_followups: Tally
    villages: tuple[VillageRow, ...] = field(default=())
    townships: tuple[VillageRow, ...] = field(default=())   # the villages summed by township, when
                                                            # they span several (a county hub's report)

    def tallies(self) -> Iterator[Tally]:
        """Every number in these indicators (for click-through checks and exports)."""
        yield from _walk(self)


def ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _walk(obj) -> Iterator[Tally]:
    if isinstance(obj, Tally):
        yield obj
    elif isinstance(obj, TimeBar):
        yield obj.tally
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _walk(item)
    elif hasattr(obj, "__dataclass_fields__") and not isinstance(obj, Scope):
        for f in fields(obj):
            yield from _walk(getattr(obj, f.name))
