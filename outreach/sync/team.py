"""The team: creating it, inviting and enrolling laptops, revoking a lost one, and the registry the
bundle reader trusts.

    lead:   create_team → make_invite ──(USB)──▶ worker: join_team → request ──(USB)──▶ lead: enroll
            both screens show the same fingerprint (``fingerprint_of``) before the lead enrols;
            revoke(device) when a laptop is lost: its bundles are refused from then on.

The invite is not secret but must not be swapped on the way: that is what the fingerprint comparison
proves (it covers the team's keys *and* the device's keys). The enrolment request is signed with the
device's key (proof that the requester holds it).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.storage.sync_tables import (
    ROLE_LEAD,
    ROLE_MEMBER,
    STATUS_ENROLLED,
    STATUS_PENDING,
    STATUS_REVOKED,
    SyncDevice,
    SyncPeerVector,
    SyncTeam,
)
from outreach.sync import keys as K
from outreach.sync import registry as R
from outreach.sync.keys import DEFAULT_KDF, KdfParams, KeyRing

TEAM = SyncTeam.__table__
DEVICE = SyncDevice.__table__
PEER_VECTOR = SyncPeerVector.__table__
INVITE_FORMAT = "outreach-invite"
REQUEST_FORMAT = "outreach-enrolment-request"
REQUEST_CONTEXT = b"outreach-enrolment-request-v1\n"
INVITE_CONTEXT = b"outreach-invite-v1\n"
MAX_SMALL_FILE = 64 * 1024


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    role: str
    team_age: str
    team_sign: str
    recovery_age: str
    lead_device_id: str

    @property
    def is_lead(self) -> bool:
        return self.role == ROLE_LEAD


class Named:
    """A laptop as people call it (its name, else its worker's, else its code): ``display_name``."""

    @property
    def display_name(self) -> str:
        return display_name(self.device_id, self.name, self.worker)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Device(Named):
    device_id: str
    name: str
    worker: str
    role: str
    status: str
    villages: tuple[str, ...]
    device_age: str
    device_sign: str
    fingerprint: str
    enrolled_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class EnrolmentRequest(Named):
    team_id: str
    device_id: str
    name: str
    worker: str
    device_age: str
    device_sign: str
    fingerprint: str


def device_code(device_id: str) -> str:
    """The 4-character code of a device (as ``Store.device.code`` derives it), used in file names."""
    try:
        return base64.b32encode(bytes.fromhex(device_id)[:5]).decode()[:4]
    except ValueError:
        return device_id[:4].upper()


def display_name(device_id: str, name: str, worker: str) -> str:
    if name:
        return name
    if worker:
        return tr("sync.device.default_name", worker=worker)
    return tr("sync.device.unnamed", code=device_code(device_id))


def fingerprint_of(team: Team | dict[str, str], device_id: str, device_age: str, device_sign: str) -> str:
    t = team if isinstance(team, dict) else team.__dict__
    return K.fingerprint(t["team_id"], t["team_age"], t["team_sign"], t["recovery_age"],
                         device_id, device_age, device_sign)


# =========================================================================== reading the registry
def get_team(conn: Connection) -> Team | None:
    row = conn.execute(select(TEAM)).mappings().first()
    if row is None:
        return None
    return Team(row["team_id"], row["name"], row["role"], row["team_age"], row["team_sign"],
                row["recovery_age"], row["lead_device_id"])


def require_team(conn: Connection, *, lead: bool = False) -> Team:
    team = get_team(conn)
    if team is None:
        raise OutreachError("sync.error.no_team")
    if lead and not team.is_lead:
        raise OutreachError("sync.error.not_lead")
    return team


def _device(row: Any) -> Device:
    return Device(row["device_id"], row["name"], row["worker"], row["role"], row["status"],
                  tuple(json.loads(row["villages"] or "[]")), row["device_age"], row["device_sign"],
                  row["fingerprint"], row["enrolled_at"], row["revoked_at"])


def get_device(conn: Connection, device_id: str) -> Device | None:
    row = conn.execute(select(DEVICE).where(DEVICE.c.device_id == device_id)).mappings().first()
    return None if row is None else _device(row)


def list_devices(conn: Connection) -> list[Device]:
    rows = conn.execute(select(DEVICE).order_by(DEVICE.c.role, DEVICE.c.name, DEVICE.c.device_id)).mappings()
    return [_device(r) for r in rows]


def find_device(conn: Connection, ref: str) -> Device:
    """A device by id, unique id prefix (4+ characters), 4-character code, or exact name."""
    return R.find(conn, DEVICES, ref)


# =========================================================================== keys of this laptop
def keys_dir(store: Any, override: Path | None = None) -> Path:
    """The data folder holding the key file: beside the database, never inside it."""
    if override is not None:
        return Path(override)
    if store.path is None:
        raise OutreachError("sync.error.no_data_dir")
    return Path(store.path).parent


def unlock(store: Any, passphrase: str, *, key_dir: Path | None = None) -> KeyRing:
    ring = K.load_keyring(K.keystore_path(keys_dir(store, key_dir)), passphrase)
    if ring.device_id != store.device.id:
        raise OutreachError("sync.error.keys_other_device")
    return ring


def has_keys(store: Any, *, key_dir: Path | None = None) -> bool:
    try:
        return K.keystore_path(keys_dir(store, key_dir)).exists()
    except OutreachError:
        return False


def _own_ring(store: Any, passphrase: str, key_dir: Path | None, kdf: KdfParams) -> KeyRing:
    """This laptop's keys: unlocked if it has a key file, else made now and saved."""
    path = K.keystore_path(keys_dir(store, key_dir))
    if path.exists():
        return unlock(store, passphrase, key_dir=key_dir)
    K.check_new_passphrase(passphrase)
    ring = KeyRing.generate(store.device.id)
    K.save_keyring(path, ring, passphrase, kdf=kdf)
    return ring


# =========================================================================== the lead's side
def create_team(store: Any, passphrase: str, *, name: str = "", kdf: KdfParams = DEFAULT_KDF,
                key_dir: Path | None = None) -> Team:
    """Make this laptop the lead of a new team: team keys, recovery key, and itself enrolled."""
    with store.connect() as conn:
        if get_team(conn) is not None:
            raise OutreachError("sync.error.already_in_team", team=get_team(conn).name)  # type: ignore[union-attr]
        _refuse_on_hub(conn)
    path = K.keystore_path(keys_dir(store, key_dir))
    # (a key file left by an earlier attempt that never got its team row gets new team keys)
    ring = _own_ring(store, passphrase, key_dir, kdf).with_team_keys()
    pub = ring.public()
    team = Team(uuid.uuid4().hex, name.strip()[:80], ROLE_LEAD,
                pub["team_age"], pub["team_sign"], pub["recovery_age"], ring.device_id)
    device = store.device
    with store.engine.begin() as conn:
        conn.execute(insert(TEAM).values(**team.__dict__, joined_at=_now()))
        conn.execute(insert(DEVICE).values(
            device_id=device.id, team_id=team.team_id, name=device.name, worker=store.worker,
            role=ROLE_LEAD, status=STATUS_ENROLLED, villages="[]", device_age=pub["device_age"],
            device_sign=pub["device_sign"], enrolled_at=_now(),
            fingerprint=fingerprint_of(team, device.id, pub["device_age"], pub["device_sign"])))
        # Saved inside the transaction: if the key file cannot be written, no team row is left behind.
        K.save_keyring(path, ring, passphrase, kdf=kdf)
    return team


def make_invite(store: Any, passphrase: str | None = None, *, key_dir: Path | None = None,
                ring: KeyRing | None = None) -> bytes:
    """The invite file a new laptop joins with (public keys only).

    With the lead's keys (``passphrase`` or an unlocked ``ring``) it also carries the team's
    reference data — areas, the service directory, assessment templates, the team profile — and is
    signed by the lead like a bundle, with the team's signing key (the one the fingerprint covers):
    the joining laptop refuses it if anything in it
    was changed, and shows the team's villages, providers and letterhead before any bundle."""
    from outreach.services.team_profile import ensure_team_profile
    from outreach.sync.reference import pack_reference

    with store.connect() as conn:
        team = require_team(conn, lead=True)
        lead = get_device(conn, team.lead_device_id)
    assert lead is not None
    if ring is None and passphrase is not None:
        ring = unlock(store, passphrase, key_dir=key_dir)
    doc: dict[str, Any] = {
        "format": INVITE_FORMAT, "version": 1, "team_id": team.team_id, "team_name": team.name,
        "team_age": team.team_age, "team_sign": team.team_sign, "recovery_age": team.recovery_age,
        "lead": {"device_id": lead.device_id, "name": lead.name, "worker": lead.worker,
                 "device_age": lead.device_age, "device_sign": lead.device_sign},
        "created_at": _now().isoformat(timespec="seconds")}
    if ring is not None:
        ensure_team_profile(store)   # an organisation kept in old local settings travels too
        with store.connect() as conn:
            doc["reference"] = pack_reference(conn, budget=MAX_SMALL_FILE - 4096 - len(json.dumps(doc)))
        if ring.team_sign is None:
            raise OutreachError("sync.error.not_lead")
        doc["signature"] = K.sign(ring.team_sign, INVITE_CONTEXT + K.canonical_json(doc))
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _invite_reference(doc: dict[str, Any], team_sign: str) -> list[dict[str, Any]]:
    """The reference changes of an invite, once its signature by the team's key is checked
    (an invite without reference data and signature carries none)."""
    from outreach.sync.reference import unpack_reference

    if "reference" not in doc and "signature" not in doc:
        return []
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        signed = K.verify(team_sign, INVITE_CONTEXT + K.canonical_json(body), str(doc.get("signature", "")))
    except (TypeError, ValueError):
        signed = False
    if not signed:
        raise OutreachError("teamdata.error.invite_tampered")
    if "reference" not in doc:
        return []
    try:
        return unpack_reference(doc["reference"])
    except (ValueError, TypeError, KeyError) as exc:
        raise OutreachError("sync.error.bad_invite") from exc


def read_request(store: Any, data: bytes) -> EnrolmentRequest:
    """Check an enrolment request (our team, well formed, signed by the key it carries)."""
    with store.connect() as conn:
        team = require_team(conn, lead=True)
    doc = small_json(data, REQUEST_FORMAT)
    try:
        body = {k: v for k, v in doc.items() if k != "signature"}
        req = EnrolmentRequest(
            team_id=_hex32(doc["team_id"]), device_id=_hex32(doc["device_id"]), name=str(doc["name"])[:80],
            worker=str(doc["worker"])[:64], device_age=str(doc["device_age"]), device_sign=str(doc["device_sign"]),
            fingerprint="")
        K.parse_age_recipient(req.device_age)
        signed = K.verify(req.device_sign, REQUEST_CONTEXT + K.canonical_json(body), str(doc["signature"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise OutreachError("sync.error.bad_request") from exc
    if req.team_id != team.team_id:
        raise OutreachError("sync.error.request_other_team")
    if not signed:
        raise OutreachError("sync.error.bad_request")
    fp = fingerprint_of(team, req.device_id, req.device_age, req.device_sign)
    return EnrolmentRequest(**{**req.__dict__, "fingerprint": fp})


def enroll(store: Any, request: EnrolmentRequest, *, villages: list[str] | tuple[str, ...] = ()) -> Device:
    """Enrol the requesting laptop (after both people compared ``request.fingerprint``)."""
    return R.enroll(store, DEVICES, request, villages)


def _check_code_is_free(conn, device_id: str) -> None:
    """Household codes and referral references carry the creating laptop's 4-character code, so two
    laptops of one team must never share it (a 1-in-a-million chance, refused here, never merged)."""
    code = device_code(device_id)
    for other in conn.execute(select(DEVICE.c.device_id, DEVICE.c.name)):
        if other.device_id != device_id and device_code(other.device_id) == code:
            raise OutreachError("sync.error.device_code_clash", code=code, device=other.name or code)


def set_villages(store: Any, device_ref: str, villages: list[str] | tuple[str, ...]) -> Device:
    """Change which villages a laptop's downlinks cover; its next downlink is a full one for them."""
    return R.set_villages(store, DEVICES, device_ref, villages)


def revoke(store: Any, device_ref: str) -> Device:
    """A lost or stolen laptop: its bundles are refused from now on and downlinks leave it out."""
    return R.revoke(store, DEVICES, device_ref)


def _not_the_lead(team: Team, device: Device) -> None:
    if device.device_id == team.lead_device_id:
        raise OutreachError("sync.error.cannot_revoke_lead")


DEVICES = R.Registry(
    DEVICE, owner=lambda conn: require_team(conn, lead=True), get=get_device, members=list_devices,
    names=lambda d: (d.name, d.display_name), ambiguous=("sync.error.device_ambiguous", "device"),
    unknown=("sync.error.unknown_device", "device"),
    revoked_error=lambda d: OutreachError("sync.error.device_revoked", device=d.display_name),
    check_code=_check_code_is_free, new_columns=lambda team: {"team_id": team.team_id, "role": ROLE_MEMBER},
    changed_columns=lambda req: {"name": req.name, "worker": req.worker}, check_revoke=_not_the_lead)


def export_recovery(store: Any, passphrase: str, path: Path, *, key_dir: Path | None = None) -> str:
    """Write the recovery identity (an age identity file); returns its public key."""
    with store.connect() as conn:
        require_team(conn, lead=True)
    ring = unlock(store, passphrase, key_dir=key_dir)
    K.write_recovery_file(path, ring)
    return str(ring.recovery_age.to_public())  # type: ignore[union-attr]


# =========================================================================== the worker's side
def _refuse_on_hub(conn: Connection) -> None:
    """A county hub's database holds no team of its own (``hub.init_hub`` refuses the other way round)."""
    from outreach.storage.hub_tables import HubSelf

    if conn.execute(select(HubSelf.__table__.c.hub_id)).first() is not None:
        raise OutreachError("hub.error.hub_in_team")


def join_team(store: Any, invite: bytes, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF,
              key_dir: Path | None = None, deliver: Callable[[bytes], None] | None = None) -> tuple[bytes, str]:
    """Join the team of an invite: this laptop's keys (made now if needed) and a signed enrolment
    request for the lead. Returns (request file bytes, fingerprint to compare).

    ``deliver(request)`` (writing the request file) runs inside the join's transaction: if it fails
    (the USB stick pulled out) the laptop has not joined either, and the same invite works again."""
    with store.connect() as conn:
        _refuse_on_hub(conn)
    doc = small_json(invite, INVITE_FORMAT)
    try:
        lead = doc["lead"]
        team = Team(_hex32(doc["team_id"]), str(doc.get("team_name", ""))[:80], ROLE_MEMBER, str(doc["team_age"]),
                    str(doc["team_sign"]), str(doc["recovery_age"]), _hex32(lead["device_id"]))
        for key in (team.team_age, team.recovery_age, str(lead["device_age"])):
            K.parse_age_recipient(key)
    except (KeyError, TypeError, ValueError) as exc:
        raise OutreachError("sync.error.bad_invite") from exc
    reference = _invite_reference(doc, team.team_sign)
    device = store.device
    with store.connect() as conn:
        current = get_team(conn)
    if current is not None and (current.team_id != team.team_id or current.is_lead):
        raise OutreachError("sync.error.already_in_team", team=current.name)
    if team.lead_device_id == device.id:
        raise OutreachError("sync.error.already_in_team", team=team.name)
    ring = _own_ring(store, passphrase, key_dir, kdf)
    pub = ring.public()
    fp = fingerprint_of(team, device.id, pub["device_age"], pub["device_sign"])
    with store.transaction() as w:
        conn = w.conn
        if reference:
            from outreach.sync.merge import apply_changes

            apply_changes(w, reference, source=tr("teamdata.invite.source", team=team.name)[:200])
            _adopt_team_profile(w, reference, device.id)
        if current is None:
            conn.execute(insert(TEAM).values(**team.__dict__, joined_at=_now()))
        elif (current.team_age, current.team_sign, current.recovery_age, current.lead_device_id) != \
                (team.team_age, team.team_sign, team.recovery_age, team.lead_device_id):
            # joining again after the lead's laptop was replaced (docs/security.md): the invite's
            # keys and lead, checked like a first join by the fingerprint both people compare
            conn.execute(update(TEAM).where(TEAM.c.team_id == team.team_id).values(
                team_age=team.team_age, team_sign=team.team_sign, recovery_age=team.recovery_age,
                lead_device_id=team.lead_device_id))
            conn.execute(update(DEVICE).where(DEVICE.c.device_id == current.lead_device_id,
                                              DEVICE.c.device_id != team.lead_device_id).values(role=ROLE_MEMBER))
        _upsert_device(conn, team.team_id, {
            "device_id": team.lead_device_id, "name": str(lead.get("name", ""))[:80],
            "worker": str(lead.get("worker", ""))[:64], "role": ROLE_LEAD, "status": STATUS_ENROLLED,
            "device_age": str(lead["device_age"]), "device_sign": str(lead["device_sign"])})
        if get_device(conn, device.id) is None:
            _upsert_device(conn, team.team_id, {
                "device_id": device.id, "name": device.name, "worker": store.worker, "role": ROLE_MEMBER,
                "status": STATUS_PENDING, "device_age": pub["device_age"], "device_sign": pub["device_sign"],
                "fingerprint": fp})
        body = {"format": REQUEST_FORMAT, "version": 1, "team_id": team.team_id, "device_id": device.id,
                "name": device.name, "worker": store.worker, "device_age": pub["device_age"],
                "device_sign": pub["device_sign"], "created_at": _now().isoformat(timespec="seconds")}
        body["signature"] = K.sign(ring.device_sign, REQUEST_CONTEXT + K.canonical_json(body))
        data = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
        if deliver is not None:
            deliver(data)
    return data, fp


def _adopt_team_profile(w: Any, reference: list[dict[str, Any]], me: str) -> None:
    """A laptop that set its own organisation while it was in no team takes the team's on joining:
    its own (newer) profile edits would otherwise win on this laptop. The adoption is a local write
    that never travels (a member's uplink leaves the team profile out); the lead's later edits are
    newer still and win as usual."""
    from outreach.storage.team_tables import PROFILE_ID, TeamProfileRow
    from outreach.storage.writer import CHANGE_LOG

    c = CHANGE_LOG.c
    mine = w.conn.execute(select(c.seq).where(c.entity == "teamprofile", c.device_id == me).limit(1)).first()
    if mine is None:
        return
    team_values: dict[str, Any] = {}
    for ch in sorted((ch for ch in reference if ch["entity"] == "teamprofile" and ch["row_id"] == PROFILE_ID),
                     key=lambda ch: (ch["hlc"], ch["device_id"])):
        if ch["field"] == "*":
            team_values.update({k: v for k, v in ch["value"].items() if k in TeamProfileRow.model_fields
                                and k not in TeamProfileRow.BOOKKEEPING and k != "archived"})
        elif ch["field"] in TeamProfileRow.model_fields:
            team_values[ch["field"]] = ch["value"]
    if team_values:
        w.update(TeamProfileRow, PROFILE_ID, team_values)


def roster(conn: Connection) -> list[dict[str, Any]]:
    """The registry as it travels in downlinks (no keys but the signing keys)."""
    return [{"device_id": d.device_id, "name": d.name, "worker": d.worker, "role": d.role, "status": d.status,
             "villages": list(d.villages)} for d in list_devices(conn)]


def apply_roster(conn: Connection, team: Team, entries: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> None:
    """On a worker: take the lead's registry from a verified downlink (names, villages, revocations).
    Keys already known (our own, the lead's) are kept."""
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("device_id"), str):
            continue
        villages = [str(v) for v in e.get("villages", []) if isinstance(v, str)]
        status = e.get("status") if e.get("status") in (STATUS_ENROLLED, STATUS_REVOKED) else STATUS_ENROLLED
        role = ROLE_LEAD if e.get("device_id") == team.lead_device_id else ROLE_MEMBER
        _upsert_device(conn, team.team_id, {
            "device_id": e["device_id"], "name": str(e.get("name", ""))[:80], "worker": str(e.get("worker", ""))[:64],
            "role": role, "status": status, "villages": json.dumps(villages, ensure_ascii=False)})


# =========================================================================== helpers
def _upsert_device(conn: Connection, team_id: str, values: dict[str, Any]) -> None:
    existing = get_device(conn, values["device_id"])
    if existing is None:
        conn.execute(insert(DEVICE).values(team_id=team_id, enrolled_at=_now() if values.get("status") ==
                                           STATUS_ENROLLED else None, **values))
        return
    keep_keys = {k: v for k, v in values.items() if k not in ("device_age", "device_sign") or not getattr(existing, k)}
    if existing.status != STATUS_ENROLLED and values.get("status") == STATUS_ENROLLED:
        keep_keys["enrolled_at"] = _now()
    if existing.status != STATUS_REVOKED and values.get("status") == STATUS_REVOKED:
        keep_keys["revoked_at"] = _now()
    conn.execute(update(DEVICE).where(DEVICE.c.device_id == values["device_id"]).values(**keep_keys))


def small_json(data: bytes, expected_format: str, error_key: str | None = None) -> dict[str, Any]:
    """A small signed JSON file (invite, join request — the team's or the hub's) read with its limits:
    one ``error_key`` line for anything that is not such a file."""
    key = error_key or ("sync.error.bad_invite" if expected_format == INVITE_FORMAT else "sync.error.bad_request")
    if len(data) > MAX_SMALL_FILE:
        raise OutreachError(key)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OutreachError(key) from exc
    if not isinstance(doc, dict) or doc.get("format") != expected_format:
        raise OutreachError(key)
    if doc.get("version") != 1:
        raise OutreachError("sync.error.newer_file")
    return doc


def _hex32(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("not an id")
    return value


def _now() -> datetime:
    return datetime.now(UTC)
