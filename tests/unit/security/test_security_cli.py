"""The passphrase and the recovery identity on the command line (issue 13), and backup list/restore."""

from __future__ import annotations

import json

from pyrage import x25519

from outreach.cli.main import main
from outreach.storage import crypto_store
from outreach.storage.store import Store

from .helpers import row_hash

PASS = "县社工站2026春"
NEW = "山上的桃树开了三回花"


def _demo(data) -> str:
    assert main(["--data-dir", str(data), "demo", "--households", "8"]) == 0
    s = Store.open(data)
    h = row_hash(s)
    s.close()
    return h


def test_passphrase_change_on_the_cli_keeps_every_row(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    before = _demo(data)
    monkeypatch.setenv("OUTREACH_NEW_PASSPHRASE", NEW)
    assert main(["--data-dir", str(data), "--lang", "en", "passphrase"]) == 0
    assert "every record is kept" in capsys.readouterr().out
    crypto_store.forget()
    assert main(["--data-dir", str(data), "--lang", "en", "stats"]) == 2        # the old one no longer opens
    assert "Wrong passphrase" in capsys.readouterr().err
    monkeypatch.setenv("OUTREACH_PASSPHRASE", NEW)
    s = Store.open(data)
    assert row_hash(s) == before
    s.close()


def test_a_forgotten_passphrase_is_replaced_with_the_team_recovery_identity(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    before = _demo(data)
    recovery = x25519.Identity.generate()
    s = Store.open(data)
    crypto_store.set_recovery(data, s.db_key, str(recovery.to_public()))
    s.close()
    crypto_store.forget()
    identity = tmp_path / "recovery-identity.txt"
    identity.write_text(f"# Outreach team recovery identity\n{recovery}\n", encoding="utf-8")
    wrong = tmp_path / "other.txt"
    wrong.write_text(f"{x25519.Identity.generate()}\n", encoding="utf-8")
    monkeypatch.delenv("OUTREACH_PASSPHRASE")
    monkeypatch.setenv("OUTREACH_NEW_PASSPHRASE", NEW)
    assert main(["--data-dir", str(data), "--lang", "en", "unlock", "--recovery-identity", str(wrong)]) == 2
    assert "does not open" in capsys.readouterr().err
    assert main(["--data-dir", str(data), "--lang", "zh_CN", "unlock", "--recovery-identity", str(identity)]) == 0
    assert "恢复密钥" in capsys.readouterr().out
    crypto_store.forget()
    monkeypatch.setenv("OUTREACH_PASSPHRASE", NEW)
    s = Store.open(data)
    assert row_hash(s) == before
    s.close()


def test_backup_list_json_and_restore_with_yes(tmp_path, capsys):
    data = tmp_path / "data"
    before = _demo(data)
    assert main(["--data-dir", str(data), "backup", "create"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "backup", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 1 and {"file", "created_at", "households"} <= set(listed[0])
    assert listed[0]["households"] == 8
    assert main(["--data-dir", str(data), "--lang", "en", "backup", "restore", listed[0]["file"]]) == 2
    out = capsys.readouterr()
    assert "8 households" in out.out and "Not confirmed" in out.err
    assert main(["--data-dir", str(data), "--lang", "en", "backup", "restore", listed[0]["file"], "--yes"]) == 0
    assert "Restored from" in capsys.readouterr().out
    s = Store.open(data)
    assert row_hash(s) == before
    s.close()
    assert main(["--data-dir", str(data), "--lang", "en", "backup", "verify", str(tmp_path / "nope.db")]) == 2
    assert "No backup file" in capsys.readouterr().err


def test_passphrase_change_on_the_cli_also_rewraps_team_keys_that_shared_it(tmp_path, monkeypatch, capsys):
    """The Sync screen's team keys were made with the same passphrase: after `outreach passphrase` they
    open with the new one (before, they kept wanting the retired one)."""
    from outreach.sync import team
    from outreach.sync.keys import FAST_KDF_FOR_TESTS

    data = tmp_path / "data"
    store = Store.open(data)
    store.set_setting("worker_name", "陈静")
    team.create_team(store, PASS, name="东坪社工站", kdf=FAST_KDF_FOR_TESTS)
    store.close()
    monkeypatch.setenv("OUTREACH_NEW_PASSPHRASE", NEW)
    assert main(["--data-dir", str(data), "--lang", "en", "passphrase"]) == 0
    assert "Sync screen" in capsys.readouterr().out
    crypto_store.forget()
    monkeypatch.setenv("OUTREACH_PASSPHRASE", NEW)
    store = Store.open(data)
    try:
        assert team.unlock(store, NEW).device_id == store.device.id
    finally:
        store.close()
