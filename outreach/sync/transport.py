"""Export and import of bundles: what to send to whom, and the checked, all-or-nothing import.

    export_bundle(store, ring, out=path)               a worker's uplink (to the team key)
    export_bundle(store, ring, out=path, to=device)    the lead's downlink to one laptop
    export_downlinks(store, ring, out_dir)             the lead's downlinks to every enrolled laptop
    import_bundles(store, ring, paths)                 per-file results; a refused file changes nothing

**What to send.** Each bundle carries the sender's version vector (highest change stamp per origin
device). A receiver remembers the vector of the last bundle each peer sent it (``sync_peer_vector``):
that is what the peer *acknowledged* holding, so the next bundle to it carries everything above it
(``changes.collect_changes``). Because the vector is an acknowledgement, a lost bundle costs nothing:
the next one simply carries its changes again (re-sending overlap is harmless).

**Import.** ``bundle.open_bundle`` decrypts and verifies the whole file first (signature of an
enrolled, unrevoked device, our team, our key among the intended recipients, payload hash and counts,
every change's schema) with no write at all. Only then one transaction applies the changes
(``merge.apply_changes``), records the bundle id and the sender's vector: a crash or a refusal leaves
the database as it was; a bundle seen before is "already imported".
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, func, insert, select, update

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.i18n import Msg, tr
from outreach.inputfiles import open_regular, too_large
from outreach.safefiles import atomic_path
from outreach.storage.sync_tables import (
    DIRECTION_IN,
    DIRECTION_OUT,
    ROLE_LEAD,
    STATUS_ENROLLED,
    STATUS_REVOKED,
    SyncBundle,
    SyncPeerVector,
)
from outreach.sync import bundle as B
from outreach.sync import lead_recovery, rotation
from outreach.sync import team as T
from outreach.sync.bundle_stream import open_stream
from outreach.sync.keys import KeyRing

log = logging.getLogger(__name__)

BUNDLES = SyncBundle.__table__
PEER_VECTOR = SyncPeerVector.__table__
SUFFIX = ".age"
IMPORTED, ALREADY, REFUSED = "imported", "already", "refused"
_NAME_RE = re.compile(r"-([A-Z2-7]{4})-(?:to-[A-Z2-7]{4}-)?(\d{4,})-(\d{8})\.age$")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_id: str
    kind: str
    recipient: str          # device id, or "team"
    recipient_name: str
    seq: int
    changes: int
    full: bool
    size: int


@dataclass
class ImportResult:
    path: str
    status: str                        # imported | already | refused
    message: Msg
    bundle_id: str | None = None
    sender: str | None = None
    sender_name: str = ""
    seq: int | None = None
    changes: int = 0
    report: Any = None                 # merge.ApplyReport when imported
    gaps: list[Msg] = field(default_factory=list)     # "bundle 7 from 李娜's laptop is missing"
    notes: list[Msg] = field(default_factory=list)    # what now waits for review

    @property
    def ok(self) -> bool:
        return self.status != REFUSED

    def text(self, lang: str | None = None) -> str:
        return " ".join([self.message.text(lang), *(m.text(lang) for m in [*self.notes, *self.gaps])])


# =========================================================================== export
def bundle_file_name(team: T.Team, sender: str, seq: int, *, to: str | None = None, day: datetime | None = None) -> str:
    """``outreach-<team>-<device>-[to-<device>-]<seq>-<yyyymmdd>.age``: team, device, sequence, date."""
    slug = re.sub(r"[^\w]+", "", team.name, flags=re.UNICODE)[:20] or team.team_id[:8]
    target = f"to-{T.device_code(to)}-" if to else ""
    stamp = (day or datetime.now(UTC)).strftime("%Y%m%d")
    return f"outreach-{slug}-{T.device_code(sender)}-{target}{seq:04d}-{stamp}{SUFFIX}"


def export_bundle(store: Any, ring: KeyRing, *, out: Path, to: str | None = None, full: bool = False) -> ExportResult:
    """Write one bundle: a worker's uplink, or (``to``) the lead's downlink to one laptop. ``out`` is a
    file, or a folder to put a file with the standard name in."""
    from outreach.sync.bundle_stream import write_bundle_to
    from outreach.sync.changes import iter_changes, version_vector

    me = store.device
    worker = store.worker
    out = Path(out)
    # One write transaction (the write lock from its first read, see Store) for changes, vector and
    # the sequence number, which is claimed by recording the bundle in it: two exports at once get
    # distinct numbers. The file is moved into place only after that commit (the stack exits last).
    with contextlib.ExitStack() as files, store.engine.connect() as conn, conn.begin():
        team = T.require_team(conn)
        if ring.device_id != me.id:
            raise OutreachError("sync.error.keys_other_device")
        if team.is_lead:
            if not to:
                raise OutreachError("sync.error.lead_needs_target")
            target = T.find_device(conn, to)
            if target.status == STATUS_REVOKED:
                raise OutreachError("sync.error.device_revoked", device=target.display_name)
            if target.device_id == me.id:
                raise OutreachError("sync.error.target_is_self")
            stream, kind, villages = target.device_id, B.DOWNLINK, set(target.villages)
            recipients = [B.Recipient(target.device_id, target.device_age)]
            recipient_name = target.display_name
        else:
            if to and T.find_device(conn, to).device_id != team.lead_device_id:
                raise OutreachError("sync.error.worker_sends_to_lead")
            stream, kind, villages = B.TEAM, B.UPLINK, None
            recipients = [B.Recipient(B.TEAM, team.team_age)]
            lead = T.get_device(conn, team.lead_device_id)
            recipient_name = lead.display_name if lead else team.name
        peer = team.lead_device_id if kind == B.UPLINK else stream
        since = None if full else (peer_vector(conn, peer) or None)
        changes = iter_changes(conn, since, villages=villages, wire=True)   # read now, made as encoded
        vector = version_vector(conn)
        seq, prev = _next_seq(conn, me.id, stream)
        testhooks.point("export:seq_read")
        roster = T.roster(conn) if kind == B.DOWNLINK else ()
        extra = rotation.bundle_extra(conn, kind, stream, ring)
        sender_name = T.display_name(me.id, me.name, worker)
        path = out / bundle_file_name(team, me.id, seq, to=stream if kind == B.DOWNLINK else None) \
            if out.is_dir() else out
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = files.enter_context(atomic_path(path))  # the file appears only once the bundle is recorded
        with open(tmp, "wb") as fh:   # encrypted as it is written: the bundle is never whole in memory
            manifest = write_bundle_to(
                fh, kind=kind, team_id=team.team_id, sender=me.id, sender_name=sender_name, signer=ring.device_sign,
                recipients=recipients, escrow=[team.recovery_age], seq=seq, prev=prev, vector=vector,
                changes=changes, since=since, villages=None if villages is None else sorted(villages),
                roster=roster, extra=extra)
            size = fh.tell()
        del changes
        _record(conn, manifest, DIRECTION_OUT, stream, path.name, applied=0)
    return ExportResult(path, manifest.bundle_id, kind, stream, recipient_name, seq, manifest.change_count,
                        since is None, size)


def export_downlinks(store: Any, ring: KeyRing, out_dir: Path, *, full: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> list[ExportResult]:
    """The lead's downlink to every enrolled laptop (revoked ones are left out)."""
    with store.connect() as conn:
        team = T.require_team(conn, lead=True)
        targets = [d for d in T.list_devices(conn)
                   if d.status == STATUS_ENROLLED and d.device_id != team.lead_device_id]
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    results = []
    for i, device in enumerate(targets):
        if progress is not None:
            progress(i, len(targets))
        results.append(export_bundle(store, ring, out=Path(out_dir), to=device.device_id, full=full))
    if progress is not None:
        progress(len(targets), len(targets))
    return results


def _next_seq(conn: Connection, sender: str, stream: str) -> tuple[int, str | None]:
    c = BUNDLES.c
    row = conn.execute(select(c.seq, c.bundle_id).where(c.direction == DIRECTION_OUT, c.sender == sender,
                                                         c.stream == stream).order_by(c.seq.desc()).limit(1)).first()
    return (1, None) if row is None else (row.seq + 1, row.bundle_id)


def _record(conn: Connection, m: B.Manifest, direction: str, stream: str, file_name: str, *, applied: int) -> None:
    conn.execute(insert(BUNDLES).values(
        bundle_id=m.bundle_id, direction=direction, kind=m.kind, team_id=m.team_id, sender=m.sender,
        stream=stream, seq=m.seq, prev=m.prev, change_count=m.change_count, applied_count=applied,
        payload_sha256=m.payload_sha256, created_at=_parse_time(m.created_at),
        recorded_at=datetime.now(UTC),
        # a file name in GBK arrives surrogate-escaped: stored readable, never crashed on
        file_name=os.fsencode(file_name).decode("utf-8", "backslashreplace")[-255:]))


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# =========================================================================== peer vectors
def peer_vector(conn: Connection, peer: str) -> dict[str, int]:
    c = PEER_VECTOR.c
    return {o: int(h) for o, h in conn.execute(select(c.origin, c.hlc).where(c.peer == peer))}


def _raise_peer_vector(conn: Connection, peer: str, vector: dict[str, int]) -> None:
    """Element-wise max: bundles may arrive out of order, a peer's holdings only grow."""
    known = peer_vector(conn, peer)
    c = PEER_VECTOR.c
    for origin, hlc in vector.items():
        if origin not in known:
            conn.execute(insert(PEER_VECTOR).values(peer=peer, origin=origin, hlc=hlc))
        elif hlc > known[origin]:
            conn.execute(update(PEER_VECTOR).where(c.peer == peer, c.origin == origin).values(hlc=hlc))


# =========================================================================== import
class RegistryGate:
    """Answers the bundle reader's questions from this laptop's team registry."""

    def __init__(self, conn: Connection, ring: KeyRing, team: T.Team) -> None:
        self.conn, self.ring, self.team = conn, ring, team

    def check_team(self, m: B.Manifest) -> None:
        if m.team_id != self.team.team_id:
            raise B.BundleRefused("hub.refused.use_hub_import" if "hub" in m.extra else "sync.refused.other_team")

    def signer_key(self, m: B.Manifest) -> str:
        device = T.get_device(self.conn, m.sender)
        if device is None and not self.team.is_lead:   # a new lead named by the recovery authority
            successor = lead_recovery.successor_key(self.conn, self.team, m)
            if successor is not None:
                return successor
        if device is None or device.status not in (STATUS_ENROLLED, STATUS_REVOKED) or not device.device_sign:
            raise B.BundleRefused("sync.refused.unknown_sender")
        if device.status == STATUS_REVOKED:
            raise B.BundleRefused("sync.refused.revoked_sender", device=device.display_name)
        if not self.team.is_lead and device.role != ROLE_LEAD:
            raise B.BundleRefused("sync.refused.unknown_sender")
        return device.device_sign

    def check_recipient(self, m: B.Manifest) -> None:
        expected = B.UPLINK if self.team.is_lead else B.DOWNLINK
        if m.kind != expected:
            raise B.BundleRefused("sync.refused.wrong_direction", kind=m.kind)
        me = (B.TEAM, self.team.team_age) if self.team.is_lead else \
            (self.ring.device_id, str(self.ring.device_age.to_public()))
        if not any((r.device, r.age) == me for r in m.recipients):
            device = T.get_device(self.conn, m.sender)
            if not (self.team.is_lead and rotation.accept_old_key(
                    self.conn, m, device.display_name if device else m.sender_name)):
                raise B.BundleRefused("sync.refused.not_addressed")


BIG_IMPORT = 20_000  # changes; after an import this large the planner statistics are refreshed


def import_bundles(store: Any, ring: KeyRing, paths: Sequence[str | Path], *,
                   progress: Callable[[int, int], None] | None = None,
                   on_result: Callable[[ImportResult], None] | None = None,
                   limits: B.Limits = B.DEFAULT_LIMITS) -> list[ImportResult]:
    """Import several files, each all-or-nothing on its own: a refused file changes nothing and does not
    stop the others. The files are imported in ONE transaction with a savepoint per file (issue 14, see
    ``import_batch``), committed together (very many changes: in several such batches).
    ``progress(done, total)`` is called between files; it may raise to cancel: the files finished before
    it are committed (each whole), no later file is started, and ``on_result`` has seen exactly the
    committed files. An interrupt inside a file, or a killed process, keeps nothing of the batch."""
    from outreach.services.backups import before
    from outreach.sync import import_batch

    if paths:
        before(store, "import")   # an encrypted backup first (issue 13)
    results = import_batch.run(
        store, [Path(p) for p in paths],
        step=lambda w, path: import_in(store, w, ring, path, limits=limits),
        refuse=lambda path, exc, conn: file_refusal(path, exc, limits, conn=conn),
        alone=lambda path: import_file(store, ring, path, limits=limits),
        keep=lambda r: r.status == IMPORTED, weight=lambda r: r.changes or 0,
        progress=progress, on_result=on_result)
    if sum(r.changes or 0 for r in results if r.status == IMPORTED) >= BIG_IMPORT:
        store.refresh_statistics()  # keep the query planner's picture of the tables current
    return results


def import_file(store: Any, ring: KeyRing, path: Path, *, limits: B.Limits = B.DEFAULT_LIMITS,
                on_stage: Callable[[str], None] | None = None) -> ImportResult:
    """One file, verified, then applied in its own transaction. Never raises for a bad file."""
    try:   # only a regular file, read no further than the cap (a FIFO or /dev/zero cannot stall us)
        with _opened_file(path, limits) as fh:
            # read in chunks as it decrypts (the cap is enforced on what is read, whatever the size says)
            return import_data(store, ring, fh, name=str(path), limits=limits, on_stage=on_stage)
    except OutreachError as exc:
        return file_refusal(path, exc, limits, store=store)


@contextlib.contextmanager
def _opened_file(path: Path, limits: B.Limits) -> Any:
    with open_regular(path) as fh:
        if os.fstat(fh.fileno()).st_size > limits.max_file_bytes:
            raise too_large(path, limits.max_file_bytes, what="bundle")
        yield fh


def file_refusal(path: Path, exc: BaseException, limits: B.Limits = B.DEFAULT_LIMITS, *,
                 conn: Connection | None = None, store: Any = None) -> ImportResult:
    """The result of a file that is not imported, for any error raised while reading, verifying or
    applying it (``conn``: the import's own connection, for naming a sender inside a batch)."""
    name = str(path)
    if isinstance(exc, OutreachError) and not isinstance(exc, B.BundleRefused):
        if exc.key == "error.file.unreadable":
            return ImportResult(name, REFUSED, Msg("sync.refused.unreadable", {"reason": exc.params["reason"]}))
        if exc.key.startswith("harden.file.too_large") and path.stat().st_size > limits.max_file_bytes:
            return ImportResult(name, REFUSED, Msg("sync.refused.too_large", {
                "size_mb": path.stat().st_size // 2**20, "limit_mb": limits.max_file_bytes // 2**20}))
    if conn is not None:
        return _refusal(exc, name, lambda: _sender_by_code(conn, name))
    return _refusal(exc, name, lambda: tr("sync.sender.unknown") if store is None else _guess_sender(store, name))


def _refusal(exc: BaseException, name: str, guess_sender: Callable[[], str]) -> ImportResult:
    if isinstance(exc, B.BundleRefused):
        if exc.key == "sync.refused.damaged":
            exc = B.BundleRefused("sync.refused.damaged", sender=guess_sender())
        return ImportResult(name, REFUSED, exc.msg)
    if isinstance(exc, OutreachError):   # e.g. the merge refusing a change, no team, not this laptop's keys
        return ImportResult(name, REFUSED, exc.msg)
    # a bug must not hide the other files' results; the log has the trace
    log.error("import of %s failed", name, exc_info=exc)
    return ImportResult(name, REFUSED, Msg("sync.refused.internal", {"error": f"{type(exc).__name__}: {exc}"}))


def import_data(store: Any, ring: KeyRing, data: bytes | BinaryIO, *, name: str = "",
                limits: B.Limits = B.DEFAULT_LIMITS, on_stage: Callable[[str], None] | None = None) -> ImportResult:
    """Verify one bundle completely (``data``: its bytes, or a file object read in chunks), then apply
    it in one transaction. Never raises for a bad file."""
    stage = on_stage or (lambda _s: None)
    try:
        stage("verify")
        with store.connect() as conn:
            team = T.require_team(conn)
            opened, sender_name = _verify(conn, ring, team, data, limits)
            m = opened.manifest
            if _imported(conn, m.bundle_id):
                return _result(name, m, sender_name, None)
        stage("apply")
        testhooks.point("import:before_begin")
        with store.transaction() as w:
            outcome = _apply_in(w, store, team, opened, sender_name, name, ring=ring)
    except Exception as exc:
        return _refusal(exc, name, lambda: _guess_sender(store, name))
    stage("done")
    return _result(name, m, sender_name, outcome)


def import_in(store: Any, w: Any, ring: KeyRing, path: Path, *, limits: B.Limits = B.DEFAULT_LIMITS) -> ImportResult:
    """One file inside the caller's transaction (a batch, see ``import_batch``): verified against the
    registry as the batch has left it so far (a roster or a new lead from an earlier file counts), then
    applied. Raises for a file that is not imported (the caller rolls back its savepoint)."""
    with _opened_file(path, limits) as fh:
        team = T.require_team(w.conn)
        opened, sender_name = _verify(w.conn, ring, team, fh, limits)
        if _imported(w.conn, opened.manifest.bundle_id):
            return _result(str(path), opened.manifest, sender_name, None)
        outcome = _apply_in(w, store, team, opened, sender_name, str(path), ring=ring)
    return _result(str(path), opened.manifest, sender_name, outcome)


def _verify(conn: Connection, ring: KeyRing, team: T.Team, data: bytes | BinaryIO,
            limits: B.Limits) -> tuple[B.OpenedBundle, str]:
    gate = RegistryGate(conn, ring, team)
    opened = B.open_bundle(data, ring.identities(), gate, limits) if isinstance(data, bytes | bytearray) \
        else open_stream(data, ring.identities(), gate, limits)
    sender = T.get_device(conn, opened.manifest.sender)
    return opened, sender.display_name if sender else opened.manifest.sender_name


def _result(name: str, m: B.Manifest, sender_name: str, outcome: Any) -> ImportResult:
    report, dropped, gaps = outcome if outcome is not None else (None, 0, ([], 0))
    if report is None:
        return ImportResult(name, ALREADY, Msg("sync.import.already", {"sender": sender_name, "seq": m.seq}),
                            m.bundle_id, m.sender, sender_name, m.seq, m.change_count)
    gap_msgs = [Msg("sync.import.gap", {"seq": n, "sender": sender_name}) for n in gaps[0]]
    if gaps[1] > len(gaps[0]):
        gap_msgs.append(Msg("harden.gaps.more", {"count": gaps[1] - len(gaps[0])}))
    return ImportResult(name, IMPORTED, Msg("sync.import.done", {
        "sender": sender_name, "seq": m.seq, "changes": m.change_count, "count": m.change_count, "new": report.new}),
        m.bundle_id, m.sender, sender_name, m.seq, m.change_count, report, gap_msgs,
        _review_notes(report) + ([Msg("sync.import.foreign_dropped", {"count": dropped})] if dropped else []))


def _review_notes(report: Any) -> list[Msg]:
    notes = []
    for name in ("conflicts", "duplicate_proposals", "far_future", "waiting"):
        count = getattr(report, name, 0)
        if count:
            notes.append(Msg(f"sync.import.{name}", {"count": count}))
    return notes


MAX_SEQ_JUMP = 10_000  # a laptop's next bundle number may be at most this far above its last one
GAPS_LISTED = 20       # missing bundle numbers named one by one; the rest are counted


def _apply_in(w: Any, store: Any, team: T.Team, opened: B.OpenedBundle, sender_name: str, name: str, *,
              ring: KeyRing | None = None) -> Any:
    """Apply one verified bundle inside the caller's write transaction (record, changes, vector, roster,
    and the gap report, so a failure anywhere leaves no record). The transaction holds the write lock
    from its first read: the "already imported" check and the sequence check cannot race another import."""
    from outreach.sync.bundle_codec import from_wire_all
    from outreach.sync.merge import apply_changes

    m = opened.manifest
    source = f"{sender_name} #{m.seq} ({m.bundle_id[:8]})"
    if _imported(w.conn, m.bundle_id):
        return None
    stream = _stream_of(team, ring) if ring is not None else (B.TEAM if team.is_lead else store.device.id)
    last = _last_seq(w.conn, m.sender, stream)
    if m.seq > last + MAX_SEQ_JUMP:
        raise B.BundleRefused("harden.seq.jump", sender=sender_name, last=last, seq=m.seq, limit=MAX_SEQ_JUMP)
    testhooks.point("import:before_first_write")
    wire = opened.changes
    dropped = 0
    if team.is_lead:
        wire = _without_unknown_foreign(w.conn, m.sender, wire)
        dropped = len(opened.changes) - len(wire)
    report = apply_changes(w, from_wire_all(wire), source=source[:200])
    del wire
    stream = B.TEAM if team.is_lead else store.device.id
    _record(w.conn, m, DIRECTION_IN, stream, Path(name).name if name else "", applied=report.new)
    _raise_peer_vector(w.conn, m.sender, m.vector)
    if not team.is_lead:   # a new lead after a lost one (before the roster: it names the lead)
        team = lead_recovery.apply_succession(w.conn, team, m)
    if not team.is_lead and m.roster:
        T.apply_roster(w.conn, team, m.roster)
    if not team.is_lead and m.extra.get("key_rotations"):
        rotation.apply_rotations(w.conn, team, m.extra["key_rotations"])
    if not team.is_lead and ring is not None:
        lead_recovery.take_lead_extra(w.conn, ring, m.extra)
    if team.is_lead:
        rotation.note_uplink(w.conn, team, m)
    gaps = missing_seqs(w.conn, m.sender, stream, limit=GAPS_LISTED), count_missing(w.conn, m.sender, stream)
    testhooks.point("import:before_commit")
    return report, dropped, gaps


def _without_unknown_foreign(conn: Connection, sender: str, wire: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An uplink carries its sender's own changes, plus (for causal completeness) changes of other
    laptops that the lead sent it and therefore already holds. A change attributed to another laptop
    that the lead never had cannot have come that way: it is left out (one laptop must not speak for
    another, not even a revoked one) and reported."""
    from sqlalchemy import tuple_

    from outreach.storage.writer import CHANGE_LOG
    from outreach.sync.changes import chunks

    relayed = lead_recovery.relayed_origins(conn)   # a lost lead's changes reach its successor only this way
    foreign = {(c["entity"], c["row_id"], c["field"], c["hlc"], c["device_id"]) for c in wire
               if c["device_id"] != sender and c["device_id"] not in relayed}
    if not foreign:
        return wire
    c = CHANGE_LOG.c
    held: set[tuple] = set()
    for batch in chunks(sorted(foreign)):
        held.update(tuple(r) for r in conn.execute(
            select(c.entity, c.row_id, c.field, c.hlc, c.device_id)
            .where(tuple_(c.entity, c.row_id, c.field, c.hlc, c.device_id).in_(batch))))
    return [ch for ch in wire if ch["device_id"] == sender or ch["device_id"] in relayed
            or (ch["entity"], ch["row_id"], ch["field"], ch["hlc"], ch["device_id"]) in held]


def _imported(conn: Connection, bundle_id: str) -> bool:
    c = BUNDLES.c
    return conn.execute(select(c.bundle_id).where(c.bundle_id == bundle_id, c.direction == DIRECTION_IN)).first() is not None


def _stream_of(team: T.Team, ring: KeyRing) -> str:
    return B.TEAM if team.is_lead else ring.device_id


def _guess_sender(store: Any, name: str) -> str:
    """Who probably sent a file we could not open: from the device code in its standard file name."""
    if not (name and _NAME_RE.search(Path(name).name)):
        return tr("sync.sender.unknown")
    with store.connect() as conn:
        return _sender_by_code(conn, name)


def _sender_by_code(conn: Connection, name: str) -> str:
    match = _NAME_RE.search(Path(name).name) if name else None
    if match:
        for d in T.list_devices(conn):
            if T.device_code(d.device_id) == match.group(1):
                return d.display_name
    return tr("sync.sender.unknown")


def _last_seq(conn: Connection, sender: str, stream: str) -> int:
    c = BUNDLES.c
    return conn.execute(select(func.coalesce(func.max(c.seq), 0)).where(
        c.direction == DIRECTION_IN, c.sender == sender, c.stream == stream)).scalar_one()


def missing_seqs(conn: Connection, sender: str, stream: str, *, limit: int = 100) -> list[int]:
    """The lowest ``limit`` sequence numbers of ``sender``'s bundles to ``stream`` not imported yet,
    below the highest seen. Walks the gaps between the numbers seen, so its cost never depends on
    how large a number is (a bundle numbered 9223372036854775807 once sized a list by it)."""
    c = BUNDLES.c
    seen = sorted(set(conn.execute(select(c.seq).where(c.direction == DIRECTION_IN, c.sender == sender,
                                                       c.stream == stream)).scalars()))
    out: list[int] = []
    prev = 0
    for n in seen:
        k = prev + 1
        while k < n and len(out) < limit:
            out.append(k)
            k += 1
        if len(out) >= limit:
            break
        prev = n
    return out


def count_missing(conn: Connection, sender: str, stream: str) -> int:
    """How many of ``sender``'s bundle numbers below its highest are missing (cheap, in SQL)."""
    c = BUNDLES.c
    where = (c.direction == DIRECTION_IN, c.sender == sender, c.stream == stream)
    top, held = conn.execute(select(func.coalesce(func.max(c.seq), 0), func.count(func.distinct(c.seq)))
                             .where(*where)).one()
    return max(0, int(top) - int(held))


# =========================================================================== status
def device_status(store: Any) -> list[dict[str, Any]]:
    """One entry per known device (see ``transport_status``). JSON-ready."""
    from outreach.sync import transport_status

    return transport_status.device_status(store)


def status_report(store: Any) -> dict[str, Any]:
    """``outreach team status --json``: this laptop, its team, and the device registry with bundles."""
    from outreach.sync import transport_status

    return transport_status.status_report(store)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The bundle files among ``paths`` (folders are searched one level deep for ``*.age``)."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        found.extend(sorted(p.glob(f"*{SUFFIX}")) if p.is_dir() else [p])
    return found
