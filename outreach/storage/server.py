"""The store on a database server (PostgreSQL, issue 15): the URL, the engine, and what stays on the laptop.

Several people point their own laptops' data folders at one database (a county hub). The database
holds the shared data and the shared settings (the team's, the hub's sync identity ``device_id``, the
store's clock ``hlc_last``); each laptop keeps its own identity and personal settings in its data folder,
in ``device.json`` (``DEVICE_SETTINGS``): its device id, code and name, the worker's name and phone,
the language, the villages, where backups go, the idle lock. Keys stay in the data folder too (as on
SQLite). The first laptop to open a new database gives it its own device id as the database's sync
identity, so one laptop on one database behaves exactly as its SQLite store would.

Writers serialize as SQLite's ``BEGIN IMMEDIATE`` does: the first statement of a writing transaction
takes one transaction-level advisory lock (``WRITE_LOCK``); readers take no lock. Backups, integrity
checks and encryption at rest are the server's job there (``pg_dump``, the server's own checks).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from outreach.domain.errors import OutreachError
from outreach.safefiles import read_reason, write_atomic

URL_ENV = "OUTREACH_DATABASE_URL"
DEVICE_FILE = "device.json"
WRITE_LOCK = 0x4F55_5452_4541_4348   # "OUTREACH": the store's one write lock (pg_advisory_xact_lock)
JOB_LOCK_BASE = 0x4F55_5452_0000_0000  # + a small number per long job (session-level advisory lock)

# Settings of one laptop: kept in its data folder, never in the shared database.
DEVICE_SETTINGS = frozenset({
    "device_id", "device_code", "device_name", "worker_name", "worker_phone", "language", "villages",
    "backup_dir", "lock_idle_minutes",
})


def database_url(explicit: str | None = None) -> str | None:
    """The server URL to use: ``--database-url``, then ``OUTREACH_DATABASE_URL``; None = the SQLite file."""
    raw = (explicit or os.environ.get(URL_ENV) or "").strip()
    return normalize_url(raw) if raw else None


def url_for(directory: Path, explicit: str | None = None) -> str | None:
    """The server URL for the store of data folder ``directory``: the same database for every folder
    (several laptops, one database). The test suite replaces this to give each folder its own."""
    return database_url(explicit)


def normalize_url(raw: str) -> str:
    """``postgresql://`` / ``postgres://`` → SQLAlchemy's psycopg 3 dialect; anything else is refused."""
    scheme, sep, rest = raw.partition("://")
    if not sep:
        raise OutreachError("pg.error.bad_url", url=redact(raw))
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    raise OutreachError("pg.error.bad_url", url=redact(raw))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse is shown up to its host part
        return url.split("@")[-1]


def make_engine(url: str, **kwargs: Any):
    """An engine on the server (psycopg 3). Missing driver → one line naming the extra to install."""
    from sqlalchemy import create_engine

    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise OutreachError("pg.error.no_driver") from exc
    return create_engine(url, pool_pre_ping=True, **kwargs)


# ----------------------------------------------------------------- this laptop's own settings
def device_file(directory: Path) -> Path:
    return Path(directory) / DEVICE_FILE


def read_device(directory: Path) -> dict[str, str]:
    path = device_file(directory)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise OutreachError("pg.error.device_file", path=str(path), reason=read_reason(exc)) from exc
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise OutreachError("pg.error.device_file", path=str(path), reason=str(exc)) from exc
    if not isinstance(doc, dict):
        raise OutreachError("pg.error.device_file", path=str(path), reason="not a JSON object")
    return {str(k): str(v) for k, v in doc.items()}


def write_device(directory: Path, values: dict[str, str]) -> None:
    Path(directory).mkdir(parents=True, exist_ok=True)
    data = json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True).encode()
    write_atomic(device_file(directory), data)


def is_busy(exc: BaseException) -> bool:
    """The server refused to wait longer for a lock (``lock_timeout``: SQLSTATE 55P03)."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) == "55P03"
