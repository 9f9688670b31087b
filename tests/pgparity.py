"""PostgreSQL stores for the parity tests (issue 15): the same data in a SQLite store and in a PostgreSQL
store must give the same answers.

A test asks for ``pg_store_factory`` and calls it for a store on a fresh database. The server is the
suite's cluster when the suite runs on PostgreSQL (``OUTREACH_TEST_ENGINE=postgresql``, fixture
``pg_cluster``), else the one named by ``OUTREACH_TEST_PG_HOST`` (a socket directory, user
``postgres``), else a throwaway cluster started once for the session from the distribution's binaries
(as the ``postgres`` user when the tests run as root). Without PostgreSQL binaries they are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _original_in_memory():
    from outreach.storage.store import Store

    return Store.__dict__["in_memory"]   # the classmethod itself, before any test switch replaces it


_SQLITE_IN_MEMORY = _original_in_memory()
PG_BIN = Path(os.environ.get("OUTREACH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class _Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="outreach-pgq-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                     "--encoding=UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o",
                                     f"-k {self.dir} -c listen_addresses='' -c fsync=off",
                                     "-l", str(self.dir / "log"), "-w", "start"]), check=True, capture_output=True)
        self.host = str(self.dir)

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "stop",
                                     "-m", "fast"]), check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def new_database(host: str, options: str = "") -> str:
    """A fresh, empty database on ``host`` (``options``: more of CREATE DATABASE, e.g. a collation):
    its SQLAlchemy URL."""
    from sqlalchemy import create_engine

    name = "parity_" + uuid.uuid4().hex[:12]
    admin = create_engine(f"postgresql+psycopg://postgres@/postgres?host={host}", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' {options}")
    finally:
        admin.dispose()
    return f"postgresql+psycopg://postgres@/{name}?host={host}"


@pytest.fixture(scope="session")
def pg_host(request):
    """A function returning the URL of a new, empty database: on the suite's own cluster when it runs
    on PostgreSQL (``pg_cluster``), else on ``OUTREACH_TEST_PG_HOST`` or a throwaway cluster."""
    suite_cluster = request.getfixturevalue("pg_cluster")
    host = str(suite_cluster.root) if suite_cluster is not None else os.environ.get("OUTREACH_TEST_PG_HOST")
    if host:
        yield lambda options="": new_database(host, options)
        return
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL binaries not found (OUTREACH_TEST_PG_BIN)")
    pytest.importorskip("psycopg")
    cluster = _Cluster()
    try:
        yield lambda options="": new_database(cluster.host, options)
    finally:
        cluster.stop()


@pytest.fixture
def sqlite_store():
    """The SQLite side of a parity test: an in-memory store even when the suite runs on PostgreSQL."""
    from outreach.storage.store import Store

    s = _SQLITE_IN_MEMORY.__get__(None, Store)()
    assert s.engine.dialect.name == "sqlite"
    s.set_setting("worker_name", "李娜")
    s.set_setting("device_name", "李娜的笔记本")
    yield s
    s.close()


@pytest.fixture
def pg_store_factory(pg_host, tmp_path):
    """Call it for a Store on a new PostgreSQL database (its laptop settings in a folder of tmp_path)."""
    from outreach.storage.store import Store

    opened = []

    def make(worker: str = "李娜", *, options: str = ""):
        folder = tmp_path / f"pg-{len(opened)}"
        s = Store.open(folder, database_url=pg_host(options))
        s.set_setting("worker_name", worker)
        s.set_setting("device_name", f"{worker}的笔记本")
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def copy_rows(source, target, table_names: list[str]) -> int:
    """Copy every row of ``table_names`` (in dependency order) from one store to another with Core
    inserts, ids and all: the same records on both engines, as a hub holds the laptops' records. The
    target's triggers run as for any bulk write. Returns how many rows were copied."""
    from sqlmodel import SQLModel

    wanted = set(table_names)
    copied = 0
    with source.connect() as src, target.engine.begin() as dst:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in wanted:
                rows = [dict(r._mapping) for r in src.execute(table.select())]
                if rows:
                    dst.execute(table.insert(), rows)
                copied += len(rows)
    return copied
