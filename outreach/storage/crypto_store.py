"""The store encrypted at rest (issue 13): SQLCipher 4 through the ``sqlcipher3`` driver.

Every page of ``outreach.sqlite3`` — and of its ``-wal`` file and every backup — is encrypted with a
random 256-bit **database key**. Temporary tables and sort spills stay in memory (``temp_store``), so
no plain page reaches the disk. The database key itself lives only wrapped, in a small file beside
the database (``outreach-dbkey.json``, owner-only), in the same design as the team key file
(``sync/keys.py``)::

    {"format": "outreach-dbkey", "version": 1, "created_at": "…",
     "kdf": {"name": "argon2id", "salt": "…", "memory_kib": 65536, "iterations": 3, "lanes": 4},
     "aead": {"name": "chacha20-poly1305", "nonce": "…"},
     "wrapped": "<database key encrypted under the passphrase>",
     "recovery": {"recipient": "age1…", "age": "<the same key encrypted to the team's recovery key>"}}

* the passphrase unlocks it through Argon2id with the parameters stored in the file (bound as
  associated data, so weakened parameters make it refuse to open);
* once the laptop is in a team, the database key is also encrypted (age, X25519) to the team's
  recovery key, so the lead can open a worker's data with the recovery identity when the passphrase
  is forgotten (``outreach unlock --recovery-identity FILE``);
* changing the passphrase rewraps the key; the data are not re-encrypted.

A plain database from before this version is encrypted on the first start (``sqlcipher_export``),
then the plain file (and any plain ``*.bak`` copy) is overwritten and unlinked — see
``secure_delete`` for what that can and cannot promise on an SSD.

Repeated wrong passphrases are answered with a growing delay, counted in
``outreach-dbkey.attempts.json`` next to the key file (the clock is injectable for tests).

There is no unencrypted mode for file stores. Only ``Store.in_memory()`` (tests) stays plain: it never
touches the disk.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.safefiles import fsync_file as _fsync

KEYFILE_NAME = "outreach-dbkey.json"
ATTEMPTS_NAME = "outreach-dbkey.attempts.json"
KEYFILE_FORMAT = "outreach-dbkey"
KEYFILE_VERSION = 1
PASSPHRASE_ENV = "OUTREACH_PASSPHRASE"   # the same passphrase as the team key file
PLAIN_HEADER = b"SQLite format 3\x00"
FREE_FAILURES = 3                        # wrong passphrases before the delays start
MAX_DELAY_S = 15 * 60

_cache: dict[str, tuple[str, bytes]] = {}            # key file → unwrapped database key, for this process only
_cache_lock = threading.Lock()
_provider: Callable[[Path, bool], str | None] | None = None


# --------------------------------------------------------------------------- where things are
def keyfile_path(directory: Path) -> Path:
    return Path(directory) / KEYFILE_NAME


def attempts_path(directory: Path) -> Path:
    return Path(directory) / ATTEMPTS_NAME


def has_keyfile(directory: Path) -> bool:
    return keyfile_path(directory).exists()


def is_plain_sqlite(path: Path) -> bool:
    """True for an unencrypted SQLite file with content (an empty file is a new store)."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(16) == PLAIN_HEADER
    except OSError:
        return False


def looks_encrypted(path: Path) -> bool:
    """Whole 4 KiB pages with no SQLite header: a SQLCipher file (whose key file may be lost), not a
    letter or a spreadsheet saved under the database's name."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return False
    return size >= 4096 and size % 4096 == 0 and not is_plain_sqlite(path)


# --------------------------------------------------------------------------- passphrases
def set_passphrase_provider(fn: Callable[[Path, bool], str | None] | None) -> None:
    """Who is asked when no ``OUTREACH_PASSPHRASE`` is set: ``fn(data_dir, new)`` returns the
    passphrase (``new``: one is being chosen) or None. The CLI asks on the terminal without echo by
    default; the window unlocks through its lock dialog before it opens the store."""
    global _provider
    _provider = fn


def _ask_terminal(directory: Path, new: bool) -> str | None:
    if not (sys.stdin and sys.stdin.isatty()):
        return None
    from getpass import getpass

    from outreach.i18n import tr

    first = getpass(tr("sec.prompt.new" if new else "sec.prompt.passphrase", path=str(directory)) + " ")
    if new and getpass(tr("sec.prompt.repeat") + " ") != first:
        raise OutreachError("sec.error.mismatch")
    return first


def passphrase_for(directory: Path, *, new: bool) -> str:
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    asked = (_provider or _ask_terminal)(Path(directory), new)
    if not asked:
        raise OutreachError("sec.error.passphrase_needed", env=PASSPHRASE_ENV)
    return asked


# --------------------------------------------------------------------------- the key file
def _keys():
    from outreach.sync import keys

    return keys


def _kdf_for_new_files():
    keys = _keys()
    # Tests make hundreds of stores; they ask for the cheap parameters (never the app itself).
    return keys.FAST_KDF_FOR_TESTS if os.environ.get("OUTREACH_TEST_FAST_KDF") == "1" else keys.DEFAULT_KDF


def _header(kdf, salt: bytes, nonce: bytes, created_at: str) -> dict[str, Any]:
    b64 = _keys().b64
    return {"format": KEYFILE_FORMAT, "version": KEYFILE_VERSION, "created_at": created_at,
            "kdf": {"name": "argon2id", "salt": b64(salt), "memory_kib": kdf.memory_kib,
                    "iterations": kdf.iterations, "lanes": kdf.lanes},
            "aead": {"name": "chacha20-poly1305", "nonce": b64(nonce)}}


def _wrap(key: bytes, passphrase: str, *, kdf=None, created_at: str | None = None,
          recovery: dict[str, str] | None = None) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    keys = _keys()
    kdf = kdf or _kdf_for_new_files()
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _header(kdf, salt, nonce, created_at or datetime.now(UTC).isoformat(timespec="seconds"))
    kek = keys._derive(passphrase, salt, kdf)
    doc = {**header, "wrapped": keys.b64(ChaCha20Poly1305(kek).encrypt(nonce, key, keys.canonical_json(header)))}
    if recovery:
        doc["recovery"] = recovery
    return doc


def _write(directory: Path, doc: dict[str, Any]) -> None:
    from outreach.safefiles import write_atomic

    Path(directory).mkdir(parents=True, exist_ok=True)
    write_atomic(keyfile_path(directory), json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"),
                 mode=0o600)


def _read(directory: Path) -> dict[str, Any]:
    path = keyfile_path(directory)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError as exc:
        raise OutreachError("sec.error.keyfile_missing", path=str(path)) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise OutreachError("sec.error.keyfile_damaged", path=str(path)) from exc
    if not isinstance(doc, dict) or doc.get("format") != KEYFILE_FORMAT or doc.get("version") != KEYFILE_VERSION:
        raise OutreachError("sec.error.keyfile_damaged", path=str(path))
    return doc


def create_keyfile(directory: Path, passphrase: str, *, check_strength: bool = True) -> bytes:
    """A new random database key, wrapped by ``passphrase`` (refused when easy to guess)."""
    if check_strength:
        _keys().check_new_passphrase(passphrase)
    key = os.urandom(32)
    _write(directory, _wrap(key, passphrase))
    _remember(directory, key)
    return key


def _unwrap(doc: dict[str, Any], passphrase: str, directory: Path) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    keys = _keys()
    try:
        k = doc["kdf"]
        if k["name"] != "argon2id" or doc["aead"]["name"] != "chacha20-poly1305":
            raise ValueError(k["name"])
        kdf = keys.KdfParams(memory_kib=int(k["memory_kib"]), iterations=int(k["iterations"]), lanes=int(k["lanes"]))
        salt, nonce = keys.unb64(k["salt"]), keys.unb64(doc["aead"]["nonce"])
        wrapped = keys.unb64(doc["wrapped"])
        header = _header(kdf, salt, nonce, str(doc["created_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise OutreachError("sec.error.keyfile_damaged", path=str(keyfile_path(directory))) from exc
    try:
        kdf.check()
    except OutreachError as exc:
        raise OutreachError("sec.error.keyfile_damaged", path=str(keyfile_path(directory))) from exc
    kek = keys._derive(passphrase, salt, kdf)
    try:
        return ChaCha20Poly1305(kek).decrypt(nonce, wrapped, keys.canonical_json(header))
    except InvalidTag as exc:
        raise OutreachError("sec.error.wrong_passphrase") from exc


# --------------------------------------------------------------------------- throttling
def _attempts(directory: Path) -> dict[str, float]:
    try:
        doc = json.loads(attempts_path(directory).read_text(encoding="utf-8"))
        return {"failures": int(doc["failures"]), "last": float(doc["last"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"failures": 0, "last": 0.0}


def delay_after(failures: int) -> float:
    """Seconds to wait before the next try: none for the first three, then 5 s doubling to 15 min."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(5 * 2 ** (failures - FREE_FAILURES), MAX_DELAY_S))


def wait_left(directory: Path, *, now: Callable[[], float] = time.time) -> float:
    a = _attempts(directory)
    return max(0.0, a["last"] + delay_after(int(a["failures"])) - now())


def _note_failure(directory: Path, now: float) -> None:
    from outreach.safefiles import write_atomic

    a = _attempts(directory)
    write_atomic(attempts_path(directory), json.dumps({"failures": int(a["failures"]) + 1, "last": now}).encode(),
                 mode=0o600)


def _note_success(directory: Path) -> None:
    path = attempts_path(directory)
    if path.exists():
        path.unlink()


# --------------------------------------------------------------------------- unlocking
def _stamp(directory: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(keyfile_path(directory).read_bytes()).hexdigest()
    except OSError:
        return ""


def _remember(directory: Path, key: bytes) -> None:
    with _cache_lock:
        _cache[str(keyfile_path(directory).resolve())] = (_stamp(directory), key)


def cached_key(directory: Path) -> bytes | None:
    """The key unlocked earlier in this process, while the key file is still the one it came from
    (a new key file in the same place — another store — must be unlocked again)."""
    with _cache_lock:
        found = _cache.get(str(keyfile_path(directory).resolve()))
    if found is None:
        return None
    stamp, key = found
    if stamp == _stamp(directory):
        return key
    return None


def forget(directory: Path | None = None) -> None:
    """Drop unwrapped keys from this process (lock screen, tests); all of them without ``directory``."""
    with _cache_lock:
        if directory is None:
            _cache.clear()
        else:
            _cache.pop(str(keyfile_path(directory).resolve()), None)


def unlock(directory: Path, passphrase: str, *, now: Callable[[], float] = time.time) -> bytes:
    """The database key, or ``sec.error.wrong_passphrase`` (counted) or ``sec.error.wait`` while the
    delay after repeated failures runs. Nothing else is created or changed."""
    directory = Path(directory)
    doc = _read(directory)
    left = wait_left(directory, now=now)
    if left > 0:
        raise OutreachError("sec.error.wait", count=int(left + 0.999))
    try:
        key = _unwrap(doc, passphrase, directory)
    except OutreachError as exc:
        if exc.key == "sec.error.wrong_passphrase":
            _note_failure(directory, now())
        raise
    _note_success(directory)
    _remember(directory, key)
    return key


def try_passphrase(directory: Path, passphrase: str) -> bool:
    """Unlock with a known passphrase (the demo's) without counting a failure; True on success."""
    try:
        key = _unwrap(_read(directory), passphrase, Path(directory))
    except OutreachError:
        return False
    _remember(directory, key)
    return True


def check_passphrase(directory: Path, passphrase: str) -> bool:
    """True when ``passphrase`` opens this data folder's key (the lock screen's check)."""
    try:
        unlock(directory, passphrase)
    except OutreachError as exc:
        if exc.key == "sec.error.wrong_passphrase":
            return False
        raise
    return True


def change_passphrase(directory: Path, old: str, new: str) -> None:
    """Rewrap the database key under ``new``; the data file is not touched."""
    _keys().check_new_passphrase(new)
    doc = _read(directory)
    key = unlock(directory, old)
    _write(directory, _wrap(key, new, created_at=str(doc.get("created_at") or ""), recovery=doc.get("recovery")))
    _remember(directory, key)


def read_identity(text: str):
    from pyrage import x25519

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                return x25519.Identity.from_str(line)
            except Exception as exc:  # pyrage: malformed key
                raise OutreachError("sec.error.bad_identity") from exc
    raise OutreachError("sec.error.bad_identity")


def unlock_with_recovery(directory: Path, identity_text: str) -> bytes:
    """The database key through the team's recovery identity (the lead's, kept offline)."""
    import pyrage

    doc = _read(directory)
    rec = doc.get("recovery")
    if not isinstance(rec, dict) or "age" not in rec:
        raise OutreachError("sec.error.no_recovery")
    try:
        key = pyrage.decrypt(_keys().unb64(rec["age"]), [read_identity(identity_text)])
    except OutreachError:
        raise
    except Exception as exc:  # pyrage.DecryptError: not this team's recovery key
        raise OutreachError("sec.error.wrong_identity") from exc
    _remember(directory, key)
    return key


def reset_passphrase_with_recovery(directory: Path, identity_text: str, new: str) -> None:
    _keys().check_new_passphrase(new)
    key = unlock_with_recovery(directory, identity_text)
    doc = _read(directory)
    _write(directory, _wrap(key, new, created_at=str(doc.get("created_at") or ""), recovery=doc.get("recovery")))
    _remember(directory, key)
    _note_success(directory)


def set_recovery(directory: Path, key: bytes, recipient: str) -> bool:
    """Also wrap the database key to the team's recovery key (age). True when the file changed."""
    import pyrage

    doc = _read(directory)
    if isinstance(doc.get("recovery"), dict) and doc["recovery"].get("recipient") == recipient:
        return False
    rec = _keys().parse_age_recipient(recipient)
    doc["recovery"] = {"recipient": recipient, "age": _keys().b64(pyrage.encrypt(key, [rec]))}
    _write(directory, doc)
    _remember(directory, key)
    return True


def ensure_recovery(store: Any) -> None:
    """Called when a store opens: a laptop in a team keeps its key wrapped to that team's recovery key."""
    from sqlalchemy import text

    key = getattr(store, "db_key", None)
    if key is None or store.path is None:
        return
    with store.connect() as conn:
        row = conn.execute(text("SELECT recovery_age FROM sync_team LIMIT 1")).first()
    if row and row[0]:
        set_recovery(store.path.parent, key, str(row[0]))


# --------------------------------------------------------------------------- opening
def database_key(directory: Path, db_file: Path) -> bytes:
    """The key to open ``db_file`` with: unlocked from the key file (asking for the passphrase), a new
    one for a new store (asking for a new passphrase), or a new one after which a plain store from an
    older version is encrypted in place. A wrong passphrase creates and changes nothing."""
    directory = Path(directory)
    key = cached_key(directory)
    if key is None and has_keyfile(directory):
        key = unlock(directory, passphrase_for(directory, new=False))   # typing it holds no lock
    if key is not None and db_file.exists() and not _unfinished(db_file) and not is_plain_sqlite(db_file):
        return key
    # Creating the key file, encrypting a plain store, finishing an interrupted encryption: one
    # process at a time (two started at once would make two keys, or sweep the other's work file).
    with _encryption_lock(db_file):
        finish_interrupted_encryption(db_file)
        if key is None and has_keyfile(directory):     # made meanwhile by another process
            key = unlock(directory, passphrase_for(directory, new=False))
        if key is None:
            if db_file.exists() and db_file.stat().st_size and not is_plain_sqlite(db_file):
                raise OutreachError("sec.error.keyfile_missing", path=str(keyfile_path(directory)))
            key = create_keyfile(directory, passphrase_for(directory, new=True))
        if is_plain_sqlite(db_file):
            encrypt_plain_store(db_file, key)
        if not db_file.exists():   # created owner-only (after the key): SQLite gives -wal and -shm its mode
            os.close(os.open(db_file, os.O_CREAT | os.O_WRONLY, 0o600))
    return key


def _unfinished(db_file: Path) -> bool:
    return _side(db_file, "encrypting").exists() or _side(db_file, "encrypted").exists()


@contextmanager
def _encryption_lock(db_file: Path) -> Iterator[None]:
    """An EXCLUSIVE transaction on a side file (as Store.exclusive): released by the OS if we die."""
    import sqlite3

    conn = sqlite3.connect(db_file.with_name(f"{db_file.name}-encrypt.lock"), timeout=600, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def raw_key(key: bytes) -> str:
    return f"x'{key.hex()}'"


def make_engine(path: Path, key: bytes, **kwargs: Any):
    """An SQLAlchemy engine on the encrypted file (dialect ``sqlite+pysqlcipher``, raw key: no second
    key derivation per connection), temp tables in memory."""
    import sqlcipher3
    from sqlalchemy import URL, create_engine, event

    url = URL.create("sqlite+pysqlcipher", password=raw_key(key), database=str(path))
    engine = create_engine(url, module=sqlcipher3, **kwargs)
    event.listen(engine, "connect", _memory_temp_store)
    return engine


def _memory_temp_store(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def connect(path: Path, key: bytes | None):
    """A DB-API connection on an encrypted file (backups, checks, tests); ``key=None`` reads a plain one."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    if key is not None:
        conn.execute(f'PRAGMA key="{raw_key(key)}"')
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def _export(source: Path, target: Path, source_key: bytes | None, target_key: bytes | None) -> None:
    """Copy a whole database into a new file with another key (``sqlcipher_export``), synced to disk."""
    for leftover in (target, Path(f"{target}-journal")):
        if leftover.exists():
            leftover.unlink()
    conn = connect(source, source_key)
    try:
        if source_key is None:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS target KEY \"{raw_key(target_key) if target_key else ''}\"",
                     (str(target),))
        conn.execute("SELECT sqlcipher_export('target')")
        conn.execute(f"PRAGMA target.user_version = {int(version)}")
        conn.execute("DETACH DATABASE target")
    finally:
        conn.close()
    os.chmod(target, 0o600)
    _fsync(target)


def _side(db_file: Path, what: str) -> Path:
    return db_file.with_name(f"{db_file.name}.{what}")


def encrypt_plain_store(db_file: Path, key: bytes) -> None:
    """Encrypt a plain store in place, crash-safe in three steps: (1) export into ``.encrypting``;
    (2) rename it ``.encrypted`` (complete); (3) overwrite and unlink the plain file, its WAL and any
    plain ``*.bak`` copies, then rename the encrypted file into place. A start after a crash in (1)
    begins again from the intact plain file; after (2) it finishes (3)."""
    work, ready = _side(db_file, "encrypting"), _side(db_file, "encrypted")
    _export(db_file, work, None, key)
    testhooks.point("crypto:exported")
    os.replace(work, ready)
    finish_interrupted_encryption(db_file)
    for old in sorted(db_file.parent.glob(f"{db_file.name}.v*.bak")):
        if is_plain_sqlite(old):
            encrypted_copy = old.with_name(old.name + ".encrypting")
            _export(old, encrypted_copy, None, key)
            secure_delete(old)
            os.replace(encrypted_copy, old)


def finish_interrupted_encryption(db_file: Path) -> None:
    work, ready = _side(db_file, "encrypting"), _side(db_file, "encrypted")
    if work.exists():
        secure_delete(work)  # unfinished: the plain original is still whole, so start again from it
    if not ready.exists():
        return
    for plain in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm"), Path(f"{db_file}-journal")):
        if plain.exists():
            secure_delete(plain)
            testhooks.point("crypto:plain_wiped")
    os.replace(ready, db_file)


def secure_delete(path: Path, *, chunk: int = 1 << 20) -> None:
    """Overwrite a file with random bytes, sync, then unlink it. On a hard disk this destroys the old
    content; on an SSD (wear levelling, copy-on-write file systems, snapshots) old blocks may survive
    the overwrite — best effort only, which is why the plain file is never written again once the
    store is encrypted, and full-disk encryption is still recommended (docs/security.md)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("r+b", buffering=0) as fh:
            done = 0
            while done < size:
                n = min(chunk, size - done)
                fh.write(os.urandom(n))
                done += n
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    path.unlink()


# --------------------------------------------------------------------------- after a crash
def check_after_unclean_shutdown(db_file: Path, key: bytes) -> None:
    """A ``-wal`` file left at start means the app did not close cleanly: check the pages (every page
    is authenticated by SQLCipher's HMAC, so a damaged one is found). On failure one translated line
    names the newest sound backup to restore instead of a crash deep inside a query."""
    if not Path(f"{db_file}-wal").exists() or not db_file.exists() or not db_file.stat().st_size:
        return
    if _quick_check(db_file, key):
        return
    for backup in sorted((db_file.parent / "backups").glob("outreach-*Z-*.db"), reverse=True):
        if _quick_check(backup, key):
            raise OutreachError("sec.error.corrupt", path=str(db_file), file=str(backup),
                                created_at=backup.name.split("-")[1])
    raise OutreachError("sec.error.corrupt_no_backup", path=str(db_file))


def _quick_check(path: Path, key: bytes) -> bool:
    try:
        conn = connect(path, key)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - sqlcipher3.DatabaseError of any kind: not sound
        return False
