"""`outreach team rotate-key`, `outreach team recover-lead` and `outreach team handover` (issue 13),
added to the `team` group by ``sync_cmd.register``."""

from __future__ import annotations

import argparse
from pathlib import Path

from outreach.cli.context import LazyModule
from outreach.domain.errors import OutreachError
from outreach.i18n import tr

rotation = LazyModule("outreach.sync.rotation")
handover = LazyModule("outreach.sync.handover")
lead_recovery = LazyModule("outreach.sync.lead_recovery")


def register_team(team_sub: argparse._SubParsersAction) -> None:
    a = team_sub.add_parser("rotate-key", help=tr("rot.cli.rotate.help"), description=tr("rot.cli.rotate.help"))
    grace = a.add_mutually_exclusive_group()
    grace.add_argument("--grace-days", type=int, metavar="N", help=tr("rot.cli.grace_days"))
    grace.add_argument("--grace-until", metavar="DATE", help=tr("rot.cli.grace_until"))
    a.add_argument("--new-recovery", metavar="FILE", help=tr("ll.cli.new_recovery"))
    a.set_defaults(handler=_rotate)

    a = team_sub.add_parser("recover-lead", help=tr("ll.cli.help"), description=tr("ll.cli.help"))
    a.add_argument("--recovery-identity", required=True, metavar="FILE", help=tr("ll.cli.identity"))
    a.add_argument("uplinks", nargs="+", metavar="UPLINK", help=tr("ll.cli.uplinks"))
    grace = a.add_mutually_exclusive_group()
    grace.add_argument("--grace-days", type=int, metavar="N", help=tr("rot.cli.grace_days"))
    grace.add_argument("--grace-until", metavar="DATE", help=tr("rot.cli.grace_until"))
    a.set_defaults(handler=_recover_lead)

    a = team_sub.add_parser("handover", help=tr("rot.cli.handover.help"), description=tr("rot.cli.handover.help"))
    what = a.add_mutually_exclusive_group()
    what.add_argument("--to-lead", metavar="FILE", help=tr("rot.cli.to_lead"))
    what.add_argument("--confirm", metavar="DOWNLINK", help=tr("rot.cli.confirm"))
    a.set_defaults(handler=_handover)


def _rotate(ctx) -> int:
    from outreach.cli.sync_cmd import passphrase

    until = rotation.parse_grace(ctx.args.grace_days, ctx.args.grace_until)
    new_recovery = Path(ctx.args.new_recovery) if ctx.args.new_recovery else None
    rotation.rotate_key(ctx.store, passphrase(), until, new_recovery=new_recovery)
    ctx.print(tr("rot.cli.rotated", date=until.isoformat()))
    if new_recovery is not None:
        ctx.print(tr("ll.cli.new_recovery_written", path=str(new_recovery)))
    return 0


def _recover_lead(ctx) -> int:
    from outreach.cli.sync_cmd import passphrase
    from outreach.sync import team as T
    from outreach.sync.transport import expand_paths

    until = rotation.parse_grace(ctx.args.grace_days, ctx.args.grace_until)
    identity = lead_recovery.read_identity_file(Path(ctx.args.recovery_identity))
    result = lead_recovery.recover_lead(ctx.store, identity, expand_paths(Path(p) for p in ctx.args.uplinks),
                                        passphrase(new=not T.has_keys(ctx.store)), until)
    ctx.print(tr("ll.cli.done", team=result.team.name or result.team.team_id[:8], date=until.isoformat()))
    ctx.print(tr("ll.cli.members", names="、".join(result.members)))
    for r in result.imports:
        ctx.print(r.text())
    for msg in result.skipped:
        ctx.print(msg.text())
    ctx.print(tr("ll.cli.next"))
    return 0


def _handover(ctx) -> int:
    from outreach.cli.sync_cmd import _unlock

    if not ctx.args.to_lead and not ctx.args.confirm:
        raise OutreachError("rot.handover.need_one")
    ring = _unlock(ctx)
    if ctx.args.to_lead:
        result = handover.start(ctx.store, ring, Path(ctx.args.to_lead))
        ctx.print(tr("rot.handover.written", path=str(result.path), seq=result.seq, changes=result.changes))
        return 0
    receipt = handover.confirm(ctx.store, ring, Path(ctx.args.confirm))
    ctx.print(tr("rot.handover.done", path=str(receipt)))
    return 0
