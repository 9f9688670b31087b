"""Referral indicators, computed over the cohort of referrals issued during the period.

A referral's status at the period end is its latest event up to that day (by date, then clock, then
device — the same order the referral service uses). A reply is the provider's first answer
(accepted, declined, served or no-show); days to reply count from ``issued_on`` to that answer.
The cohort is small (referrals issued in one period), so the per-referral logic runs in Python.
Overdue replies are not a cohort figure: they count every referral overdue as of ``as_of``, whenever it
was issued (``outreach.services.followups``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import Connection, select

from outreach.domain.enums import ReferralStatus
from outreach.reports.figures import Tally
from outreach.reports.queries import E, Filters, R

S = ReferralStatus
REPLY_STATUSES = frozenset({S.ACCEPTED.value, S.DECLINED.value, S.SERVED.value, S.NO_SHOW.value})


@dataclass(frozen=True)
class CohortReferral:
    id: str
    household_id: str
    provider_id: str
    issued_on: date
    expected_reply_on: date | None
    status: str                 # at the period end
    first_reply_on: date | None
    served: bool


class ReferralCohort:
    def __init__(self, referrals: list[CohortReferral]) -> None:
        self.referrals = referrals

    def _select(self, key: str) -> list[CohortReferral] | None:
        rs = self.referrals
        head, _, rest = key.partition(".")
        if head != "referrals":
            return None
        sub, _, code = rest.partition(".")
        if rest == "issued":
            return rs
        if rest == "replied":
            return [r for r in rs if r.first_reply_on is not None]
        if rest == "served":
            return [r for r in rs if r.served]
        if sub == "status":
            return [r for r in rs if r.status == code]
        if sub == "provider":
            return [r for r in rs if r.provider_id == code]
        return None

    def households(self, key: str) -> set[str] | None:
        chosen = self._select(key)
        return None if chosen is None else {r.household_id for r in chosen}

    def tally(self, key: str) -> Tally:
        chosen = self._select(key) or []
        return Tally(key, key.rsplit(".", 1)[-1], len(chosen), len({r.household_id for r in chosen}))

    def by_status(self) -> tuple[Tally, ...]:
        found = {r.status for r in self.referrals}
        order = [s.value for s in S if s != S.DRAFT or s.value in found]
        order += sorted(found - set(order))
        return tuple(self.tally(f"referrals.status.{s}") for s in order)

    def by_provider(self) -> tuple[Tally, ...]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.referrals:
            counts[r.provider_id] += 1
        order = sorted(counts, key=lambda p: (-counts[p], p))
        return tuple(self.tally(f"referrals.provider.{p}") for p in order)

    def provider_ids(self) -> set[str]:
        return {r.provider_id for r in self.referrals}

    def median_days_to_reply(self) -> Fraction | None:
        days = sorted((r.first_reply_on - r.issued_on).days for r in self.referrals if r.first_reply_on)
        if not days:
            return None
        mid = len(days) // 2
        return Fraction(days[mid]) if len(days) % 2 else Fraction(days[mid - 1] + days[mid], 2)


def referral_cohort(conn: Connection, f: Filters) -> ReferralCohort:
    end = f.scope.end
    rows = conn.execute(select(R.c.id, R.c.household_id, R.c.provider_id, R.c.issued_on, R.c.expected_reply_on)
                        .where(*f.referrals_issued())).all()
    events: dict[str, list] = defaultdict(list)
    ids = select(R.c.id).where(*f.referrals_issued())
    for e in conn.execute(select(E.c.referral_id, E.c.status, E.c.event_date, E.c.hlc, E.c.created_device)
                          .where(E.c.referral_id.in_(ids), E.c.archived.is_(False), E.c.event_date <= end)):
        events[e.referral_id].append(e)
    out = []
    for r in rows:
        evs = sorted(events.get(r.id, ()), key=lambda e: (e.event_date, e.hlc, e.created_device))
        status = evs[-1].status if evs else S.ISSUED.value
        replies = [e.event_date for e in evs if e.status in REPLY_STATUSES]
        first_reply = min(replies) if replies else None
        out.append(CohortReferral(r.id, r.household_id, r.provider_id, r.issued_on, r.expected_reply_on, status,
                                  first_reply, any(e.status == S.SERVED.value for e in evs)))
    return ReferralCohort(out)
