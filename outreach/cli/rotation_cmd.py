"""`outreach team rotate-key` and `outreach team handover` (issue 13), added to the `team` group by
``sync_cmd.register``."""

from __future__ import annotations

import argparse
from pathlib import Path

from outreach.cli.context import LazyModule
from outreach.domain.errors import OutreachError
from outreach.i18n import tr

rotation = LazyModule("outreach.sync.rotation")
handover = LazyModule("outreach.sync.handover")


def register_team(team_sub: argparse._SubParsersAction) -> None:
    a = team_sub.add_parser("rotate-key", help=tr("rot.cli.rotate.help"), description=tr("rot.cli.rotate.help"))
    grace = a.add_mutually_exclusive_group()
    grace.add_argument("--grace-days", type=int, metavar="N", help=tr("rot.cli.grace_days"))
    grace.add_argument("--grace-until", metavar="DATE", help=tr("rot.cli.grace_until"))
    a.set_defaults(handler=_rotate)

    a = team_sub.add_parser("handover", help=tr("rot.cli.handover.help"), description=tr("rot.cli.handover.help"))
    what = a.add_mutually_exclusive_group()
    what.add_argument("--to-lead", metavar="FILE", help=tr("rot.cli.to_lead"))
    what.add_argument("--confirm", metavar="DOWNLINK", help=tr("rot.cli.confirm"))
    a.set_defaults(handler=_handover)


def _rotate(ctx) -> int:
    from outreach.cli.sync_cmd import passphrase

    until = rotation.parse_grace(ctx.args.grace_days, ctx.args.grace_until)
    rotation.rotate_key(ctx.store, passphrase(), until)
    ctx.print(tr("rot.cli.rotated", date=until.isoformat()))
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
