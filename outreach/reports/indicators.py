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

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

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
    R,
    V,
    household_ids_select,
    in_code_order,
)
from outreach.reports.referral_cohort import ReferralCohort, referral_cohort
from outreach.reports.scope import Scope, time_buckets
from outreach.storage.store import Store
from outreach.storage.tables import Provider

PROVIDER = Provider.__table__
PICKER_LEVELS = ("county", "township", "village")   # provinces and cities are above any team
# Civil-affairs age groups (ages on as_of): under 18, 18–59, 60 and over, unknown add up to everyone;
# "oldest_old" (80 and over) is the "of whom" line under "elder" and is not added.
AGE_GROUPS = ("minor", "adult", "elder", "oldest_old", "unknown")
AGE_GROUPS_SUMMED = ("minor", "adult", "elder", "unknown")


# --------------------------------------------------------------------------- computing
def compute_indicators(store: Store, scope: Scope, *, lang: str | None = None) -> Indicators:
    """All indicators of ``scope``. Raises OutreachError('reports.error.unknown_area') for an unknown area.

    About a dozen queries: the per-village household figures and the coverage windows are grouped by
    village in SQL and summed here; the period's visits, needs and assessments are fetched as narrow
    rows and tallied here (their distinct households cannot be summed across groups)."""
    with store.connect() as conn:
        tree = AreaTree(conn)
        f = Filters(conn, scope, tree)
        visit_rows = conn.execute(
            select(V.c.household_id, V.c.visit_type, V.c.outcome, V.c.created_by, H.c.village_id, V.c.visit_date)
            .join(H, H.c.id == V.c.household_id).where(*f.period_visits())).all()
        hp = _household_pass(conn, f)
        villages, coverage = hp.villages, hp.coverage
        return Indicators(
            scope=scope,
            area_name=tree.name[f.area_id] if f.area_id else _whole_store(conn, lang),
            as_of=f.as_of,
            households=HouseholdFigures(
                _hh("households.total", sum(v.households for v in villages.values())),
                _hh("households.new", sum(v.new for v in villages.values())),
                _hh("households.visited", hp.visits.households),
                _hh("households.never_visited", sum(v.never_visited for v in villages.values()))),
            coverage=coverage,
            visits=_visits(f, visit_rows),
            people=_people(conn, f),
            needs=_needs(conn, f),
            assessments=_assessments(conn, f),
            referrals=_referrals(conn, f, referral_cohort(conn, f)),
            overdue_followups=_overdue(conn, f),
            villages=tuple(sorted((v.row for v in villages.values()), key=lambda r: (r.name, r.village_id))),
            townships=_townships(tree, villages.values()),
        )


def township_indicators(store: Store, ind: Indicators, *, lang: str | None = None) -> list[Indicators]:
    """The same indicators for each township that ``ind`` spans (``ind.townships``: a county's report,
    or a team across townships), in that order: each computed for the scope narrowed to the township,
    so a township's figures are exactly what a report about it says. Empty within one township."""
    with store.connect() as conn:
        tree = AreaTree(conn)
    return [compute_indicators(store, ind.scope.narrowed(row.village_id), lang=lang) for row in ind.townships
            if row.village_id in tree.name and row.village_id not in tree.archived]


def _whole_store(conn: Connection, lang: str | None) -> str:
    """The name of "everything in this store": the whole team, or the whole county on a county hub."""
    from outreach.sync.hub import get_hub

    return tr("hub_ui.report.whole_county", lang) if get_hub(conn) else tr("reports.area.whole_team", lang)


def _townships(tree: AreaTree, villages: Iterable[_Village]) -> tuple[VillageRow, ...]:
    """Village rows summed by their parent area, only when they span two or more (a county's report).
    A household is in one village, so its township's distinct counts are the sums of its villages'."""
    parent = {c: p for p, kids in tree.children.items() for c in kids}
    sums: dict[str, list[int]] = {}
    for v in villages:
        s = sums.setdefault(parent.get(v.id, ""), [0, 0, 0, 0])
        for i, n in enumerate((v.households, v.visited, v.visited_90, v.never_visited)):
            s[i] += n
    if len(sums) < 2:
        return ()
    rows = (VillageRow(t, tree.name.get(t, "") or "—", *s) for t, s in sums.items())
    return tuple(sorted(rows, key=lambda r: (r.name, r.village_id)))


@dataclass(frozen=True)
class HouseholdQuery:
    """What a click on a number asks for: the households behind ``key`` in ``scope``. The dashboard
    emits it; whoever shows the list runs ``resolve(store)`` on the database thread."""

    key: str
    scope: Scope
    title: str = ""

    def resolve(self, store: Store) -> list[str]:
        return households_behind(store, self.key, self.scope)


@dataclass(frozen=True)
class AreaChoice:
    id: str
    name: str
    level: str
    depth: int          # 0 for the top of the tree, for indenting a picker


def report_choices(store: Store) -> tuple[list[AreaChoice], list[str]]:
    """What a report can be about: counties, townships and villages in tree order, and the workers who
    have recorded visits."""
    with store.connect() as conn:
        tree = AreaTree(conn)
        workers = sorted(w for w in conn.execute(select(V.c.created_by).distinct()
                                                 .where(V.c.archived.is_(False))).scalars() if w)
    roots = sorted(i for i in tree.name if i not in tree.archived and not _has_parent(tree, i))
    out: list[AreaChoice] = []

    def walk(area_id: str, depth: int) -> None:
        level = tree.level.get(area_id, "")
        if level == "group":
            return
        shown = level in PICKER_LEVELS
        if shown:
            out.append(AreaChoice(area_id, tree.name[area_id], level, depth))
        for child in sorted(c for c in tree.children.get(area_id, ()) if c not in tree.archived):
            walk(child, depth + 1 if shown else depth)

    for root in roots:
        walk(root, 0)
    return out, workers


def _has_parent(tree: AreaTree, area_id: str) -> bool:
    return any(area_id in kids for parent, kids in tree.children.items() if parent in tree.name)


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
        return list(conn.execute(select(H.c.id).where(H.c.id.in_(sub)).order_by(in_code_order(conn, H.c.code)))
                    .scalars())


def _hh(key: str, n: int) -> Tally:
    return Tally(key, key.rsplit(".", 1)[-1], n, n)


def _when(cond, value):
    return case((cond, value))


def _tallies(prefix: str, rows: Iterable[tuple[str, str]], order: Iterable[str] | None = None,
             labels: dict[str, str] | None = None) -> tuple[Tally, ...]:
    """Tallies from (code, household_id) rows, one row per counted thing. ``order``: codes to show first
    (zeros included, e.g. every enum value); other codes follow, most frequent first."""
    count: dict[str, int] = defaultdict(int)
    homes: dict[str, set[str]] = defaultdict(set)
    for code, hid in rows:
        count[code] += 1
        homes[code].add(hid)
    first = list(order or ())
    rest = sorted((c for c in count if c not in first), key=lambda c: (-count[c], str(c)))
    return tuple(Tally(f"{prefix}.{c}", str(c), count.get(c, 0), len(homes.get(c, ())), (labels or {}).get(c, ""))
                 for c in first + rest)


class _Village:
    def __init__(self, village_id: str, name: str) -> None:
        self.id, self.name = village_id, name
        self.households = self.new = self.visited = self.visited_90 = self.never_visited = 0
        self.cover = (0, 0, 0, 0)

    @property
    def row(self) -> VillageRow:
        return VillageRow(self.id, self.name, self.households, self.visited, self.visited_90, self.never_visited)


@dataclass(frozen=True)
class _HouseholdPass:
    villages: dict[str, _Village]
    coverage: Coverage
    visits: Tally            # the period's visits (rows) and the households visited in it


def _household_pass(conn: Connection, f: Filters) -> _HouseholdPass:
    """The per-village household figures, the coverage windows and the period's visit count, in one
    query (issue 14: the dashboard's first figures): the scope's households — from the covering index
    ``ix_household_scope`` — left-joined to one row per household summarising its visits up to the
    period end (read from ``ix_visit_household_state`` alone: date and outcome), grouped by village.
    A household is in one village, so the per-village counts add up to the scope's.

    Same rules as ``queries.Filters``: a visit of the period or of a coverage window is dated by the
    period end at the latest, so its (not archived) household is one of the scope's; "never visited"
    is no visit of the scope up to the period end."""
    s = f.scope
    date, met = V.c.visit_date, V.c.outcome == VisitOutcome.MET.value
    windows = []
    for reached in (False, True):
        for days in (30, 90):
            lo, hi = s.window(days)
            hit = (date >= lo) & (date <= hi)
            windows.append(hit & met if reached else hit)
    # on an area, only its households' visits (a township of a county); else every visit, from the index
    per = (select(V.c.household_id.label("hid"), func.count(_when(date >= s.start, 1)).label("period"),
                  *[func.max(case((w, 1), else_=0)).label(f"w{i}") for i, w in enumerate(windows)])
           .where(*f.visits(scoped=f.area_id is not None)).group_by(V.c.household_id).subquery())
    new = (H.c.created_at >= f.start_dt) & (H.c.created_at < f.end_dt)
    stmt = (select(H.c.village_id, func.count(), func.count(_when(new, 1)), func.count(_when(per.c.hid.is_(None), 1)),
                   func.count(_when(per.c.period > 0, 1)), func.sum(per.c.period),
                   *[func.sum(per.c[f"w{i}"]) for i in range(len(windows))])
            .select_from(H.outerjoin(per, per.c.hid == H.c.id)).where(*f.households()).group_by(H.c.village_id))
    villages: dict[str, _Village] = {}
    totals = [0] * (3 + len(windows))   # visited, visits, then the windows
    for v, n, n_new, never, visited, visits, *win in conn.execute(stmt):
        village = villages[v] = _Village(v, f.tree.name.get(v, v))
        village.households, village.new, village.never_visited = n, n_new, never
        village.visited, village.visited_90 = visited, int(win[1] or 0)
        totals = [a + int(b or 0) for a, b in zip(totals, (visited, visits, 0, *win), strict=True)]
    keys = ("coverage.visited_30", "coverage.visited_90", "coverage.reached_30", "coverage.reached_90")
    households = sum(v.households for v in villages.values())
    covered = totals[3:]
    coverage = Coverage(households, *(_hh(k, n) for k, n in zip(keys, covered, strict=True)),
                        unvisited_90=_hh("coverage.unvisited_90", households - covered[1]))
    return _HouseholdPass(villages, coverage, Tally("visits.total", "total", totals[1], totals[0]))


def _visits(f: Filters, rows) -> VisitFigures:
    bounds = time_buckets(f.scope.start, f.scope.end)
    ends = [hi for _lo, hi in bounds]
    by_bucket: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        by_bucket[bisect_left(ends, r[5])].append(r[0])
    over_time = tuple(
        TimeBar(lo, hi, Tally(f"visits.bucket.{lo.isoformat()}..{hi.isoformat()}", lo.isoformat(),
                              len(by_bucket[i]), len(set(by_bucket[i]))))
        for i, (lo, hi) in enumerate(bounds))
    return VisitFigures(
        total=Tally("visits.total", "total", len(rows), len({r[0] for r in rows})),
        by_type=_tallies("visits.type", ((r[1], r[0]) for r in rows), [t.value for t in VisitType]),
        by_outcome=_tallies("visits.outcome", ((r[2], r[0]) for r in rows), [o.value for o in VisitOutcome]),
        by_worker=_tallies("visits.worker", ((r[3], r[0]) for r in rows),
                           labels={r[3]: r[3] or "?" for r in rows}),
        by_village=_tallies("visits.village", ((r[4], r[0]) for r in rows),
                            labels={r[4]: f.tree.name.get(r[4], r[4]) for r in rows}),
        over_time=over_time,
    )


def _people(conn: Connection, f: Filters) -> PeopleFigures:
    """Counted per household first (one streaming pass over the person index), then summed: how many
    people have each flag / age, and in how many households there is at least one."""
    flags = {v.value: P.c[v.column].is_(True) for v in Vulnerability}
    anyflag = None
    for cond in flags.values():
        anyflag = cond if anyflag is None else anyflag | cond
    parts = {f"v_{k}": c for k, c in flags.items()} | {"any": anyflag}
    parts |= {f"a_{g}": c for g, c in f.age_conditions().items()}
    per_household = (select(P.c.household_id, func.count().label("n"),
                            *[func.sum(case((c, 1), else_=0)).label(k) for k, c in parts.items()])
                     .where(*f.people()).group_by(P.c.household_id).subquery())
    cols = [func.count(), func.sum(per_household.c.n)]
    for k in parts:
        col = per_household.c[k]
        cols += [func.sum(col), func.count(case((col > 0, 1)))]
    row = [int(x or 0) for x in conn.execute(select(*cols)).one()]
    got = {k: (row[2 + 2 * i], row[3 + 2 * i]) for i, k in enumerate(parts)}
    return PeopleFigures(
        Tally("people.total", "total", row[1], row[0]),
        Tally("people.vulnerable", "vulnerable", *got["any"]),
        tuple(Tally(f"people.vulnerability.{k}", k, *got[f"v_{k}"]) for k in flags),
        tuple(Tally(f"people.age.{g}", g, *got[f"a_{g}"]) for g in AGE_GROUPS),
    )


def _needs(conn: Connection, f: Filters) -> NeedFigures:
    rows = conn.execute(select(N.c.household_id, N.c.domain, N.c.priority).where(*f.needs_identified())).all()
    domains, priorities = [d.value for d in NeedDomain], [p.value for p in Priority]
    matrix: dict[str, dict[str, int]] = {d: {} for d in domains}
    for _hid, d, p in rows:
        matrix.setdefault(d, {})[p] = matrix.get(d, {}).get(p, 0) + 1
    open_rows = conn.execute(select(N.c.household_id, N.c.domain).where(*f.needs_open())).all()
    urgent = _count(conn, "needs.urgent_waiting", N.c.household_id, f.urgent_needs())
    return NeedFigures(
        identified=Tally("needs.total", "total", len(rows), len({r[0] for r in rows})),
        by_domain=_tallies("needs.domain", ((r[1], r[0]) for r in rows), domains),
        by_priority=_tallies("needs.priority", ((r[2], r[0]) for r in rows), priorities),
        matrix=matrix,
        open=Tally("needs.open", "open", len(open_rows), len({r[0] for r in open_rows})),
        open_by_domain=_tallies("needs.open_domain", ((r[1], r[0]) for r in open_rows), domains),
        urgent_waiting=urgent,
    )


def _assessments(conn: Connection, f: Filters) -> AssessmentFigures:
    rows = conn.execute(select(A.c.household_id, A.c.priority).where(*f.assessments())).all()
    return AssessmentFigures(Tally("assessments.total", "total", len(rows), len({r[0] for r in rows})),
                             _tallies("assessments.priority", ((r[1], r[0]) for r in rows),
                                      [p.value for p in Priority]))


def _referrals(conn: Connection, f: Filters, cohort: ReferralCohort) -> ReferralFigures:
    names = dict(conn.execute(select(PROVIDER.c.id, PROVIDER.c.name)
                              .where(PROVIDER.c.id.in_(sorted(cohort.provider_ids())))).all())
    return ReferralFigures(
        issued=cohort.tally("referrals.issued"),
        by_status=cohort.by_status(),
        # most referrals first; equal counts by provider name (not by id: ids differ between stores)
        by_provider=tuple(sorted((Tally(t.key, t.code, t.count, t.households, names.get(t.code, t.code))
                                  for t in cohort.by_provider()), key=lambda t: (-t.count, t.label, t.code))),
        replied=cohort.tally("referrals.replied"),
        served=cohort.tally("referrals.served"),
        overdue_replies=_count(conn, "referrals.overdue_reply", R.c.household_id, f.replies_overdue()),
        median_days_to_reply=cohort.median_days_to_reply(),
    )


def _count(conn: Connection, key: str, household_col, where: list) -> Tally:
    """How many rows match ``where`` and in how many distinct households."""
    n, homes = conn.execute(select(func.count(), func.count(distinct(household_col))).where(*where)).one()
    return Tally(key, key.rsplit(".", 1)[-1], int(n), int(homes))


def _overdue(conn: Connection, f: Filters) -> Tally:
    stmt = household_ids_select(f, "followups.overdue")
    return _hh("followups.overdue", conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


__all__ = ["HouseholdQuery", "Indicators", "Scope", "Tally", "compute_indicators", "households_behind", "ratio",
           "report_choices", "township_indicators"]
