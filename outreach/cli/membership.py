"""What `outreach team …` and `outreach hub …` share, written once: the same actions one level apart
(join with an invite, enrol a request after comparing the fingerprint, assign villages, revoke, status,
export the recovery identity), their arguments, and the lines said after an export or an import.

    action(team_sub, "invite", "sync.cli.invite.help", _invite)          # a sub-command and its handler
    add_membership(hub_sub, "hub.cli", handlers=globals(), member="lead", villages_help="hub.cli.villages")
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping

from outreach.domain.errors import OutreachError
from outreach.i18n import tr

EXIT_SOME_REFUSED = 1
YES = ("y", "yes", "是", "对")


def action(sub: argparse._SubParsersAction, name: str, help_key: str, handler: Callable) -> argparse.ArgumentParser:
    """``outreach <command> <name>``, its help (also the description) and what runs it."""
    a = sub.add_parser(name, help=tr(help_key), description=tr(help_key))
    a.set_defaults(handler=handler)
    return a


def add_output(a: argparse.ArgumentParser, metavar: str = "FILE", help_key: str | None = None) -> None:
    a.add_argument("-o", "--output", required=True, metavar=metavar, **({"help": tr(help_key)} if help_key else {}))


def add_json(a: argparse.ArgumentParser) -> None:
    a.add_argument("--json", action="store_true", help=tr("cli.opt.json"))


def add_membership(sub: argparse._SubParsersAction, prefix: str, *, handlers: Mapping[str, Callable], member: str,
                   villages_help: str, member_help: str | None = None) -> None:
    """join · enroll · assign · revoke · status · export-recovery, helped by ``<prefix>.<action>.help``
    and run by ``handlers["_join"]`` … ``handlers["_export_recovery"]``; ``member`` names the laptop
    enrolled (``device``, ``lead``: the argument of assign and revoke)."""
    a = action(sub, "join", f"{prefix}.join.help", handlers["_join"])
    a.add_argument("invite", metavar="INVITE")
    add_output(a, "REQUEST")

    a = action(sub, "enroll", f"{prefix}.enroll.help", handlers["_enroll"])
    a.add_argument("request", metavar="REQUEST")
    a.add_argument("--villages", default="", metavar="CODE,...", help=tr(villages_help))
    a.add_argument("--fingerprint", metavar="DIGITS", help=tr("sync.cli.enroll.fingerprint"))
    a.add_argument("--yes", action="store_true", help=tr("sync.cli.enroll.yes"))

    a = action(sub, "assign", f"{prefix}.assign.help", handlers["_assign"])
    a.add_argument(member, metavar=member.upper())
    a.add_argument("--villages", required=True, metavar="CODE,...", help=tr(villages_help))

    a = action(sub, "revoke", f"{prefix}.revoke.help", handlers["_revoke"])
    a.add_argument(member, metavar=member.upper(), **({"help": tr(member_help)} if member_help else {}))

    add_json(action(sub, "status", f"{prefix}.status.help", handlers["_status"]))
    add_output(action(sub, "export-recovery", f"{prefix}.recovery.help", handlers["_export_recovery"]))


def villages(text: str) -> list[str]:
    """``--villages`` as codes (a Chinese comma counts too)."""
    return [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]


def fingerprint_compared(ctx, fingerprint: str) -> bool:
    """``--fingerprint`` must be the request's, ``--yes`` says it was compared in person, else the user
    is asked on the terminal (a script must say one or the other); False when the answer is no."""
    given = ctx.args.fingerprint
    if given is not None:
        if "".join(given.split()) != "".join(fingerprint.split()):
            raise OutreachError("sync.error.fingerprint_mismatch")
        return True
    if ctx.args.yes:
        return True
    if not sys.stdin.isatty():
        raise OutreachError("sync.error.enroll_needs_confirmation")
    if input(tr("sync.cli.enroll_confirm")).strip().lower() in YES:
        return True
    ctx.print(tr("sync.cli.enroll_cancelled"))
    return False


def say_exported(ctx, results) -> int:
    for r in results:
        ctx.print(tr("sync.cli.exported", path=str(r.path), to=r.recipient_name, seq=r.seq, changes=r.changes,
                     count=r.changes))
    return 0


def say_imported(ctx, results, rows: Callable[[list], list[dict]]) -> int:
    """One line per file (or ``rows(results)`` as JSON with --json); exit 1 when any file was refused."""
    if ctx.args.json:
        ctx.print_json(rows(results))
    else:
        for r in results:
            ctx.print(tr(f"sync.cli.line_{r.status}", file=r.path, message=r.text()))
    refused = sum(1 for r in results if not r.ok)
    if refused:
        print(f"outreach: {tr('sync.cli.some_refused', refused=refused, total=len(results))}", file=ctx.err)
        return EXIT_SOME_REFUSED
    return 0
