"""The month in words and in JSON: a short written summary generated from the figures (both languages,
plural-correct English) and the figures as plain JSON values for ``outreach report --json``.

Nothing here computes: every number comes from ``Indicators``, so the summary, the tables, the
dashboard and the JSON cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

from outreach.domain.enums import Priority
from outreach.i18n import tr
from outreach.reports import formatting as fmt
from outreach.reports.figures import Indicators


def _n(n: int, lang: str) -> str:
    return f"{n:,}" if lang == "en" else str(n)


def written_summary(ind: Indicators, lang: str, period: str) -> list[str]:
    """Three or four sentences about the period: visits and coverage, needs, referrals, what is due."""
    hh, cov, n, r = ind.households, ind.coverage, ind.needs, ind.referrals
    urgent_new = next((t.count for t in n.by_priority if t.code == Priority.URGENT.value), 0)
    as_of = tr("letters.date", lang, y=ind.as_of.year, m=ind.as_of.month, d=ind.as_of.day)  # 2026年11月30日

    def t(key: str, count: int | None = None, **kw) -> str:
        if count is not None:
            kw["count"] = count
        return tr(f"papers.summary.{key}", lang, **kw)

    out = [t("visits", hh.total.count, period=period, area=ind.area_name, households=_n(hh.total.count, lang),
             visited=t("visited_households", hh.visited.count, n=_n(hh.visited.count, lang)),
             visits=t("visit_count", ind.visits.total.count, n=_n(ind.visits.total.count, lang)),
             coverage=fmt.percent(cov.share(cov.visited_90)))]
    if n.identified.count:
        out.append(t("needs", n.identified.count, n=_n(n.identified.count, lang),
                     households=t("household_count", n.identified.households, n=_n(n.identified.households, lang)),
                     urgent=_n(urgent_new, lang)))
    else:
        out.append(t("needs_none"))
    if r.issued.count:
        out.append(t("referrals", r.issued.count, n=_n(r.issued.count, lang), replied=_n(r.replied.count, lang),
                     served=_n(r.served.count, lang)))
    else:
        out.append(t("referrals_none"))
    out.append(t("due", as_of=as_of,
                 replies=t("reply_count", r.overdue_replies.count, n=_n(r.overdue_replies.count, lang)),
                 visits=t("household_count", ind.overdue_followups.count, n=_n(ind.overdue_followups.count, lang)),
                 urgent=t("need_count", n.urgent_waiting.count, n=_n(n.urgent_waiting.count, lang))))
    return out


def report_json(ind: Indicators, townships: Iterable[Indicators] = ()) -> dict:
    """The report's figures as plain values (``outreach report --month … --json``). ``townships``: the
    same indicators for each township the report spans (``indicators.township_indicators``), listed
    under ``"townships"`` in the same form (a county's breakdown; empty within one township)."""
    out = _figures_json(ind)
    out["townships"] = [_figures_json(t) for t in townships]
    return out


def _figures_json(ind: Indicators) -> dict:
    s, hh, cov, r, n, p = ind.scope, ind.households, ind.coverage, ind.referrals, ind.needs, ind.people

    def share(tally) -> float | None:
        value = cov.share(tally)
        return None if value is None else round(float(value), 4)

    return {
        "month": s.month_label, "start": s.start.isoformat(), "end": s.end.isoformat(),
        "as_of": ind.as_of.isoformat(), "area": ind.area_name, "area_id": s.area_id, "worker": s.worker,
        "households_total": hh.total.count, "households_new": hh.new.count,
        "households_visited": hh.visited.count, "households_never_visited": hh.never_visited.count,
        "visits": ind.visits.total.count,
        "coverage_30": share(cov.visited_30), "coverage_90": share(cov.visited_90),
        "visits_due": ind.overdue_followups.count,
        "people": p.total.count, "people_vulnerable": p.vulnerable.count,
        "age_groups": {t.code: t.count for t in p.by_age_group},
        "needs_identified": n.identified.count, "needs_open": n.open.count,
        "needs_by_priority": {t.code: t.count for t in n.by_priority},
        "urgent_needs": n.urgent_waiting.count,
        "assessments": ind.assessments.total.count,
        "referrals_issued": r.issued.count, "referrals_replied": r.replied.count,
        "referrals_served": r.served.count, "replies_overdue": r.overdue_replies.count,
        "median_days_to_reply": None if r.median_days_to_reply is None else float(r.median_days_to_reply),
    }
