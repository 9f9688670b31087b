"""The Today panel: visits due or overdue, referrals waiting for a reply past their date, urgent needs
with no referral yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from outreach.domain.enums import NeedStatus, Priority
from outreach.services.people import PERSON
from outreach.services.referrals import NEED, ReferralInfo, list_referrals
from outreach.services.visits import HOUSEHOLD, DueVisit, due_visits
from outreach.storage.store import Store


@dataclass(frozen=True)
class UrgentNeed:
    need_id: str
    household_id: str
    household_code: str
    person_name: str
    domain: str
    description: str


@dataclass(frozen=True)
class TodayList:
    due_visits: list[DueVisit] = field(default_factory=list)
    overdue_referrals: list[ReferralInfo] = field(default_factory=list)
    urgent_needs: list[UrgentNeed] = field(default_factory=list)


def urgent_needs_without_referral(store: Store, *, village_ids: list[str] | None = None) -> list[UrgentNeed]:
    stmt = (select(NEED.c.id, NEED.c.household_id, HOUSEHOLD.c.code, PERSON.c.name, NEED.c.domain, NEED.c.description)
            .join(HOUSEHOLD, HOUSEHOLD.c.id == NEED.c.household_id)
            .outerjoin(PERSON, PERSON.c.id == NEED.c.person_id)
            .where(NEED.c.priority == Priority.URGENT.value, NEED.c.status == NeedStatus.OPEN.value,
                   NEED.c.archived.is_(False))
            .order_by(HOUSEHOLD.c.code))
    if village_ids is not None:
        stmt = stmt.where(HOUSEHOLD.c.village_id.in_(village_ids))
    with store.connect() as conn:
        return [UrgentNeed(r[0], r[1], r[2], r[3] or "", r[4], r[5]) for r in conn.execute(stmt)]


def today_list(store: Store, *, today: date | None = None, village_ids: list[str] | None = None) -> TodayList:
    today = today or date.today()
    overdue = list_referrals(store, overdue_only=True, today=today, village_ids=village_ids)
    return TodayList(
        due_visits=due_visits(store, today=today, village_ids=village_ids),
        overdue_referrals=overdue,
        urgent_needs=urgent_needs_without_referral(store, village_ids=village_ids),
    )
