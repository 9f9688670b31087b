"""Shared helpers of the security tests: a small demo store on disk and byte scans for its people."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import text

from outreach.services import demo
from outreach.storage.store import Store

TABLES = ("area", "household", "person", "visit", "change_log", "setting")


def demo_store(folder: Path, households: int = 40) -> Store:
    store = Store.open(folder)
    demo.build_demo(store, households=households, seed=5)
    return store


def secrets_of(store: Store, limit: int = 60) -> list[bytes]:
    """Names, ID numbers and phones of the demo's people, UTF-8 encoded (what a thief would look for)."""
    with store.connect() as conn:
        rows = conn.execute(text("SELECT name, id_number FROM person LIMIT :n"), {"n": limit}).all()
        phones = conn.execute(text("SELECT phone FROM household WHERE phone != '' LIMIT :n"), {"n": limit}).scalars()
        found = [v for row in rows for v in row if v] + [p for p in phones if p]
    assert len(found) > 20, "the demo must give names, ID numbers and phones to look for"
    return [v.encode("utf-8") for v in found]


def leaks(path: Path, secrets: list[bytes]) -> list[bytes]:
    data = Path(path).read_bytes()
    return [s for s in secrets if s in data]


def row_hash(store: Store) -> str:
    h = hashlib.sha256()
    with store.connect() as conn:
        for table in TABLES:
            if table == "setting":
                rows = conn.execute(text("SELECT * FROM setting WHERE key NOT IN ('hlc_last') ORDER BY 1")).all()
            else:
                rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            h.update(table.encode())
            for row in rows:
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()
