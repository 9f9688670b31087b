"""Command-line side of the team's reference data (issue 9), hooked into the existing commands:

    outreach areas add --name NAME --level village --parent CODE [--code CODE]
    outreach areas rename CODE --name NAME | move CODE --parent CODE | archive CODE [--undo]
    outreach providers add --name NAME --category CAT [--phone …] [--address …] [--contact …] …
    outreach providers suggest  (the same options; on a worker's laptop)
    outreach providers archive ID [--undo]
    outreach providers suggestions [--json] | accept ID | dismiss ID     (on the lead's laptop)
    outreach team profile [--set KEY=VALUE …] [--json]

Heavy modules are imported inside the handlers (start-up stays fast).
"""

from __future__ import annotations

import argparse

from outreach.domain.errors import OutreachError
from outreach.i18n import tr

PROFILE_KEYS = ("org_name", "org_address", "org_phone", "reply_to", "reply_days")
PROVIDER_OPTIONS = (("--phone", "phone"), ("--address", "address"), ("--contact", "contact_person"),
                    ("--services", "services"), ("--hours", "hours"), ("--areas-served", "areas_served"),
                    ("--notes", "notes"))


# --------------------------------------------------------------------------- areas
def add_area_commands(area_sub: argparse._SubParsersAction) -> None:
    a = area_sub.add_parser("add", help=tr("teamdata.cli.areas.add"))
    a.add_argument("--name", required=True, metavar="NAME")
    a.add_argument("--level", required=True, metavar="LEVEL",
                   help="province, city, county, township, village, group")
    a.add_argument("--parent", default=None, metavar="CODE")
    a.add_argument("--code", default="", metavar="CODE", help=tr("teamdata.cli.areas.code"))
    a.add_argument("--short-name", default="", metavar="NAME")
    a.set_defaults(handler=_areas_add)
    a = area_sub.add_parser("rename", help=tr("teamdata.cli.areas.rename"))
    a.add_argument("code", metavar="CODE")
    a.add_argument("--name", required=True, metavar="NAME")
    a.set_defaults(handler=_areas_rename)
    a = area_sub.add_parser("move", help=tr("teamdata.cli.areas.move"))
    a.add_argument("code", metavar="CODE")
    a.add_argument("--parent", required=True, metavar="CODE")
    a.set_defaults(handler=_areas_move)
    a = area_sub.add_parser("archive", help=tr("teamdata.cli.areas.archive"))
    a.add_argument("code", metavar="CODE")
    a.add_argument("--undo", action="store_true", help=tr("teamdata.cli.undo"))
    a.set_defaults(handler=_areas_archive)


def _areas_add(ctx) -> int:
    from outreach.services import areas

    code = areas.add_area(ctx.store, name=ctx.args.name, level=ctx.args.level.strip().lower(),
                          parent_id=ctx.args.parent, code=ctx.args.code, short_name=ctx.args.short_name)
    ctx.print(tr("teamdata.cli.areas.added", name=ctx.args.name.strip(), code=code))
    return 0


def _areas_rename(ctx) -> int:
    from outreach.services import areas

    areas.rename_area(ctx.store, ctx.args.code, ctx.args.name)
    ctx.print(tr("teamdata.cli.saved"))
    return 0


def _areas_move(ctx) -> int:
    from outreach.services import areas

    areas.move_area(ctx.store, ctx.args.code, ctx.args.parent)
    ctx.print(tr("teamdata.cli.saved"))
    return 0


def _areas_archive(ctx) -> int:
    from outreach.services import areas

    areas.archive_area(ctx.store, ctx.args.code, archived=not ctx.args.undo)
    ctx.print(tr("teamdata.cli.saved"))
    return 0


# --------------------------------------------------------------------------- providers
def _provider_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, metavar="NAME")
    p.add_argument("--category", required=True, metavar="CAT", help=tr("teamdata.cli.providers.category"))
    for option, dest in PROVIDER_OPTIONS:
        p.add_argument(option, dest=dest, default=None, metavar="TEXT")


def add_provider_commands(psub: argparse._SubParsersAction) -> None:
    a = psub.add_parser("add", help=tr("teamdata.cli.providers.add"))
    _provider_options(a)
    a.set_defaults(handler=_providers_add)
    a = psub.add_parser("suggest", help=tr("teamdata.cli.providers.suggest"))
    _provider_options(a)
    a.set_defaults(handler=_providers_suggest)
    a = psub.add_parser("archive", help=tr("teamdata.cli.providers.archive"))
    a.add_argument("id", metavar="ID")
    a.add_argument("--undo", action="store_true", help=tr("teamdata.cli.undo"))
    a.set_defaults(handler=_providers_archive)
    a = psub.add_parser("suggestions", help=tr("teamdata.cli.providers.suggestions"))
    a.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    a.set_defaults(handler=_suggestions_list)
    a = psub.add_parser("accept", help=tr("teamdata.cli.providers.accept"))
    a.add_argument("id", metavar="SUGGESTION")
    a.set_defaults(handler=_suggestion_accept)
    a = psub.add_parser("dismiss", help=tr("teamdata.cli.providers.dismiss"))
    a.add_argument("id", metavar="SUGGESTION")
    a.set_defaults(handler=_suggestion_dismiss)


def _provider_fields(ctx) -> dict[str, str]:
    from outreach.domain.enums import ProviderCategory
    from outreach.i18n import LANGUAGES

    category = ctx.args.category.strip()
    for cat in ProviderCategory:   # a label in either language is as good as the code
        if category.lower() in {cat.value, *(cat.label(lang).strip().lower() for lang in LANGUAGES)}:
            category = cat.value
    fields = {"name": ctx.args.name, "category": category}
    fields |= {dest: getattr(ctx.args, dest) for _opt, dest in PROVIDER_OPTIONS if getattr(ctx.args, dest) is not None}
    return fields


def _providers_add(ctx) -> int:
    from outreach.services import providers

    provider_id = providers.create_provider(ctx.store, **_provider_fields(ctx))
    ctx.print(tr("teamdata.cli.providers.added", name=ctx.args.name.strip(), id=provider_id))
    return 0


def _providers_suggest(ctx) -> int:
    from outreach.services import providers

    suggestion_id = providers.suggest_provider(ctx.store, **_provider_fields(ctx))
    ctx.print(tr("teamdata.cli.providers.suggested", name=ctx.args.name.strip(), id=suggestion_id))
    return 0


def _providers_archive(ctx) -> int:
    from outreach.services import providers

    providers.archive_provider(ctx.store, _full_id(ctx.args.id, [p.id for p in providers.list_providers(
        ctx.store, include_archived=True)]), archived=not ctx.args.undo)
    ctx.print(tr("teamdata.cli.saved"))
    return 0


def _full_id(ref: str, ids: list[str]) -> str:
    """An id given in full or by a unique prefix of 6+ characters (as the lists print them)."""
    ref = ref.strip().lower()
    found = [i for i in ids if i == ref or (len(ref) >= 6 and i.startswith(ref))]
    return found[0] if len(found) == 1 else ref


def _suggestions_list(ctx) -> int:
    from outreach.domain.enums import ProviderCategory
    from outreach.services import providers

    items = providers.list_provider_suggestions(ctx.store)
    if ctx.args.json:
        ctx.print_json([{"id": s.id, "name": s.name, "category": s.category, "phone": s.phone,
                         "address": s.address, "suggested_by": s.suggested_by, "suggested_on": s.suggested_on}
                        for s in items])
        return 0
    for s in items:
        ctx.print(f"{s.id[:8]}\t{s.name}\t{ProviderCategory.label_of(s.category)}\t{s.phone}\t{s.suggested_by}")
    if not items:
        ctx.print(tr("teamdata.cli.providers.no_suggestions"))
    return 0


def _suggestion_accept(ctx) -> int:
    from outreach.services import providers

    ids = [s.id for s in providers.list_provider_suggestions(ctx.store, include_decided=True)]
    provider_id = providers.accept_provider_suggestion(ctx.store, _full_id(ctx.args.id, ids))
    ctx.print(tr("teamdata.cli.providers.accepted", id=provider_id))
    return 0


def _suggestion_dismiss(ctx) -> int:
    from outreach.services import providers

    ids = [s.id for s in providers.list_provider_suggestions(ctx.store, include_decided=True)]
    providers.dismiss_provider_suggestion(ctx.store, _full_id(ctx.args.id, ids))
    ctx.print(tr("teamdata.cli.saved"))
    return 0


# --------------------------------------------------------------------------- team profile
def parse_assignments(items: list[str], keys: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in keys:
            raise OutreachError("teamdata.cli.profile_bad", item=item, keys=", ".join(keys))
        out[key.strip()] = value
    return out


def team_profile_command(ctx) -> int:
    from outreach.services.team_profile import get_team_profile, update_team_profile

    changes = parse_assignments(ctx.args.set, PROFILE_KEYS)
    profile = update_team_profile(ctx.store, **changes) if changes else get_team_profile(ctx.store)
    if ctx.args.json:
        ctx.print_json(profile.as_json())
        return 0
    for key in PROFILE_KEYS:
        ctx.print(f"{tr('field.' + key)}\t{getattr(profile, key)}")
    return 0
