"""Indicators for a period and an area (and optionally one worker): pure functions over the store.

    ind = compute_indicators(store, Scope.for_month("2024-05", area_id="522301101"))
    ind.coverage.share(ind.coverage.visited_90)      # Fraction(31, 40)
    households_behind(store, ind.visits.by_outcome[1].key, ind.scope)   # the ids behind that number

Every number is a ``Tally``: how many things (visits, people, needs, referrals …), how many distinct
households they concern, and the key that ``households_behind`` turns back into those households.
Ratios are ``fractions.Fraction`` (never floats); formatting happens where they are shown.
The counting rules are written once, in ``outreach.reports.queries``.
"""

from __future__ import annotations

from sqlalchemy import Connection, case, distinct, func, select

from outreach.domain.enums import NeedDomain, Priority, VisitOutcome, VisitType, Vulnerability
from outreach.i18n import tr
from outreach.reports.figures import (
    AssessmentFigures,
    Coverage,
    HouseholdFigures,
    Indicators,
    NeedFigures,
    PeopleFigures,
    ReferralFigures,
    Tally,
    TimeBar,
    VillageRow,
    VisitFigures,
    ratio,
)
from outreach.reports.queries import (
    A,
    AreaTree,
    Filters,
    H,
    N,
    P,
    V,
    buckets_case,
    household_ids_select,
)
from outreach.reports.referral_cohort import ReferralCohort, referral_cohort
from outreach.reports.scope import Scope, time_buckets
from outreach.storage.store import Store
from outreach.storage.tables import Provider

PROVIDER = Provider.__table__
AGE_GROUPS = ("child", "adolescent", "adult", "elder", "oldest_old", "unknown")


# --------------------------------------------------------------------------- computing
def compute_indicators(store: Store, scope: Scope, *, lang: str | None = None) -> Indicators:
    """All indicators of ``scope``. Raises OutreachError('reports.error.unknown_area') for an unknown area."""
    with store.connect() as conn:
        tree = AreaTree(conn)
        f = Filters(conn, scope, tree)
        cohort = referral_cohort(conn, f)
        return Indicators(
            scope=scope,
            area_name=tree.name[f.area_id] if f.area_id else tr("reports.area.whole_team", lang),
            as_of=f.as_of,
            households=_households(conn, f),
            coverage=_coverage(conn, f),
            visits=_visits(conn, f),
            people=_people(conn, f),
            needs=_needs(conn, f),
            assessments=_assessments(conn, f),
            referrals=_referrals(conn, cohort),
            overdue_followups=_overdue(conn, f),
            villages=_villages(conn, f),
        )


def households_behind(store: Store, key: str, scope: Scope) -> list[str]:
    """The ids of the households behind the indicator ``key`` for ``scope``, ordered by household code."""
    with store.connect() as conn:
        f = Filters(conn, scope)
        sub = household_ids_select(f, key)
        if sub is None:
            ids = referral_cohort(conn, f).households(key)
            if ids is None:
                raise KeyError(f"unknown indicator key: {key!r}")
            sub = select(H.c.id).where(H.c.id.in_(sorted(ids)))
        return list(conn.execute(select(H.c.id).where(H.c.id.in_(sub)).order_by(H.c.code)).scalars())


def _one(conn: Connection, key: str, stmt) -> Tally:
    n = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    return Tally(key, key.rsplit(".", 1)[-1], n, n)


def _households(conn: Connection, f: Filters) -> HouseholdFigures:
    def hh(key: str) -> Tally:
        return _one(conn, key, household_ids_select(f, key))

    return HouseholdFigures(hh("households.total"), hh("households.new"), hh("households.visited"),
                            hh("households.never_visited"))


def _coverage(conn: Connection, f: Filters) -> Coverage:
    total = conn.execute(select(func.count()).where(*f.households())).scalar_one()
    cols = []
    for kind in ("visited", "reached"):
        for days in (30, 90):
            lo, hi = f.scope.window(days)
            hit = (V.c.visit_date >= lo) & (V.c.visit_date <= hi)
            if kind == "reached":
                hit = hit & (V.c.outcome == "met")
            cols.append(func.count(distinct(_when(hit, V.c.household_id))))
    lo90, _ = f.scope.window(90)
    row = conn.execute(select(*cols).where(*f.visits(lo90, f.as_of))).one()
    keys = ("coverage.visited_30", "coverage.visited_90", "coverage.reached_30", "coverage.reached_90")
    t = [Tally(k, k.split(".")[1], n, n) for k, n in zip(keys, row, strict=True)]
    return Coverage(total, *t)


def _when(cond, value):
    return case((cond, value))


def _grouped(conn: Connection, prefix: str, column, conds, *, table=V, order=None, labels=None) -> tuple[Tally, ...]:
    stmt = (select(column.label("code"), func.count(), func.count(distinct(table.c.household_id)))
            .where(*conds).group_by(column))
    found = {r[0]: (r[1], r[2]) for r in conn.execute(stmt)}
    codes = list(order) if order is not None else sorted(found, key=lambda c: (-found[c][0], str(c)))
    out = []
    for code in codes:
        n, hh = found.get(code, (0, 0))
        out.append(Tally(f"{prefix}.{code}", str(code), n, hh, (labels or {}).get(code, "")))
    return tuple(out)


def _visits(conn: Connection, f: Filters) -> VisitFigures:
    pv = f.period_visits()
    n, hh = conn.execute(select(func.count(), func.count(distinct(V.c.household_id))).where(*pv)).one()
    by_type = _grouped(conn, "visits.type", V.c.visit_type, pv, order=_known_first(conn, V.c.visit_type, pv, VisitType))
    by_outcome = _grouped(conn, "visits.outcome", V.c.outcome, pv,
                          order=_known_first(conn, V.c.outcome, pv, VisitOutcome))
    by_worker = _grouped(conn, "visits.worker", V.c.created_by, pv)
    by_worker = tuple(Tally(t.key, t.code, t.count, t.households, t.code or "?") for t in by_worker)
    village_stmt = (select(H.c.village_id, func.count(), func.count(distinct(V.c.household_id)))
                    .select_from(V.join(H, H.c.id == V.c.household_id)).where(*pv).group_by(H.c.village_id))
    rows = sorted(conn.execute(village_stmt).all(), key=lambda r: (-r[1], r[0]))
    by_village = tuple(Tally(f"visits.village.{v}", v, c, h, f.tree.name.get(v, v)) for v, c, h in rows)
    bounds = time_buckets(f.scope.start, f.scope.end)
    sq = select(buckets_case(V.c.visit_date, bounds).label("b"), V.c.household_id).where(*pv).subquery()
    counts = {r[0]: (r[1], r[2]) for r in conn.execute(
        select(sq.c.b, func.count(), func.count(distinct(sq.c.household_id))).group_by(sq.c.b))}
    over_time = tuple(
        TimeBar(lo, hi, Tally(f"visits.bucket.{lo.isoformat()}..{hi.isoformat()}", lo.isoformat(),
                              *counts.get(i, (0, 0))))
        for i, (lo, hi) in enumerate(bounds))
    return VisitFigures(Tally("visits.total", "total", n, hh), by_type, by_outcome, by_worker, by_village, over_time)


def _known_first(conn: Connection, column, conds, enum) -> list[str]:
    """Every value of the enum (zeros included, in the enum's order), then any unknown codes found."""
    seen = set(conn.execute(select(column).distinct().where(*conds)).scalars())
    known = [m.value for m in enum]
    return known + sorted(c for c in seen if c not in known)


def _people(conn: Connection, f: Filters) -> PeopleFigures:
    pc = f.people()
    cols = [func.count(), func.count(distinct(P.c.household_id))]
    flags = [P.c[v.column].is_(True) for v in Vulnerability]
    for flag in flags:
        cols += [func.count(_when(flag, 1)), func.count(distinct(_when(flag, P.c.household_id)))]
    anyflag = flags[0]
    for flag in flags[1:]:
        anyflag = anyflag | flag
    cols += [func.count(_when(anyflag, 1)), func.count(distinct(_when(anyflag, P.c.household_id)))]
    row = conn.execute(select(*cols).where(*pc)).one()
    by_vuln = tuple(Tally(f"people.vulnerability.{v.value}", v.value, row[2 + 2 * i], row[3 + 2 * i])
                    for i, v in enumerate(Vulnerability))
    sq = select(f.age_group().label("g"), P.c.household_id).where(*pc).subquery()
    ages = {r[0]: (r[1], r[2]) for r in conn.execute(
        select(sq.c.g, func.count(), func.count(distinct(sq.c.household_id))).group_by(sq.c.g))}
    by_age = tuple(Tally(f"people.age.{g}", g, *ages.get(g, (0, 0))) for g in AGE_GROUPS)
    return PeopleFigures(Tally("people.total", "total", row[0], row[1]),
                         Tally("people.vulnerable", "vulnerable", row[-2], row[-1]), by_vuln, by_age)


def _needs(conn: Connection, f: Filters) -> NeedFigures:
    ni, no = f.needs_identified(), f.needs_open()
    n, hh = conn.execute(select(func.count(), func.count(distinct(N.c.household_id))).where(*ni)).one()
    by_domain = _grouped(conn, "needs.domain", N.c.domain, ni, table=N,
                         order=_known_first(conn, N.c.domain, ni, NeedDomain))
    by_priority = _grouped(conn, "needs.priority", N.c.priority, ni, table=N,
                           order=_known_first(conn, N.c.priority, ni, Priority))
    matrix: dict[str, dict[str, int]] = {t.code: {} for t in by_domain}
    for d, p, c in conn.execute(select(N.c.domain, N.c.priority, func.count()).where(*ni)
                                .group_by(N.c.domain, N.c.priority)):
        matrix.setdefault(d, {})[p] = c
    on, ohh = conn.execute(select(func.count(), func.count(distinct(N.c.household_id))).where(*no)).one()
    open_by_domain = _grouped(conn, "needs.open_domain", N.c.domain, no, table=N,
                              order=_known_first(conn, N.c.domain, no, NeedDomain))
    return NeedFigures(Tally("needs.total", "total", n, hh), by_domain, by_priority, matrix,
                       Tally("needs.open", "open", on, ohh), open_by_domain)


def _assessments(conn: Connection, f: Filters) -> AssessmentFigures:
    ac = f.assessments()
    n, hh = conn.execute(select(func.count(), func.count(distinct(A.c.household_id))).where(*ac)).one()
    by_priority = _grouped(conn, "assessments.priority", A.c.priority, ac, table=A,
                           order=_known_first(conn, A.c.priority, ac, Priority))
    return AssessmentFigures(Tally("assessments.total", "total", n, hh), by_priority)


def _referrals(conn: Connection, cohort: ReferralCohort) -> ReferralFigures:
    names = dict(conn.execute(select(PROVIDER.c.id, PROVIDER.c.name)
                              .where(PROVIDER.c.id.in_(sorted(cohort.provider_ids())))).all())
    return ReferralFigures(
        issued=cohort.tally("referrals.issued"),
        by_status=cohort.by_status(),
        by_provider=tuple(Tally(t.key, t.code, t.count, t.households, names.get(t.code, t.code))
                          for t in cohort.by_provider()),
        replied=cohort.tally("referrals.replied"),
        served=cohort.tally("referrals.served"),
        overdue_replies=cohort.tally("referrals.overdue_reply"),
        median_days_to_reply=cohort.median_days_to_reply(),
    )


def _overdue(conn: Connection, f: Filters) -> Tally:
    return _one(conn, "followups.overdue", household_ids_select(f, "followups.overdue"))


def _villages(conn: Connection, f: Filters) -> tuple[VillageRow, ...]:
    hc = f.households()
    total = dict(conn.execute(select(H.c.village_id, func.count()).where(*hc).group_by(H.c.village_id)).all())
    lo90, _ = f.scope.window(90)

    def visited(conds) -> dict[str, int]:
        stmt = (select(H.c.village_id, func.count(distinct(V.c.household_id)))
                .select_from(V.join(H, H.c.id == V.c.household_id)).where(*conds).group_by(H.c.village_id))
        return dict(conn.execute(stmt).all())

    in_period = visited(f.period_visits())
    in_90 = visited(f.visits(lo90, f.as_of))
    never = dict(conn.execute(select(H.c.village_id, func.count()).where(*hc, f.never_visited())
                              .group_by(H.c.village_id)).all())
    rows = [VillageRow(v, f.tree.name.get(v, v), n, in_period.get(v, 0), in_90.get(v, 0), never.get(v, 0))
            for v, n in total.items()]
    return tuple(sorted(rows, key=lambda r: (r.name, r.village_id)))


__all__ = ["Indicators", "Scope", "Tally", "compute_indicators", "households_behind", "ratio"]
