"""Team key rotation: a new team key (age X25519 + Ed25519) after the lead's laptop or the recovery
identity was lost, carried to every enrolled laptop in its next downlink.

    lead:   rotate_key(store, passphrase, grace_until)   new team keys; the old age identity is kept
            in the key file (``KeyRing.old_team_ages``) so uplinks of the grace period still open;
            a *rotation record* (new public keys, grace date) signed with the OLD team signing key.
    downlink manifest (signed by the lead's device key, encrypted to the worker's device key) carries
            ``key_rotations`` (every record, oldest first) and ``acked_seq`` (the highest uplink
            number up to which the lead has imported every uplink of that laptop; handover uses it).
    worker: ``apply_rotations`` takes a record only when it is signed by the team signing key the
            laptop already trusts; anything else refuses the whole downlink. From then on its uplinks
            are encrypted to the new team key.
    lead:   an uplink addressed to an old team key is accepted until the grace date (inclusive) and
            refused after it, naming the laptop; an uplink under the new key marks the laptop as
            switched (``team status``).

Where it is done from: the lead's laptop (it holds the team keys in its key file). When that laptop
is lost, a new laptop with the recovery identity becomes the lead with a new team key instead
(``lead_recovery``, ``team recover-lead``; see docs/security.md).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519
from sqlalchemy import Connection, func, select, update

from outreach.domain.errors import OutreachError
from outreach.storage.sync_tables import DIRECTION_IN
from outreach.sync import bundle as B
from outreach.sync import keys as K
from outreach.sync import team as T

STATE_SETTING = "sync.key_rotation"      # local setting (never synced): JSON, see _state
RECORD_FORMAT = "outreach-key-rotation"
RECORD_CONTEXT = b"outreach-key-rotation-v1\n"
MAX_RECORDS = 50


def today() -> date:
    """Today's date (UTC); tests replace it."""
    return datetime.now(UTC).date()


# --------------------------------------------------------------------------- local state
def _get(conn: Connection) -> dict[str, Any]:
    from outreach.storage.store import SETTINGS

    raw = conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.key == STATE_SETTING)).scalar_one_or_none()
    try:
        state = json.loads(raw) if raw else {}
    except ValueError:
        state = {}
    state.setdefault("old", [])          # [{"age", "sign", "until"}] replaced team keys and their grace date
    state.setdefault("records", [])      # signed rotation records, oldest first
    state.setdefault("switched", {})     # device id -> when its first uplink under the newest key arrived
    return state


def _put(conn: Connection, state: dict[str, Any]) -> None:
    from outreach.storage.store import Store

    Store._put(conn, STATE_SETTING, json.dumps(state, ensure_ascii=False, sort_keys=True))


def state(store: Any) -> dict[str, Any]:
    with store.connect() as conn:
        return _get(conn)


# --------------------------------------------------------------------------- the lead: rotate
def parse_grace(days: int | None = None, until: str | None = None) -> date:
    """The grace date from ``--grace-days N`` or ``--grace-until YYYY-MM-DD`` (default 14 days)."""
    if until:
        try:
            return date.fromisoformat(until)
        except ValueError as exc:
            raise OutreachError("rot.error.bad_date", value=until) from exc
    from datetime import timedelta

    return today() + timedelta(days=14 if days is None else days)


def sign_record(body: dict[str, Any], old_sign: Ed25519PrivateKey) -> dict[str, Any]:
    return {**body, "signature": K.sign(old_sign, RECORD_CONTEXT + K.canonical_json(body))}


def rotate_key(store: Any, passphrase: str, grace_until: date, *, key_dir: Path | None = None,
               kdf: K.KdfParams = K.DEFAULT_KDF, new_recovery: Path | None = None) -> T.Team:
    """Start a new team key on the lead's laptop. Old uplinks are accepted until ``grace_until``.
    With ``new_recovery`` (the recovery file may be lost or copied) the recovery identity is replaced
    too and the new one written there: bundles, stores and the recovery authority follow it."""
    if grace_until < today():
        raise OutreachError("rot.error.grace_past", date=grace_until.isoformat())
    with store.connect() as conn:
        team = T.require_team(conn, lead=True)
    ring = T.unlock(store, passphrase, key_dir=key_dir)
    if ring.team_age is None or ring.team_sign is None:
        raise OutreachError("sync.error.not_lead")
    new_age, new_sign = x25519.Identity.generate(), Ed25519PrivateKey.generate()
    body = {"format": RECORD_FORMAT, "version": 1, "team_id": team.team_id,
            "old_team_age": team.team_age, "old_team_sign": team.team_sign,
            "team_age": str(new_age.to_public()), "team_sign": K.ed25519_public(new_sign),
            "grace_until": grace_until.isoformat(), "rotated_at": datetime.now(UTC).isoformat(timespec="seconds")}
    new_ring = replace(ring, team_age=new_age, team_sign=new_sign,
                       old_team_ages=[*ring.old_team_ages, ring.team_age])
    if new_recovery is not None:
        new_ring.recovery_age = x25519.Identity.generate()
        body["recovery_age"] = str(new_ring.recovery_age.to_public())
        K.write_recovery_file(Path(new_recovery), new_ring)   # first: no file, no change
    record = sign_record(body, ring.team_sign)
    path = K.keystore_path(T.keys_dir(store, key_dir))
    with store.engine.begin() as conn:
        st = _get(conn)
        st["old"].append({"age": team.team_age, "sign": team.team_sign, "until": grace_until.isoformat()})
        st["records"] = [*st["records"], record][-MAX_RECORDS:]
        st["switched"] = {team.lead_device_id: body["rotated_at"]}
        _put(conn, st)
        conn.execute(update(T.TEAM).where(T.TEAM.c.team_id == team.team_id)
                     .values(team_age=body["team_age"], team_sign=body["team_sign"],
                             recovery_age=body.get("recovery_age", team.recovery_age)))
        # in the transaction: if the key file cannot be written, the team row keeps the old keys
        K.save_keyring(path, new_ring, passphrase, kdf=kdf)
    if new_recovery is not None:
        _rewrap_store(store)
    with store.connect() as conn:
        return T.require_team(conn)


def _rewrap_store(store: Any) -> None:
    """The store's key wrapped to the team's (new) recovery key at once, not at the next start."""
    from outreach.storage import crypto_store

    crypto_store.ensure_recovery(store)


# --------------------------------------------------------------------------- downlinks
def bundle_extra(conn: Connection, kind: str, stream: str, ring: K.KeyRing | None = None) -> dict[str, Any]:
    """Signed manifest fields of any bundle this laptop makes: a downlink carries the key rotations,
    the acknowledgement, and the recovery authority's records (``lead_recovery``); an uplink carries
    the worker's certificate (so the recovery identity can tell who sent it)."""
    from outreach.sync import lead_recovery

    if kind != B.DOWNLINK:
        return lead_recovery.worker_extra(conn)
    return {**downlink_extra(conn, stream), **lead_recovery.lead_extra(conn, stream, ring)}


def downlink_extra(conn: Connection, target: str) -> dict[str, Any]:
    """Signed manifest fields of the lead's downlink to ``target``."""
    from outreach.sync.transport import BUNDLES, missing_seqs

    c = BUNDLES.c
    acked = conn.execute(select(func.coalesce(func.max(c.seq), 0)).where(
        c.direction == DIRECTION_IN, c.sender == target, c.stream == B.TEAM)).scalar_one()
    gap = missing_seqs(conn, target, B.TEAM, limit=1)
    # every uplink up to acked_seq is imported (a missing one lowers it: the acknowledgement is contiguous)
    extra: dict[str, Any] = {"acked_seq": gap[0] - 1 if gap else int(acked)}
    records = _get(conn)["records"]
    if records:
        extra["key_rotations"] = records
    return extra


def apply_rotations(conn: Connection, team: T.Team, records: Any) -> int:
    """On a worker: follow the chain of rotation records from the team signing key this laptop
    trusts. A record not signed by that key refuses the whole downlink. Returns how many applied."""
    if not isinstance(records, list) or len(records) > MAX_RECORDS:
        raise B.BundleRefused("rot.refused.forged")
    current_age, current_sign, recovery = team.team_age, team.team_sign, team.recovery_age
    start = next((i for i, r in enumerate(records)
                  if isinstance(r, dict) and r.get("old_team_sign") == current_sign), None)
    if start is None:
        last = records[-1] if records else {}
        if isinstance(last, dict) and last.get("team_sign") == current_sign:
            return 0            # already took every rotation
        raise B.BundleRefused("rot.refused.forged")
    applied = 0
    for rec in records[start:]:
        if not _valid(rec, team.team_id, current_sign):
            raise B.BundleRefused("rot.refused.forged")
        current_age, current_sign = rec["team_age"], rec["team_sign"]
        recovery = rec.get("recovery_age", recovery)    # a rotation that replaced the recovery key
        applied += 1
    conn.execute(update(T.TEAM).where(T.TEAM.c.team_id == team.team_id)
                 .values(team_age=current_age, team_sign=current_sign, recovery_age=recovery))
    st = _get(conn)
    st["records"] = list(records)
    _put(conn, st)
    return applied


def _valid(rec: Any, team_id: str, signer: str) -> bool:
    if not isinstance(rec, dict) or rec.get("format") != RECORD_FORMAT or rec.get("team_id") != team_id:
        return False
    if rec.get("old_team_sign") != signer:
        return False
    body = {k: v for k, v in rec.items() if k != "signature"}
    try:
        K.parse_age_recipient(str(rec["team_age"]))
        if "recovery_age" in rec:
            K.parse_age_recipient(str(rec["recovery_age"]))
        date.fromisoformat(str(rec["grace_until"]))
        return K.verify(signer, RECORD_CONTEXT + K.canonical_json(body), str(rec["signature"]))
    except (KeyError, TypeError, ValueError, OutreachError):
        return False


# --------------------------------------------------------------------------- the lead: uplinks
def accept_old_key(conn: Connection, m: B.Manifest, device_name: str) -> bool:
    """An uplink addressed to a replaced team key: True before the grace date (inclusive); refused
    after it, naming the laptop; False when the key is not one of ours at all."""
    old = {o["age"]: o for o in _get(conn)["old"]}
    for r in m.recipients:
        if r.device == B.TEAM and r.age in old:
            until = date.fromisoformat(old[r.age]["until"])
            if today() > until:
                raise B.BundleRefused("rot.refused.old_key", device=device_name, date=until.isoformat())
            return True
    return False


def note_uplink(conn: Connection, team: T.Team, m: B.Manifest) -> None:
    """On the lead: an uplink under the current team key means its laptop has switched."""
    st = _get(conn)
    if not (st["records"] or st.get("recovered")) or m.sender in st["switched"]:
        return
    if any(r.device == B.TEAM and r.age == team.team_age for r in m.recipients):
        st["switched"][m.sender] = datetime.now(UTC).isoformat(timespec="seconds")
        _put(conn, st)


def switched(conn: Connection, device_id: str) -> bool | None:
    """Whether a laptop uses the newest team key (None when the team never rotated)."""
    st = _get(conn)
    if not (st["records"] or st.get("recovered")):
        return None
    return device_id in st["switched"]
