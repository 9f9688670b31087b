"""The household list's first page before the store is opened (issue 14).

Loading SQLAlchemy, SQLModel and the services takes longer than everything else the window needs
before its first paint. So the app shows the window with its first page read here, with the raw
driver (one SQLCipher connection with the unlocked key, read-only: ``PRAGMA query_only``), and the
database thread imports the services and opens the store afterwards (``DbRunner.opening``).

``FirstPage.answer`` answers the list's first queued page request (``fetch_page`` at offset 0 for the
unfiltered list, in any of its sort orders) with the same rows, in the same order, with the same
values as ``services.households.query_households`` (the statement below is the one SQLAlchemy emits;
tests/ui/test_first_page.py compares them). Anything else waits for the database thread. The
connection is closed before that thread starts (one writer), and nothing is written through it.

``open_first_page`` says no (None) whenever opening the store could do more than read: a server
store, a plain store (it is encrypted on open), an unfinished encryption, a ``-wal`` left by an
unclean shutdown (checked first), a schema older or newer than this version's, no device id yet,
a key not unlocked yet. The app then opens the store first, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from outreach.domain.enums import Priority
from outreach.services.household_rows import HouseholdQuery, HouseholdRow
from outreach.storage import crypto_store, server
from outreach.storage.paths import db_path

_COLUMNS = (
    "SELECT household.id AS id, household.code AS code, household.village_id AS village_id, "
    "area.name AS village_name, household.address AS address, coalesce(head.name, '') AS head_name, "
    "household.phone AS phone, household.benefit_status AS benefit_status, "
    "(SELECT count(*) AS count_1 FROM person WHERE person.household_id = household.id "
    "AND person.archived IS 0 AND person.merged_into IS NULL) AS member_count, "
    "(SELECT max(visit.visit_date) AS max_1 FROM visit WHERE visit.household_id = household.id "
    "AND visit.archived IS 0) AS last_visit, "
    "(SELECT assessment.priority FROM assessment WHERE assessment.household_id = household.id "
    "AND assessment.archived IS 0 AND assessment.complete IS 1 "
    "ORDER BY assessment.assessed_on DESC, assessment.hlc DESC LIMIT 1 OFFSET 0) AS priority, "
    "household.archived AS archived "
    "FROM household JOIN area ON area.id = household.village_id "
    "LEFT OUTER JOIN person AS head ON head.id = household.head_person_id "
    "WHERE household.archived IS 0 "
)
_PRIORITY_RANK = " ".join(f"WHEN '{p.value}' THEN {p.rank}" for p in Priority)
# the list's sort keys (HouseholdQuery.sort) → the expression query_households orders by
_ORDER = {
    "code": "household.code", "village": "area.name", "head": "coalesce(head.name, '')",
    "member_count": "member_count", "last_visit": "last_visit", "address": "household.address",
    "priority": f"CASE priority {_PRIORITY_RANK} ELSE -1 END",
}
_MIGRATION = re.compile(r"m\d{4}_\w+\.py")


def statement(query: HouseholdQuery) -> str:
    order = _ORDER.get(query.sort, _ORDER["code"])
    return f"{_COLUMNS}ORDER BY {order} {'DESC' if query.descending else 'ASC'}, household.code LIMIT ? OFFSET ?"


def answerable(query: HouseholdQuery) -> bool:
    """The unfiltered list (what the window shows first), in any sort order."""
    return query.sort in _ORDER and query == HouseholdQuery(sort=query.sort, descending=query.descending)


def read_rows(conn, query: HouseholdQuery, *, offset: int = 0, limit: int = 60) -> list[HouseholdRow]:
    """``query``'s rows through a DB-API connection (sqlite3 or sqlcipher3), as ``query_households``."""
    rows = conn.execute(statement(query), (limit, offset)).fetchall()
    return [HouseholdRow(id=r[0], code=r[1], village_id=r[2], village_name=r[3], address=r[4], head_name=r[5],
                         phone=r[6], benefit_status=r[7], member_count=r[8],
                         last_visit=date.fromisoformat(r[9]) if r[9] else None, priority=r[10],
                         archived=bool(r[11]))
            for r in rows]


def latest_schema() -> int:
    """How many migrations this version has (``storage.migrations`` counts the same modules; that
    package loads SQLAlchemy, so they are counted here from their files)."""
    folder = Path(crypto_store.__file__).with_name("migrations")
    return sum(1 for p in folder.iterdir() if _MIGRATION.fullmatch(p.name))


@dataclass(frozen=True)
class FirstSettings:
    """The worker's settings as ``ui.ops.load_worker_settings`` reads them (same fields), plus the
    idle-lock minutes; the window swaps them for a ``WorkerSettings`` once the services are loaded."""

    worker_name: str
    device_name: str
    language: str
    villages: tuple[str, ...]
    worker_phone: str = ""
    lock_idle_minutes: str = ""

    def get_setting(self, key: str, default: str = "") -> str:  # what lock_dialog.idle_minutes reads
        return (self.lock_idle_minutes or default) if key == "lock_idle_minutes" else default


class FirstPage:
    """A read-only connection on the store, open until ``close()`` (before the database thread starts)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.answered = 0

    def _setting(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return row[0] if row and row[0] is not None else ""

    def settings(self) -> FirstSettings:
        villages = tuple(v for v in self._setting("villages").split(",") if v)
        return FirstSettings(self._setting("worker_name"), self._setting("device_name"), self._setting("language"),
                             villages, self._setting("worker_phone"), self._setting("lock_idle_minutes"))

    def answer(self, job) -> tuple[bool, Any]:
        """For ``DbRunner.answer_before_start``: the list's first page, nothing else."""
        from outreach.ui.models.household_table_model import fetch_page

        if job.fn is not fetch_page or self.answered or job.kwargs.get("offset") != 0 or len(job.args) != 1:
            return False, None
        query = job.args[0]
        if not isinstance(query, HouseholdQuery) or not answerable(query):
            return False, None
        self.answered += 1
        return True, read_rows(self.conn, query, limit=job.kwargs["limit"])

    def close(self) -> None:
        self.conn.close()


def may_come_first(directory: Path) -> bool:
    """What can be told before the key is unlocked: an encrypted SQLite store, as a clean shutdown
    left it (see the module's docstring)."""
    directory = Path(directory)
    path = db_path(directory)
    if server.url_for(directory) is not None or not crypto_store.has_keyfile(directory):
        return False
    if not path.exists() or not path.stat().st_size or crypto_store.is_plain_sqlite(path):
        return False
    leftovers = (Path(f"{path}-wal"), Path(f"{path}-journal"), path.with_name(f"{path.name}.encrypting"),
                 path.with_name(f"{path.name}.encrypted"))
    return not any(p.exists() for p in leftovers)


def open_first_page(directory: Path) -> FirstPage | None:
    """A read-only connection on ``directory``'s store when the first page may be read before the
    store is opened (see the module's docstring), else None."""
    directory = Path(directory)
    key = crypto_store.cached_key(directory)
    if key is None or not may_come_first(directory):
        return None
    path = db_path(directory)
    try:
        conn = crypto_store.connect(path, key)
    except Exception:  # noqa: BLE001 - whatever it is, opening the store says it properly
        return None
    try:
        conn.execute("PRAGMA query_only = 1")
        version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        device = conn.execute("SELECT value FROM setting WHERE key = 'device_id'").fetchone()
        if version != latest_schema() or not (device and device[0]):
            conn.close()
            return None
    except Exception:  # noqa: BLE001 - not readable as expected: the store's own opening reports it
        conn.close()
        return None
    return FirstPage(conn)
