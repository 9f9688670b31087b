"""The three follow-up indicators, defined once. Today, the referral list, the dashboard, the monthly
report and ``outreach today`` / ``outreach report --json`` all count with the conditions below.

Every definition is "as of a day D": for Today and the referral list D is today; for a period (dashboard,
report) D is the period's last day, or today while the period is still running (``Scope.as_of``).

- **Reply overdue as of D**: a referral (not archived) issued on or before D whose expected reply date
  is before D, with no provider answer (accepted, declined, served, no-show) and no cancellation dated
  on or before D. Whenever it was issued: a referral issued in October and still unanswered at the end
  of November is overdue in November's report; answered on 3 December, it is no longer overdue in
  December's.
- **Visit due as of D**: a household (not archived) whose latest visit on or before D set a next-visit
  date on or before D: nobody has visited since that visit asked for another (a visit due on D itself
  counts: it is for today).
- **Urgent need waiting as of D**: a need (not archived, of a household not archived) of urgent
  priority, identified on or before D (dated by its assessment, or by when it was recorded if it came
  from none), still open: no referral has been made for it. The store keeps no history of a need's
  status, so for a past D the status is the one recorded now.

**Whose it is** (``worker`` on a due visit or an overdue reply, ``overdue_by_worker``): the worker who
made the promise — who recorded the visit that set the next-visit date, who issued the referral
(``created_by``) — as long as the team roster still gives that worker the household's village. When
the roster gives the village to other workers only (the village was handed to a newcomer, the laptop
was revoked, or the lead recorded it in a worker's village), it is theirs: the worker(s) who cover the
village now, several joined with "、" for a shared village. Without a roster (a single laptop, or a
worker's laptop that has no roster entry for the village) it stays with who recorded it; "" when
nobody was recorded (old imported data).

The ``*_conditions`` functions return SQLAlchemy conditions so that the report can add its own area and
worker conditions to the very same definition; the list functions are what Today and the CLI show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select

from outreach.domain.enums import NeedStatus, Priority, ReferralStatus
from outreach.reports.scope import local_midnight_utc
from outreach.services.areas import AREA
from outreach.services.people import PERSON
from outreach.services.providers import PROVIDER
from outreach.services.referrals import ReferralInfo, list_referrals
from outreach.storage.store import Store
from outreach.storage.sync_tables import STATUS_ENROLLED, SyncDevice
from outreach.storage.tables import Assessment, Household, Need, Referral, ReferralEvent, Visit

VISIT = Visit.__table__
HOUSEHOLD = Household.__table__
NEED = Need.__table__
REFERRAL = Referral.__table__
EVENT = ReferralEvent.__table__
ASSESSMENT = Assessment.__table__
DEVICE = SyncDevice.__table__
S = ReferralStatus

#: A provider's answer: the referral is no longer waiting for a reply.
REPLY_STATUSES = (S.ACCEPTED.value, S.DECLINED.value, S.SERVED.value, S.NO_SHOW.value)


# --------------------------------------------------------------------------- the definitions
def reply_overdue_conditions(as_of: date) -> list[ColumnElement]:
    """On ``Referral``: the reply is overdue as of ``as_of`` (see the module docstring)."""
    settled = exists().where(EVENT.c.referral_id == REFERRAL.c.id, EVENT.c.archived.is_(False),
                             EVENT.c.event_date <= as_of,
                             EVENT.c.status.in_((*REPLY_STATUSES, S.CANCELLED.value)))
    return [REFERRAL.c.archived.is_(False), REFERRAL.c.issued_on.is_not(None), REFERRAL.c.issued_on <= as_of,
            REFERRAL.c.expected_reply_on.is_not(None), REFERRAL.c.expected_reply_on < as_of, ~settled]


def visit_due_conditions(as_of: date) -> list[ColumnElement]:
    """On ``Visit``: this visit (on or before ``as_of``) asked for another by ``as_of`` and is its
    household's latest visit up to ``as_of`` (a later visit by anyone settles it)."""
    later = VISIT.alias("later_visit")
    newer = exists().where(later.c.household_id == VISIT.c.household_id, later.c.archived.is_(False),
                           later.c.visit_date > VISIT.c.visit_date, later.c.visit_date <= as_of)
    return [VISIT.c.archived.is_(False), VISIT.c.visit_date <= as_of, VISIT.c.next_due.is_not(None),
            VISIT.c.next_due <= as_of, ~newer]


def need_dated(lo: date | None, hi: date) -> ColumnElement:
    """On ``Need``: identified between ``lo`` (None: any time) and ``hi``, both included. A need is
    dated by its assessment (``assessed_on``) when it came from one, else by when it was recorded."""
    assessed = [ASSESSMENT.c.assessed_on <= hi] + ([ASSESSMENT.c.assessed_on >= lo] if lo else [])
    recorded = [NEED.c.created_at < local_midnight_utc(hi + timedelta(days=1))]
    if lo:
        recorded.append(NEED.c.created_at >= local_midnight_utc(lo))
    return (NEED.c.assessment_id.in_(select(ASSESSMENT.c.id).where(*assessed))
            | (NEED.c.assessment_id.is_(None) & and_(*recorded)))


def urgent_need_conditions(as_of: date) -> list[ColumnElement]:
    """On ``Need``: urgent, identified by ``as_of``, still open (no referral made for it)."""
    return [NEED.c.archived.is_(False), NEED.c.priority == Priority.URGENT.value,
            NEED.c.status == NeedStatus.OPEN.value, need_dated(None, as_of)]


# --------------------------------------------------------------------------- the lists
@dataclass(frozen=True)
class DueVisit:
    household_id: str
    code: str
    village_name: str
    address: str
    next_due: date
    days_overdue: int  # 0: due on the day looked at
    worker: str = ""   # whose it is (module docstring, "Whose it is")


@dataclass(frozen=True)
class OverdueReply:
    id: str
    reference: str
    household_id: str
    household_code: str
    person_name: str
    provider_name: str
    urgency: str
    issued_on: date
    expected_reply_on: date
    days_overdue: int
    worker: str = ""   # whose it is (module docstring, "Whose it is")


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
    as_of: date
    due_visits: list[DueVisit] = field(default_factory=list)
    overdue_referrals: list[OverdueReply] = field(default_factory=list)
    urgent_needs: list[UrgentNeed] = field(default_factory=list)


def _in_villages(column, village_ids: list[str] | None) -> list[ColumnElement]:
    if village_ids is None:
        return []
    return [column.in_(select(HOUSEHOLD.c.id).where(HOUSEHOLD.c.village_id.in_(village_ids)))]


def village_workers(store: Store) -> dict[str, tuple[str, ...]]:
    """The team roster: for each village, the names of the workers whose enrolled laptops cover it."""
    out: dict[str, set[str]] = {}
    with store.connect() as conn:
        for worker, villages in conn.execute(select(DEVICE.c.worker, DEVICE.c.villages)
                                             .where(DEVICE.c.status == STATUS_ENROLLED)):
            for village in json.loads(villages or "[]"):
                if worker and isinstance(village, str):
                    out.setdefault(village, set()).add(worker)
    return {v: tuple(sorted(names)) for v, names in out.items()}


def responsible(recorded_by: str, village_id: str, roster: dict[str, tuple[str, ...]]) -> str:
    """Whose a due visit or an overdue reply is (module docstring, "Whose it is")."""
    covering = roster.get(village_id, ())
    if not covering or recorded_by in covering:
        return recorded_by or ""
    return "、".join(covering)


def visits_due(store: Store, *, as_of: date, village_ids: list[str] | None = None) -> list[DueVisit]:
    """Households with a visit due as of ``as_of``, longest overdue first."""
    roster = village_workers(store)
    due = (select(VISIT.c.household_id, func.max(VISIT.c.next_due).label("next_due"),
                  func.max(VISIT.c.created_by).label("recorded_by"))
           .where(*visit_due_conditions(as_of)).group_by(VISIT.c.household_id).subquery())
    stmt = (select(HOUSEHOLD.c.id, HOUSEHOLD.c.code, AREA.c.name, HOUSEHOLD.c.address, due.c.next_due,
                   due.c.recorded_by, HOUSEHOLD.c.village_id)
            .join(due, due.c.household_id == HOUSEHOLD.c.id)
            .outerjoin(AREA, AREA.c.id == HOUSEHOLD.c.village_id)
            .where(HOUSEHOLD.c.archived.is_(False), *_in_villages(HOUSEHOLD.c.id, village_ids))
            .order_by(due.c.next_due, HOUSEHOLD.c.code))
    with store.connect() as conn:
        rows = conn.execute(stmt).all()
    return [DueVisit(r[0], r[1], r[2] or "", r[3] or "", r[4], (as_of - r[4]).days,
                     responsible(r[5] or "", r[6], roster)) for r in rows]


def replies_overdue(store: Store, *, as_of: date, village_ids: list[str] | None = None) -> list[OverdueReply]:
    """Referrals whose reply is overdue as of ``as_of``, in reference order."""
    roster = village_workers(store)
    stmt = (select(REFERRAL.c.id, REFERRAL.c.reference, REFERRAL.c.household_id, HOUSEHOLD.c.code,
                   PERSON.c.name, PROVIDER.c.name, REFERRAL.c.urgency, REFERRAL.c.issued_on,
                   REFERRAL.c.expected_reply_on, REFERRAL.c.created_by, HOUSEHOLD.c.village_id)
            .join(HOUSEHOLD, HOUSEHOLD.c.id == REFERRAL.c.household_id)
            .outerjoin(PERSON, PERSON.c.id == REFERRAL.c.person_id)
            .outerjoin(PROVIDER, PROVIDER.c.id == REFERRAL.c.provider_id)
            .where(*reply_overdue_conditions(as_of), HOUSEHOLD.c.archived.is_(False),
                   *_in_villages(REFERRAL.c.household_id, village_ids))
            .order_by(REFERRAL.c.reference))
    with store.connect() as conn:
        rows = conn.execute(stmt).all()
    return [OverdueReply(r[0], r[1], r[2], r[3], r[4] or "", r[5] or "", r[6], r[7], r[8], (as_of - r[8]).days,
                         responsible(r[9] or "", r[10], roster)) for r in rows]


def overdue_reply_ids(store: Store, *, as_of: date) -> set[str]:
    """The ids of every referral whose reply is overdue as of ``as_of`` (for highlighting a list)."""
    with store.connect() as conn:
        return set(conn.execute(select(REFERRAL.c.id).join(HOUSEHOLD, HOUSEHOLD.c.id == REFERRAL.c.household_id)
                                .where(*reply_overdue_conditions(as_of), HOUSEHOLD.c.archived.is_(False)))
                   .scalars())


def referral_list(store: Store, as_of: date, *, status: str | None = None,
                  overdue_only: bool = False) -> tuple[list[ReferralInfo], set[str]]:
    """The referral list (all, one status, or only the overdue ones) and the ids of the referrals whose
    reply is overdue as of ``as_of``, for the referral list's filter, highlight and summary."""
    overdue = overdue_reply_ids(store, as_of=as_of)
    if overdue_only:
        return [r for r in list_referrals(store, today=as_of) if r.id in overdue], overdue
    return list_referrals(store, status=status, today=as_of), overdue


def urgent_needs(store: Store, *, as_of: date, village_ids: list[str] | None = None) -> list[UrgentNeed]:
    """Urgent needs still waiting for a referral as of ``as_of``, by household code."""
    stmt = (select(NEED.c.id, NEED.c.household_id, HOUSEHOLD.c.code, PERSON.c.name, NEED.c.domain,
                   NEED.c.description)
            .join(HOUSEHOLD, HOUSEHOLD.c.id == NEED.c.household_id)
            .outerjoin(PERSON, PERSON.c.id == NEED.c.person_id)
            .where(*urgent_need_conditions(as_of), HOUSEHOLD.c.archived.is_(False),
                   *_in_villages(HOUSEHOLD.c.id, village_ids))
            .order_by(HOUSEHOLD.c.code, NEED.c.id))
    with store.connect() as conn:
        return [UrgentNeed(r[0], r[1], r[2], r[3] or "", r[4], r[5] or "") for r in conn.execute(stmt)]


def urgent_needs_without_referral(store: Store, *, village_ids: list[str] | None = None,
                                  today: date | None = None) -> list[UrgentNeed]:
    """Urgent needs waiting for a referral today (kept for the referral form)."""
    return urgent_needs(store, as_of=today or date.today(), village_ids=village_ids)


def today_list(store: Store, *, today: date | None = None, village_ids: list[str] | None = None) -> TodayList:
    today = today or date.today()
    return TodayList(
        as_of=today,
        due_visits=visits_due(store, as_of=today, village_ids=village_ids),
        overdue_referrals=replies_overdue(store, as_of=today, village_ids=village_ids),
        urgent_needs=urgent_needs(store, as_of=today, village_ids=village_ids),
    )


@dataclass(frozen=True)
class WorkerOverdue:
    """One line of "who is overdue": a worker ("" = nobody recorded) and what is theirs."""
    worker: str
    visits_overdue: int     # next-visit date passed
    visits_due_today: int   # next-visit date is the day looked at
    replies_overdue: int

    @property
    def total(self) -> int:
        return self.visits_overdue + self.replies_overdue


def overdue_by_worker(today: TodayList) -> list[WorkerOverdue]:
    """Per worker, how many visits and referral replies of the Today list are theirs (see "Whose it
    is"); most overdue first, then by name; a worker with only visits due today is listed too."""
    tally: dict[str, list[int]] = {}
    for d in today.due_visits:
        tally.setdefault(d.worker, [0, 0, 0])[0 if d.days_overdue > 0 else 1] += 1
    for r in today.overdue_referrals:
        tally.setdefault(r.worker, [0, 0, 0])[2] += 1
    rows = [WorkerOverdue(w, v, t, r) for w, (v, t, r) in tally.items()]
    return sorted(rows, key=lambda w: (-w.total, -w.visits_due_today, w.worker == "", w.worker))


def for_worker(today: TodayList, worker: str | None) -> TodayList:
    """The Today list narrowed to one worker's visits and replies (None: everyone's). Urgent needs are
    not anyone's yet (nobody has referred them) and stay whole."""
    if worker is None:
        return today
    return replace(today, due_visits=[d for d in today.due_visits if d.worker == worker],
                   overdue_referrals=[r for r in today.overdue_referrals if r.worker == worker])


def by_worker_json(today: TodayList) -> list[dict]:
    """``outreach today --by-worker --json``: one object per worker."""
    return [{"worker": w.worker, "visits_overdue": w.visits_overdue, "visits_due_today": w.visits_due_today,
             "replies_overdue": w.replies_overdue} for w in overdue_by_worker(today)]


def today_json(today: TodayList) -> dict:
    """The Today list as plain JSON values (``outreach today --json``)."""
    return {
        "as_of": today.as_of.isoformat(),
        "visits_due": [{"household_code": d.code, "household_id": d.household_id, "village": d.village_name,
                        "address": d.address, "next_due": d.next_due.isoformat(), "days_overdue": d.days_overdue,
                        "worker": d.worker}
                       for d in today.due_visits],
        "replies_overdue": [{"reference": r.reference, "referral_id": r.id, "household_code": r.household_code,
                             "person": r.person_name, "provider": r.provider_name, "urgency": r.urgency,
                             "issued_on": r.issued_on.isoformat(), "expected_reply_on": r.expected_reply_on.isoformat(),
                             "days_overdue": r.days_overdue, "worker": r.worker} for r in today.overdue_referrals],
        "urgent_needs": [{"household_code": n.household_code, "need_id": n.need_id, "person": n.person_name,
                          "domain": n.domain, "description": n.description} for n in today.urgent_needs],
    }
