"""The laptops a team or a county hub has enrolled, kept one way for both: a team's lead enrols its
workers' laptops (``team.enroll``, ``set_villages``, ``revoke``), a county hub enrols its teams' lead
laptops (``hub.enroll_lead``, ``set_villages``, ``revoke_lead``). Those are thin entry points naming
their ``Registry``; the work is here once.

    enroll(store, team.DEVICES, request, villages)      # after both people compared the fingerprint
    set_villages(store, hub.LEADS, "东坪组", ["530102001001"])
    revoke(store, team.DEVICES, "K3QF")
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from outreach.domain.errors import OutreachError
from outreach.storage.sync_tables import STATUS_ENROLLED, STATUS_REVOKED, SyncPeerVector
from outreach.storage.tables import Area


@dataclass(frozen=True)
class Registry:
    """Where one kind of enrolled laptop is kept and what is said about it."""

    table: Table                                     # one row per laptop, keyed by device_id
    owner: Callable[[Connection], Any]               # the team / hub that enrols here (refuses otherwise)
    get: Callable[[Connection, str], Any]            # a laptop by device id, or None
    members: Callable[[Connection], list]            # every laptop, in a stable order
    names: Callable[[Any], tuple[str, ...]]          # what a reference may name a laptop by
    ambiguous: tuple[str, str]                       # (error key, parameter) for a reference two laptops fit
    unknown: tuple[str, str]                         # … and for one no laptop fits
    revoked_error: Callable[[Any], OutreachError]    # enrolling again a laptop that was revoked
    check_code: Callable[[Connection, str], None]    # refuses a new laptop whose 4-character code is taken
    new_columns: Callable[[Any], dict[str, Any]]     # columns of a new row that come from the owner
    changed_columns: Callable[[Any], dict[str, Any]]  # columns a request sets on a new or known laptop
    check_revoke: Callable[[Any, Any], None] = lambda owner, member: None


def find(conn: Connection, reg: Registry, ref: str) -> Any:
    """A laptop by device id, a name ``reg.names`` gives, its 4-character code or an id prefix (4+)."""
    from outreach.sync.team import device_code

    ref = ref.strip()
    members = reg.members(conn)
    for test in (lambda d: d.device_id == ref.lower(),
                 lambda d: ref in reg.names(d),
                 lambda d: device_code(d.device_id) == ref.upper(),
                 lambda d: len(ref) >= 4 and d.device_id.startswith(ref.lower())):
        found = [d for d in members if test(d)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            key, param = reg.ambiguous
            raise OutreachError(key, **{param: ref})
    key, param = reg.unknown
    raise OutreachError(key, **{param: ref})


def enroll(store: Any, reg: Registry, request: Any, villages: list[str] | tuple[str, ...] = ()) -> Any:
    """Enrol the requesting laptop (after both people compared ``request.fingerprint``); a known one
    takes the request's names and the villages (its next downlink is a full one if they changed)."""
    villages = normal_villages(villages)
    with store.engine.begin() as conn:
        owner = reg.owner(conn)
        check_villages(conn, villages)
        existing = reg.get(conn, request.device_id)
        values = {**reg.changed_columns(request), "villages": json.dumps(list(villages), ensure_ascii=False)}
        if existing is not None:
            if existing.status == STATUS_REVOKED:
                raise reg.revoked_error(existing)
            if (existing.device_age, existing.device_sign) != (request.device_age, request.device_sign):
                raise OutreachError("sync.error.device_key_mismatch", device=existing.display_name)
            conn.execute(update(reg.table).where(reg.table.c.device_id == request.device_id).values(**values))
            if tuple(villages) != existing.villages:
                forget_peer(conn, request.device_id)   # the next downlink is a full one for the new scope
        else:
            reg.check_code(conn, request.device_id)
            conn.execute(insert(reg.table).values(
                device_id=request.device_id, status=STATUS_ENROLLED, device_age=request.device_age,
                device_sign=request.device_sign, fingerprint=request.fingerprint, enrolled_at=now(),
                **reg.new_columns(owner), **values))
        member = reg.get(conn, request.device_id)
    assert member is not None
    return member


def set_villages(store: Any, reg: Registry, ref: str, villages: list[str] | tuple[str, ...]) -> Any:
    """Change which villages a laptop's downlinks cover; its next downlink is a full one for them."""
    villages = normal_villages(villages)
    with store.engine.begin() as conn:
        reg.owner(conn)
        check_villages(conn, villages)
        member = find(conn, reg, ref)
        conn.execute(update(reg.table).where(reg.table.c.device_id == member.device_id)
                     .values(villages=json.dumps(list(villages), ensure_ascii=False)))
        forget_peer(conn, member.device_id)
        return reg.get(conn, member.device_id)


def revoke(store: Any, reg: Registry, ref: str) -> Any:
    """A lost or stolen laptop: its bundles are refused from now on and downlinks leave it out."""
    with store.engine.begin() as conn:
        owner = reg.owner(conn)
        member = find(conn, reg, ref)
        reg.check_revoke(owner, member)
        if member.status != STATUS_REVOKED:
            conn.execute(update(reg.table).where(reg.table.c.device_id == member.device_id)
                         .values(status=STATUS_REVOKED, revoked_at=now()))
        return reg.get(conn, member.device_id)


def forget_peer(conn: Connection, device_id: str) -> None:
    """What this laptop believed the other one holds: the next bundle to it is a full one."""
    table = SyncPeerVector.__table__
    conn.execute(delete(table).where(table.c.peer == device_id))


def normal_villages(villages: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in villages if v and v.strip()}))


def check_villages(conn: Connection, villages: tuple[str, ...]) -> None:
    if not villages:
        return
    area = Area.__table__
    known = set(conn.execute(select(area.c.id).where(area.c.id.in_(villages))).scalars())
    unknown = [v for v in villages if v not in known]
    if unknown:
        raise OutreachError("sync.error.unknown_villages", codes=", ".join(unknown))


def now() -> datetime:
    return datetime.now(UTC)
