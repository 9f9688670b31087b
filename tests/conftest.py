"""Shared test set-up: Qt offscreen, English-independent defaults, isolated data folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Stores on disk are encrypted (issue 13): module-scoped fixtures open stores too, before _isolate.
os.environ.setdefault("OUTREACH_PASSPHRASE", "县社工站2026春")
os.environ.setdefault("OUTREACH_TEST_FAST_KDF", "1")

import pytest  # noqa: E402

from outreach.i18n import set_language  # noqa: E402

# OUTREACH_TEST_ENGINE=postgresql runs the stores on a throwaway PostgreSQL cluster (issue 15; see
# tests/pg_cluster.py): each data folder a test opens gets its own fresh database.
ENGINE = os.environ.get("OUTREACH_TEST_ENGINE", "sqlite").strip().lower() or "sqlite"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself (WAL, SQLCipher, file "
                            "backups); skipped when OUTREACH_TEST_ENGINE=postgresql")


def pytest_collection_modifyitems(config, items):
    if ENGINE != "postgresql":
        return
    skip = pytest.mark.skip(reason="about the SQLite file (OUTREACH_TEST_ENGINE=postgresql)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg_cluster():
    if ENGINE != "postgresql":
        yield None
        return
    from tests.pg_cluster import Cluster, find_bindir

    give_up = pytest.fail if os.environ.get("OUTREACH_PG_REQUIRED") else pytest.skip   # CI: never skip
    bindir = find_bindir()
    if bindir is None:
        give_up("OUTREACH_TEST_ENGINE=postgresql, but no PostgreSQL server binaries (initdb, pg_ctl) were "
                    "found: install the distribution's postgresql package or set OUTREACH_PG_BIN")
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except (RuntimeError, OSError) as exc:
        cluster.stop()
        give_up(f"OUTREACH_TEST_ENGINE=postgresql: the test cluster did not start: {exc}")
    yield cluster
    cluster.stop()


def _databases_per_folder(request, monkeypatch, tmp_path):
    """PostgreSQL runs: every data folder opened in the test gets a database of its own, made when the
    store is first opened (a test that opens none costs nothing). OUTREACH_DATABASE_URL names the
    default folder's database, for subprocesses (it exists once the test has opened that store)."""
    from pathlib import Path

    from outreach.storage import server

    cluster = request.getfixturevalue("pg_cluster")
    default = (tmp_path / "data").resolve()
    names = {default: cluster.next_name()}
    made: dict[Path, str] = {}
    monkeypatch.setenv("OUTREACH_DATABASE_URL", cluster.url(names[default]))

    def url_for(directory, explicit=None):
        if explicit:
            return server.database_url(explicit)
        key = Path(directory).resolve()
        if key not in made:
            made[key] = cluster.new_database(names.get(key))
        return made[key]

    def copy_store(src, dst):
        made[Path(dst).resolve()] = cluster.copy_database(url_for(src))

    monkeypatch.setattr(server, "url_for", url_for)
    monkeypatch.setitem(_COPY_STORE, "copy", copy_store)
    return made


_COPY_STORE: dict = {}   # the running test's way to copy a folder's database (PostgreSQL runs)


def copy_data_folder(src, dst) -> None:
    """A laptop's data folder copied as a disk would be (its store closed first): on PostgreSQL the
    folder's database is copied too, so the copy opens the same data."""
    import shutil

    shutil.copytree(src, dst)
    if ENGINE == "postgresql":
        _COPY_STORE["copy"](src, dst)


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch, request):
    """Each test gets its own data folder and starts in Chinese, the app's primary language."""
    monkeypatch.setenv("OUTREACH_DATA_DIR", str(tmp_path / "data"))
    databases = _databases_per_folder(request, monkeypatch, tmp_path) if ENGINE == "postgresql" else {}
    monkeypatch.delenv("OUTREACH_LANG", raising=False)
    # Stores on disk are encrypted (issue 13): the tests' passphrase (the sync tests' PASS) and cheap
    # Argon2id parameters for the key files they create.
    monkeypatch.setenv("OUTREACH_PASSPHRASE", "县社工站2026春")
    monkeypatch.setenv("OUTREACH_TEST_FAST_KDF", "1")
    set_language("zh_CN")
    yield
    set_language("zh_CN")
    from outreach.logs import shutdown_logging

    shutdown_logging()   # a test's log file never receives the next test's records (run_gui keeps an open log)
    if databases:
        cluster = request.getfixturevalue("pg_cluster")
        for url in databases.values():
            cluster.drop_database(url)


@pytest.fixture
def store(tmp_path_factory):
    from outreach.storage.store import Store

    # PostgreSQL runs: a database of its own (the _isolate fixture gives each data folder one); its data
    # folder (device.json) outside tmp_path, which tests list
    s = Store.open(tmp_path_factory.mktemp("store")) if ENGINE == "postgresql" else Store.in_memory()
    s.set_setting("worker_name", "李娜")
    s.set_setting("device_name", "李娜的笔记本")
    yield s
    s.close()
