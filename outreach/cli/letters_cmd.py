"""Letters, registers, the service directory and the referral list:

    outreach letter REFERENCE -o FILE.pdf [--lang en]
    outreach letters --date YYYY-MM-DD -o FILE.pdf [--lang en]
    outreach register --village CODE --month YYYY-MM -o FILE.pdf [--lang en]
    outreach visit-form -o FILE.pdf [--village NAME] [--lang en]
    outreach providers import FILE.csv | export FILE.csv | list [--json]
    outreach referrals list [--status S] [--overdue] [--json]
    outreach referrals reply REFERENCE --result accepted|declined|served|no_show [--date D] [--services TEXT]
"""

from __future__ import annotations

import argparse
from datetime import date

from outreach.cli.context import CliContext
from outreach.domain.enums import ReferralStatus
from outreach.domain.errors import OutreachError
from outreach.i18n import normalize_language, tr

LETTER_LANGUAGES = ("zh_CN", "en")


def _letter_lang(value: str) -> str:
    lang = normalize_language(value)
    if lang is None:
        raise argparse.ArgumentTypeError(tr("letters.cli.bad_lang", value=value))
    return lang


def _add_lang(p: argparse.ArgumentParser) -> None:
    # dest differs from the global --lang (UI language) so the sub-parser's default cannot reset it
    p.add_argument("--lang", dest="letter_lang", type=_letter_lang, default="zh_CN", metavar="LANG",
                   help=tr("letters.cli.opt.lang"))


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help=tr("letters.cli.opt.output"))


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise OutreachError("letters.error.bad_date", value=text) from exc


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `outreach` parser."""
    p = sub.add_parser("letter", help=tr("letters.cli.letter.help"), description=tr("letters.cli.letter.help"))
    p.add_argument("reference", metavar="REFERENCE", help=tr("letters.cli.opt.reference"))
    _add_output(p)
    _add_lang(p)
    p.set_defaults(handler=cmd_letter)

    p = sub.add_parser("letters", help=tr("letters.cli.letters.help"), description=tr("letters.cli.letters.help"))
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD", help=tr("letters.cli.opt.date"))
    _add_output(p)
    _add_lang(p)
    p.set_defaults(handler=cmd_letters)

    p = sub.add_parser("register", help=tr("letters.cli.register.help"),
                       description=tr("letters.cli.register.help"))
    p.add_argument("--village", required=True, metavar="CODE", help=tr("letters.cli.opt.village"))
    p.add_argument("--month", required=True, metavar="YYYY-MM", help=tr("letters.cli.opt.month"))
    _add_output(p)
    _add_lang(p)
    p.set_defaults(handler=cmd_register)

    p = sub.add_parser("visit-form", help=tr("letters.cli.visit_form.help"),
                       description=tr("letters.cli.visit_form.help"))
    p.add_argument("--village", default="", metavar="NAME", help=tr("letters.cli.opt.form_village"))
    _add_output(p)
    _add_lang(p)
    p.set_defaults(handler=cmd_visit_form)

    p = sub.add_parser("providers", help=tr("letters.cli.providers.help"),
                       description=tr("letters.cli.providers.help"))
    psub = p.add_subparsers(dest="providers_command", metavar="ACTION", required=True, parser_class=type(p))
    q = psub.add_parser("import", help=tr("letters.cli.providers.import"))
    q.add_argument("file", metavar="FILE.csv")
    q.set_defaults(handler=cmd_providers_import)
    q = psub.add_parser("export", help=tr("letters.cli.providers.export"))
    q.add_argument("file", metavar="FILE.csv")
    q.set_defaults(handler=cmd_providers_export)
    from outreach.cli.team_data_cli import add_provider_commands  # add, suggest, archive, … (issue 9)

    add_provider_commands(psub)
    q = psub.add_parser("list", help=tr("letters.cli.providers.list"))
    q.add_argument("--json", action="store_true", help=tr("letters.cli.opt.json"))
    q.add_argument("--all", action="store_true", help=tr("teamdata.cli.providers.all"))
    q.set_defaults(handler=cmd_providers_list)

    p = sub.add_parser("referrals", help=tr("letters.cli.referrals.help"),
                       description=tr("letters.cli.referrals.help"))
    rsub = p.add_subparsers(dest="referrals_command", metavar="ACTION", required=True, parser_class=type(p))
    q = rsub.add_parser("list", help=tr("letters.cli.referrals.list"))
    q.add_argument("--status", choices=[s.value for s in ReferralStatus], help=tr("letters.cli.opt.status"))
    q.add_argument("--overdue", action="store_true", help=tr("letters.cli.opt.overdue"))
    q.add_argument("--json", action="store_true", help=tr("letters.cli.opt.json"))
    q.set_defaults(handler=cmd_referrals_list)
    q = rsub.add_parser("reply", help=tr("letters.cli.referrals.reply"))
    q.add_argument("reference", metavar="REFERENCE", help=tr("letters.cli.opt.reference"))
    q.add_argument("--result", required=True, choices=["accepted", "declined", "served", "no_show"],
                   help=tr("letters.cli.opt.result"))
    q.add_argument("--date", metavar="YYYY-MM-DD", help=tr("letters.cli.opt.reply_date"))
    q.add_argument("--services", default="", metavar="TEXT", help=tr("letters.cli.opt.services"))
    q.add_argument("--note", default="", metavar="TEXT", help=tr("letters.cli.opt.note"))
    q.set_defaults(handler=cmd_referrals_reply)


# ---------------------------------------------------------------------------- handlers
def cmd_letter(ctx: CliContext) -> int:
    from outreach.letters.batch import write_letters_pdf
    from outreach.services.letter_sources import referral_letter_data

    lang = ctx.args.letter_lang
    data = referral_letter_data(ctx.store, ctx.args.reference, lang=lang)
    write_letters_pdf(ctx.args.output, [data], lang=lang)
    ctx.print(tr("letters.cli.letter.done", reference=data.reference, path=ctx.args.output))
    return 0


def cmd_letters(ctx: CliContext) -> int:
    from outreach.letters.batch import write_letters_pdf
    from outreach.services.letter_sources import letters_issued_on

    day = parse_day(ctx.args.date)
    lang = ctx.args.letter_lang
    letters = letters_issued_on(ctx.store, day, lang=lang)
    if not letters:
        raise OutreachError("letters.error.none_on_date", date=day.isoformat())
    count = write_letters_pdf(ctx.args.output, letters, lang=lang)
    ctx.print(tr("papers2.cli.letters_done", count=count, path=ctx.args.output))
    return 0


def cmd_register(ctx: CliContext) -> int:
    from outreach.letters.layout import write_pdf
    from outreach.letters.registers import render_visit_register
    from outreach.services.letter_sources import parse_month, visit_register_data

    year, month = parse_month(ctx.args.month)
    lang = ctx.args.letter_lang
    data = visit_register_data(ctx.store, ctx.args.village, year, month, lang=lang)
    write_pdf(ctx.args.output, lambda fh: render_visit_register(data, fh, lang=lang))
    ctx.print(tr("letters.cli.register.done", village=data.village_name, count=len(data.rows),
                 path=ctx.args.output))
    return 0


def cmd_visit_form(ctx: CliContext) -> int:
    from outreach.letters.layout import write_pdf
    from outreach.letters.registers import render_blank_visit_form
    from outreach.services.letter_sources import organisation

    lang = ctx.args.letter_lang
    org = organisation(ctx.store, lang)
    write_pdf(ctx.args.output, lambda fh: render_blank_visit_form(org, fh, lang=lang, village=ctx.args.village))
    ctx.print(tr("letters.cli.written", path=ctx.args.output))
    return 0


def cmd_providers_import(ctx: CliContext) -> int:
    from outreach.services.directory_csv import import_providers_csv

    result = import_providers_csv(ctx.store, ctx.args.file)
    ctx.print(tr("letters.cli.providers.imported", added=result.added, updated=result.updated,
                 unchanged=result.unchanged))
    return 0


def cmd_providers_export(ctx: CliContext) -> int:
    from outreach.services.directory_csv import export_providers_csv

    count = export_providers_csv(ctx.store, ctx.args.file)
    ctx.print(tr("letters.cli.providers.exported", count=count, path=ctx.args.file))
    return 0


def cmd_providers_list(ctx: CliContext) -> int:
    from outreach.domain.enums import ProviderCategory
    from outreach.services.providers import list_providers

    providers = list_providers(ctx.store, include_archived=getattr(ctx.args, "all", False))
    if ctx.args.json:
        ctx.print_json([{"id": p.id, "name": p.name, "category": p.category, "phone": p.phone,
                         "contact_person": p.contact_person, "address": p.address, "services": p.services,
                         "archived": p.archived}
                        for p in providers])
        return 0
    for p in providers:
        ctx.print(f"{p.name}\t{ProviderCategory(p.category).label()}\t{p.phone}\t{p.contact_person}")
    if not providers:
        ctx.print(tr("letters.cli.providers.none"))
    return 0


def cmd_referrals_list(ctx: CliContext) -> int:
    from outreach.services.followups import referral_list

    today = date.today()
    # The same definition of "reply overdue" as Today, the dashboard and the monthly report.
    items, overdue = referral_list(ctx.store, today, status=ctx.args.status, overdue_only=ctx.args.overdue)
    if ctx.args.json:
        ctx.print_json([{
            "reference": r.reference, "status": r.status, "provider": r.provider_name, "person": r.person_name,
            "overdue": r.id in overdue, "urgency": r.urgency,
            "issued_on": r.issued_on.isoformat() if r.issued_on else None,
            "expected_reply_on": r.expected_reply_on.isoformat() if r.expected_reply_on else None,
        } for r in items])
        return 0
    for r in items:
        flag = tr("letters.cli.referrals.overdue_flag") if r.id in overdue else ""
        ctx.print("\t".join([r.reference, ReferralStatus(r.status).label(), r.person_name, r.provider_name,
                             r.issued_on.isoformat() if r.issued_on else "-",
                             r.expected_reply_on.isoformat() if r.expected_reply_on else "-", flag]).rstrip())
    if not items:
        ctx.print(tr("letters.cli.referrals.none"))
    return 0


def cmd_referrals_reply(ctx: CliContext) -> int:
    from outreach.services.referrals import record_reply

    on = parse_day(ctx.args.date) if ctx.args.date else None
    info = record_reply(ctx.store, ctx.args.reference, status=ctx.args.result, on=on, note=ctx.args.note,
                        services_provided=ctx.args.services)
    ctx.print(tr("letters.cli.referrals.replied", reference=info.reference,
                 status=ReferralStatus(info.status).label()))
    return 0
