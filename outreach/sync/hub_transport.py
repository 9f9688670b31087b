"""Bundles between team leads and the county hub (the format of ``bundle``, the checks of ``transport``).

    export_uplink(lead_store, lead_ring, out=…)          a lead's uplink to its hub (to the hub key)
    export_downlink(hub_store, hub_ring, to=lead, out=…)  the hub's downlink to one lead
    export_downlinks(hub_store, hub_ring, out_dir)        … to every enrolled lead
    import_file(store, ring, path)                        either side; per-file result, never raises

**Relay, not rewrite.** A lead's uplink carries every change its store holds above what the hub
acknowledged (its per-origin peer vector), i.e. its workers' changes too, with their original device,
clock (HLC) and worker: the hub's merge (``merge.apply_changes``) sees exactly what it would have
seen from each laptop directly, and its state is a function of the set of changes it holds. The
roster in the uplink's manifest tells the hub which laptops are in the lead's team (``hub_origin``);
a lead may relay changes of its own team's laptops or changes the hub already holds (sent to it in a
downlink), never speak for another team's laptop.

**Idempotent.** A change is identified by (entity, row, field, hlc, origin device); the merge stores
it once, so a change relayed twice or arriving by two leads is applied once. The vectors (per peer,
per origin: ``sync_peer_vector``; and the hub's per-origin ``hub_origin``) keep it from being sent
again. A bundle id is recorded in the import's own transaction: a bundle imported twice (two copies,
two watchers, a watcher and the GUI) is "already imported" the second time. On PostgreSQL the
import takes a transaction-level advisory lock first, so two importers run one after the other.

The hub's team profile is not the team's: ``teamprofile`` changes travel neither way.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, insert, select, update

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.i18n import Msg
from outreach.inputfiles import open_regular, too_large
from outreach.safefiles import atomic_path
from outreach.storage.hub_tables import HUB_ENROLLED, HUB_REVOKED
from outreach.storage.sync_tables import DIRECTION_IN, DIRECTION_OUT
from outreach.sync import bundle as B
from outreach.sync import hub as H
from outreach.sync import team as T
from outreach.sync import transport as TR
from outreach.sync.bundle_stream import open_stream
from outreach.sync.keys import KeyRing
from outreach.sync.transport import ALREADY, IMPORTED, REFUSED, ExportResult, ImportResult

NOT_RELAYED = frozenset({"teamprofile"})
ADVISORY_KEY = 0x4F55_5452_4855_42   # "OUTRHUB": serialises hub imports on a server database


@dataclass(frozen=True)
class Role:
    """What this store is in the hub picture."""

    hub: H.Hub | None          # this store IS this hub
    membership: H.Hub | None   # this (lead's) store belongs to this hub


def role(conn: Connection) -> Role:
    r = Role(H.get_hub(conn), H.get_membership(conn))
    if r.hub is None and r.membership is None:
        raise OutreachError("hub.error.no_hub")
    return r


# =========================================================================== export
def file_name(hub_name: str, hub_id: str, sender: str, seq: int, *, to: str | None = None) -> str:
    """``outreach-hub-<hub>-<device>-[to-<device>-]<seq>-<yyyymmdd>.age`` (the team names' pattern)."""
    import re

    slug = re.sub(r"[^\w]+", "", hub_name, flags=re.UNICODE)[:20] or hub_id[:8]
    target = f"to-{T.device_code(to)}-" if to else ""
    return f"outreach-hub-{slug}-{T.device_code(sender)}-{target}{seq:04d}-{datetime.now(UTC):%Y%m%d}{TR.SUFFIX}"


def export_uplink(store: Any, ring: KeyRing, *, out: Path, full: bool = False) -> ExportResult:
    """A lead's uplink to its hub: its own and its workers' changes the hub has not acknowledged."""
    with store.connect() as conn:
        T.require_team(conn, lead=True)
        hub = H.require_membership(conn)
    return _export(store, ring, out=Path(out), full=full, hub=hub, to=None)


def export_downlink(store: Any, ring: KeyRing, *, to: str, out: Path, full: bool = False) -> ExportResult:
    with store.connect() as conn:
        hub = H.require_hub(conn)
        lead = H.find_lead(conn, to)
    if lead.status == HUB_REVOKED:
        raise OutreachError("hub.error.lead_revoked", lead=lead.display_name)
    return _export(store, ring, out=Path(out), full=full, hub=hub, to=lead)


def export_downlinks(store: Any, ring: KeyRing, out_dir: Path, *, full: bool = False,
                     only: set[str] | None = None) -> list[ExportResult]:
    """The hub's downlink to every enrolled lead (or to those in ``only``)."""
    with store.connect() as conn:
        H.require_hub(conn)
        leads = [d for d in H.list_leads(conn) if d.status == HUB_ENROLLED
                 and (only is None or d.device_id in only)]
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return [export_downlink(store, ring, to=d.device_id, out=Path(out_dir), full=full) for d in leads]


def _export(store: Any, ring: KeyRing, *, out: Path, full: bool, hub: H.Hub, to: H.Lead | None) -> ExportResult:
    from outreach.sync.bundle_stream import write_bundle_to
    from outreach.sync.changes import collect_changes, version_vector

    me = store.device
    # the hub's downlinks come from the hub's own device id (any staff laptop on the hub's database
    # with the hub key file may write them); a lead's uplinks from the lead's laptop
    sender = me.id if to is None else hub.device_id
    if ring.device_id != sender:
        raise OutreachError("sync.error.keys_other_device")
    with contextlib.ExitStack() as files, store.engine.connect() as conn, conn.begin():
        if to is None:   # lead → hub
            kind, stream, peer, villages = B.UPLINK, hub.hub_id, hub.device_id, None
            recipients = [B.Recipient(H.HUB, hub.hub_age)]
            roster: Any = T.roster(conn)
            recipient_name = hub.name or hub.hub_id[:8]
            team = T.require_team(conn, lead=True)
            extra = {"hub": {"team_id": team.team_id, "team_name": team.name}}
        else:            # hub → lead
            kind, stream, peer, villages = B.DOWNLINK, to.device_id, to.device_id, set(to.villages)
            recipients = [B.Recipient(to.device_id, to.device_age)]
            roster, recipient_name = (), to.display_name
            extra = {"hub": {"hub_name": hub.name}}
        since = None if full else (TR.peer_vector(conn, peer) or None)
        changes = [c for c in collect_changes(conn, since, villages=villages, wire=True)
                   if c["entity"] not in NOT_RELAYED]
        vector = version_vector(conn)
        seq, prev = TR._next_seq(conn, sender, stream)
        sender_name = T.display_name(me.id, me.name, store.worker) if to is None else (hub.name or me.name)
        path = out / file_name(hub.name, hub.hub_id, sender, seq, to=None if to is None else to.device_id) \
            if out.is_dir() else out
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = files.enter_context(atomic_path(path))
        with open(tmp, "wb") as fh:
            manifest = write_bundle_to(
                fh, kind=kind, team_id=hub.hub_id, sender=sender, sender_name=sender_name, signer=ring.device_sign,
                recipients=recipients, escrow=[hub.recovery_age], seq=seq, prev=prev, vector=vector,
                changes=changes, since=since, villages=None if villages is None else sorted(villages),
                roster=roster, extra=extra)
            size = fh.tell()
        TR._record(conn, manifest, DIRECTION_OUT, stream, path.name, applied=0)
    return ExportResult(path, manifest.bundle_id, kind, stream, recipient_name, seq, manifest.change_count,
                        since is None, size)


# =========================================================================== import
class HubGate:
    """The reader's questions, answered from the hub tables of this store."""

    def __init__(self, conn: Connection, ring: KeyRing, r: Role) -> None:
        self.conn, self.ring, self.role = conn, ring, r

    @property
    def hub(self) -> H.Hub:
        return self.role.hub or self.role.membership  # type: ignore[return-value]

    def check_team(self, m: B.Manifest) -> None:
        if m.team_id != self.hub.hub_id:
            raise B.BundleRefused("hub.refused.other_hub")

    def signer_key(self, m: B.Manifest) -> str:
        if self.role.hub is not None:
            lead = H.get_lead(self.conn, m.sender)
            if lead is None:
                raise B.BundleRefused("hub.refused.unknown_lead")
            if lead.status == HUB_REVOKED:
                raise B.BundleRefused("hub.refused.revoked_lead", lead=lead.display_name)
            return lead.device_sign
        if m.sender != self.hub.device_id:
            raise B.BundleRefused("hub.refused.unknown_lead")
        return self.hub.device_sign

    def check_recipient(self, m: B.Manifest) -> None:
        if self.role.hub is not None:
            expected, me = B.UPLINK, (H.HUB, self.hub.hub_age)
        else:
            expected, me = B.DOWNLINK, (self.ring.device_id, str(self.ring.device_age.to_public()))
        if m.kind != expected:
            raise B.BundleRefused("sync.refused.wrong_direction", kind=m.kind)
        if not any((rc.device, rc.age) == me for rc in m.recipients):
            raise B.BundleRefused("sync.refused.not_addressed")


def import_file(store: Any, ring: KeyRing, path: Path, *, limits: B.Limits = B.DEFAULT_LIMITS) -> ImportResult:
    """Verify one hub bundle completely, then apply it in one transaction. Never raises for a bad file."""
    name = str(path)
    try:
        with open_regular(path) as fh:
            if os.fstat(fh.fileno()).st_size > limits.max_file_bytes:
                raise too_large(path, limits.max_file_bytes, what="bundle")
            return import_data(store, ring, fh, name=name, limits=limits)
    except OutreachError as exc:
        msg = exc.msg
        if exc.key == "error.file.unreadable":
            msg = Msg("sync.refused.unreadable", {"reason": exc.params["reason"]})
        return ImportResult(name, REFUSED, msg)


def import_data(store: Any, ring: KeyRing, data: bytes | BinaryIO, *, name: str = "",
                limits: B.Limits = B.DEFAULT_LIMITS) -> ImportResult:
    import io
    import logging

    from sqlalchemy.exc import IntegrityError

    raw = io.BytesIO(bytes(data)) if isinstance(data, bytes | bytearray) else data
    try:
        with store.connect() as conn:
            r = role(conn)
            opened = open_stream(raw, ring.identities(), HubGate(conn, ring, r), limits)
            m = opened.manifest
            sender_name = _sender_name(conn, r, m)
        testhooks.point("hub:verified")
        try:
            report, dropped = _apply(store, r, opened, sender_name, name)
        except IntegrityError:
            # a second importer recorded the same bundle id at the same moment (server database)
            report, dropped = None, 0
    except B.BundleRefused as exc:
        if exc.key == "sync.refused.damaged":
            exc = B.BundleRefused("sync.refused.damaged", sender=_guess_sender(store, name))
        return ImportResult(name, REFUSED, exc.msg)
    except OutreachError as exc:
        return ImportResult(name, REFUSED, exc.msg)
    except Exception as exc:   # a bug must not stop a watcher; the log has the trace
        logging.getLogger(__name__).exception("hub import of %s failed", name)
        return ImportResult(name, REFUSED, Msg("sync.refused.internal", {"error": f"{type(exc).__name__}: {exc}"}))
    if report is None:
        return ImportResult(name, ALREADY, Msg("sync.import.already", {"sender": sender_name, "seq": m.seq}),
                            m.bundle_id, m.sender, sender_name, m.seq, m.change_count)
    notes = TR._review_notes(report) + ([Msg("hub.import.foreign_dropped", {"count": dropped})] if dropped else [])
    return ImportResult(name, IMPORTED, Msg("sync.import.done", {
        "sender": sender_name, "seq": m.seq, "changes": m.change_count, "count": m.change_count, "new": report.new}),
        m.bundle_id, m.sender, sender_name, m.seq, m.change_count, report, [], notes)


def _guess_sender(store: Any, name: str) -> str:
    """Who probably sent a file we could not open: the device code in its standard name."""
    from outreach.i18n import tr

    match = TR._NAME_RE.search(Path(name).name) if name else None
    if match:
        with store.connect() as conn:
            hub = H.get_hub(conn)
            if hub is None:
                member = H.get_membership(conn)
                if member is not None and T.device_code(member.device_id) == match.group(1):
                    return member.name or tr("sync.sender.unknown")
            for lead in H.list_leads(conn):
                if T.device_code(lead.device_id) == match.group(1):
                    return lead.display_name
    return tr("sync.sender.unknown")


def _sender_name(conn: Connection, r: Role, m: B.Manifest) -> str:
    if r.hub is not None:
        lead = H.get_lead(conn, m.sender)
        return lead.display_name if lead else m.sender_name
    return r.membership.name if r.membership and r.membership.name else m.sender_name


def _apply(store: Any, r: Role, opened: B.OpenedBundle, sender_name: str, name: str) -> tuple[Any, int]:
    """Record, changes, vectors and membership in ONE transaction (nothing of a failure is left)."""
    from outreach.sync.bundle_codec import from_wire_all
    from outreach.sync.merge import apply_changes

    m = opened.manifest
    stream = r.hub.hub_id if r.hub is not None else store.device.id
    with store.transaction() as w:
        conn = w.conn
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")
        if TR._imported(conn, m.bundle_id):
            return None, 0
        last = TR._last_seq(conn, m.sender, stream)
        if m.seq > last + TR.MAX_SEQ_JUMP:
            raise B.BundleRefused("harden.seq.jump", sender=sender_name, last=last, seq=m.seq, limit=TR.MAX_SEQ_JUMP)
        # the bundle id first: a concurrent importer of the same bundle waits on it, then fails
        TR._record(conn, m, DIRECTION_IN, stream, Path(name).name if name else "", applied=0)
        testhooks.point("hub:recorded")
        wire = [c for c in opened.changes if c["entity"] not in NOT_RELAYED]
        dropped = 0
        if r.hub is not None:
            _note_roster(conn, m)
            allowed = _allowed_origins(conn, m.sender)
            kept = _relayable(conn, allowed, wire)
            dropped, wire = len(wire) - len(kept), kept
        report = apply_changes(w, from_wire_all(wire), source=f"{sender_name} #{m.seq}"[:200])
        bundles = TR.BUNDLES.c
        conn.execute(update(TR.BUNDLES).where(bundles.bundle_id == m.bundle_id, bundles.direction == DIRECTION_IN)
                     .values(applied_count=report.new))
        TR._raise_peer_vector(conn, m.sender, m.vector)
        if r.hub is not None:
            _raise_origins(conn, m.sender, wire)
        else:
            conn.execute(update(H.MEMBERSHIP).where(H.MEMBERSHIP.c.hub_id == r.membership.hub_id)  # type: ignore[union-attr]
                         .values(status=HUB_ENROLLED))
        testhooks.point("hub:before_commit")
    return report, dropped


def _note_roster(conn: Connection, m: B.Manifest) -> None:
    """The lead's team laptops from its uplink's roster: each laptop is claimed by the first lead
    that names it (a lead cannot take over another team's laptop)."""
    o = H.ORIGIN.c
    entries = [e for e in m.roster if isinstance(e, dict) and isinstance(e.get("device_id"), str)]
    ids = sorted({e["device_id"] for e in entries} | {m.sender})
    known = {row.origin: row.lead_device_id for row in conn.execute(select(o.origin, o.lead_device_id)
                                                                     .where(o.origin.in_(ids)))}
    by_id = {e["device_id"]: e for e in entries}
    for device_id in ids:
        e = by_id.get(device_id, {})
        values = {"name": str(e.get("name", ""))[:80], "worker": str(e.get("worker", ""))[:64]}
        if device_id not in known:
            if len(device_id) == 32:
                conn.execute(insert(H.ORIGIN).values(origin=device_id, lead_device_id=m.sender, hlc=0,
                                                     first_seen=datetime.now(UTC), **values))
        elif known[device_id] == m.sender and e:
            conn.execute(update(H.ORIGIN).where(o.origin == device_id).values(**values))


def _allowed_origins(conn: Connection, lead: str) -> set[str]:
    o = H.ORIGIN.c
    return set(conn.execute(select(o.origin).where(o.lead_device_id == lead)).scalars()) | {lead}


def _relayable(conn: Connection, allowed: set[str], wire: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A lead's own team's changes, and others' changes only when the hub already holds them."""
    from sqlalchemy import tuple_

    from outreach.storage.writer import CHANGE_LOG
    from outreach.sync.changes import chunks

    foreign = sorted({(c["entity"], c["row_id"], c["field"], c["hlc"], c["device_id"])
                      for c in wire if c["device_id"] not in allowed})
    if not foreign:
        return wire
    c = CHANGE_LOG.c
    held: set[tuple] = set()
    for batch in chunks(foreign):
        held.update(tuple(r) for r in conn.execute(
            select(c.entity, c.row_id, c.field, c.hlc, c.device_id)
            .where(tuple_(c.entity, c.row_id, c.field, c.hlc, c.device_id).in_(batch))))
    return [ch for ch in wire if ch["device_id"] in allowed
            or (ch["entity"], ch["row_id"], ch["field"], ch["hlc"], ch["device_id"]) in held]


def _raise_origins(conn: Connection, lead: str, wire: list[dict[str, Any]]) -> None:
    """The hub's per-origin vector: the highest stamp held from each laptop of this lead's team."""
    o = H.ORIGIN.c
    top: dict[str, int] = {}
    for ch in wire:
        top[ch["device_id"]] = max(top.get(ch["device_id"], 0), int(ch["hlc"]))
    if not top:
        return
    known = dict(conn.execute(select(o.origin, o.hlc).where(o.origin.in_(sorted(top)))).all())
    for origin, hlc in top.items():
        if origin in known and hlc > int(known[origin] or 0):
            conn.execute(update(H.ORIGIN).where(o.origin == origin).values(hlc=hlc))


__all__ = ["ALREADY", "IMPORTED", "REFUSED", "export_downlink", "export_downlinks", "export_uplink", "import_file"]
