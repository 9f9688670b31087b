"""A throwaway PostgreSQL cluster for the test suite (``OUTREACH_TEST_ENGINE=postgresql``, issue 15).

One cluster per test session: ``initdb`` into a temporary folder, the server listening only on a Unix
socket in that folder (no TCP port), durability off (a test database is thrown away). Run as root, the
server runs as the ``postgres`` user (PostgreSQL refuses to run as root); otherwise as the current user.

A template database is migrated once (``migrations.prepare``: the schema, the search index, the version
stamps); each test's store gets its own database copied from it (``CREATE DATABASE … TEMPLATE``), which
is much faster than migrating again.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TEMPLATE = "outreach_template"


def find_bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: ``OUTREACH_PG_BIN``, the distribution's
    /usr/lib/postgresql/<N>/bin (newest), or the PATH."""
    env = os.environ.get("OUTREACH_PG_BIN")
    candidates = [Path(env)] if env else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                                           reverse=True)]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    return None


class Cluster:
    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable   # fsync and synchronous commit on, as a real server (benchmarks)
        self.root = Path(tempfile.mkdtemp(prefix="outreach-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self._admin = None

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        os.chmod(self.root, 0o755)
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        # a server set up in Chinese (ICU zh: pinyin order by default), so the tests see that the app
        # sorts and compares text by code point there too, as on SQLite (migrations.binary_collation)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=zh-CN", "--no-sync")
        options = f"-k {self.root} -c listen_addresses='' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self._make_template()

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}"

    def _sql(self, statement: str) -> None:
        import psycopg

        if self._admin is None:
            self._admin = psycopg.connect(dbname="postgres", user="postgres", host=str(self.root), autocommit=True)
        self._admin.execute(statement)

    def _make_template(self) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from outreach.storage import migrations

        self._sql(f"CREATE DATABASE {TEMPLATE}")
        engine = create_engine(self.url(TEMPLATE), poolclass=NullPool)
        try:
            migrations.prepare(engine, None)
        finally:
            engine.dispose()

    def next_name(self) -> str:
        return f"t{os.getpid()}_{next(self._names)}"

    def new_database(self, name: str | None = None) -> str:
        """A fresh, migrated database (no device identity yet); returns its URL."""
        name = name or self.next_name()
        # FILE_COPY (PostgreSQL 15+) copies a small template faster than the default WAL_LOG
        strategy = " STRATEGY FILE_COPY" if self._admin_version() >= 150000 else ""
        self._sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}{strategy}")
        return self.url(name)

    def copy_database(self, url: str) -> str:
        """A new database holding a copy of ``url``'s (nobody may be connected to it)."""
        name = self.next_name()
        self._sql(f"CREATE DATABASE {name} TEMPLATE {url.split('@/', 1)[1].split('?', 1)[0]}")
        return self.url(name)

    def empty_database(self) -> str:
        """A database with no tables at all (to build an older schema in)."""
        name = self.next_name()
        self._sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def _admin_version(self) -> int:
        self._sql("SELECT 1")
        return self._admin.info.server_version

    def drop_database(self, url: str) -> None:
        name = url.split("@/", 1)[1].split("?", 1)[0]
        self._sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
