"""Keys of a device and of a team, and the passphrase-protected file that holds them.

Every laptop has **device keys**: an age X25519 identity (downlinks are encrypted to it) and an Ed25519
key (it signs the manifests of the bundles the laptop makes). The team lead's laptop also holds the
**team keys**: the team's age identity (uplinks are encrypted to it), the team's Ed25519 key (it
certifies enrolled devices) and a **recovery** age identity, a second recipient of every bundle that
the lead exports once and keeps offline.

Private keys live in one file in the data folder (``outreach-keys.json``, beside the database, never in
a synced table)::

    {"format": "outreach-keystore", "version": 1, "device_id": "…",
     "public": {"device_age": "age1…", "device_sign": "<base64>", …},
     "kdf": {"name": "argon2id", "salt": "…", "memory_kib": 65536, "iterations": 3, "lanes": 4},
     "aead": {"name": "chacha20-poly1305", "nonce": "…"},
     "ciphertext": "<base64 of the encrypted secret keys>"}

The key-encryption key comes from the passphrase through Argon2id with the parameters stored in the
file (so they can be raised later without breaking old files); everything but the ciphertext is bound
as associated data, so a changed public key or weakened parameter makes the file refuse to open.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyrage import x25519

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.safefiles import read_reason, write_atomic

KEYSTORE_NAME = "outreach-keys.json"
KEYSTORE_FORMAT = "outreach-keystore"
KEYSTORE_VERSION = 1
MIN_PASSPHRASE = 8
PASSPHRASE_ENV = "OUTREACH_PASSPHRASE"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default follows RFC 9106's second recommendation (64 MiB, t=3, p=4)."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def check(self) -> None:
        """Refuse parameters no honest file has (a tampered file must not make us allocate 100 GB)."""
        if not (8 * self.lanes <= self.memory_kib <= 4 * 1024 * 1024 and 1 <= self.iterations <= 64
                and 1 <= self.lanes <= 64):
            raise OutreachError("sync.error.keystore_damaged")


DEFAULT_KDF = KdfParams()
# Only for tests and benchmarks that create many key files; never used by the app itself.
FAST_KDF_FOR_TESTS = KdfParams(memory_kib=256, iterations=1, lanes=1)


# --------------------------------------------------------------------------- small helpers
def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that is signed and hashed: sorted keys, no spaces, UTF-8.
    Floats are refused (they have no single canonical text)."""
    _refuse_floats(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("floats have no canonical JSON form")
    if isinstance(value, dict):
        for v in value.values():
            _refuse_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _refuse_floats(v)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def sign(private: Ed25519PrivateKey, message: bytes) -> str:
    return b64(private.sign(message))


def verify(public_b64: str, message: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` is ``public_b64``'s Ed25519 signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_b64)).verify(unb64(signature_b64), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def ed25519_public(private: Ed25519PrivateKey) -> str:
    return b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def parse_age_recipient(text: str) -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(text)
    except Exception as exc:  # pyrage raises its own error types for a malformed key
        raise OutreachError("sync.error.bad_public_key") from exc


def fingerprint(*parts: str) -> str:
    """A short code both people read aloud at enrolment: 20 digits in five groups of four, derived
    with SHA-256 from the public keys of the team and of the device. Any swapped key changes it."""
    digest = hashlib.sha256(canonical_json(["outreach-fingerprint-v1", *parts])).digest()
    digits = f"{int.from_bytes(digest[:16], 'big') % 10**20:020d}"
    return " ".join(digits[i:i + 4] for i in range(0, 20, 4))


# --------------------------------------------------------------------------- the key ring
@dataclass
class KeyRing:
    """The unlocked private keys of this laptop (team keys only on the lead's)."""

    device_id: str
    device_age: x25519.Identity
    device_sign: Ed25519PrivateKey
    team_age: x25519.Identity | None = None
    team_sign: Ed25519PrivateKey | None = None
    recovery_age: x25519.Identity | None = None
    # team age identities replaced by a key rotation, kept so uplinks of the grace period still open
    old_team_ages: list[x25519.Identity] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @classmethod
    def generate(cls, device_id: str) -> KeyRing:
        return cls(device_id=device_id, device_age=x25519.Identity.generate(),
                   device_sign=Ed25519PrivateKey.generate())

    def with_team_keys(self) -> KeyRing:
        """The same device keys plus a new team key set (when the lead creates a team)."""
        return replace(self, team_age=x25519.Identity.generate(), team_sign=Ed25519PrivateKey.generate(),
                       recovery_age=x25519.Identity.generate())

    @property
    def is_lead(self) -> bool:
        return self.team_age is not None

    def public(self) -> dict[str, str]:
        out = {"device_age": str(self.device_age.to_public()), "device_sign": ed25519_public(self.device_sign)}
        if self.team_age is not None and self.team_sign is not None and self.recovery_age is not None:
            out["team_age"] = str(self.team_age.to_public())
            out["team_sign"] = ed25519_public(self.team_sign)
            out["recovery_age"] = str(self.recovery_age.to_public())
        return out

    def identities(self) -> list[x25519.Identity]:
        """Every age identity this laptop may decrypt with: its device key, and on the lead the team key."""
        return [self.device_age] + ([self.team_age] if self.team_age is not None else []) + list(self.old_team_ages)

    def recovery_identity_file(self) -> str:
        """The recovery identity in age's identity-file format (``age -d -i FILE`` reads it)."""
        if self.recovery_age is None:
            raise OutreachError("sync.error.not_lead")
        return (f"# Outreach team recovery identity - keep it offline, it opens every bundle.\n"
                f"# created: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
                f"# public key: {self.recovery_age.to_public()}\n"
                f"{self.recovery_age}\n")

    def _secrets(self) -> dict[str, str]:
        out = {"device_age": str(self.device_age), "device_sign": b64(_raw_private(self.device_sign))}
        if self.team_age is not None and self.team_sign is not None and self.recovery_age is not None:
            out["team_age"] = str(self.team_age)
            out["team_sign"] = b64(_raw_private(self.team_sign))
            out["recovery_age"] = str(self.recovery_age)
        if self.old_team_ages:
            out["old_team_age"] = [str(i) for i in self.old_team_ages]  # type: ignore[assignment]
        return out

    @classmethod
    def _from_secrets(cls, device_id: str, created_at: str, s: dict[str, str]) -> KeyRing:
        ring = cls(device_id=device_id, device_age=x25519.Identity.from_str(s["device_age"]),
                   device_sign=Ed25519PrivateKey.from_private_bytes(unb64(s["device_sign"])),
                   created_at=created_at)
        if "team_age" in s:
            ring.team_age = x25519.Identity.from_str(s["team_age"])
            ring.team_sign = Ed25519PrivateKey.from_private_bytes(unb64(s["team_sign"]))
            ring.recovery_age = x25519.Identity.from_str(s["recovery_age"])
        ring.old_team_ages = [x25519.Identity.from_str(x) for x in s.get("old_team_age", [])]
        return ring


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


# --------------------------------------------------------------------------- the key file
def keystore_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEYSTORE_NAME


MIN_SCORE = 3  # zxcvbn: 0 too guessable … 4 very unguessable; 3 resists an offline attack on a slow hash
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a longer passphrase is judged by its first 72 characters


def weakness_reason(passphrase: str, user_inputs: Sequence[str] = ()) -> str | None:
    """The catalog key saying why a new passphrase is too easy to guess, or None when it is strong
    enough. Judged by zxcvbn (common passwords, words, names, keyboard rows, dates, repeats), whose
    own feedback is English only: its findings are mapped to our sentences."""
    from zxcvbn import zxcvbn

    if not passphrase.strip():
        return "hard.passphrase.reason.empty"
    result = zxcvbn(passphrase[:_ZXCVBN_MAX], user_inputs=[u for u in user_inputs if u])
    return None if result["score"] >= MIN_SCORE else _reason(result)


def passphrase_weakness(passphrase: str, user_inputs: Sequence[str] = ()) -> str | None:
    """Why a new passphrase is too weak and what would be better, one translated line; None if fine."""
    reason = weakness_reason(passphrase, user_inputs)
    return None if reason is None else OutreachError(
        "hard.passphrase.weak", reason=tr(reason), advice=tr("hard.passphrase.advice")).message()


def _reason(result: dict) -> str:
    """The catalog key for the weakest part zxcvbn found (the longest match, as its own feedback does)."""
    matches = [m for m in result.get("sequence", []) if m.get("pattern") != "bruteforce"]
    if not matches:
        return "hard.passphrase.reason.short"
    m = max(matches, key=lambda x: len(x.get("token", "")))
    pattern = m.get("pattern")
    if pattern == "dictionary":
        name = m.get("dictionary_name")
        if name == "passwords":
            return "hard.passphrase.reason.common"
        if name == "user_inputs":
            return "hard.passphrase.reason.personal"
        if name in ("surnames", "male_names", "female_names"):
            return "hard.passphrase.reason.name"
        return "hard.passphrase.reason.word"
    return {"spatial": "hard.passphrase.reason.keyboard", "repeat": "hard.passphrase.reason.repeat",
            "sequence": "hard.passphrase.reason.sequence", "regex": "hard.passphrase.reason.date",
            "date": "hard.passphrase.reason.date"}.get(pattern or "", "hard.passphrase.reason.short")


def check_new_passphrase(passphrase: str, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a new passphrase that is easy to guess (never a bare length rule: 'aaaaaaaaaaaa' is
    long and weak, a short sentence of uncommon words is strong)."""
    reason = weakness_reason(passphrase, user_inputs)
    if reason:
        raise OutreachError("hard.passphrase.weak", reason=tr(reason), advice=tr("hard.passphrase.advice"))


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    kdf.check()
    return Argon2id(salt=salt, length=32, iterations=kdf.iterations, lanes=kdf.lanes,
                    memory_cost=kdf.memory_kib).derive(passphrase.encode("utf-8", "surrogateescape"))  # bytes as typed, even non-UTF-8


def save_keyring(path: Path, ring: KeyRing, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> None:
    """Encrypt the key ring under the passphrase and write it atomically, readable by the owner only."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header: dict[str, Any] = {
        "format": KEYSTORE_FORMAT, "version": KEYSTORE_VERSION, "device_id": ring.device_id,
        "created_at": ring.created_at, "public": ring.public(),
        "kdf": {"name": "argon2id", "salt": b64(salt), "memory_kib": kdf.memory_kib,
                "iterations": kdf.iterations, "lanes": kdf.lanes},
        "aead": {"name": "chacha20-poly1305", "nonce": b64(nonce)},
    }
    key = _derive(passphrase, salt, kdf)
    ciphertext = ChaCha20Poly1305(key).encrypt(nonce, canonical_json(ring._secrets()), canonical_json(header))
    document = {**header, "ciphertext": b64(ciphertext)}
    _write_private(path, json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only (0600), written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, mode=0o600)


def _read_document(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise OutreachError("sync.error.no_keys", path=str(path)) from exc
    except OSError as exc:
        raise OutreachError("sync.error.keystore_unreadable", path=str(path), reason=read_reason(exc)) from exc
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OutreachError("sync.error.keystore_damaged") from exc
    if not isinstance(doc, dict) or doc.get("format") != KEYSTORE_FORMAT:
        raise OutreachError("sync.error.keystore_damaged")
    if doc.get("version") != KEYSTORE_VERSION:
        raise OutreachError("sync.error.keystore_newer", version=str(doc.get("version")))
    return doc


def read_public(path: Path) -> dict[str, str]:
    """The public keys in a key file (no passphrase needed)."""
    doc = _read_document(path)
    public = doc.get("public")
    if not isinstance(public, dict):
        raise OutreachError("sync.error.keystore_damaged")
    return {str(k): str(v) for k, v in public.items()}


def load_keyring(path: Path, passphrase: str) -> KeyRing:
    """Unlock the key file. A wrong passphrase (or a file changed on disk) is one clear error."""
    doc = _read_document(path)
    try:
        kdf_doc, aead_doc = doc["kdf"], doc["aead"]
        if kdf_doc["name"] != "argon2id" or aead_doc["name"] != "chacha20-poly1305":
            raise OutreachError("sync.error.keystore_damaged")
        kdf = KdfParams(memory_kib=int(kdf_doc["memory_kib"]), iterations=int(kdf_doc["iterations"]),
                        lanes=int(kdf_doc["lanes"]))
        salt, nonce, ciphertext = unb64(kdf_doc["salt"]), unb64(aead_doc["nonce"]), unb64(doc["ciphertext"])
        header = {k: v for k, v in doc.items() if k != "ciphertext"}
    except (KeyError, TypeError, ValueError) as exc:
        raise OutreachError("sync.error.keystore_damaged") from exc
    key = _derive(passphrase, salt, kdf)
    try:
        secrets = json.loads(ChaCha20Poly1305(key).decrypt(nonce, ciphertext, canonical_json(header)))
    except InvalidTag as exc:
        raise OutreachError("sync.error.wrong_passphrase") from exc
    ring = KeyRing._from_secrets(str(doc["device_id"]), str(doc.get("created_at", "")), secrets)
    if ring.public() != doc["public"]:
        raise OutreachError("sync.error.keystore_damaged")
    return ring


def change_passphrase(path: Path, old: str, new: str, *, kdf: KdfParams = DEFAULT_KDF) -> None:
    check_new_passphrase(new)
    save_keyring(path, load_keyring(path, old), new, kdf=kdf)


def write_recovery_file(path: Path, ring: KeyRing) -> None:
    """Write the recovery identity (secret!) with owner-only permissions."""
    _write_private(Path(path), ring.recovery_identity_file().encode("ascii"))
