"""The filters every indicator shares, and the household-id query behind each indicator key.

One ``Filters`` object turns a ``Scope`` into SQLAlchemy conditions (portable Core expressions; date
arithmetic is done in Python and bound as parameters). ``indicators.py`` aggregates with these
conditions; ``household_ids_select`` answers "which households are behind this number" with the very
same conditions, so a count and its click-through list cannot disagree.

Rules (documented here once):
- archived rows never count; people merged into another record, moved away or deceased never count;
- a household belongs to the scope when it is not archived, lies in the area's subtree (``village_id``;
  ``group_id`` for a group) and was registered (``created_at``) or visited before the period ended;
- visits, needs, assessments and referrals count by their own date, when their household is not
  archived and lies in the area (a visit by the end of the period makes its household one of the
  scope's anyway);
- people are counted as recorded now (the store keeps no membership history): members of the scope's
  households, not moved away or deceased; ages are taken on ``as_of``;
- a need is dated by its assessment, or by when it was recorded if it came from none;
- with a worker, visits, needs, assessments and referrals are those the worker recorded
  (``created_by``), and the households are the worker's caseload: the ones they registered or visited;
- the follow-up figures (visits due, replies overdue, urgent needs waiting) are defined once, as of
  ``as_of``, in ``outreach.services.followups``: Today and the referral list count with the same
  conditions.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, Connection, Select, exists, func, select

from outreach.domain.enums import AreaLevel, VisitOutcome, Vulnerability
from outreach.domain.errors import OutreachError
from outreach.reports.scope import Scope, local_midnight_utc, years_before
from outreach.services import followups
from outreach.storage.tables import (
    Area,
    Assessment,
    Household,
    Need,
    Person,
    Referral,
    ReferralEvent,
    Visit,
)

H = Household.__table__
P = Person.__table__
V = Visit.__table__
N = Need.__table__
A = Assessment.__table__
R = Referral.__table__
E = ReferralEvent.__table__
AREA = Area.__table__

GONE_STATUSES = ("moved", "deceased")
OPEN_NEED_STATUSES = ("open", "referred")
UNKNOWN = "unknown"


class AreaTree:
    """All areas, loaded once (a few thousand rows at most): names and subtrees without recursion in SQL."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(select(AREA.c.id, AREA.c.name, AREA.c.level, AREA.c.parent_id, AREA.c.archived)).all()
        self.name = {r.id: r.name for r in rows}
        self.level = {r.id: r.level for r in rows}
        self.archived = {r.id for r in rows if r.archived}
        self.children: dict[str, list[str]] = {}
        for r in rows:
            if r.parent_id:
                self.children.setdefault(r.parent_id, []).append(r.id)

    def resolve(self, code: str) -> str:
        """An area id from a code (or an exact, unambiguous name); unknown → a clear user error."""
        key = (code or "").strip()
        if key in self.name and key not in self.archived:
            return key
        by_name = [i for i, n in self.name.items() if n == key and i not in self.archived]
        if len(by_name) == 1:
            return by_name[0]
        raise OutreachError("reports.error.unknown_area", code=code)

    def subtree(self, area_id: str) -> list[str]:
        out, todo = [], [area_id]
        while todo:
            cur = todo.pop()
            out.append(cur)
            todo.extend(self.children.get(cur, ()))
        return out


class Filters:
    """The conditions of one scope, for one connection."""

    def __init__(self, conn: Connection, scope: Scope, tree: AreaTree | None = None) -> None:
        self.scope = scope
        self.tree = tree or AreaTree(conn)
        self.area_id = None if scope.area_id is None else self.tree.resolve(scope.area_id)  # unknown → error
        self.start_dt = local_midnight_utc(scope.start)
        self.end_dt = local_midnight_utc(scope.end + timedelta(days=1))
        self.as_of = scope.as_of

    # ----------------------------------------------------------------- households
    def households(self) -> list[ColumnElement]:
        s = self.scope
        # Registered by the period end, or visited by then (a household typed in later from a paper
        # register still counts for the months its visits were made).
        # (a column, not *: SQLite then answers from the covering index ix_visit_household_state)
        visited_by_end = select(V.c.household_id).where(V.c.household_id == H.c.id, V.c.archived.is_(False),
                                                        V.c.visit_date <= s.end).exists()
        cond: list[ColumnElement] = [H.c.archived.is_(False), (H.c.created_at < self.end_dt) | visited_by_end]
        if self.area_id is not None:
            cond.append(self._in_area())
        if s.worker is not None:
            theirs = select(V.c.household_id).where(V.c.created_by == s.worker, V.c.archived.is_(False),
                                                   V.c.visit_date <= s.end)
            cond.append((H.c.created_by == s.worker) | H.c.id.in_(theirs))
        return cond

    def base_ids(self) -> Select:
        return select(H.c.id).where(*self.households())

    def _in_area(self) -> ColumnElement:
        ids = self.tree.subtree(self.area_id)
        column = H.c.group_id if self.tree.level.get(self.area_id) == AreaLevel.GROUP else H.c.village_id
        return column.in_(ids)

    def activity_households(self, table) -> ColumnElement:
        """On a visit, need, assessment or referral: its household is not archived and lies in the area.
        (Written so that SQLite drives from the activity's date index when there is no area.)"""
        if self.area_id is None:
            return table.c.household_id.not_in(select(H.c.id).where(H.c.archived.is_(True)))
        return table.c.household_id.in_(select(H.c.id).where(H.c.archived.is_(False), self._in_area()))

    # ----------------------------------------------------------------- visits
    def visits(self, lo=None, hi=None, *, outcome: str | None = None, scoped: bool = True) -> list[ColumnElement]:
        """Visits of the scope's households (and worker) dated lo..hi (default: up to the period end).
        ``scoped=False`` leaves out the household condition, for subqueries already correlated with a
        scope household."""
        cond: list[ColumnElement] = [V.c.archived.is_(False), V.c.visit_date <= (hi or self.scope.end)]
        if scoped:
            cond.append(self.activity_households(V))
        if lo is not None:
            cond.append(V.c.visit_date >= lo)
        if outcome is not None:
            cond.append(V.c.outcome == outcome)
        if self.scope.worker is not None:
            cond.append(V.c.created_by == self.scope.worker)
        return cond

    def period_visits(self) -> list[ColumnElement]:
        return self.visits(self.scope.start, self.scope.end)

    def window_visits(self, days: int, *, reached: bool = False) -> list[ColumnElement]:
        lo, hi = self.scope.window(days)
        return self.visits(lo, hi, outcome=VisitOutcome.MET.value if reached else None)

    def never_visited(self) -> ColumnElement:
        """On H: no visit of the scope up to the period end."""
        return ~select(V.c.household_id).where(V.c.household_id == H.c.id, *self.visits(scoped=False)).exists()

    def overdue_visits(self) -> list[ColumnElement]:
        """The scope's visits that leave a visit due as of ``as_of`` (``followups.visit_due_conditions``)."""
        return [*self.visits(hi=self.as_of), *followups.visit_due_conditions(self.as_of)]

    # ----------------------------------------------------------------- people
    def people(self) -> list[ColumnElement]:
        # ``coalesce(merged_into, '') = ''`` rather than ``IS NULL``: same meaning (an emptied pointer is
        # not a merge either), and it keeps SQLite from walking the merged_into index over every person.
        return [P.c.archived.is_(False), func.coalesce(P.c.merged_into, "") == "",
                P.c.status.not_in(GONE_STATUSES), P.c.household_id.in_(self.base_ids())]

    def age_conditions(self) -> dict[str, ColumnElement]:
        """Age group → condition on the birth date, for ages on ``as_of``, as civil affairs counts them:
        children are under 18, older people 60 and over (``oldest_old``, 80 and over, is a part of
        ``elder``, not a group of its own). The cut-off birth dates are computed here and compared in
        SQL (someone born on or before ``years_before(as_of, 18)`` is 18)."""
        bd = P.c.birth_date
        c18, c60, c80 = (years_before(self.as_of, y) for y in (18, 60, 80))
        return {
            "minor": bd > c18,
            "adult": (bd <= c18) & (bd > c60),
            "elder": bd <= c60,
            "oldest_old": bd <= c80,
            UNKNOWN: bd.is_(None),
        }

    # ----------------------------------------------------------------- needs, assessments, referrals
    def _mine(self, table) -> list[ColumnElement]:
        return [table.c.created_by == self.scope.worker] if self.scope.worker is not None else []

    def _need_dated(self, lo: date | None, hi: date) -> ColumnElement:
        """A need is dated by its assessment (``assessed_on``) when it came from one, else by when it was
        recorded (``created_at``, local day)."""
        return followups.need_dated(lo, hi)

    def needs_identified(self) -> list[ColumnElement]:
        return [N.c.archived.is_(False), self.activity_households(N),
                self._need_dated(self.scope.start, self.scope.end), *self._mine(N)]

    def needs_open(self) -> list[ColumnElement]:
        """Needs identified by the period end whose current status is open or referred."""
        return [N.c.archived.is_(False), self.activity_households(N),
                self._need_dated(None, self.scope.end), N.c.status.in_(OPEN_NEED_STATUSES), *self._mine(N)]

    def urgent_needs(self) -> list[ColumnElement]:
        """Urgent needs of the scope still waiting for a referral as of ``as_of``."""
        return [self.activity_households(N), *followups.urgent_need_conditions(self.as_of), *self._mine(N)]

    def replies_overdue(self) -> list[ColumnElement]:
        """The scope's referrals whose reply is overdue as of ``as_of``, whenever they were issued."""
        return [self.activity_households(R), *followups.reply_overdue_conditions(self.as_of), *self._mine(R)]

    def assessments(self) -> list[ColumnElement]:
        s = self.scope
        return [A.c.archived.is_(False), A.c.complete.is_(True), self.activity_households(A),
                A.c.assessed_on >= s.start, A.c.assessed_on <= s.end, *self._mine(A)]

    def referrals_issued(self) -> list[ColumnElement]:
        s = self.scope
        return [R.c.archived.is_(False), self.activity_households(R), R.c.issued_on.is_not(None),
                R.c.issued_on >= s.start, R.c.issued_on <= s.end, *self._mine(R)]


# --------------------------------------------------------------------------- key → household ids
def household_ids_select(f: Filters, key: str) -> Select | None:
    """The household ids behind an SQL-countable indicator key, or None when the key is not one of
    them (referral keys are answered from the referral cohort in ``indicators.py``)."""
    head, _, code = key.partition(".")
    sub, _, arg = code.partition(".")
    hv = select(V.c.household_id).distinct()
    if key == "households.total":
        return f.base_ids()
    if key == "households.new":
        return select(H.c.id).where(*f.households(), H.c.created_at >= f.start_dt, H.c.created_at < f.end_dt)
    if key in ("households.visited", "visits.total"):
        return hv.where(*f.period_visits())
    if key == "households.never_visited":
        return select(H.c.id).where(*f.households(), f.never_visited())
    if key == "coverage.unvisited_90":
        lo, hi = f.scope.window(90)
        return select(H.c.id).where(*f.households(), ~exists().where(
            V.c.household_id == H.c.id, *f.visits(lo, hi, scoped=False)))
    if head == "coverage" and sub in ("visited_30", "visited_90", "reached_30", "reached_90"):
        kind, days = sub.split("_")
        return hv.where(*f.window_visits(int(days), reached=kind == "reached"))
    if head == "visits":
        if sub == "type":
            return hv.where(*f.period_visits(), V.c.visit_type == arg)
        if sub == "outcome":
            return hv.where(*f.period_visits(), V.c.outcome == arg)
        if sub == "worker":
            return hv.where(*f.period_visits(), V.c.created_by == arg)
        if sub == "village":
            return (select(V.c.household_id).distinct().join(H, H.c.id == V.c.household_id)
                    .where(*f.period_visits(), H.c.village_id == arg))
        if sub == "bucket":
            lo, _, hi = arg.partition("..")
            return hv.where(*f.period_visits(), V.c.visit_date >= _iso(lo), V.c.visit_date <= _iso(hi))
    if key == "followups.overdue":
        return hv.where(*f.overdue_visits())
    if key == "referrals.overdue_reply":
        return select(R.c.household_id).distinct().where(*f.replies_overdue())
    if key == "needs.urgent_waiting":
        return select(N.c.household_id).distinct().where(*f.urgent_needs())
    if head == "people":
        hp = select(P.c.household_id).distinct()
        if sub == "total":
            return hp.where(*f.people())
        if sub == "vulnerable":
            return hp.where(*f.people(), _or(*[P.c[v.column].is_(True) for v in Vulnerability]))
        if sub == "vulnerability":
            return hp.where(*f.people(), P.c[f"flag_{arg}"].is_(True))
        if sub == "age":
            return hp.where(*f.people(), f.age_conditions()[arg])
    if head == "needs":
        hn = select(N.c.household_id).distinct()
        if sub == "total":
            return hn.where(*f.needs_identified())
        if sub == "domain":
            return hn.where(*f.needs_identified(), N.c.domain == arg)
        if sub == "priority":
            return hn.where(*f.needs_identified(), N.c.priority == arg)
        if sub == "open":
            return hn.where(*f.needs_open())
        if sub == "open_domain":
            return hn.where(*f.needs_open(), N.c.domain == arg)
    if head == "assessments":
        ha = select(A.c.household_id).distinct()
        if sub == "total":
            return ha.where(*f.assessments())
        if sub == "priority":
            return ha.where(*f.assessments(), A.c.priority == arg)
    return None


def in_code_order(conn: Connection, column: ColumnElement) -> ColumnElement:
    """``column`` for ORDER BY in code-point order, as SQLite compares text (BINARY): on PostgreSQL
    with ``COLLATE "C"``, so a server whose databases use a linguistic collation (zh_CN, en_US) lists
    codes and names in the same order as a laptop."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def _or(*conds: ColumnElement) -> ColumnElement:
    out = conds[0]
    for c in conds[1:]:
        out = out | c
    return out


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"bad bucket in indicator key: {text!r}") from exc

