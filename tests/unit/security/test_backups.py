"""Encrypted backups (issue 13): what they hold, restore, rotation, damage found at start, and a
backup or an encryption killed half-way."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.services import backups
from outreach.storage import crypto_store
from outreach.storage.store import Store

from .helpers import demo_store, leaks, row_hash, secrets_of

ROOT = Path(__file__).resolve().parents[3]


def test_a_backup_holds_no_personal_data_in_clear_and_restores_to_identical_rows(tmp_path):
    store = demo_store(tmp_path / "data", households=30)
    secrets, before = secrets_of(store), row_hash(store)
    path = backups.create(store)
    assert path.parent == tmp_path / "data" / "backups"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert leaks(path, secrets) == []
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM person").fetchall()
    info = backups.inspect(path, store.db_key, check=True)
    assert (info.households, info.people > 0, info.visits > 0) == (30, True, True)
    with store.connect() as conn:
        newest = conn.exec_driver_sql("SELECT MAX(visit_date) FROM visit").scalar_one()
    assert info.newest_visit == str(newest)

    with store.transaction() as w:      # a change after the backup, undone by the restore
        w.conn.exec_driver_sql("DELETE FROM visit")
    assert row_hash(store) != before
    restored, safety = backups.restore(store, path)
    assert restored == path and safety.exists()
    reopened = Store.open(tmp_path / "data")
    assert row_hash(reopened) == before
    assert backups.inspect(safety, reopened.db_key).visits == 0     # the data before the restore are kept
    reopened.close()


def test_list_is_newest_first_and_rotation_keeps_days_weeks_and_months(tmp_path):
    store = demo_store(tmp_path / "data", households=3)
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    for day in range(0, 400, 3):                 # a backup every third day for 13 months …
        backups.create(store, reason="daily", now=start + timedelta(days=day), rotate_after=False)
    backups.create(store, reason="daily", now=start + timedelta(days=399, hours=1), rotate_after=False)
    folder = backups.backup_dir(store)
    backups.rotate(folder)
    kept = backups.list_backups(folder)
    stamps = [backups._parse(p)[0] for p in kept]
    assert stamps == sorted(stamps, reverse=True)
    days = {s.date() for s in stamps}
    newest = stamps[0]
    assert len([d for d in days if newest.date() - d < timedelta(days=21)]) >= 7   # 7 daily
    assert len({(s.year, s.month) for s in stamps}) == 12                          # 12 monthly
    assert len(kept) < 30
    listed = backups.infos(store)
    assert [i.file for i in listed] == [str(p) for p in kept]
    assert all(i.households == 3 and i.ok for i in listed)
    store.close()


def test_backup_if_due_makes_one_only_when_the_newest_is_a_day_old(tmp_path):
    store = demo_store(tmp_path, households=2)
    now = datetime(2026, 6, 1, 8, tzinfo=UTC)
    assert backups.backup_if_due(store, now=now) is not None
    assert backups.backup_if_due(store, now=now + timedelta(hours=23)) is None
    assert backups.backup_if_due(store, now=now + timedelta(hours=25)) is not None
    store.close()


def test_a_damaged_page_after_a_crash_is_found_at_start_and_the_backup_offered(tmp_path):
    store = demo_store(tmp_path, households=30)
    good = backups.create(store)
    store.close()
    db = tmp_path / "outreach.sqlite3"
    data = bytearray(db.read_bytes())
    middle = (len(data) // 4096 // 2) * 4096 + 100
    data[middle:middle + 64] = os.urandom(64)
    db.write_bytes(bytes(data))
    (tmp_path / "outreach.sqlite3-wal").write_bytes(b"")   # the app did not close cleanly
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path)
    assert exc.value.key == "sec.error.corrupt"
    assert exc.value.params["file"] == str(good)
    assert "outreach backup recover" in exc.value.message("en")


CHILD = textwrap.dedent("""
    import sys
    from outreach.storage.store import Store
    from outreach.services import backups
    store = Store.open(sys.argv[1])
    if sys.argv[2] == "backup":
        backups.create(store)
    print("finished", flush=True)
""")


def _kill_at(point: str, folder: Path, what: str) -> None:
    env = {**os.environ, testhooks.ENV: point, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), what], env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip()
        assert line == f"{testhooks.PAUSED} {point}", (line, child.stderr.read() if child.poll() is not None else "")
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["backup:step", "backup:written"])
def test_sigkill_during_a_backup_leaves_a_store_that_opens_and_no_half_backup(tmp_path, point):
    store = demo_store(tmp_path, households=60)
    before = row_hash(store)
    store.close()
    _kill_at(point, tmp_path, "backup")
    reopened = Store.open(tmp_path)
    assert row_hash(reopened) == before
    assert backups.list_backups(backups.backup_dir(reopened)) == []
    assert backups.create(reopened).exists()     # and the next backup works
    reopened.close()


@pytest.mark.parametrize("point", ["crypto:exported", "crypto:plain_wiped"])
def test_sigkill_while_a_plain_store_is_encrypted_leaves_a_store_that_opens(tmp_path, point):
    made = demo_store(tmp_path / "src", households=20)
    before, secrets = row_hash(made), secrets_of(made)
    plain = tmp_path / "plain"
    plain.mkdir()
    crypto_store._export(made.path, plain / "outreach.sqlite3", made.db_key, None)
    made.close()
    _kill_at(point, plain, "open")
    store = Store.open(plain)
    assert row_hash(store) == before
    store.close()
    for f in plain.iterdir():
        if f.is_file():
            assert leaks(f, secrets) == [], f


def test_an_import_and_a_merge_decision_are_preceded_by_a_backup(tmp_path):
    from sqlalchemy import text

    from outreach.sync import duplicates, transport
    from outreach.sync.keys import KeyRing

    store = demo_store(tmp_path / "data", households=6)
    junk = tmp_path / "not-a-bundle.age"
    junk.write_bytes(b"hello")
    results = transport.import_bundles(store, KeyRing.generate(store.device.id), [junk])
    assert not results[0].ok
    made = backups.list_backups(backups.backup_dir(store))
    assert [backups._parse(p)[1] for p in made] == ["before-import"]
    with store.connect() as conn:
        a, b = conn.execute(text("SELECT id FROM person LIMIT 2")).scalars()
    duplicates.merge_people(store, a, b)
    made = backups.list_backups(backups.backup_dir(store))
    assert backups._parse(made[0])[1] == "before-merge"
    assert backups.inspect(made[0], store.db_key).people == backups.inspect(made[1], store.db_key).people
    store.close()


def test_recover_puts_the_backup_back_and_replays_the_changes_made_since(tmp_path, capsys):
    from sqlalchemy import text

    from outreach.cli.main import main
    from outreach.storage.tables import Household

    data = tmp_path / "data"
    store = demo_store(data, households=30)
    backups.create(store)
    with store.connect() as conn:
        hid = conn.execute(text("SELECT id FROM household ORDER BY code LIMIT 1")).scalar_one()
        root = conn.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'person'")).scalar_one()
    with store.transaction() as w:     # after the backup: only the change log can bring it back
        w.update(Household, hid, {"notes": "十二月一日：屋顶漏雨，已报村委"})
    store.close()
    db = data / "outreach.sqlite3"
    raw = bytearray(db.read_bytes())
    at = (root - 1) * 4096 + 1000       # the person table's root page
    raw[at:at + 64] = os.urandom(64)
    db.write_bytes(bytes(raw))
    (data / "outreach.sqlite3-wal").write_bytes(b"")
    with pytest.raises(OutreachError) as exc:
        Store.open(data)
    assert "outreach backup recover" in exc.value.message("en")
    assert main(["--data-dir", str(data), "--lang", "en", "backup", "recover"]) == 0
    out = capsys.readouterr().out
    assert "replayed" in out and "(0 unreadable ranges)" in out
    s = Store.open(data)
    assert s.integrity_ok()
    with s.connect() as conn:
        assert conn.execute(text("SELECT notes FROM household WHERE id = :i"), {"i": hid}).scalar_one() \
            == "十二月一日：屋顶漏雨，已报村委"
        assert conn.execute(text("SELECT COUNT(*) FROM household")).scalar_one() == 30
    s.close()
    assert list((data / "backups").glob("damaged-*.db"))
