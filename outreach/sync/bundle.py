"""The bundle file: how changes travel between laptops, and how a received file is checked.

Outside, a bundle is a standard **age v1** file (X25519 recipients, ChaCha20-Poly1305 in 64 KiB chunks,
truncation detected), so ``age -d -i identity.txt bundle.outreach`` opens it. Inside, no archive (it
could smuggle paths), just lines of UTF-8::

    OUTREACH-BUNDLE                      magic line
    {"bundle_id":…,"format_version":"1.0",…}   manifest, canonical JSON (sorted keys, no spaces)
    <base64 Ed25519 signature>           by the sender's device key over CONTEXT + manifest line
    {"device_id":…,"entity":…,…}         payload: one change per line (JSON Lines), wire form …

The manifest names the format version, bundle id, team, sender device, the intended recipients, the
sender's sequence number for this stream and the previous bundle id, the sender's version vector, and
the payload's SHA-256, size and counts. A reader refuses an unknown *major* version and ignores fields
it does not know (added by a newer *minor* version). Hard caps bound the file, the manifest, each line
and the number of changes, so a hostile file cannot exhaust memory.

``open_bundle`` checks everything in order (size, decryption, magic, version, manifest schema, team,
signer, signature, recipients, payload hash/size/counts, each change's schema) and touches no database:
questions about the team (which signer key, is it revoked, are we a recipient) are asked through the
``Gate`` the caller passes.

Speed (issue 14): written and read as streams (``bundle_stream``, ``bundle_codec``, ``export_rows``),
byte for byte this format. Why its goals are out of reach, and a measured 2.0 form (values embedded,
not JSON text) with the rule for when a writer may use it — the roster says every recipient reads
it — are in docs/bundle-speed.md; not built: this module writes and reads 1.x only.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519
from sqlalchemy import BigInteger, Boolean, Date, Integer, String, Text
from sqlalchemy.types import TypeDecorator

from outreach.domain.errors import OutreachError
from outreach.storage.tables import SYNCED_TABLES, SyncedBase
from outreach.storage.types import UTCDateTime
from outreach.sync.keys import canonical_json, parse_age_recipient, sign

MAGIC = b"OUTREACH-BUNDLE\n"
FORMAT = "outreach-bundle"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0
SIGNATURE_CONTEXT = b"outreach-bundle-manifest-v1\n"
AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
UPLINK, DOWNLINK = "uplink", "downlink"
TEAM = "team"  # the recipient name of an uplink: whoever holds the team key
# A change on the wire (see outreach.sync.changes.to_wire): value as JSON text, optional "base".
CHANGE_KEYS = ("device_id", "entity", "field", "hlc", "row_id", "value", "worker")
MAX_HLC = 2**63 - 1

_HEX32 = re.compile(r"[0-9a-f]{32}")
_ROW_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")


@dataclass(frozen=True)
class Limits:
    """Hard caps on what a reader accepts (all checked before anything is parsed further)."""

    max_file_bytes: int = 256 * 2**20      # ~400k changes; a week of one laptop is far less
    max_manifest_bytes: int = 8 * 2**20
    max_line_bytes: int = 2 * 2**20
    max_changes: int = 1_000_000
    max_recipients: int = 8                # age stanzas; our bundles have two or three
    max_header_bytes: int = 16 * 2**10     # the age header (all stanzas), checked before decryption
    max_seq: int = 1_000_000               # a bundle every 10 minutes for 19 years
    max_vector: int = 10_000               # origin devices in a version vector
    max_roster: int = 1_000                # devices named in a downlink's roster


DEFAULT_LIMITS = Limits()


class BundleRefused(OutreachError):
    """A received file that is not imported, with the reason for the user (a catalog key)."""


@dataclass(frozen=True)
class Recipient:
    device: str   # a device id, or TEAM
    age: str      # the age public key the bundle is encrypted to for it

    def to_json(self) -> dict[str, str]:
        return {"age": self.age, "device": self.device}


@dataclass(frozen=True)
class Manifest:
    kind: str
    bundle_id: str
    team_id: str
    sender: str
    sender_name: str
    recipients: tuple[Recipient, ...]
    seq: int
    prev: str | None
    vector: dict[str, int]
    since: dict[str, int] | None
    villages: tuple[str, ...] | None
    payload_sha256: str
    payload_bytes: int
    change_count: int
    counts: dict[str, int]
    created_at: str
    roster: tuple[dict[str, Any], ...] = ()
    format_minor: int = FORMAT_MINOR
    extra: dict[str, Any] = field(default_factory=dict)  # fields from a newer minor version

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.extra,
            "format": FORMAT, "format_version": f"{FORMAT_MAJOR}.{self.format_minor}",
            "kind": self.kind, "bundle_id": self.bundle_id, "team_id": self.team_id,
            "sender": self.sender, "sender_name": self.sender_name,
            "recipients": [r.to_json() for r in self.recipients],
            "seq": self.seq, "prev": self.prev, "vector": dict(self.vector),
            "since": None if self.since is None else dict(self.since),
            "villages": None if self.villages is None else list(self.villages),
            "payload": {"sha256": self.payload_sha256, "bytes": self.payload_bytes,
                        "changes": self.change_count, "counts": dict(self.counts)},
            "created_at": self.created_at,
        }
        if self.roster:
            out["roster"] = list(self.roster)
        return out


@dataclass(frozen=True)
class OpenedBundle:
    manifest: Manifest
    changes: list[dict[str, Any]]


class Gate(Protocol):
    """What the reader asks the team registry, in this order; each refuses by raising BundleRefused."""

    def check_team(self, manifest: Manifest) -> None: ...
    def signer_key(self, manifest: Manifest) -> str: ...      # base64 Ed25519 public key of the sender
    def check_recipient(self, manifest: Manifest) -> None: ...


# =========================================================================== writing
def _wire_keys(change: dict[str, Any]) -> dict[str, Any]:
    out = {k: change[k] for k in CHANGE_KEYS}
    if change.get("base") is not None:
        out["base"] = change["base"]
    return out


# canonical_json for wire records, without the generic float walk: a wire record's only values are
# strings, ints and the [int, str] base, so checking the top level and the base is enough.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _encode_wire(change: dict[str, Any]) -> bytes:
    record = _wire_keys(change)
    if any(type(v) is float for v in record.values()) or any(type(v) is float for v in record.get("base", ())):
        raise TypeError("floats have no canonical JSON form")
    return _CANONICAL.encode(record).encode("utf-8")


def encode_payload(changes: Iterable[dict[str, Any]]) -> tuple[bytes, int, dict[str, int]]:
    """JSON Lines of wire-form changes (``changes.to_wire``): canonical, only the contract's keys.
    Returns (bytes, number of changes, changes per entity)."""
    from outreach.sync.bundle_codec import encode_changes, entity_counts

    changes = list(changes)
    counts = entity_counts(changes)
    return encode_changes(changes), len(changes), dict(sorted(counts.items()))


def make_manifest(*, kind: str, team_id: str, sender: str, sender_name: str, recipients: Sequence[Recipient],
                  seq: int, prev: str | None, vector: dict[str, int], payload_sha256: str, payload_bytes: int,
                  change_count: int, counts: dict[str, int], since: dict[str, int] | None = None,
                  villages: Sequence[str] | None = None, roster: Sequence[dict[str, Any]] = (),
                  bundle_id: str | None = None, created_at: str | None = None,
                  extra: dict[str, Any] | None = None) -> Manifest:
    return Manifest(
        kind=kind, bundle_id=bundle_id or uuid.uuid4().hex, team_id=team_id, sender=sender,
        sender_name=sender_name, recipients=tuple(recipients), seq=seq, prev=prev,
        vector={k: int(v) for k, v in sorted(vector.items())}, since=since,
        villages=None if villages is None else tuple(villages),
        payload_sha256=payload_sha256, payload_bytes=payload_bytes, change_count=change_count, counts=counts,
        created_at=created_at or datetime.now(UTC).isoformat(timespec="seconds"), roster=tuple(roster),
        extra=dict(extra or {}),
    )


def write_bundle(*, signer: Ed25519PrivateKey, escrow: Sequence[str] = (), changes: Iterable[dict[str, Any]],
                 **fields: Any) -> tuple[bytes, Manifest]:
    """Sign and encrypt one bundle. ``recipients`` are the intended readers (named in the signed
    manifest); ``escrow`` are further age keys that can open it (the team's offline recovery key).
    The file in memory; ``bundle_stream.write_bundle_to`` writes it into a file as it is encrypted."""
    from outreach.sync.bundle_stream import write_bundle_to

    out = io.BytesIO()
    manifest = write_bundle_to(out, signer=signer, escrow=escrow, changes=changes, **fields)
    return out.getvalue(), manifest


def build_inner(manifest: dict[str, Any], payload: bytes, signer: Ed25519PrivateKey) -> bytes:
    """The plaintext of a bundle (exposed so tests can forge hand-edited ones)."""
    manifest_bytes = canonical_json(manifest)
    signature = sign(signer, SIGNATURE_CONTEXT + manifest_bytes)
    return MAGIC + manifest_bytes + b"\n" + signature.encode("ascii") + b"\n" + payload


def seal(inner: bytes, age_recipients: Sequence[str]) -> bytes:
    keys = list(dict.fromkeys(age_recipients))  # same key twice would add a useless stanza
    return pyrage.encrypt(inner, [parse_age_recipient(k) for k in keys])


# =========================================================================== reading
def decrypt(data: bytes, identities: Sequence[x25519.Identity], limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The plaintext of an age file, or BundleRefused saying why (not a bundle / not for us / damaged)."""
    if len(data) > limits.max_file_bytes:
        raise BundleRefused("sync.refused.too_large", size_mb=len(data) // 2**20,
                            limit_mb=limits.max_file_bytes // 2**20)
    if not (data.startswith(AGE_MAGIC) or data.startswith(AGE_ARMOR)):
        raise BundleRefused("sync.refused.not_bundle")
    check_age_header(data, limits)
    try:
        return pyrage.decrypt(data, list(identities))
    except pyrage.DecryptError as exc:
        reason = str(exc)
        if "No matching keys" in reason:
            raise BundleRefused("sync.refused.not_for_us") from exc
        raise BundleRefused("sync.refused.damaged") from exc


def _dearmor_prefix(data: bytes, limit: int) -> bytes:
    """The first ``limit``-odd bytes of an ASCII-armored age file, decoded (enough for its header)."""
    import base64
    import binascii

    lines = data[:limit * 2].split(b"\n")[1:]
    text = b"".join(line.strip() for line in lines if not line.startswith(b"-----"))
    text = text[:len(text) // 4 * 4]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BundleRefused("harden.age.header", reason="armor") from exc


def check_age_header(data: bytes, limits: Limits = DEFAULT_LIMITS) -> int:
    """Parse the age v1 header (C2SP age spec: version line, recipient stanzas ``-> type args`` each
    followed by base64 body lines that end with a line shorter than 64 columns, then ``--- mac``)
    without decrypting, and refuse a header longer than ``max_header_bytes`` or with more than
    ``max_recipients`` stanzas — a decryptor would otherwise try every stanza against our keys.
    Returns the number of stanzas."""
    raw = _dearmor_prefix(data, limits.max_header_bytes) if data.startswith(AGE_ARMOR) else data
    end = raw.find(b"\n---", 0, limits.max_header_bytes)
    if end < 0:
        if len(raw) > limits.max_header_bytes:
            raise BundleRefused("harden.age.header", reason=f"header longer than {limits.max_header_bytes} bytes")
        raise BundleRefused("sync.refused.damaged")
    lines = raw[:end].split(b"\n")
    if lines[0] + b"\n" != AGE_MAGIC:
        raise BundleRefused("sync.refused.not_bundle")
    stanzas = 0
    in_body = False
    for line in lines[1:]:
        if line.startswith(b"-> "):
            if in_body:
                raise BundleRefused("harden.age.header", reason="stanza body not ended")
            stanzas += 1
            if stanzas > limits.max_recipients:
                count = raw.count(b"\n-> ", 0, limits.max_header_bytes)
                raise BundleRefused("harden.age.too_many_recipients", count=f"{count}+" if
                                    len(raw) > limits.max_header_bytes else count, limit=limits.max_recipients)
            in_body = True
        elif in_body and len(line) <= 64:
            in_body = len(line) == 64      # a full line continues the body, a shorter one ends it
        else:
            raise BundleRefused("harden.age.header", reason="malformed stanza")
    if stanzas == 0 or in_body:
        raise BundleRefused("harden.age.header", reason="no recipient stanza")
    return stanzas


def split_inner(inner: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, str, bytes]:
    """(manifest line, signature, payload) of a decrypted bundle, the sizes checked."""
    if not inner.startswith(MAGIC):
        raise BundleRefused("sync.refused.not_bundle")
    end = inner.find(b"\n", len(MAGIC), len(MAGIC) + limits.max_manifest_bytes + 1)
    if end < 0:
        raise BundleRefused("sync.refused.bad_manifest", reason="manifest too long or cut off")
    manifest_bytes = inner[len(MAGIC):end]
    sig_end = inner.find(b"\n", end + 1, end + 1 + 200)
    if sig_end < 0:
        raise BundleRefused("sync.refused.bad_manifest", reason="signature line missing")
    try:
        signature = inner[end + 1:sig_end].decode("ascii")
    except UnicodeDecodeError as exc:
        raise BundleRefused("sync.refused.bad_signature") from exc
    return manifest_bytes, signature, inner[sig_end + 1:]


def parse_manifest(manifest_bytes: bytes) -> Manifest:
    """The manifest's fields, each type-checked. Unknown major version → refused; unknown fields → kept
    aside and otherwise ignored."""
    try:
        doc = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BundleRefused("sync.refused.bad_manifest", reason="not JSON") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BundleRefused("sync.refused.not_bundle")
    version = doc.get("format_version")
    m = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", version) if isinstance(version, str) else None
    if m is None:
        raise BundleRefused("sync.refused.bad_manifest", reason="format_version")
    if int(m.group(1)) != FORMAT_MAJOR:
        raise BundleRefused("sync.refused.newer_format", version=version, supported=f"{FORMAT_MAJOR}.x")
    try:
        return _manifest_from(doc, int(m.group(2)))
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleRefused("sync.refused.bad_manifest", reason=str(exc) or type(exc).__name__) from exc


def _manifest_from(doc: dict[str, Any], minor: int) -> Manifest:
    payload = _dict(doc["payload"], "payload")
    recipients = tuple(Recipient(device=_str(r["device"], "recipient"), age=_str(r["age"], "recipient"))
                       for r in _list(doc["recipients"], "recipients") if isinstance(r, dict))
    if not recipients or len(recipients) != len(doc["recipients"]):
        raise ValueError("recipients")
    kind = _str(doc["kind"], "kind")
    if kind not in (UPLINK, DOWNLINK):
        raise ValueError("kind")
    villages = doc.get("villages")
    since = doc.get("since")
    known = {"format", "format_version", "kind", "bundle_id", "team_id", "sender", "sender_name",
             "recipients", "seq", "prev", "vector", "since", "villages", "payload", "created_at", "roster"}
    prev = doc.get("prev")
    limits = DEFAULT_LIMITS
    if len(recipients) > limits.max_recipients:
        raise ValueError("recipients")
    seq = doc["seq"]
    if type(seq) is int and seq > limits.max_seq:
        raise BundleRefused("harden.seq.out_of_range", seq=seq, limit=limits.max_seq)
    counts = _dict(payload.get("counts", {}), "counts")
    if len(counts) > 100:
        raise ValueError("counts")
    vector = _dict(doc["vector"], "vector")
    if len(vector) > limits.max_vector or (isinstance(since, dict) and len(since) > limits.max_vector):
        raise ValueError("vector")
    roster = _list(doc.get("roster", []), "roster")
    if len(roster) > limits.max_roster or (isinstance(villages, list) and len(villages) > 10_000):
        raise ValueError("roster")
    return Manifest(
        kind=kind, bundle_id=_hex32(doc["bundle_id"], "bundle_id"), team_id=_hex32(doc["team_id"], "team_id"),
        sender=_hex32(doc["sender"], "sender"), sender_name=_str(doc.get("sender_name", ""), "sender_name"),
        recipients=recipients, seq=_int(doc["seq"], "seq", low=1, high=limits.max_seq),
        prev=None if prev is None else _hex32(prev, "prev"),
        vector=_vector(doc["vector"], "vector"), since=None if since is None else _vector(since, "since"),
        villages=None if villages is None else tuple(_str(v, "villages") for v in _list(villages, "villages")),
        payload_sha256=_str(payload["sha256"], "payload.sha256"),
        payload_bytes=_int(payload["bytes"], "payload.bytes", high=limits.max_file_bytes),
        change_count=_int(payload["changes"], "payload.changes", high=limits.max_changes),
        counts={_str(k, "counts"): _int(v, "counts", high=limits.max_changes)
                for k, v in counts.items()},
        created_at=_str(doc["created_at"], "created_at"),
        roster=tuple(_dict(r, "roster") for r in roster),
        format_minor=minor, extra={k: v for k, v in doc.items() if k not in known},
    )


def parse_payload(payload: bytes, manifest: Manifest, limits: Limits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
    """The changes, after checking the payload's hash, size, count and every change's schema."""
    if manifest.change_count > limits.max_changes:
        raise BundleRefused("sync.refused.too_many_changes", count=manifest.change_count, limit=limits.max_changes)
    if len(payload) != manifest.payload_bytes or hashlib.sha256(payload).hexdigest() != manifest.payload_sha256:
        raise BundleRefused("sync.refused.payload_mismatch")
    lines = payload.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return parse_lines(lines, manifest, limits)


def parse_lines(lines: list[bytes], manifest: Manifest, limits: Limits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
    """The changes of the payload's lines (hash and size already checked), each change's schema checked."""
    if len(lines) != manifest.change_count:
        raise BundleRefused("sync.refused.payload_mismatch")
    changes, counts = check_lines(lines, 1, limits)
    if manifest.counts and dict(counts) != manifest.counts:
        raise BundleRefused("sync.refused.payload_mismatch")
    return changes


def check_lines(lines: Sequence[bytes], first: int = 1,
                limits: Limits = DEFAULT_LIMITS) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The changes of consecutive payload lines (numbered from ``first``) in wire form, and their count
    per entity; BundleRefused naming the first bad line. ``bundle_codec`` checks a well-formed batch
    at C speed; anything it does not plainly accept is decided here, line by line, by ``check_change``."""
    from outreach.sync.bundle_codec import decode_changes

    fast = decode_changes(lines, limits.max_line_bytes)
    if fast is not None:
        return fast
    changes: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for number, line in enumerate(lines, start=first):
        if len(line) > limits.max_line_bytes:
            raise BundleRefused("sync.refused.bad_change", line=number, reason="line too long")
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise BundleRefused("sync.refused.bad_change", line=number, reason="not JSON") from exc
        problem = check_change(obj)
        if problem:
            raise BundleRefused("sync.refused.bad_change", line=number, reason=problem)
        change = _wire_keys(obj)
        changes.append(change)
        counts[change["entity"]] += 1
    return changes, counts


def open_bundle(data: bytes, identities: Sequence[x25519.Identity], gate: Gate,
                limits: Limits = DEFAULT_LIMITS) -> OpenedBundle:
    """Decrypt and verify one bundle completely; nothing is written anywhere. (The checks run on the
    stream as it decrypts: ``bundle_stream.open_stream``, which takes a file object.)"""
    from outreach.sync.bundle_stream import open_stream

    return open_stream(io.BytesIO(data), identities, gate, limits, size=len(data))


# =========================================================================== schema of one change
def check_change(obj: Any) -> str | None:
    """None when ``obj`` is a well-formed change record, else what is wrong (in English, for the log
    and the refusal message's detail)."""
    if not isinstance(obj, dict):
        return "not an object"
    missing = [k for k in CHANGE_KEYS if k not in obj]
    if missing:
        return f"missing {', '.join(missing)}"
    entity, row_id, fld = obj["entity"], obj["row_id"], obj["field"]
    rules = _rules(entity) if isinstance(entity, str) else None
    if rules is None:
        return f"unknown entity {entity!r}"
    if not isinstance(row_id, str) or not _ROW_ID.fullmatch(row_id):
        return "bad row_id"
    if not isinstance(obj["device_id"], str) or not _HEX32.fullmatch(obj["device_id"]):
        return "bad device_id"
    hlc = obj["hlc"]
    if type(hlc) is not int or not 0 < hlc <= MAX_HLC:
        return "bad hlc"
    if not isinstance(obj["worker"], str) or len(obj["worker"]) > 64:
        return "bad worker"
    base = obj.get("base")
    if base is not None and not (
            isinstance(base, list) and len(base) == 2 and type(base[0]) is int and 0 <= base[0] <= MAX_HLC
            and isinstance(base[1], str) and (base[1] == "" or _HEX32.fullmatch(base[1]))):
        return "bad base"
    if not isinstance(obj["value"], str):
        return "value must be JSON text"
    try:
        value = json.loads(obj["value"])
    except (ValueError, RecursionError):
        return "value is not JSON"
    if fld == "*":
        if not isinstance(value, dict):
            return "row creation must carry an object"
        if value.get("id", row_id) != row_id:
            return "row id differs from row_id"
        for name, v in value.items():
            problem = _check_field(rules, name, v)
            if problem:
                return problem
        return None
    if not isinstance(fld, str):
        return "bad field"
    if fld in SyncedBase.BOOKKEEPING:
        return f"field {fld!r} cannot be changed"
    return _check_field(rules, fld, value)


# kind of each column a change may carry, per entity: {name: (kind, nullable)}
_KINDS: dict[str, dict[str, tuple[str, bool]]] = {}


def _rules(entity: str) -> dict[str, tuple[str, bool]] | None:
    if entity not in _KINDS:
        model = SYNCED_TABLES.get(entity)
        if model is None:
            return None
        _KINDS[entity] = {c.name: (_kind(c.type), bool(c.nullable)) for c in model.__table__.columns
                          if c.name not in model.__local_columns__}
    return _KINDS[entity]


def _kind(col_type: Any) -> str:
    if isinstance(col_type, UTCDateTime):
        return "datetime"
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl_instance  # sqlmodel's AutoString is a String underneath
    if isinstance(col_type, Boolean):
        return "bool"
    if isinstance(col_type, Integer | BigInteger):
        return "int"
    if isinstance(col_type, Date):
        return "date"
    if isinstance(col_type, String | Text):
        # No length check: the writing device does not enforce max_length either, and refusing a
        # bundle for a long address would block that laptop's sync for good. Lines are capped anyway.
        return "str"
    return "other"


def _check_field(rules: dict[str, tuple[str, bool]], name: str, value: Any) -> str | None:
    rule = rules.get(name)
    if rule is None:
        return f"unknown field {name!r}"
    kind, nullable = rule
    if value is None:
        return None if nullable else f"{name} cannot be empty"
    t = type(value)
    if t is float:
        return f"{name}: floats are not allowed"
    if kind == "str":
        ok = t is str
    elif kind == "int":
        ok = t is int and abs(value) <= MAX_HLC
    elif kind == "bool":
        ok = t is bool
    elif kind == "date":
        ok = t is str and _parses(date.fromisoformat, value)
    elif kind == "datetime":
        ok = t is str and _parses(datetime.fromisoformat, value)
    else:
        ok = t in (str, int, bool)
    return None if ok else f"{name}: wrong type"


def _parses(fn: Callable[[str], Any], value: str) -> bool:
    try:
        fn(value)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- field checkers
def _str(v: Any, name: str) -> str:
    if not isinstance(v, str) or len(v) > 10_000:
        raise ValueError(name)
    return v


def _hex32(v: Any, name: str) -> str:
    if not isinstance(v, str) or not _HEX32.fullmatch(v):
        raise ValueError(name)
    return v


def _int(v: Any, name: str, low: int = 0, high: int = MAX_HLC) -> int:
    """An integer from a bundle, range-checked before anything is sized by it."""
    if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
        raise ValueError(name)
    return v


def _dict(v: Any, name: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ValueError(name)
    return v


def _list(v: Any, name: str) -> list[Any]:
    if not isinstance(v, list):
        raise ValueError(name)
    return v


def _vector(v: Any, name: str) -> dict[str, int]:
    return {_hex32(k, name): _int(h, name) for k, h in _dict(v, name).items()}
