"""The county hub (issue 15): a team one level up. Team leads' laptops are its devices.

    hub:   init_hub → make_invite ──▶ lead: join_hub → request ──▶ hub: enroll_lead (villages)
           both screens show the same fingerprint (the hub's keys and the lead's device keys)
    lead ──uplink (to the hub key)──▶ hub     its workers' changes relayed with their original
                                              device, clock and worker (``hub_transport``)
    hub ──downlink (to the lead)──▶ lead      county reference data + changes about its villages

Keys reuse the team design: the hub's key file (``outreach-hub-keys.json`` beside the database, the
same passphrase-protected format) holds the hub's own device keys (sign downlinks, open nothing) and
the hub keys — an age identity the leads encrypt uplinks to, an Ed25519 key that signs invites, and a
recovery identity escrowed on every hub bundle. A lead uses its ordinary device keys (it signs
uplinks with them; downlinks are encrypted to them). A lead belongs to one hub at most.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from outreach.domain.errors import OutreachError
from outreach.storage.hub_tables import (
    HUB_ENROLLED,
    HUB_PENDING,
    HubLead,
    HubMembership,
    HubOrigin,
    HubSelf,
)
from outreach.sync import keys as K
from outreach.sync import registry as R
from outreach.sync import team as T
from outreach.sync.keys import DEFAULT_KDF, KdfParams, KeyRing

SELF = HubSelf.__table__
LEAD = HubLead.__table__
ORIGIN = HubOrigin.__table__
MEMBERSHIP = HubMembership.__table__
HUB_KEYS_NAME = "outreach-hub-keys.json"
INVITE_FORMAT = "outreach-hub-invite"
REQUEST_FORMAT = "outreach-hub-request"
INVITE_CONTEXT = b"outreach-hub-invite-v1\n"
REQUEST_CONTEXT = b"outreach-hub-request-v1\n"
HUB = "hub"   # the recipient name of an uplink to the hub (whoever holds the hub key)


@dataclass(frozen=True)
class Hub:
    """A hub as this store knows it: itself (on the hub) or its hub (on a lead)."""

    hub_id: str
    name: str
    hub_age: str
    hub_sign: str
    recovery_age: str
    device_id: str
    device_age: str
    device_sign: str
    status: str = HUB_ENROLLED


class _LeadNamed:
    """A lead laptop as the county calls it: its team, then the laptop: ``display_name``."""

    @property
    def display_name(self) -> str:
        label = T.display_name(self.device_id, self.name, self.worker)  # type: ignore[attr-defined]
        return f"{self.team_name} · {label}" if self.team_name else label  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Lead(_LeadNamed):
    device_id: str
    team_id: str
    team_name: str
    name: str
    worker: str
    status: str
    villages: tuple[str, ...]
    device_age: str
    device_sign: str
    fingerprint: str
    enrolled_at: datetime | None


@dataclass(frozen=True)
class LeadRequest(_LeadNamed):
    hub_id: str
    device_id: str
    team_id: str
    team_name: str
    name: str
    worker: str
    device_age: str
    device_sign: str
    fingerprint: str


# =========================================================================== reading
def _hub(row: Any, *status: str) -> Hub:
    return Hub(row["hub_id"], row["name"], row["hub_age"], row["hub_sign"], row["recovery_age"],
               row["device_id"], row["device_age"], row["device_sign"], *status)


def get_hub(conn: Connection) -> Hub | None:
    """This store's own hub row (this store IS a hub), or None."""
    row = conn.execute(select(SELF)).mappings().first()
    return None if row is None else _hub(row)


def require_hub(conn: Connection) -> Hub:
    hub = get_hub(conn)
    if hub is None:
        raise OutreachError("hub.error.not_hub")
    return hub


def get_membership(conn: Connection) -> Hub | None:
    """The hub this lead's laptop belongs to, or None."""
    row = conn.execute(select(MEMBERSHIP)).mappings().first()
    return None if row is None else _hub(row, row["status"])


def require_membership(conn: Connection) -> Hub:
    hub = get_membership(conn)
    if hub is None:
        raise OutreachError("hub.error.no_hub")
    return hub


def _lead(row: Any) -> Lead:
    return Lead(row["device_id"], row["team_id"], row["team_name"], row["name"], row["worker"], row["status"],
                tuple(json.loads(row["villages"] or "[]")), row["device_age"], row["device_sign"],
                row["fingerprint"], row["enrolled_at"])


def get_lead(conn: Connection, device_id: str) -> Lead | None:
    row = conn.execute(select(LEAD).where(LEAD.c.device_id == device_id)).mappings().first()
    return None if row is None else _lead(row)


def list_leads(conn: Connection) -> list[Lead]:
    return [_lead(r) for r in conn.execute(select(LEAD).order_by(LEAD.c.team_name, LEAD.c.device_id)).mappings()]


def find_lead(conn: Connection, ref: str) -> Lead:
    """A lead by device id, id prefix (4+), 4-character code, team name or laptop name."""
    return R.find(conn, LEADS, ref)


def origins(conn: Connection, lead_device_id: str | None = None) -> list[dict[str, Any]]:
    """The laptops whose changes reached the hub (per-origin vector by team)."""
    stmt = select(ORIGIN).order_by(ORIGIN.c.lead_device_id, ORIGIN.c.origin)
    if lead_device_id is not None:
        stmt = stmt.where(ORIGIN.c.lead_device_id == lead_device_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


# =========================================================================== hub keys
def hub_keys_path(store: Any, key_dir: Path | None = None) -> Path:
    return T.keys_dir(store, key_dir) / HUB_KEYS_NAME


def unlock_hub(store: Any, passphrase: str, *, key_dir: Path | None = None) -> KeyRing:
    """The hub's key ring (its device keys and the hub keys)."""
    with store.connect() as conn:
        hub = require_hub(conn)
    ring = K.load_keyring(hub_keys_path(store, key_dir), passphrase)
    if ring.device_id != hub.device_id or ring.team_age is None or \
            str(ring.team_age.to_public()) != hub.hub_age:
        raise OutreachError("hub.error.keys_other_hub")
    return ring


# =========================================================================== the hub's side
def init_hub(store: Any, passphrase: str, *, name: str = "", kdf: KdfParams = DEFAULT_KDF,
             key_dir: Path | None = None) -> Hub:
    """Make this store a county hub: new hub keys (saved beside the database) and its row."""
    with store.connect() as conn:
        existing = get_hub(conn)
        if existing is not None:
            raise OutreachError("hub.error.already_hub", hub=existing.name or existing.hub_id[:8])
        if get_membership(conn) is not None or T.get_team(conn) is not None:
            raise OutreachError("hub.error.hub_in_team")
    path = hub_keys_path(store, key_dir)
    if path.exists():
        ring = K.load_keyring(path, passphrase)   # an earlier attempt that never got its row
    else:
        K.check_new_passphrase(passphrase)
        ring = KeyRing.generate(store.device.id).with_team_keys()
    pub = ring.public()
    hub = Hub(uuid.uuid4().hex, name.strip()[:80], pub["team_age"], pub["team_sign"], pub["recovery_age"],
              store.device.id, pub["device_age"], pub["device_sign"])
    with store.engine.begin() as conn:
        conn.execute(insert(SELF).values(**{k: v for k, v in hub.__dict__.items() if k != "status"},
                                         created_at=_now()))
        K.save_keyring(path, ring, passphrase, kdf=kdf)   # inside: no row without its key file
    return hub


def make_invite(store: Any, ring: KeyRing) -> bytes:
    """The hub's invite for a team lead: public keys only, signed with the hub's signing key."""
    with store.connect() as conn:
        hub = require_hub(conn)
    if ring.team_sign is None:
        raise OutreachError("hub.error.keys_other_hub")
    doc: dict[str, Any] = {
        "format": INVITE_FORMAT, "version": 1, "hub_id": hub.hub_id, "hub_name": hub.name,
        "hub_age": hub.hub_age, "hub_sign": hub.hub_sign, "recovery_age": hub.recovery_age,
        "device": {"device_id": hub.device_id, "device_age": hub.device_age, "device_sign": hub.device_sign},
        "created_at": _now().isoformat(timespec="seconds")}
    doc["signature"] = K.sign(ring.team_sign, INVITE_CONTEXT + K.canonical_json(doc))
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def read_request(store: Any, data: bytes) -> LeadRequest:
    """Check a lead's request (our hub, well formed, signed by the device key it carries)."""
    with store.connect() as conn:
        hub = require_hub(conn)
    doc = T.small_json(data, REQUEST_FORMAT, "hub.error.bad_request")
    try:
        body = {k: v for k, v in doc.items() if k != "signature"}
        req = LeadRequest(
            hub_id=_hex32(doc["hub_id"]), device_id=_hex32(doc["device_id"]), team_id=_hex32(doc["team_id"]),
            team_name=str(doc.get("team_name", ""))[:80], name=str(doc["name"])[:80], worker=str(doc["worker"])[:64],
            device_age=str(doc["device_age"]), device_sign=str(doc["device_sign"]), fingerprint="")
        K.parse_age_recipient(req.device_age)
        signed = K.verify(req.device_sign, REQUEST_CONTEXT + K.canonical_json(body), str(doc["signature"]))
    except (KeyError, TypeError, ValueError, OutreachError) as exc:
        raise OutreachError("hub.error.bad_request") from exc
    if req.hub_id != hub.hub_id:
        raise OutreachError("hub.error.request_other_hub")
    if not signed:
        raise OutreachError("hub.error.bad_request")
    return LeadRequest(**{**req.__dict__, "fingerprint": fingerprint(hub, req.device_id, req.device_age,
                                                                     req.device_sign)})


def enroll_lead(store: Any, req: LeadRequest, *, villages: list[str] | tuple[str, ...] = ()) -> Lead:
    """Enrol a team lead's laptop (after both people compared ``req.fingerprint``)."""
    return R.enroll(store, LEADS, req, villages)


def set_villages(store: Any, lead_ref: str, villages: list[str] | tuple[str, ...]) -> Lead:
    return R.set_villages(store, LEADS, lead_ref, villages)


def revoke_lead(store: Any, lead_ref: str) -> Lead:
    """A lost lead laptop: its uplinks are refused from now on, no more downlinks to it."""
    return R.revoke(store, LEADS, lead_ref)


def _code_is_free(conn: Connection, device_id: str) -> None:
    code = T.device_code(device_id)
    for other in list_leads(conn):
        if T.device_code(other.device_id) == code:
            raise OutreachError("sync.error.device_code_clash", code=code, device=other.display_name)


LEADS = R.Registry(
    LEAD, owner=require_hub, get=get_lead, members=list_leads, names=lambda d: (d.team_name, d.name, d.display_name),
    ambiguous=("hub.error.lead_ambiguous", "lead"), unknown=("hub.error.unknown_lead", "lead"),
    revoked_error=lambda d: OutreachError("hub.error.lead_revoked", lead=d.display_name), check_code=_code_is_free,
    new_columns=lambda hub: {}, changed_columns=lambda req: {"team_id": req.team_id, "team_name": req.team_name,
                                                              "name": req.name, "worker": req.worker})


# =========================================================================== the lead's side
def join_hub(store: Any, invite: bytes, ring: KeyRing) -> tuple[bytes, str]:
    """On a team lead's laptop: join the hub of ``invite``. Returns (request bytes, fingerprint).
    A lead belongs to one hub: a different hub is refused (asking the same hub again is fine)."""
    doc = T.small_json(invite, INVITE_FORMAT, "hub.error.bad_invite")
    try:
        dev = doc["device"]
        hub = Hub(_hex32(doc["hub_id"]), str(doc.get("hub_name", ""))[:80], str(doc["hub_age"]),
                  str(doc["hub_sign"]), str(doc["recovery_age"]), _hex32(dev["device_id"]),
                  str(dev["device_age"]), str(dev["device_sign"]), HUB_PENDING)
        for key in (hub.hub_age, hub.recovery_age, hub.device_age):
            K.parse_age_recipient(key)
        body = {k: v for k, v in doc.items() if k != "signature"}
        signed = K.verify(hub.hub_sign, INVITE_CONTEXT + K.canonical_json(body), str(doc.get("signature", "")))
    except (KeyError, TypeError, ValueError, OutreachError) as exc:
        raise OutreachError("hub.error.bad_invite") from exc
    if not signed:
        raise OutreachError("hub.error.invite_tampered")
    me = store.device
    if ring.device_id != me.id:
        raise OutreachError("sync.error.keys_other_device")
    with store.engine.begin() as conn:
        team = T.require_team(conn, lead=True)
        if get_hub(conn) is not None:
            raise OutreachError("hub.error.hub_in_team")
        current = get_membership(conn)
        if current is not None and current.hub_id != hub.hub_id:
            raise OutreachError("hub.error.already_member", hub=current.name or current.hub_id[:8])
        if current is not None and (current.hub_sign, current.device_sign) != (hub.hub_sign, hub.device_sign):
            raise OutreachError("hub.error.invite_tampered")
        if current is None:
            conn.execute(insert(MEMBERSHIP).values(**hub.__dict__, joined_at=_now()))
    pub = ring.public()
    body = {"format": REQUEST_FORMAT, "version": 1, "hub_id": hub.hub_id, "device_id": me.id,
            "team_id": team.team_id, "team_name": team.name, "name": me.name, "worker": store.worker,
            "device_age": pub["device_age"], "device_sign": pub["device_sign"],
            "created_at": _now().isoformat(timespec="seconds")}
    body["signature"] = K.sign(ring.device_sign, REQUEST_CONTEXT + K.canonical_json(body))
    fp = fingerprint(hub, me.id, pub["device_age"], pub["device_sign"])
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8") + b"\n", fp


# =========================================================================== helpers
def fingerprint(hub: Hub, device_id: str, device_age: str, device_sign: str) -> str:
    return K.fingerprint("hub", hub.hub_id, hub.hub_age, hub.hub_sign, hub.recovery_age, hub.device_id,
                         hub.device_sign, device_id, device_age, device_sign)


def _hex32(value: Any) -> str:
    return T._hex32(value)


def _now() -> datetime:
    return datetime.now(UTC)
