"""Team and sync commands: `outreach team …` (keys, invite, enrol, revoke, status, recovery) and
`outreach sync …` (export and import encrypted bundles).

The passphrase that protects this laptop's keys comes from ``OUTREACH_PASSPHRASE`` (scripts) or is
asked for on the terminal; it is never a command-line argument (it would show in the process list).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from outreach.cli import membership as M
from outreach.cli.context import LazyModule
from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.safefiles import write_atomic

T = LazyModule("outreach.sync.team")
transport = LazyModule("outreach.sync.transport")
keys = LazyModule("outreach.sync.keys")
PASSPHRASE_ENV = "OUTREACH_PASSPHRASE"  # the same name outreach.sync.keys reads


def register(sub: argparse._SubParsersAction) -> None:
    """Add `team` and `sync` to the `outreach` parser."""
    p = sub.add_parser("team", help=tr("sync.cli.team.help"), description=tr("sync.cli.team.help"))
    team_sub = p.add_subparsers(dest="team_command", metavar="ACTION", required=True, parser_class=type(p))

    a = M.action(team_sub, "create", "sync.cli.create.help", _create)
    a.add_argument("--name", default="", metavar="NAME", help=tr("sync.cli.create.name"))
    M.add_output(M.action(team_sub, "invite", "sync.cli.invite.help", _invite))
    a = M.action(team_sub, "profile", "teamdata.cli.profile.help", _profile)
    a.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="org_name, org_address, org_phone, reply_to, reply_days")
    M.add_json(a)
    M.add_membership(team_sub, "sync.cli", handlers=globals(), member="device",   # join … export-recovery
                     villages_help="sync.cli.enroll.villages", member_help="sync.cli.device_ref")
    from outreach.cli.rotation_cmd import register_team

    register_team(team_sub)   # rotate-key, handover (issue 13)

    p = sub.add_parser("sync", help=tr("sync.cli.sync.help"), description=tr("sync.cli.sync.help"))
    sync_sub = p.add_subparsers(dest="sync_command", metavar="ACTION", required=True, parser_class=type(p))

    a = M.action(sync_sub, "export", "sync.cli.export.help", _export)
    a.add_argument("--to", metavar="DEVICE", help=tr("sync.cli.export.to"))
    a.add_argument("--full", action="store_true", help=tr("sync.cli.export.full"))
    a.add_argument("--all", action="store_true", help=tr("sync.cli.export.all"))
    M.add_output(a, help_key="sync.cli.export.output")

    a = M.action(sync_sub, "import", "sync.cli.import.help", _import)
    a.add_argument("files", nargs="+", metavar="FILE")
    M.add_json(a)


# --------------------------------------------------------------------------- passphrase
def passphrase(*, new: bool = False) -> str:
    """From OUTREACH_PASSPHRASE, else asked on the terminal (twice when it is a new one)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        if new:
            keys.check_new_passphrase(value)
        return value
    if not sys.stdin.isatty():
        raise OutreachError("sync.error.no_passphrase", env=PASSPHRASE_ENV)
    value = getpass.getpass(tr("sync.cli.passphrase_new" if new else "sync.cli.passphrase"))
    if new:
        keys.check_new_passphrase(value)
        if getpass.getpass(tr("sync.cli.passphrase_again")) != value:
            raise OutreachError("sync.error.passphrase_mismatch")
    return value


def _unlock(ctx):
    return T.unlock(ctx.store, passphrase())


def _write(path: str, data: bytes) -> Path:
    target = Path(path)
    write_atomic(target, data)
    return target


def _read(path: str, what: str = "file") -> bytes:
    from outreach.inputfiles import read_capped

    try:   # a regular file only (no FIFO, device, folder), never read past the cap
        return read_capped(path, T.MAX_SMALL_FILE, what=what)
    except OutreachError as exc:
        if exc.key != "error.file.unreadable":
            raise
        raise OutreachError("sync.error.cannot_read", path=path, reason=exc.params["reason"]) from exc


# --------------------------------------------------------------------------- team
def _create(ctx) -> int:
    store = ctx.store
    team = T.create_team(store, passphrase(new=not T.has_keys(store)), name=ctx.args.name)
    with store.connect() as conn:
        me = T.get_device(conn, store.device.id)
    ctx.print(tr("sync.cli.created", team=team.name or team.team_id[:8], device=me.display_name if me else ""))
    ctx.print(tr("sync.cli.recovery_hint"))
    return 0


def _invite(ctx) -> int:
    # the lead's keys sign the invite and the team's reference data it carries (issue 9)
    path = _write(ctx.args.output, T.make_invite(ctx.store, passphrase()))
    ctx.print(tr("sync.cli.invite_written", path=str(path)))
    return 0


def _profile(ctx) -> int:
    from outreach.cli.team_data_cli import team_profile_command

    return team_profile_command(ctx)


def _join(ctx) -> int:
    store = ctx.store
    written: list[Path] = []   # the request is written inside the join: a failed write joins nothing
    _request, fingerprint = T.join_team(store, _read(ctx.args.invite, "invite"), passphrase(new=not T.has_keys(store)),
                                        deliver=lambda data: written.append(_write(ctx.args.output, data)))
    path = written[0]
    ctx.print(tr("sync.cli.request_written", path=str(path)))
    ctx.print(tr("sync.cli.fingerprint", fingerprint=fingerprint))
    return 0


def _enroll(ctx) -> int:
    store = ctx.store
    req = T.read_request(store, _read(ctx.args.request, "request"))
    ctx.print(tr("sync.cli.enroll_who", device=req.display_name, worker=req.worker, id=req.device_id))
    ctx.print(tr("sync.cli.fingerprint", fingerprint=req.fingerprint))
    if not M.fingerprint_compared(ctx, req.fingerprint):
        return 1
    device = T.enroll(store, req, villages=M.villages(ctx.args.villages))
    ctx.print(tr("sync.cli.enrolled", device=device.display_name,
                 villages=", ".join(device.villages) or tr("sync.cli.no_villages")))
    return 0


def _assign(ctx) -> int:
    device = T.set_villages(ctx.store, ctx.args.device, M.villages(ctx.args.villages))
    ctx.print(tr("sync.cli.enrolled", device=device.display_name,
                 villages=", ".join(device.villages) or tr("sync.cli.no_villages")))
    return 0


def _revoke(ctx) -> int:
    device = T.revoke(ctx.store, ctx.args.device)
    ctx.print(tr("sync.cli.revoked", device=device.display_name, id=device.device_id))
    return 0


def _status(ctx) -> int:
    report = transport.status_report(ctx.store)
    if ctx.args.json:
        ctx.print_json(report)
        return 0
    ctx.print(tr("sync.cli.status_me", device=report["device_name"], id=report["device_id"]))
    if report["team"] is None:
        ctx.print(tr("sync.error.no_team"))
        return 0
    ctx.print(tr("sync.cli.status_team", team=report["team"]["name"] or report["team"]["team_id"][:8],
                 role=tr(f"sync.role.{report['role']}"), status=tr(f"sync.status.{report['status']}")))
    if report["fingerprint"]:
        ctx.print(tr("sync.cli.fingerprint", fingerprint=report["fingerprint"]))
    for d in report["devices"]:
        last = d["last_bundle"]
        last_text = tr("sync.cli.last_bundle", seq=last["seq"], when=last["recorded_at"]) if last else \
            tr("sync.cli.no_bundle")
        gaps = tr("sync.cli.gaps", seqs=", ".join(map(str, d["gaps"]))) if d["gaps"] else ""
        key = "" if d.get("new_team_key") is None else \
            f"[{tr('rot.status.switched' if d['new_team_key'] else 'rot.status.not_switched')}]  "
        ctx.print(f"  {d['code']}  {d['name']}  [{tr('sync.status.' + d['status'])}]  {key}"
                  f"{','.join(d['villages'])}  {last_text}  {gaps}".rstrip())
    return 0


def _export_recovery(ctx) -> int:
    public = T.export_recovery(ctx.store, passphrase(), Path(ctx.args.output))
    ctx.print(tr("sync.cli.recovery_written", path=ctx.args.output, public=public))
    return 0


# --------------------------------------------------------------------------- sync
def _export(ctx) -> int:
    store, args = ctx.store, ctx.args
    ring = _unlock(ctx)
    if args.all:
        results = transport.export_downlinks(store, ring, Path(args.output), full=args.full)
    else:
        results = [transport.export_bundle(store, ring, out=Path(args.output), to=args.to, full=args.full)]
    return M.say_exported(ctx, results)


def _import(ctx) -> int:
    store = ctx.store
    ring = _unlock(ctx)
    files = transport.expand_paths([Path(f) for f in ctx.args.files])
    if not files:
        raise OutreachError("sync.error.no_bundles", paths=", ".join(ctx.args.files))
    return M.say_imported(ctx, transport.import_bundles(store, ring, files), lambda results: [
        {"file": r.path, "status": r.status, "message": r.text(), "bundle_id": r.bundle_id, "sender": r.sender,
         "sender_name": r.sender_name, "seq": r.seq, "changes": r.changes,
         "report": r.report.as_dict() if r.report is not None else None} for r in results])
