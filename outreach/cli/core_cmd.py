"""Core commands: gui, demo, search, stats, validate-id, areas, settings."""

from __future__ import annotations

import argparse
import time

from outreach.cli.context import LazyModule, bounded_int
from outreach.domain import idnumber
from outreach.domain.errors import OutreachError
from outreach.i18n import tr

areas = LazyModule("outreach.services.areas")
demo = LazyModule("outreach.services.demo")
search = LazyModule("outreach.services.search")
stats = LazyModule("outreach.services.stats")

# Settings a team lead may set from the command line (letters and reports use them).
SETTABLE = ("worker_name", "device_name", "language", "org_name", "org_address", "org_phone", "org_logo",
            "worker_phone", "team_name")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help=tr("cli.gui.help"), description=tr("cli.gui.help"))
    p.add_argument("--demo", action="store_true", help=tr("cli.gui.demo"))
    # Hidden, for the packaging smoke test: save the window once painted, then quit (outreach/ui/screenshot.py).
    p.add_argument("--screenshot", metavar="FILE", help=argparse.SUPPRESS)
    p.add_argument("--quit-after-ms", type=bounded_int(0, 600_000), default=0, metavar="N", help=argparse.SUPPRESS)
    p.set_defaults(handler=_gui)

    p = sub.add_parser("demo", help=tr("cli.demo.help"), description=tr("cli.demo.help"))
    p.add_argument("--households", type=bounded_int(1, 200_000), default=500, metavar="N", help=tr("cli.demo.households"))
    p.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=1, metavar="S", help=tr("cli.demo.seed"))
    p.set_defaults(handler=_demo)

    p = sub.add_parser("search", help=tr("cli.search.help"), description=tr("cli.search.help"))
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    p.add_argument("--limit", type=bounded_int(1, 10_000), default=50, metavar="N")
    p.set_defaults(handler=_search)

    p = sub.add_parser("stats", help=tr("cli.stats.help"), description=tr("cli.stats.help"))
    p.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    p.set_defaults(handler=_stats)

    p = sub.add_parser("validate-id", help=tr("cli.validate_id.help"), description=tr("cli.validate_id.help"))
    p.add_argument("number", metavar="NUMBER")
    p.set_defaults(handler=_validate_id)

    p = sub.add_parser("areas", help=tr("cli.areas.help"), description=tr("cli.areas.help"))
    area_sub = p.add_subparsers(dest="areas_command", metavar="ACTION", required=True, parser_class=type(p))
    imp = area_sub.add_parser("import", help=tr("cli.areas.import"))
    imp.add_argument("file", metavar="FILE.csv")
    imp.set_defaults(handler=_areas_import)
    lst = area_sub.add_parser("list", help=tr("cli.areas.list"))
    lst.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    lst.add_argument("--all", action="store_true", help=tr("teamdata.cli.areas.all"))
    lst.set_defaults(handler=_areas_list)
    from outreach.cli.team_data_cli import add_area_commands  # add, rename, move, archive (issue 9)

    add_area_commands(area_sub)

    p = sub.add_parser("settings", help=tr("cli.settings.help"), description=tr("cli.settings.help"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=", ".join(SETTABLE))
    p.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    p.set_defaults(handler=_settings)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.not_a_number", value=text)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(tr("cli.not_positive", value=text))
    return value


def _gui(ctx) -> int:
    from outreach.ui.app import run_gui  # Qt is imported only when the window is wanted

    if ctx.args.screenshot:
        from outreach.ui.app import check_display
        from outreach.ui.screenshot import arm

        check_display()
        arm(ctx.args.screenshot, ctx.args.quit_after_ms)
    return run_gui(ctx.args.data_dir, demo=ctx.args.demo)


def _demo(ctx) -> int:
    store = ctx.store
    existing = stats.counts(store)["households"]
    if existing and not demo.resume_mark(store):  # a demo cut short resumes
        raise OutreachError("cli.demo.not_empty", path=store.location, count=existing)
    started = time.perf_counter()
    summary = demo.build_demo(store, households=ctx.args.households, seed=ctx.args.seed)
    ctx.print(tr("cli.demo.done", path=store.location, seconds=f"{time.perf_counter() - started:.1f}",
                 households=summary.households, people=summary.people, visits=summary.visits,
                 assessments=summary.assessments, referrals=summary.referrals, providers=summary.providers,
                 villages=summary.villages))
    return 0


def _search(ctx) -> int:
    hits = search.search_people(ctx.store, ctx.args.text, limit=ctx.args.limit)
    if ctx.args.json:
        ctx.print_json([h.as_json() for h in hits])
        return 0
    if not hits:
        ctx.print(tr("cli.search.none", text=ctx.args.text))
    for h in hits:
        ctx.print(f"{h.name}\t{h.household_code}\t{h.village_name}\t{h.masked_id}\t{h.phone}")
    return 0


def _stats(ctx) -> int:
    counts = stats.counts(ctx.store)
    if ctx.args.json:
        ctx.print_json(counts)
        return 0
    for key, value in counts.items():
        ctx.print(f"{tr('cli.stats.' + key)}: {value}")
    return 0


def _validate_id(ctx) -> int:
    number = ctx.args.number
    problems = idnumber.problems(number)
    if problems:
        ctx.print(tr("cli.validate_id.invalid", number=idnumber.normalize(number)))
        for p in problems:
            ctx.print(f"  - {tr(p.key, **p.params)}")
        return 1
    info = idnumber.parse(number)
    assert info is not None
    ctx.print(tr("cli.validate_id.valid", number=info.number, birth=info.birth_date.isoformat(),
                 sex=info.sex.label(), area=info.area_code))
    return 0


def _areas_import(ctx) -> int:
    added = areas.import_areas_csv(ctx.store, ctx.args.file)
    ctx.print(tr("cli.areas.imported", count=added))
    return 0


def _areas_list(ctx) -> int:
    rows = areas.all_areas(ctx.store, include_archived=ctx.args.all)
    if ctx.args.json:
        ctx.print_json([{"code": a.id, "name": a.name, "level": a.level, "parent_code": a.parent_id,
                         "archived": a.archived} for a in rows])
        return 0
    for a in rows:
        ctx.print(f"{a.id}\t{a.name}\t{a.level}\t{a.parent_id or ''}")
    return 0


def _settings(ctx) -> int:
    store = ctx.store
    for item in ctx.args.set:
        key, sep, value = item.partition("=")
        if not sep or key not in SETTABLE:
            raise OutreachError("cli.settings.bad", item=item, keys=", ".join(SETTABLE))
    from outreach.services import team_profile  # org_* are team data now (issue 9): the team profile

    assignments = [item.partition("=")[::2] for item in ctx.args.set]
    profile_changes = {k: v for k, v in assignments if k in team_profile.PROFILE_KEYS}
    if profile_changes:   # validated and refused (nothing written) before any local setting changes
        team_profile.update_team_profile(store, **profile_changes)
    for key, value in assignments:
        if key not in team_profile.PROFILE_KEYS:
            store.set_setting(key, value)
    current = {k: store.get_setting(k) for k in SETTABLE}
    current |= {k: v for k, v in team_profile.get_team_profile(store).as_json().items() if k in SETTABLE}
    device = store.device
    current |= {"device_id": device.id, "device_code": device.code, "data_dir": str(store.path.parent)}
    if ctx.args.json:
        ctx.print_json(current)
    else:
        for k, v in current.items():
            ctx.print(f"{k}={v}")
    return 0
