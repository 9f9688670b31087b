"""Encrypted backups and the data passphrase on the command line (issue 13):

    outreach backup create [--dir FOLDER]
    outreach backup list [--dir FOLDER] [--json]     # newest first: file, created_at, households …
    outreach backup restore FILE [--yes]            # shows what the backup holds, asks unless --yes
    outreach backup verify FILE
    outreach backup recover                         # a damaged store: newest sound backup + changes since
    outreach passphrase                              # new one from OUTREACH_NEW_PASSPHRASE or typed
    outreach unlock --recovery-identity FILE        # forgotten passphrase: the lead's recovery identity

The passphrase comes from ``OUTREACH_PASSPHRASE`` or is asked without echo (see storage/crypto_store).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from outreach.cli.context import CliContext, LazyModule
from outreach.domain.errors import OutreachError
from outreach.i18n import tr

backups = LazyModule("outreach.services.backups")
crypto_store = LazyModule("outreach.storage.crypto_store")
NEW_PASSPHRASE_ENV = "OUTREACH_NEW_PASSPHRASE"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help=tr("sec.cli.backup"), description=tr("sec.cli.backup"))
    bsub = p.add_subparsers(dest="backup_command", required=True)
    c = bsub.add_parser("create", help=tr("wo.cli.backup.create"))
    c.add_argument("--dir", type=Path, help=tr("sec.cli.backup_dir"))
    c.set_defaults(handler=cmd_create)
    ls = bsub.add_parser("list", help=tr("wo.cli.backup.list"))
    ls.add_argument("--dir", type=Path, help=tr("sec.cli.backup_dir"))
    ls.add_argument("--json", action="store_true", help=tr("sec.cli.json"))
    ls.set_defaults(handler=cmd_list)
    r = bsub.add_parser("restore", help=tr("wo.cli.backup.restore"))
    r.add_argument("file", type=Path)
    r.add_argument("--yes", action="store_true", help=tr("sec.cli.yes"))
    r.set_defaults(handler=cmd_restore)
    rc = bsub.add_parser("recover", help=tr("sec.cli.recover"))
    rc.set_defaults(handler=cmd_recover)
    v = bsub.add_parser("verify", help=tr("wo.cli.backup.verify"))
    v.add_argument("file", type=Path)
    v.set_defaults(handler=cmd_verify)

    pw = sub.add_parser("passphrase", help=tr("sec.cli.passphrase"), description=tr("sec.cli.passphrase"))
    pw.set_defaults(handler=cmd_passphrase)
    u = sub.add_parser("unlock", help=tr("sec.cli.unlock"), description=tr("sec.cli.unlock"))
    u.add_argument("--recovery-identity", type=Path, required=True, metavar="FILE", help=tr("sec.cli.recovery_identity"))
    u.set_defaults(handler=cmd_unlock)


def _info_line(info) -> str:
    return tr("sec.backup.line", created_at=info.created_at, count=info.households, file=info.file)


def cmd_create(ctx: CliContext) -> int:
    path = backups.create(ctx.store, folder=ctx.args.dir)
    info = backups.inspect(path, ctx.store.db_key)
    ctx.print(tr("sec.backup.created", file=str(path), count=info.households))
    return 0


def cmd_list(ctx: CliContext) -> int:
    found = backups.infos(ctx.store, ctx.args.dir)
    if ctx.args.json:
        ctx.print_json([i.to_json() for i in found])
        return 0
    if not found:
        ctx.print(tr("sec.backup.none"))
    for info in found:
        ctx.print(_info_line(info))
    return 0


def _preview(info) -> str:
    return tr("sec.backup.preview", file=info.file, created_at=info.created_at, count=info.households,
              people=info.people, visits=info.visits, newest_visit=info.newest_visit or tr("sec.backup.no_visit"))


def cmd_verify(ctx: CliContext) -> int:
    info = backups.inspect(ctx.args.file, ctx.store.db_key, check=True)
    ctx.print(tr("sec.backup.verified", file=info.file, count=info.households,
                 newest_visit=info.newest_visit or tr("sec.backup.no_visit")))
    return 0


def cmd_restore(ctx: CliContext) -> int:
    store = ctx.store
    info = backups.inspect(ctx.args.file, store.db_key, check=True)
    ctx.print(_preview(info))
    if not ctx.args.yes:
        if not (sys.stdin and sys.stdin.isatty()):
            raise OutreachError("sec.backup.not_confirmed")
        answer = input(tr("sec.backup.confirm") + " ").strip().lower()
        if answer not in ("yes", "y", "是"):
            raise OutreachError("sec.backup.not_confirmed")
    restored, safety = backups.restore(store, Path(info.file))
    ctx._store = None   # closed by restore
    ctx.print(tr("sec.backup.restored", file=str(restored), safety=str(safety)))
    return 0


def cmd_recover(ctx: CliContext) -> int:
    """A damaged store (the start-up check refused it): newest sound backup + changes since."""
    directory = _data_dir(ctx)
    db_file = directory / "outreach.sqlite3"
    key = crypto_store.database_key(directory, db_file)
    done = backups.recover(directory, key)
    ctx.print(tr("sec.backup.recovered", file=done.backup, count=done.replayed, lost=done.unreadable,
                 damaged=done.damaged_copy))
    return 0


def _data_dir(ctx: CliContext) -> Path:
    from outreach.storage.paths import data_dir

    return data_dir(getattr(ctx.args, "data_dir", None))


def _new_passphrase(directory: Path) -> str:
    new = os.environ.get(NEW_PASSPHRASE_ENV)
    if new:
        return new
    asked = crypto_store._ask_terminal(directory, True)
    if not asked:
        raise OutreachError("sec.error.passphrase_needed", env=NEW_PASSPHRASE_ENV)
    return asked


def cmd_passphrase(ctx: CliContext) -> int:
    from outreach.services import passphrase

    directory = _data_dir(ctx)
    old = crypto_store.passphrase_for(directory, new=False)
    both = passphrase.change(directory, old, _new_passphrase(directory))
    ctx.print(tr("wo.passphrase.changed_both" if both else "sec.passphrase_changed"))
    return 0


def cmd_unlock(ctx: CliContext) -> int:
    from outreach.safefiles import read_reason

    directory = _data_dir(ctx)
    try:
        identity = ctx.args.recovery_identity.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise OutreachError("error.file.unreadable", path=str(ctx.args.recovery_identity),
                            reason=read_reason(exc)) from exc
    crypto_store.unlock_with_recovery(directory, identity)   # checked before a new passphrase is asked
    crypto_store.reset_passphrase_with_recovery(directory, identity, _new_passphrase(directory))
    ctx.print(tr("sec.unlocked_recovery"))
    return 0


EXPORT_PASSPHRASE_ENV = "OUTREACH_EXPORT_PASSPHRASE"


def export_passphrase() -> str:
    """The passphrase of an encrypted export (told to the township office by phone, not in the file)."""
    given = os.environ.get(EXPORT_PASSPHRASE_ENV)
    if given:
        return given
    if not (sys.stdin and sys.stdin.isatty()):
        raise OutreachError("sec.error.passphrase_needed", env=EXPORT_PASSPHRASE_ENV)
    from getpass import getpass

    first = getpass(tr("sec.prompt.export") + " ")
    if getpass(tr("sec.prompt.repeat") + " ") != first:
        raise OutreachError("sec.error.mismatch")
    return first
