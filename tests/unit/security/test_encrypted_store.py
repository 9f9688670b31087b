"""The store on disk is encrypted (issue 13): no personal data in the file, its WAL or a migration
backup; only the right passphrase (or the team's recovery identity) opens it."""

from __future__ import annotations

import sqlite3

import pytest
from pyrage import x25519

from outreach.domain.errors import OutreachError
from outreach.services import demo
from outreach.storage import crypto_store
from outreach.storage.store import Store

from .helpers import demo_store, leaks, row_hash, secrets_of

PASS = "县社工站2026春"


def test_file_and_wal_hold_no_names_ids_or_phones_and_sqlite3_cannot_read_them(tmp_path):
    store = Store.open(tmp_path)
    # a reader open since before the data came keeps them in the WAL, as on a laptop with the app open
    holder = crypto_store.connect(store.path, store.db_key)
    holder.execute("BEGIN")
    holder.execute("SELECT COUNT(*) FROM person").fetchone()
    demo.build_demo(store, households=40, seed=9)
    secrets = secrets_of(store)
    wal = tmp_path / "outreach.sqlite3-wal"
    assert wal.exists() and wal.stat().st_size > 0
    for f in (store.path, wal):
        assert leaks(f, secrets) == [], f
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(f"file:{f}?mode=ro", uri=True).execute("SELECT * FROM person").fetchall()
    holder.close()
    store.close()
    assert oct((tmp_path / "outreach.sqlite3").stat().st_mode & 0o777) == "0o600"
    assert oct(crypto_store.keyfile_path(tmp_path).stat().st_mode & 0o777) == "0o600"


def test_wrong_passphrase_is_refused_with_nothing_created_or_changed(tmp_path, monkeypatch):
    store = demo_store(tmp_path, households=5)
    store.close()
    crypto_store.forget()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    monkeypatch.setenv("OUTREACH_PASSPHRASE", "not the passphrase at all")
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path)
    assert exc.value.key == "sec.error.wrong_passphrase"
    assert "口令不对" in exc.value.message("zh_CN") and "Wrong passphrase" in exc.value.message("en")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.name != crypto_store.ATTEMPTS_NAME}
    assert after == before

    # a wrong passphrase for a folder whose store is gone does not create an empty one
    (tmp_path / "outreach.sqlite3").unlink()
    with pytest.raises(OutreachError):
        Store.open(tmp_path)
    assert not (tmp_path / "outreach.sqlite3").exists()


def test_repeated_failures_grow_a_delay_that_a_right_passphrase_waits_out(tmp_path):
    Store.open(tmp_path).close()
    clock = [1000.0]
    for _ in range(crypto_store.FREE_FAILURES):
        with pytest.raises(OutreachError, match="口令不对"):
            crypto_store.unlock(tmp_path, "wrong wrong wrong", now=lambda: clock[0])
    with pytest.raises(OutreachError) as exc:   # the 4th try: refused before any key derivation
        crypto_store.unlock(tmp_path, PASS, now=lambda: clock[0])
    assert exc.value.key == "sec.error.wait" and exc.value.params["count"] == 5
    assert "5 seconds" in exc.value.message("en")
    clock[0] += 5
    with pytest.raises(OutreachError) as exc:
        crypto_store.unlock(tmp_path, "still wrong", now=lambda: clock[0])
    assert exc.value.key == "sec.error.wrong_passphrase"
    assert crypto_store.wait_left(tmp_path, now=lambda: clock[0]) == 10   # doubled
    clock[0] += 10
    assert crypto_store.unlock(tmp_path, PASS, now=lambda: clock[0])
    assert crypto_store.wait_left(tmp_path, now=lambda: clock[0]) == 0     # reset by success


def test_a_passphrase_change_keeps_every_row_and_rewraps_only_the_key(tmp_path, monkeypatch):
    store = demo_store(tmp_path, households=15)
    before = row_hash(store)
    store.close()
    db_bytes = store.path.read_bytes()
    new = "山上的桃树开了三回花"
    crypto_store.change_passphrase(tmp_path, PASS, new)
    assert store.path.read_bytes() == db_bytes, "the data are not re-encrypted"
    crypto_store.forget()
    with pytest.raises(OutreachError):
        crypto_store.unlock(tmp_path, PASS)
    monkeypatch.setenv("OUTREACH_PASSPHRASE", new)
    reopened = Store.open(tmp_path)
    assert row_hash(reopened) == before
    reopened.close()


def test_the_team_recovery_identity_opens_a_workers_store(tmp_path, monkeypatch):
    store = demo_store(tmp_path, households=8)
    before = row_hash(store)
    recovery = x25519.Identity.generate()
    assert crypto_store.set_recovery(tmp_path, store.db_key, str(recovery.to_public()))
    store.close()
    crypto_store.forget()
    stranger = x25519.Identity.generate()
    with pytest.raises(OutreachError) as exc:
        crypto_store.unlock_with_recovery(tmp_path, f"# not ours\n{stranger}\n")
    assert exc.value.key == "sec.error.wrong_identity"
    new = "灯笼挂在老槐树下面"
    crypto_store.reset_passphrase_with_recovery(tmp_path, f"# recovery\n{recovery}\n", new)
    crypto_store.forget()
    monkeypatch.setenv("OUTREACH_PASSPHRASE", new)
    reopened = Store.open(tmp_path)
    assert row_hash(reopened) == before
    reopened.close()


def test_a_store_in_a_team_wraps_its_key_to_the_recovery_key_when_opened(tmp_path):
    from outreach.sync import team
    from outreach.sync.keys import FAST_KDF_FOR_TESTS

    store = Store.open(tmp_path)
    store.set_setting("worker_name", "李娜")
    t = team.create_team(store, PASS, name="东坪社工站", kdf=FAST_KDF_FOR_TESTS)
    store.close()
    Store.open(tmp_path).close()
    doc = crypto_store._read(tmp_path)
    assert doc["recovery"]["recipient"] == t.recovery_age


def test_a_plain_store_is_encrypted_at_first_start_and_the_plain_file_and_bak_are_gone(tmp_path):
    plain_dir = tmp_path / "plain"
    made = demo_store(tmp_path / "src", households=12)
    secrets, before = secrets_of(made), row_hash(made)
    plain_dir.mkdir()
    # a plain store as the previous version left it, with a plain pre-upgrade copy beside it
    crypto_store._export(made.path, plain_dir / "outreach.sqlite3", made.db_key, None)
    made.close()
    (plain_dir / "outreach.sqlite3.v1-20260101T000000.bak").write_bytes((plain_dir / "outreach.sqlite3").read_bytes())
    assert leaks(plain_dir / "outreach.sqlite3", secrets)
    inode = (plain_dir / "outreach.sqlite3").stat().st_ino
    store = Store.open(plain_dir)
    assert row_hash(store) == before
    store.close()
    files = [p for p in plain_dir.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"outreach.sqlite3", "outreach.sqlite3.v1-20260101T000000.bak"}
    for f in files:
        assert leaks(f, secrets) == [], f
        assert not crypto_store.is_plain_sqlite(f)
    assert (plain_dir / "outreach.sqlite3").stat().st_ino != inode
    assert not list(plain_dir.glob("*.encrypt*"))


def test_an_in_memory_store_needs_no_passphrase(monkeypatch):
    monkeypatch.delenv("OUTREACH_PASSPHRASE")
    s = Store.in_memory()
    assert s.db_key is None
    s.close()


def test_no_passphrase_and_no_terminal_is_one_translated_line(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTREACH_PASSPHRASE")
    with pytest.raises(OutreachError) as exc:
        Store.open(tmp_path / "new")
    assert exc.value.key == "sec.error.passphrase_needed"
    assert "OUTREACH_PASSPHRASE" in exc.value.message("en")
    assert not (tmp_path / "new" / "outreach.sqlite3").exists()


def test_two_processes_starting_on_a_plain_store_at_once_encrypt_it_once(tmp_path):
    import threading

    made = demo_store(tmp_path / "src", households=10)
    before = row_hash(made)
    plain = tmp_path / "plain"
    plain.mkdir()
    crypto_store._export(made.path, plain / "outreach.sqlite3", made.db_key, None)
    made.close()
    Store.open(tmp_path / "keys-only").close()          # warm the import of the demo-free path
    gate = threading.Barrier(2)
    opened, errors = [], []

    def start() -> None:
        gate.wait()
        try:
            opened.append(Store.open(plain))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(opened) == 2
    assert {row_hash(s) for s in opened} == {before}
    for s in opened:
        s.close()
    assert not crypto_store.is_plain_sqlite(plain / "outreach.sqlite3")
