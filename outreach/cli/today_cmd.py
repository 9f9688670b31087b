"""What needs doing today, for scripts and a quick look in a terminal:

    outreach today [--date YYYY-MM-DD] [--village CODE ...] [--worker NAME] [--by-worker] [--json]

The lists are the Today panel's (``outreach.services.followups``): visits due, replies overdue and
urgent needs not yet referred, as of the day given (default: today). ``--json`` prints an object with
the keys ``visits_due``, ``replies_overdue`` and ``urgent_needs``, each a list of objects carrying a
``household_code`` (and a ``reference`` for referrals) and the ``worker`` it belongs to (see
``followups``, "Whose it is"). ``--worker NAME`` keeps one worker's visits and replies ("-": those with
no worker recorded). ``--by-worker`` prints a line per worker (visits overdue, due today, replies
overdue); with ``--json`` the object gains a ``by_worker`` list and keeps every other key.
"""

from __future__ import annotations

import argparse
from datetime import date

from outreach.cli.context import CliContext, LazyModule
from outreach.i18n import tr

followups = LazyModule("outreach.services.followups")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(tr("papers.cli.bad_date", value=value)) from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add `today` to the `outreach` parser."""
    p = sub.add_parser("today", help=tr("papers.cli.today.help"), description=tr("papers.cli.today.help"))
    p.add_argument("--date", dest="as_of", type=_day, metavar="YYYY-MM-DD", help=tr("papers.cli.opt.date"))
    p.add_argument("--village", action="append", metavar="CODE", help=tr("papers.cli.opt.village"))
    p.add_argument("--worker", metavar="NAME", help=tr("overdue.cli.opt.worker"))
    p.add_argument("--by-worker", action="store_true", help=tr("overdue.cli.opt.by_worker"))
    p.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    p.set_defaults(handler=cmd_today)


def cmd_today(ctx: CliContext) -> int:
    a = ctx.args
    today = followups.today_list(ctx.store, today=a.as_of or date.today(), village_ids=a.village or None)
    if a.worker is not None:
        today = followups.for_worker(today, "" if a.worker.strip() == "-" else a.worker.strip())
    if a.json:
        doc = followups.today_json(today)
        if a.by_worker:
            doc["by_worker"] = followups.by_worker_json(today)
        ctx.print_json(doc)
        return 0
    if a.by_worker:
        return _print_by_worker(ctx, today)
    ctx.print(tr("papers.cli.today.summary", date=today.as_of.isoformat(),
                 visits=tr("papers.cli.n_households", count=len(today.due_visits)),
                 replies=tr("papers.cli.n_referrals", count=len(today.overdue_referrals)),
                 needs=len(today.urgent_needs)))
    for d in today.due_visits:
        ctx.print(tr("papers.cli.today.visit", code=d.code, village=d.village_name, due=d.next_due.isoformat(),
                     days=d.days_overdue, count=d.days_overdue))
    for r in today.overdue_referrals:
        ctx.print(tr("papers.cli.today.reply", reference=r.reference, code=r.household_code, person=r.person_name,
                     provider=r.provider_name, due=r.expected_reply_on.isoformat(), days=r.days_overdue,
                     count=r.days_overdue))
    for n in today.urgent_needs:
        ctx.print(tr("papers.cli.today.need", code=n.household_code, person=n.person_name,
                     description=n.description))
    return 0


def _print_by_worker(ctx: CliContext, today) -> int:
    rows = followups.overdue_by_worker(today)
    if not rows:
        ctx.print(tr("overdue.cli.none", date=today.as_of.isoformat()))
        return 0
    ctx.print(tr("overdue.cli.header", date=today.as_of.isoformat()))
    for w in rows:
        ctx.print(tr("overdue.cli.line", worker=w.worker or tr("overdue.nobody"), visits=w.visits_overdue,
                     due_today=w.visits_due_today, replies=w.replies_overdue))
    return 0
