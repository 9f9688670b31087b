"""Raw DB-API connections for the benchmarks' baselines, on the same file the app reads: plain SQLite,
or — when the store is encrypted at rest (issue 13, ``outreach.storage.crypto_store``) — SQLCipher
with the raw database key, so that a baseline pays the same page decryption as the app but no
passphrase derivation.

The benchmarks set ``OUTREACH_PASSPHRASE`` (when unset) so that a store can be created and opened
without a terminal."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

BENCH_PASSPHRASE = "outreach-benchmark-passphrase"


def _crypto():
    try:
        from outreach.storage import crypto_store
    except ImportError:  # a version without encryption at rest
        return None
    return crypto_store


def setup_env() -> None:
    crypto = _crypto()
    if crypto is not None:
        os.environ.setdefault(crypto.PASSPHRASE_ENV, BENCH_PASSPHRASE)


def database_key(data_dir: Path) -> bytes | None:
    """The raw key of the store in ``data_dir`` (None for a plain one)."""
    crypto = _crypto()
    data_dir = Path(data_dir)
    if crypto is None or not crypto.has_keyfile(data_dir):
        return None
    setup_env()
    return crypto.database_key(data_dir, data_dir / "outreach.sqlite3")


def connect(data_dir: Path | str, key: bytes | None = None):
    """A connection on ``data_dir``'s database (pass ``key`` from ``database_key`` to skip unwrapping)."""
    data_dir = Path(data_dir)
    path = data_dir / "outreach.sqlite3"
    crypto = _crypto()
    if crypto is None or not crypto.has_keyfile(data_dir):
        return sqlite3.connect(path)
    key = key if key is not None else database_key(data_dir)
    return crypto.connect(path, key)


def sqlite_version(con) -> str:
    return con.execute("SELECT sqlite_version()").fetchone()[0]
