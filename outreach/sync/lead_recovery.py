"""A new lead laptop when the lead's laptop is lost: the team's **recovery authority**.

The recovery identity the lead exported at set-up (an age X25519 identity, kept offline) also yields
an Ed25519 signing key: ``authority_key`` derives it with HKDF-SHA256 from the identity's secret, so
every recovery file ever exported carries it (no new file format, old files work). Its public half,
``recovery_sign``, is what the workers trust to name a new lead:

    lead (every downlink):  ``recovery_authority`` = {team_id, recovery_age, recovery_sign} signed by
                            the team signing key the worker trusts, and the worker's own
                            ``device_certificate`` (its device keys, villages, names) signed by the
                            recovery authority. The worker keeps both (local setting) and puts them
                            in every uplink.
    new laptop:             ``recover_lead(store, identity, uplinks)``: the recovery identity opens any
                            worker uplink (it is an escrow recipient of every bundle); a certificate
                            signed by the authority gives that worker's keys, villages and the lost
                            lead's id. This laptop becomes the lead with a NEW team key; the lost lead
                            is revoked; a **succession record** (team, lost lead, new lead's device
                            keys, new team keys, grace date) is signed by the authority.
    new lead (downlinks):   ``lead_succession`` carries the records. A worker accepts a downlink from
                            an unknown sender only when a record signed by the authority it already
                            trusts names that sender as the lead that replaces its current lead; it
                            then takes the new team keys and lead, and revokes the lost one (its
                            bundles are refused from then on).

A laptop that took no downlink since this feature reached its lead has no certificate and does not
know the authority: it cannot follow a recovered lead and joins the team again (clear message).
A worker's laptop cannot become the lead: it never holds the recovery identity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyrage import x25519
from sqlalchemy import Connection, insert, select, update

from outreach.domain.errors import OutreachError
from outreach.storage.sync_tables import (
    DIRECTION_IN,
    ROLE_LEAD,
    ROLE_MEMBER,
    STATUS_ENROLLED,
    STATUS_REVOKED,
)
from outreach.sync import bundle as B
from outreach.sync import keys as K
from outreach.sync import team as T

STATE_SETTING = "sync.lead_recovery"     # local setting (never synced): JSON, see _get
AUTHORITY_INFO = b"outreach-recovery-authority-v1"
AUTHORITY_CONTEXT = b"outreach-recovery-authority-v1\n"
CERT_CONTEXT = b"outreach-device-certificate-v1\n"
SUCCESSION_CONTEXT = b"outreach-lead-succession-v1\n"
CERT_FORMAT = "outreach-device-certificate"
SUCCESSION_FORMAT = "outreach-lead-succession"
MAX_SUCCESSIONS = 20
MAX_BASELINE = 5000                      # earlier uplink numbers marked as imported by the lost lead
BEFORE_RECOVERY = "(before the lead's laptop was replaced)"


# --------------------------------------------------------------------------- the authority key
def authority_key(recovery: x25519.Identity) -> Ed25519PrivateKey:
    """The recovery authority's signing key, derived from the recovery identity's secret."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=AUTHORITY_INFO).derive(
        str(recovery).encode("ascii"))
    return Ed25519PrivateKey.from_private_bytes(seed)


def authority_public(recovery: x25519.Identity) -> str:
    return K.ed25519_public(authority_key(recovery))


def read_identity_file(path: Path) -> x25519.Identity:
    """The recovery identity in an age identity file (the one ``team export-recovery`` wrote)."""
    from outreach.inputfiles import read_capped
    from outreach.storage.crypto_store import read_identity

    try:
        text = read_capped(path, 16 * 1024, what="file").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OutreachError("sec.error.bad_identity") from exc
    return read_identity(text)


def _signed(body: dict[str, Any], context: bytes, key: Ed25519PrivateKey) -> dict[str, Any]:
    return {**body, "signature": K.sign(key, context + K.canonical_json(body))}


def _verified(doc: Any, context: bytes, signer: str, fmt: str | None = None) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("signature"), str) or not signer:
        return False
    if fmt is not None and doc.get("format") != fmt:
        return False
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        return K.verify(signer, context + K.canonical_json(body), doc["signature"])
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- local state
def _get(conn: Connection) -> dict[str, Any]:
    from outreach.storage.store import SETTINGS

    raw = conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.key == STATE_SETTING)).scalar_one_or_none()
    try:
        st = json.loads(raw) if raw else {}
    except ValueError:
        st = {}
    st.setdefault("authority", None)       # worker: the verified recovery_authority record
    st.setdefault("certificate", None)     # worker: its own certificate
    st.setdefault("successions", [])       # both: lead succession records, oldest first
    return st


def _put(conn: Connection, st: dict[str, Any]) -> None:
    from outreach.storage.store import Store

    Store._put(conn, STATE_SETTING, json.dumps(st, ensure_ascii=False, sort_keys=True))


def known_authority(conn: Connection) -> str | None:
    auth = _get(conn)["authority"]
    return auth.get("recovery_sign") if isinstance(auth, dict) else None


# --------------------------------------------------------------------------- the lead: what downlinks carry
def certificate(team: T.Team, device: T.Device, authority: Ed25519PrivateKey, lead_name: str = "") -> dict[str, Any]:
    body = {"format": CERT_FORMAT, "version": 1, "team_id": team.team_id, "team_name": team.name,
            "lead_device_id": team.lead_device_id, "lead_name": lead_name, "recovery_age": team.recovery_age,
            "device_id": device.device_id, "device_age": device.device_age, "device_sign": device.device_sign,
            "name": device.name, "worker": device.worker, "villages": list(device.villages)}
    return _signed(body, CERT_CONTEXT, authority)


def lead_extra(conn: Connection, target: str, ring: K.KeyRing | None) -> dict[str, Any]:
    """The signed manifest fields of a downlink to ``target`` (needs the lead's unlocked keys)."""
    out: dict[str, Any] = {}
    successions = _get(conn)["successions"]
    if successions:
        out["lead_succession"] = successions
    if ring is None or ring.recovery_age is None or ring.team_sign is None:
        return out
    team = T.require_team(conn, lead=True)
    device = T.get_device(conn, target)
    authority = authority_key(ring.recovery_age)
    out["recovery_authority"] = _signed(
        {"team_id": team.team_id, "recovery_age": team.recovery_age,
         "recovery_sign": K.ed25519_public(authority)}, AUTHORITY_CONTEXT, ring.team_sign)
    lead = T.get_device(conn, team.lead_device_id)
    if device is not None:
        out["device_certificate"] = certificate(team, device, authority, lead.display_name if lead else "")
    return out


def worker_extra(conn: Connection) -> dict[str, Any]:
    """The signed manifest fields of a worker's uplink: its certificate and the authority record,
    so the recovery identity alone can tell who sent it and with which keys."""
    st = _get(conn)
    if not (st["certificate"] and st["authority"]):
        return {}
    out = {"device_certificate": st["certificate"], "recovery_authority": st["authority"]}
    if st["successions"]:      # a later recovery continues the chain (and knows every past lead)
        out["lead_succession"] = st["successions"]
    return out


# --------------------------------------------------------------------------- the worker: taking them
def take_lead_extra(conn: Connection, me: K.KeyRing, extra: dict[str, Any]) -> None:
    """On a worker, inside the import transaction of a verified downlink: keep the authority record
    (signed by the team key this laptop trusts now) and this laptop's certificate (signed by it).
    Anything that does not check refuses the whole downlink."""
    auth, cert = extra.get("recovery_authority"), extra.get("device_certificate")
    if auth is None and cert is None:
        return
    team = T.require_team(conn)
    if not _verified(auth, AUTHORITY_CONTEXT, team.team_sign) or auth.get("team_id") != team.team_id \
            or auth.get("recovery_age") != team.recovery_age:
        raise B.BundleRefused("ll.refused.bad_authority")
    st = _get(conn)
    st["authority"] = auth
    if cert is not None:
        mine = {"device_id": me.device_id, "device_age": str(me.device_age.to_public()),
                "device_sign": K.ed25519_public(me.device_sign)}
        if not _verified(cert, CERT_CONTEXT, str(auth["recovery_sign"]), CERT_FORMAT) \
                or any(cert.get(k) != v for k, v in mine.items()) or cert.get("team_id") != team.team_id:
            raise B.BundleRefused("ll.refused.bad_authority")
        st["certificate"] = cert
    _put(conn, st)


def successor_key(conn: Connection, team: T.Team, m: B.Manifest) -> str | None:
    """A worker asked to verify a downlink from a laptop it does not know: the new lead's signing
    key when the downlink carries a succession chain from this laptop's current lead, signed by the
    recovery authority this laptop trusts; None when it carries none. A chain that does not check
    refuses the downlink."""
    records = m.extra.get("lead_succession")
    if not records or m.kind != B.DOWNLINK:
        return None
    authority = known_authority(conn)
    if authority is None:
        raise B.BundleRefused("ll.refused.no_authority")
    chain = _chain(team, records, authority)
    if not chain or chain[-1]["lead"]["device_id"] != m.sender:
        raise B.BundleRefused("ll.refused.forged")
    return str(chain[-1]["lead"]["device_sign"])


def _chain(team: T.Team, records: Any, authority: str) -> list[dict[str, Any]]:
    """The records that lead from ``team``'s current lead onwards, each checked."""
    if not isinstance(records, list) or len(records) > MAX_SUCCESSIONS:
        raise B.BundleRefused("ll.refused.forged")
    chain: list[dict[str, Any]] = []
    current = team.lead_device_id
    for rec in records:
        if not isinstance(rec, dict) or rec.get("lost_lead") != current:
            continue
        if not _verified(rec, SUCCESSION_CONTEXT, authority, SUCCESSION_FORMAT) or rec.get("team_id") != team.team_id:
            raise B.BundleRefused("ll.refused.forged")
        try:
            K.parse_age_recipient(str(rec["team_age"]))
            K.parse_age_recipient(str(rec["lead"]["device_age"]))
            date.fromisoformat(str(rec["grace_until"]))
            current = T._hex32(rec["lead"]["device_id"])
        except (KeyError, TypeError, ValueError, OutreachError) as exc:
            raise B.BundleRefused("ll.refused.forged") from exc
        chain.append(rec)
    return chain


def apply_succession(conn: Connection, team: T.Team, m: B.Manifest) -> T.Team:
    """On a worker, in the import transaction: follow the succession chain (already checked by the
    gate): new lead and team keys, the lost lead revoked. Returns the team as it is now."""
    records = m.extra.get("lead_succession")
    authority = known_authority(conn)
    if not records or authority is None:
        return team
    chain = _chain(team, records, authority)
    if not chain:
        return team
    now = datetime.now(UTC)
    for rec in chain:
        lead = rec["lead"]
        conn.execute(update(T.DEVICE).where(T.DEVICE.c.device_id == rec["lost_lead"])
                     .values(status=STATUS_REVOKED, role=ROLE_MEMBER, revoked_at=now))
        if T.get_device(conn, lead["device_id"]) is None:
            conn.execute(insert(T.DEVICE).values(
                device_id=lead["device_id"], team_id=team.team_id, name=str(lead.get("name", ""))[:80],
                worker=str(lead.get("worker", ""))[:64], role=ROLE_LEAD, status=STATUS_ENROLLED,
                villages="[]", device_age=lead["device_age"], device_sign=lead["device_sign"], enrolled_at=now))
    last = chain[-1]
    conn.execute(update(T.TEAM).where(T.TEAM.c.team_id == team.team_id).values(
        lead_device_id=last["lead"]["device_id"], team_age=last["team_age"], team_sign=last["team_sign"]))
    st = _get(conn)   # kept (and sent on in uplinks) only as far as the authority signed them
    st["successions"] = [r for r in records if _verified(r, SUCCESSION_CONTEXT, authority, SUCCESSION_FORMAT)]
    _put(conn, st)
    return T.require_team(conn)


# --------------------------------------------------------------------------- the new laptop: becoming the lead
@dataclass(frozen=True)
class Recovered:
    team: T.Team
    lost_lead: str
    members: tuple[str, ...]            # display names of the laptops taken from certificates
    grace_until: date
    imports: tuple[Any, ...]            # transport.ImportResult of each uplink
    skipped: tuple[Any, ...] = ()       # Msg per uplink left out (its laptop has no certificate yet)


class _BootstrapGate:
    """Opens worker uplinks with nothing but the recovery identity: the sender's certificate,
    signed by the authority, names its keys."""

    def __init__(self, authority: str, recovery_age: str) -> None:
        self.authority, self.recovery_age = authority, recovery_age
        self.cert: dict[str, Any] | None = None

    def check_team(self, m: B.Manifest) -> None:
        cert = m.extra.get("device_certificate")
        if m.kind != B.UPLINK:
            raise B.BundleRefused("sync.refused.wrong_direction", kind=m.kind)
        if not isinstance(cert, dict):
            raise B.BundleRefused("ll.refused.no_certificate", device=m.sender_name)
        if not _verified(cert, CERT_CONTEXT, self.authority, CERT_FORMAT) or cert.get("device_id") != m.sender \
                or cert.get("team_id") != m.team_id or cert.get("recovery_age") != self.recovery_age:
            raise B.BundleRefused("ll.refused.other_authority")
        self.cert = cert

    def signer_key(self, m: B.Manifest) -> str:
        return str(self.cert["device_sign"])  # type: ignore[index]

    def check_recipient(self, m: B.Manifest) -> None:
        if not any(r.device == B.TEAM for r in m.recipients):
            raise B.BundleRefused("sync.refused.not_addressed")


def read_uplinks(identity: x25519.Identity, paths: list[Path],
                 skipped: list[Any] | None = None) -> list[tuple[Path, B.Manifest, dict[str, Any]]]:
    """Each uplink's manifest and certificate, checked (a file that does not check is an error
    naming it: nothing is changed). An uplink of a laptop that has no certificate yet is left out
    and its ``Msg`` added to ``skipped`` (that laptop joins again); none with one is an error."""
    from outreach.i18n import Msg
    from outreach.inputfiles import open_regular
    from outreach.sync.bundle_stream import open_stream

    authority, recovery_age = authority_public(identity), str(identity.to_public())
    out = []
    for path in paths:
        gate = _BootstrapGate(authority, recovery_age)
        try:
            with open_regular(path) as fh:
                opened = open_stream(fh, [identity], gate)
        except B.BundleRefused as exc:
            if exc.key == "ll.refused.no_certificate" and skipped is not None:
                skipped.append(Msg(exc.key, dict(exc.params)))
                continue
            if exc.key.startswith("ll."):     # ours: it says what to do already
                raise OutreachError(exc.key, **exc.params) from exc
            raise OutreachError("ll.error.uplink_refused", file=Path(path).name, reason=exc.message()) from exc
        out.append((Path(path), opened.manifest, gate.cert or {}))
    if not out and skipped:
        raise OutreachError("ll.error.none_certified")
    if not out:
        raise OutreachError("ll.error.no_uplinks")
    if len({m.team_id for _p, m, _c in out}) > 1:
        raise OutreachError("ll.error.two_teams")
    return out


def recover_lead(store: Any, identity: x25519.Identity, uplinks: list[Path], passphrase: str,
                 grace_until: date, *, kdf: K.KdfParams = K.DEFAULT_KDF, key_dir: Path | None = None) -> Recovered:
    """Make this laptop (in no team yet) the lead of the team whose workers' uplinks are given."""
    from outreach.sync import rotation
    from outreach.sync.transport import import_bundles

    if grace_until < rotation.today():
        raise OutreachError("rot.error.grace_past", date=grace_until.isoformat())
    with store.connect() as conn:
        current = T.get_team(conn)
    if current is not None:
        raise OutreachError("ll.error.in_team", team=current.name or current.team_id[:8])
    skipped: list[Any] = []
    found = read_uplinks(identity, [Path(p) for p in uplinks], skipped)
    first = found[0][2]
    prior = _prior_successions(found, authority_public(identity))
    team_id = first["team_id"]
    lost_lead = prior[-1]["lead"]["device_id"] if prior else first["lead_device_id"]
    if lost_lead == store.device.id:
        raise OutreachError("ll.error.same_laptop")
    own = T._own_ring(store, passphrase, key_dir, kdf)
    ring = replace(own, team_age=x25519.Identity.generate(), team_sign=Ed25519PrivateKey.generate(),
                   recovery_age=identity, old_team_ages=[identity])  # the identity opens old-key uplinks
    pub = ring.public()
    team = T.Team(team_id, str(first.get("team_name", ""))[:80], ROLE_LEAD, pub["team_age"], pub["team_sign"],
                  pub["recovery_age"], store.device.id)
    now = datetime.now(UTC)
    me = store.device
    record = _signed({"format": SUCCESSION_FORMAT, "version": 1, "team_id": team_id, "lost_lead": lost_lead,
                      "lead": {"device_id": me.id, "device_age": pub["device_age"], "device_sign": pub["device_sign"],
                               "name": me.name, "worker": store.worker},
                      "team_age": pub["team_age"], "team_sign": pub["team_sign"],
                      "grace_until": grace_until.isoformat(), "at": now.isoformat(timespec="seconds")},
                     SUCCESSION_CONTEXT, authority_key(identity))
    old_ages = sorted({r.age for _p, m, _c in found for r in m.recipients if r.device == B.TEAM})
    certs = {c["device_id"]: c for _p, _m, c in found}
    with store.engine.begin() as conn:
        conn.execute(insert(T.TEAM).values(**team.__dict__, joined_at=now))
        _add_device(conn, team, me.id, me.name, store.worker, ROLE_LEAD, [], pub["device_age"], pub["device_sign"])
        lost = {str(r["lost_lead"]): "" for r in prior}
        lost[lost_lead] = str(first.get("lead_name", "")) if not prior else str(prior[-1]["lead"].get("name", ""))
        for device_id, name in lost.items():
            conn.execute(insert(T.DEVICE).values(device_id=device_id, team_id=team_id, role=ROLE_MEMBER,
                                                 status=STATUS_REVOKED, villages="[]", revoked_at=now, name=name[:80]))
        for cert in certs.values():
            _add_device(conn, team, cert["device_id"], cert.get("name", ""), cert.get("worker", ""), ROLE_MEMBER,
                        cert.get("villages", []), cert["device_age"], cert["device_sign"])
        _baseline_seqs(conn, team_id, found)
        st = _get(conn)
        st["successions"] = [*prior, record][-MAX_SUCCESSIONS:]
        _put(conn, st)
        rst = rotation._get(conn)
        rst["old"] = [{"age": a, "sign": "", "until": grace_until.isoformat()} for a in old_ages]
        rst["recovered"] = now.isoformat(timespec="seconds")
        rst["switched"] = {me.id: rst["recovered"]}
        rotation._put(conn, rst)
        # in the transaction: if the key file cannot be written, no team row is left behind
        K.save_keyring(K.keystore_path(T.keys_dir(store, key_dir)), ring, passphrase, kdf=kdf)
    results = import_bundles(store, ring, [p for p, _m, _c in found])
    with store.connect() as conn:
        names = tuple(d.display_name for d in T.list_devices(conn) if d.device_id in certs)
        return Recovered(T.require_team(conn), lost_lead, names, grace_until, tuple(results), tuple(skipped))


def _prior_successions(found: list, authority: str) -> list[dict[str, Any]]:
    """The longest chain of earlier successions the uplinks carry, each signed by the authority."""
    best: list[dict[str, Any]] = []
    for _p, m, _c in found:
        records = m.extra.get("lead_succession")
        if not isinstance(records, list) or len(records) > MAX_SUCCESSIONS:
            continue
        if all(_verified(r, SUCCESSION_CONTEXT, authority, SUCCESSION_FORMAT) and isinstance(r.get("lead"), dict)
               for r in records) and len(records) > len(best):
            best = list(records)
    return best


def _add_device(conn: Connection, team: T.Team, device_id: str, name: str, worker: str, role: str,
                villages: Any, device_age: str, device_sign: str) -> None:
    conn.execute(insert(T.DEVICE).values(
        device_id=device_id, team_id=team.team_id, name=str(name)[:80], worker=str(worker)[:64], role=role,
        status=STATUS_ENROLLED, villages=json.dumps([str(v) for v in villages or []], ensure_ascii=False),
        device_age=device_age, device_sign=device_sign, enrolled_at=datetime.now(UTC),
        fingerprint=T.fingerprint_of(team, device_id, device_age, device_sign)))


def _baseline_seqs(conn: Connection, team_id: str, found: list) -> None:
    """The lost lead imported each laptop's earlier uplinks: mark their numbers as done here, so the
    first uplink seen is not reported with a gap of every earlier number (and a handover's
    acknowledgement, which is contiguous, can reach it)."""
    from outreach.sync.transport import BUNDLES

    first: dict[str, int] = {}
    for _p, m, _c in found:
        first[m.sender] = min(first.get(m.sender, m.seq), m.seq)
    now = datetime.now(UTC)
    for sender, seq in first.items():
        for n in range(1, seq if seq <= MAX_BASELINE else 1):
            conn.execute(insert(BUNDLES).values(
                bundle_id=f"r{sender[:15]}{n:016d}"[:32], direction=DIRECTION_IN, kind=B.UPLINK, team_id=team_id,
                sender=sender, stream=B.TEAM, seq=n, prev=None, change_count=0, applied_count=0,
                payload_sha256="", created_at=now, recorded_at=now, file_name=BEFORE_RECOVERY))


def recovered(conn: Connection) -> bool:
    """Whether this lead took over from a lost lead (``team status``)."""
    return bool(_get(conn)["successions"])


def relayed_origins(conn: Connection) -> set[str]:
    """On a lead that took over: the lost leads, whose changes the workers' uplinks may carry (they
    got them in its downlinks) until the grace date. Everywhere else: none."""
    from outreach.sync import rotation

    successions = _get(conn)["successions"]
    if not isinstance(successions, list) or not successions:
        return set()
    try:   # every past lead, while the newest take-over's grace runs
        if rotation.today() > date.fromisoformat(str(successions[-1]["grace_until"])):
            return set()
        return {str(rec["lost_lead"]) for rec in successions}
    except (KeyError, TypeError, ValueError):
        return set()
