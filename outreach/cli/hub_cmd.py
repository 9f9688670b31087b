"""`outreach hub …`: the county hub, mirroring `outreach team …` one level up.

    on the hub:        hub init · hub invite -o FILE · hub enroll REQUEST --villages … · hub assign ·
                       hub revoke · hub export --to LEAD|--all -o DIR · hub import FILE… ·
                       hub watch INBOX --outbox DIR [--once] · hub status
    on a lead's laptop: hub join INVITE -o REQUEST · hub export -o DIR (the uplink) · hub import FILE…

The passphrase comes from ``OUTREACH_PASSPHRASE`` or the terminal, as for `team`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from outreach.cli import membership as M
from outreach.cli.context import LazyModule
from outreach.domain.errors import OutreachError
from outreach.i18n import tr

H = LazyModule("outreach.sync.hub")
HT = LazyModule("outreach.sync.hub_transport")
sync_cmd = LazyModule("outreach.cli.sync_cmd")
transport = LazyModule("outreach.sync.transport")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hub", help=tr("hub.cli.help"), description=tr("hub.cli.help"))
    hub_sub = p.add_subparsers(dest="hub_command", metavar="ACTION", required=True, parser_class=type(p))

    a = M.action(hub_sub, "init", "hub.cli.init.help", _init)
    a.add_argument("--name", default="", metavar="NAME", help=tr("hub.cli.init.name"))
    M.add_output(M.action(hub_sub, "invite", "hub.cli.invite.help", _invite))
    M.add_membership(hub_sub, "hub.cli", handlers=globals(), member="lead",   # join … export-recovery
                     villages_help="hub.cli.villages")

    a = M.action(hub_sub, "export", "hub.cli.export.help", _export)
    a.add_argument("--to", metavar="LEAD", help=tr("hub.cli.export.to"))
    a.add_argument("--all", action="store_true", help=tr("hub.cli.export.all"))
    a.add_argument("--full", action="store_true", help=tr("sync.cli.export.full"))
    M.add_output(a, help_key="sync.cli.export.output")

    a = M.action(hub_sub, "import", "hub.cli.import.help", _import)
    a.add_argument("files", nargs="+", metavar="FILE")
    M.add_json(a)

    a = M.action(hub_sub, "watch", "hub.cli.watch.help", _watch)
    a.add_argument("inbox", metavar="INBOX")
    a.add_argument("--outbox", required=True, metavar="DIR", help=tr("hub.cli.watch.outbox"))
    a.add_argument("--once", action="store_true", help=tr("hub.cli.watch.once"))
    a.add_argument("--interval", type=float, default=5.0, metavar="SECONDS", help=tr("hub.cli.watch.interval"))
    a.add_argument("--settle", type=float, default=2.0, metavar="SECONDS", help=tr("hub.cli.watch.settle"))


CREDENTIAL = "outreach-passphrase"   # systemd LoadCredential= name (packaging/outreach-hub.service)


def _load_credential() -> None:
    """A service gets the key file's passphrase as a systemd credential (a file only it can read),
    never in its unit or environment file: take it from there when OUTREACH_PASSPHRASE is not set."""
    import os

    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    if os.environ.get(sync_cmd.PASSPHRASE_ENV) is not None or not folder:
        return
    path = Path(folder) / CREDENTIAL
    if path.is_file():
        os.environ[sync_cmd.PASSPHRASE_ENV] = path.read_text(encoding="utf-8").rstrip("\r\n")


def _passphrase(*, new: bool = False) -> str:
    _load_credential()
    return sync_cmd.passphrase(new=new)


def _hub_ring(ctx):
    return H.unlock_hub(ctx.store, _passphrase())


def _is_hub(ctx) -> bool:
    with ctx.store.connect() as conn:
        return H.get_hub(conn) is not None


# --------------------------------------------------------------------------- enrolment
def _init(ctx) -> int:
    store = ctx.store
    new = not H.hub_keys_path(store).exists()
    hub = H.init_hub(store, _passphrase(new=new), name=ctx.args.name)
    ctx.print(tr("hub.cli.created", hub=hub.name or hub.hub_id[:8]))
    return 0


def _invite(ctx) -> int:
    path = sync_cmd._write(ctx.args.output, H.make_invite(ctx.store, _hub_ring(ctx)))
    ctx.print(tr("hub.cli.invite_written", path=str(path)))
    return 0


def _join(ctx) -> int:
    store = ctx.store
    with store.connect() as conn:   # only a team lead's laptop joins a hub: say so before the passphrase
        sync_cmd.T.require_team(conn, lead=True)
    ring = sync_cmd.T.unlock(store, _passphrase())
    request, fingerprint = H.join_hub(store, sync_cmd._read(ctx.args.invite, "invite"), ring)
    path = sync_cmd._write(ctx.args.output, request)
    ctx.print(tr("hub.cli.request_written", path=str(path)))
    ctx.print(tr("sync.cli.fingerprint", fingerprint=fingerprint))
    return 0


def _enroll(ctx) -> int:
    req = H.read_request(ctx.store, sync_cmd._read(ctx.args.request, "request"))
    ctx.print(tr("hub.cli.enroll_who", lead=req.display_name, id=req.device_id))
    ctx.print(tr("sync.cli.fingerprint", fingerprint=req.fingerprint))
    if not M.fingerprint_compared(ctx, req.fingerprint):
        return 1
    lead = H.enroll_lead(ctx.store, req, villages=M.villages(ctx.args.villages))
    ctx.print(tr("hub.cli.enrolled", lead=lead.display_name,
                 villages=", ".join(lead.villages) or tr("sync.cli.no_villages")))
    return 0


def _assign(ctx) -> int:
    lead = H.set_villages(ctx.store, ctx.args.lead, M.villages(ctx.args.villages))
    ctx.print(tr("hub.cli.enrolled", lead=lead.display_name,
                 villages=", ".join(lead.villages) or tr("sync.cli.no_villages")))
    return 0


def _revoke(ctx) -> int:
    lead = H.revoke_lead(ctx.store, ctx.args.lead)
    ctx.print(tr("hub.cli.revoked", lead=lead.display_name))
    return 0


def _status(ctx) -> int:
    report = status_report(ctx.store)
    if ctx.args.json:
        ctx.print_json(report)
        return 0
    if report["role"] == "lead":
        ctx.print(tr("hub.cli.member_of", hub=report["hub"]["name"], status=tr(f"hub.status.{report['hub']['status']}")))
        return 0
    ctx.print(tr("hub.cli.status_hub", hub=report["hub"]["name"], leads=len(report["leads"]),
                 count=len(report["leads"])))
    for lead in report["leads"]:
        gaps = tr("sync.cli.gaps", seqs=", ".join(map(str, lead["gaps"]))) if lead["gaps"] else ""
        ctx.print(f"  {lead['code']}  {lead['name']}  [{tr('hub.status.' + lead['status'])}]  "
                  f"{','.join(lead['villages'])}  {tr('hub.cli.laptops', count=len(lead['laptops']))}  {gaps}".rstrip())
    return 0


def status_report(store) -> dict:
    with store.connect() as conn:
        r = HT.role(conn)
        if r.hub is None:
            m = r.membership
            return {"role": "lead", "hub": {"hub_id": m.hub_id, "name": m.name, "status": m.status}}
        leads = []
        for lead in H.list_leads(conn):
            leads.append({"device_id": lead.device_id, "code": sync_cmd.T.device_code(lead.device_id),
                          "name": lead.display_name, "team_id": lead.team_id, "status": lead.status,
                          "villages": list(lead.villages),
                          "gaps": transport.missing_seqs(conn, lead.device_id, r.hub.hub_id),
                          "laptops": [{"device_id": o["origin"], "name": o["name"], "worker": o["worker"],
                                       "hlc": o["hlc"]} for o in H.origins(conn, lead.device_id)]})
        return {"role": "hub", "hub": {"hub_id": r.hub.hub_id, "name": r.hub.name}, "leads": leads}


def _export_recovery(ctx) -> int:
    """The hub's recovery identity (it opens every hub bundle): written once, kept offline."""
    from outreach.sync.keys import write_recovery_file

    ring = _hub_ring(ctx)
    write_recovery_file(Path(ctx.args.output), ring)
    ctx.print(tr("sync.cli.recovery_written", path=ctx.args.output, public=str(ring.recovery_age.to_public())))
    return 0


# --------------------------------------------------------------------------- bundles
def _export(ctx) -> int:
    store, args = ctx.store, ctx.args
    if _is_hub(ctx):
        ring = _hub_ring(ctx)
        if args.all:
            results = HT.export_downlinks(store, ring, Path(args.output), full=args.full)
        elif args.to:
            results = [HT.export_downlink(store, ring, to=args.to, out=Path(args.output), full=args.full)]
        else:
            raise OutreachError("hub.error.hub_needs_target")
    else:
        if args.to or args.all:
            raise OutreachError("hub.error.lead_sends_to_hub")
        ring = sync_cmd.T.unlock(store, _passphrase())
        results = [HT.export_uplink(store, ring, out=Path(args.output), full=args.full)]
    return M.say_exported(ctx, results)


def _ring_for_import(ctx):
    return _hub_ring(ctx) if _is_hub(ctx) else sync_cmd.T.unlock(ctx.store, _passphrase())


def _import(ctx) -> int:
    from outreach.sync.transport import expand_paths

    files = expand_paths([Path(f) for f in ctx.args.files])
    if not files:
        raise OutreachError("sync.error.no_bundles", paths=", ".join(ctx.args.files))
    ring = _ring_for_import(ctx)
    return M.say_imported(ctx, [HT.import_file(ctx.store, ring, f) for f in files], lambda results: [
        {"file": r.path, "status": r.status, "message": r.text(), "bundle_id": r.bundle_id, "sender": r.sender,
         "seq": r.seq, "changes": r.changes} for r in results])


def _watch(ctx) -> int:
    from outreach.sync.watch import Watcher

    _load_credential()   # before the store opens (a data-folder store asks for it too)
    args = ctx.args
    inbox, outbox = Path(args.inbox), Path(args.outbox)
    if not inbox.is_dir():
        raise OutreachError("hub.error.no_inbox", path=str(inbox))
    ring = _hub_ring(ctx)
    started = time.perf_counter()

    def show(o) -> None:
        status = "imported" if o.status == "imported" else o.status
        ctx.print(tr(f"hub.watch.line_{status}", file=o.name, message=o.message))
        ctx.out.flush()

    watcher = Watcher(ctx.store, ring, inbox, outbox, settle=args.settle, interval=args.interval, on_outcome=show)
    reports = watcher.run(once=args.once)
    seconds = time.perf_counter() - started
    done = sum(r.count("imported") + r.count("already") for r in reports)
    ctx.print(tr("hub.watch.summary", imported=sum(r.count("imported") for r in reports),
                 already=sum(r.count("already") for r in reports), rejected=sum(r.count("refused") for r in reports),
                 left=sum(r.count("left") for r in reports), downlinks=sum(len(r.downlinks) for r in reports),
                 rate=f"{done / seconds:.1f}" if seconds > 0 else "0"))
    return 0
