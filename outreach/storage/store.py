"""The local store: one SQLite file (WAL, foreign keys on), this device's identity and clock, and
short transactions that services open for each use case. The same store runs on a PostgreSQL server
(``database_url``, issue 15: see ``outreach.storage.server``).

    store = Store.open(data_dir)
    with store.transaction() as w:      # one use case = one transaction, stamped and change-logged
        w.insert(Household, {...})
    with store.session() as s:          # read-only ORM session; objects come back detached
        s.exec(select(Person)).all()
"""

from __future__ import annotations

import base64
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.domain.hlc import HybridClock
from outreach.safefiles import os_reason
from outreach.storage import crypto_store, migrations, server
from outreach.storage.paths import data_dir as resolve_data_dir
from outreach.storage.paths import db_path
from outreach.storage.tables import Counter, Setting
from outreach.storage.writer import Actor, Writer

SETTINGS = Setting.__table__
COUNTERS = Counter.__table__


@dataclass(frozen=True)
class DeviceIdentity:
    id: str
    code: str      # 4 characters, prefixes this device's human-readable numbers
    name: str


def _device_code(device_id: str) -> str:
    return base64.b32encode(bytes.fromhex(device_id)[:5]).decode()[:4]


BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another process's write transaction to end
BEGIN_OPTION = "outreach_begin"  # execution option: "IMMEDIATE" (default) or "DEFERRED" for readers


class StoreBusy(OutreachError):
    """Another process (an import, ``demo``, the GUI saving) held the store's write lock for longer
    than the bounded wait."""


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk imports touch many index pages
    cur.close()


def _take_control_of_begin(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling starts a transaction only at the first INSERT/UPDATE/DELETE,
    # so whatever a use case read before that was read outside it (the lost update of issue 11).
    # With isolation_level=None the driver never emits BEGIN itself; _on_begin does, as SQLAlchemy's
    # "Serializable isolation / Savepoints / Transactional DDL" recipe for pysqlite shows.
    dbapi_conn.isolation_level = None


def _is_busy(exc: BaseException) -> bool:
    text_ = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text_ or "database is busy" in text_


def _on_begin(conn: Connection) -> None:
    """Every SQLAlchemy transaction on a file store starts here. Writers (the default, and every
    ``Store.transaction``) take SQLite's write lock at BEGIN — before their first read — so a
    read-then-write cannot act on rows another process changes in between; readers (``Store.connect``,
    ``Store.session``) begin DEFERRED: a consistent snapshot that never blocks and is never blocked.

    On PostgreSQL the same guarantee comes from one ``pg_advisory_xact_lock`` per store taken as the
    first statement of a writing transaction (``_begin_on_server``)."""
    mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
    if mode == "IMMEDIATE":
        testhooks.point("store:begin_immediate")
    if conn.dialect.name != "sqlite":
        _begin_on_server(conn, mode)
        return
    try:
        conn.exec_driver_sql(f"BEGIN {mode}")
    except OperationalError as exc:
        if _is_busy(exc):
            raise StoreBusy("harden.store_busy", path=str(conn.engine.url.database or "")) from exc
        raise


def _begin_on_server(conn: Connection, mode: str) -> None:
    """PostgreSQL: a writer's first statement takes the store's write lock (released at COMMIT or
    ROLLBACK), so writers run one after the other as on SQLite; each of its statements then sees what
    the writers before it committed (READ COMMITTED). Readers take nothing."""
    if mode != "IMMEDIATE":
        return
    try:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({server.WRITE_LOCK})")
    except OperationalError as exc:
        if server.is_busy(exc):
            raise StoreBusy("harden.store_busy", path=server.redact(str(conn.engine.url))) from exc
        raise


def _on_server_connect(dbapi_conn, _record) -> None:
    # a writer waits for the write lock as long as it would for SQLite's (busy_timeout), then StoreBusy
    with dbapi_conn.cursor() as cur:
        cur.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
    dbapi_conn.commit()


def _upsert(conn: Connection, table, key: str, values: dict, update: dict):
    """INSERT … ON CONFLICT (key) DO UPDATE, in the connection's dialect."""
    if conn.dialect.name == "postgresql":  # imported here: ~40 ms of every SQLite start-up otherwise (issue 14)
        from sqlalchemy.dialects.postgresql import insert
    else:
        insert = sqlite_insert
    stmt = insert(table).values(**values)
    return conn.execute(stmt.on_conflict_do_update(index_elements=[key], set_=update))


def _pooled_readers(path: Path, key: bytes) -> Engine:
    """Read connections kept open between uses (issue 14): opening one costs ~4 ms (pragmas, schema,
    a cold page cache) — most of a search keystroke. Idle ones hold no lock (WAL; the pool rolls back
    on return). Writers keep one pooled connection too (Store.open)."""
    from sqlalchemy.pool import QueuePool

    readers = crypto_store.make_engine(path, key, poolclass=QueuePool, pool_size=2, max_overflow=-1,
                                       connect_args={"check_same_thread": False})
    event.listen(readers, "connect", _on_connect)
    event.listen(readers, "connect", _take_control_of_begin)
    event.listen(readers, "begin", _on_begin)
    return readers


class Store:
    def __init__(self, engine: Engine, path: Path | None) -> None:
        self.engine = engine        # transactions on it take the write lock at BEGIN (file stores)
        self.readers = engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})  # snapshots, never block
        self.path = path
        self._lock = threading.RLock()
        self.clock = HybridClock()
        self.upgraded_from: int | None = None
        self.db_key: bytes | None = None   # file stores: the SQLCipher key (crypto_store)
        # server stores (PostgreSQL): this laptop's own settings (server.DEVICE_SETTINGS), kept in its
        # data folder; None on SQLite, where the setting table holds them
        self.local: dict[str, str] | None = None
        self.url: str | None = None        # server stores: the URL without its password

    @property
    def location(self) -> str:
        """Where the data is, for messages: the SQLite file, or the server URL without its password."""
        return self.url or str(self.path or ":memory:")

    @property
    def on_server(self) -> bool:
        """True on PostgreSQL: backups, integrity checks and encryption at rest are the server's job."""
        return self.engine.dialect.name != "sqlite"

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, data_dir: str | Path | None = None, *, create: bool = True,
             database_url: str | None = None) -> Store:
        """The store of ``data_dir``: its SQLite file, or the PostgreSQL database of ``database_url``
        (else ``OUTREACH_DATABASE_URL``) with this laptop's settings and keys in ``data_dir``."""
        directory = resolve_data_dir(data_dir)
        url = server.url_for(directory, database_url)
        if url is not None:
            return cls._open_server(directory, url)
        path = db_path(directory)
        if not path.exists():
            if not create:
                raise OutreachError("error.db.missing", path=str(path))
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutreachError("error.db.cannot_create", path=str(directory), reason=os_reason(exc)) from exc
        elif not (_looks_like_sqlite(path) or crypto_store.has_keyfile(directory) or crypto_store.looks_encrypted(path)):
            raise OutreachError("error.db.not_outreach", path=str(path))
        key = crypto_store.database_key(directory, path)  # encrypted at rest (issue 13); asks the passphrase
        crypto_store.check_after_unclean_shutdown(path, key)
        # One writer connection kept open (issue 13): an encrypted connection starts with a cold page
        # cache, and every page it reads is decrypted and authenticated again. Idle, it holds no lock
        # (each transaction is BEGIN IMMEDIATE … COMMIT; the pool rolls back on return).
        engine = crypto_store.make_engine(path, key, poolclass=QueuePool, pool_size=1, max_overflow=-1,
                                          connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "connect", _take_control_of_begin)
        event.listen(engine, "begin", _on_begin)
        store = cls(engine, path)
        store.db_key = key
        # readers before _prepare: its reads warm the connection that the first search reuses (each
        # new encrypted connection decrypts the schema again)
        store.pooled_readers = _pooled_readers(path, key)
        store.readers = store.pooled_readers.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        try:
            store._prepare()
        except BaseException:
            store.close()
            raise
        crypto_store.ensure_recovery(store)
        return store

    @classmethod
    def _open_server(cls, directory: Path, url: str) -> Store:
        from sqlalchemy.exc import DBAPIError

        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutreachError("error.db.cannot_create", path=str(directory), reason=os_reason(exc)) from exc
        engine = server.make_engine(url, pool_size=2, max_overflow=8)
        event.listen(engine, "connect", _on_server_connect)
        event.listen(engine, "begin", _on_begin)
        store = cls(engine, directory / server.DEVICE_FILE)
        store.url = server.redact(url)
        store.local = server.read_device(directory)
        try:
            store._prepare()
        except DBAPIError as exc:
            store.close()
            if isinstance(exc, OperationalError) and server.is_busy(exc):
                raise StoreBusy("harden.store_busy", path=store.url) from exc
            raise OutreachError("pg.error.cannot_connect", url=store.url,
                                reason=str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)) from exc
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def in_memory(cls) -> Store:
        """A private store for tests (a temporary file would also work; memory is faster). Not
        encrypted: it never touches the disk (file stores always are, see crypto_store)."""
        from sqlalchemy.pool import StaticPool

        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_connect)
        store = cls(engine, None)
        store._prepare()
        return store

    def _prepare(self) -> None:
        if self.local is not None:
            self.upgraded_from = migrations.prepare(self.readers, None)
            self._prepare_device()
            with self.readers.connect() as conn:
                self.clock.last = int(self._get(conn, "hlc_last") or 0)
            return
        try:
            self.upgraded_from = migrations.prepare(self.readers, self.path)
        except OperationalError as exc:
            raise OutreachError("error.db.unreadable", path=str(self.path), reason=str(exc.orig)) from exc
        self.refresh_statistics(only_if_missing=True)
        with self.readers.connect() as conn:    # opening must not wait for another process's import
            has_id = bool(self._get(conn, "device_id"))
        if not has_id:
            with self.engine.begin() as conn:
                if not self._get(conn, "device_id"):
                    self._put(conn, "device_id", uuid.uuid4().hex)
        with self.readers.connect() as conn:
            self.clock.last = int(self._get(conn, "hlc_last") or 0)

    def _prepare_device(self) -> None:
        """Server stores: this laptop's device id (its data folder's, new if it has none) and the
        database's sync identity (the first laptop's device id, written once)."""
        assert self.local is not None and self.path is not None
        mine = self.local.get("device_id") or uuid.uuid4().hex
        with self.readers.connect() as conn:
            has_id = bool(self._get(conn, "device_id"))
        if not has_id:
            with self.engine.begin() as conn:
                if not self._get(conn, "device_id"):
                    self._put(conn, "device_id", mine)
        if self.local.get("device_id") != mine:
            self.local["device_id"] = mine
            server.write_device(self.path.parent, self.local)

    def close(self) -> None:
        self.engine.dispose()
        pooled = getattr(self, "pooled_readers", None)  # file stores (see _pooled_readers)
        if pooled is not None:
            pooled.dispose()

    # ----------------------------------------------------------------- identity & settings
    @property
    def device(self) -> DeviceIdentity:
        if self.local is not None:
            device_id = self.local["device_id"]
            return DeviceIdentity(id=device_id, code=self.local.get("device_code") or _device_code(device_id),
                                  name=self.local.get("device_name", ""))
        with self.readers.connect() as conn:
            device_id = self._get(conn, "device_id")
            code = self._get(conn, "device_code") or _device_code(device_id)
            return DeviceIdentity(id=device_id, code=code, name=self._get(conn, "device_name") or "")

    def get_setting(self, key: str, default: str = "") -> str:
        if self.local is not None and key in server.DEVICE_SETTINGS:
            return self.local.get(key) or default
        with self.readers.connect() as conn:
            return self._get(conn, key) or default

    def set_setting(self, key: str, value: str) -> None:
        if self.local is not None and key in server.DEVICE_SETTINGS:
            assert self.path is not None
            server.write_device(self.path.parent, {**self.local, key: value})
            self.local[key] = value
            return
        with self.engine.begin() as conn:
            self._put(conn, key, value)

    def settings(self) -> dict[str, str]:
        with self.readers.connect() as conn:
            shared = {r.key: r.value for r in conn.execute(select(SETTINGS))}
        if self.local is not None:
            shared = {k: v for k, v in shared.items() if k not in server.DEVICE_SETTINGS} | self.local
        return shared

    @property
    def worker(self) -> str:
        return self.get_setting("worker_name")

    @staticmethod
    def _get(conn: Connection, key: str) -> str | None:
        return conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.key == key)).scalar_one_or_none()

    @staticmethod
    def _put(conn: Connection, key: str, value: str) -> None:
        _upsert(conn, SETTINGS, "key", {"key": key, "value": value}, {"value": value})

    # ----------------------------------------------------------------- transactions
    @contextmanager
    def transaction(self, *, worker: str | None = None) -> Iterator[Writer]:
        """One use case, one transaction: all of it is written with its change log, or none of it.

        On a file store the transaction holds the write lock from its first statement (``BEGIN
        IMMEDIATE``, see ``_on_begin``): what it reads stays true until it commits, so two imports or
        two edits at once run one after the other instead of overwriting each other. When another
        process holds the lock longer than ``BUSY_TIMEOUT_MS``, ``StoreBusy`` says so in one line."""
        with self._lock:
            saved_clock = self.clock.last
            device_id = self.device.id
            actor = Actor(worker=worker if worker is not None else self.worker, device_id=device_id)
            try:
                with self.engine.begin() as conn:
                    if self.path is not None:   # another process may have moved this store's clock on
                        stored = int(self._get(conn, "hlc_last") or 0)
                        self.clock.last = max(self.clock.last, stored)
                    writer = Writer(conn, self.clock, actor)
                    yield writer
                    self._put(conn, "hlc_last", str(self.clock.last))
            except BaseException:
                self.clock.last = saved_clock
                raise

    @contextmanager
    def exclusive(self, job: str) -> Iterator[None]:
        """At most one long job of this kind (``demo``) per store at a time, across processes; a second
        one is refused at once with ``StoreBusy`` (``harden.job_running.<job>``). The lock is an
        EXCLUSIVE transaction on a small side file, so the OS lets it go when the process dies: a
        killed job never leaves a stale lock. (On a server engine: a session-level advisory lock.)"""
        if self.on_server:
            with self._server_job(job):
                yield
            return
        if self.path is None:
            yield
            return
        lock_file = self.path.with_name(f"{self.path.name}-{job}.lock")
        conn = sqlite3.connect(lock_file, timeout=0, isolation_level=None)
        try:
            try:
                conn.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise StoreBusy(f"harden.job_running.{job}", path=str(self.path.parent)) from exc
                raise
            try:
                testhooks.point(f"store:exclusive:{job}")
                yield
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()

    @contextmanager
    def _server_job(self, job: str) -> Iterator[None]:
        """``exclusive`` on a server: a session-level advisory lock, let go when the session ends."""
        key = server.JOB_LOCK_BASE + int.from_bytes(job.encode()[:4].ljust(4, b"\0"), "big")
        with self.readers.connect() as conn:
            if not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})").scalar_one():
                conn.rollback()
                raise StoreBusy(f"harden.job_running.{job}", path=self.url or "")
            conn.commit()
            try:
                testhooks.point(f"store:exclusive:{job}")
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
                conn.commit()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A read connection (SQLAlchemy Core), for queries that need no ORM objects."""
        with self.readers.connect() as conn:
            yield conn

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; objects are detached when it closes (plain values, no lazy loads)."""
        with Session(self.readers, expire_on_commit=False) as session:
            yield session
            session.expunge_all()

    def next_number(self, conn: Connection, name: str) -> int:
        """The next value of a local sequence, inside the caller's transaction."""
        row = conn.execute(select(COUNTERS.c.value).where(COUNTERS.c.name == name)).scalar_one_or_none()
        value = (row or 0) + 1
        _upsert(conn, COUNTERS, "name", {"name": name, "value": value}, {"value": value})
        return value

    def refresh_statistics(self, *, only_if_missing: bool = False) -> bool:
        """Gather the query planner's statistics (ANALYZE). Without them SQLite may walk an index
        that matches every row (``merged_into IS NULL``) instead of the search keys. Run after bulk
        writes; at start-up only when they are missing on a database of some size."""
        if only_if_missing and self.on_server:
            return False    # the server's autovacuum keeps its statistics
        if only_if_missing:
            with self.readers.connect() as conn:
                has_stats = conn.execute(text(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar_one()
                if has_stats and conn.execute(text(
                        "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'person'")).scalar_one():
                    return False
                if conn.execute(text("SELECT COUNT(*) FROM person")).scalar_one() < 1000:
                    return False
        with self.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return True

    def raise_counter(self, conn: Connection, name: str, value: int) -> None:
        """Make sure a local sequence is at least ``value`` (after numbers were given in bulk)."""
        current = conn.execute(select(COUNTERS.c.value).where(COUNTERS.c.name == name)).scalar_one_or_none()
        if current is None or current < value:
            _upsert(conn, COUNTERS, "name", {"name": name, "value": value}, {"value": value})

    def integrity_ok(self) -> bool:
        """SQLite's page check. On a server the pages are the server's (its checksums, ``pg_amcheck``):
        what the app checks is that its schema is whole there (every table, the latest version)."""
        if self.on_server:
            from sqlalchemy import inspect
            from sqlmodel import SQLModel

            with self.readers.connect() as conn:
                present = set(inspect(conn).get_table_names())
                complete = migrations.current_version(conn) == migrations.latest_version()
            return complete and set(SQLModel.metadata.tables) <= present
        with self.readers.connect() as conn:
            return conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError:
        return False
    return header == b"SQLite format 3\x00" or header == b""


def sqlite_version() -> str:
    return sqlite3.sqlite_version
