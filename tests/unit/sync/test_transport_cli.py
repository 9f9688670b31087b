"""`outreach team …` and `outreach sync …` as a script drives them (OUTREACH_PASSPHRASE, exit codes)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from outreach.cli.main import main
from outreach.storage.store import Store
from outreach.storage.tables import Area, Household
from tests.unit.sync.transport_kit import PASS, VILLAGES


def run(capsys, data_dir, *args):
    code = main(["--lang", "en", "--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def setup_laptop(path, worker):
    s = Store.open(path)
    s.set_setting("worker_name", worker)
    s.set_setting("device_name", f"{worker}的笔记本")
    return s


@pytest.fixture
def laptops(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OUTREACH_PASSPHRASE", PASS)
    lead, li = tmp_path / "lead", tmp_path / "li"
    setup_laptop(lead, "陈静").close()
    setup_laptop(li, "李娜").close()
    assert run(capsys, lead, "team", "create", "--name", "东坪社工站")[0] == 0
    s = Store.open(lead)
    with s.transaction() as w:
        for code, name in VILLAGES.items():
            w.insert(Area, {"id": code, "name": name, "level": "village"})
    s.close()
    return lead, li


def test_team_and_sync_commands_end_to_end(laptops, tmp_path, capsys):
    lead, li = laptops
    code, out, _ = run(capsys, lead, "team", "invite", "-o", str(tmp_path / "invite.json"))
    assert code == 0 and "invite.json" in out
    code, out, _ = run(capsys, li, "team", "join", str(tmp_path / "invite.json"), "-o", str(tmp_path / "req.json"))
    assert code == 0
    fingerprint = out.split("Fingerprint: ")[1].split(" (")[0]
    code, out, err = run(capsys, lead, "team", "enroll", str(tmp_path / "req.json"), "--fingerprint", "0000 1111")
    assert code == 2 and "differ" in err
    code, out, _ = run(capsys, lead, "team", "enroll", str(tmp_path / "req.json"), "--villages", "530102001001",
                       "--fingerprint", fingerprint)
    assert code == 0 and fingerprint in out and "李娜的笔记本" in out

    down = tmp_path / "down"
    down.mkdir()
    code, out, _ = run(capsys, lead, "sync", "export", "--all", "-o", str(down))
    assert code == 0 and len(list(down.glob("*.age"))) == 1
    code, out, _ = run(capsys, li, "sync", "import", str(down))
    assert code == 0 and "Imported bundle 1" in out

    s = Store.open(li)
    with s.transaction() as w:
        w.insert(Household, {"code": "东坪-0150", "village_id": "530102001001"})
    s.close()
    up = tmp_path / "up"
    up.mkdir()
    code, out, _ = run(capsys, li, "sync", "export", "-o", str(up))
    assert code == 0
    [bundle] = list(up.glob("*.age"))
    (tmp_path / "cut").mkdir()
    broken = tmp_path / "cut" / bundle.name    # the messaging app cut it short, the name survived
    broken.write_bytes(bundle.read_bytes()[:-50])
    code, out, err = run(capsys, lead, "sync", "import", str(broken), str(bundle))
    assert code == 1 and "1 of 2 files were refused" in err
    lines = out.strip().splitlines()
    assert lines[0].startswith("✗") and "ask 李娜的笔记本 to send it again" in lines[0]
    assert lines[1].startswith("✓")
    code, out, _ = run(capsys, lead, "sync", "import", "--json", str(bundle))
    assert code == 0 and json.loads(out)[0]["status"] == "already"

    code, out, _ = run(capsys, lead, "team", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["role"] == "lead" and status["team"]["name"] == "东坪社工站"
    [worker] = [d for d in status["devices"] if d["role"] == "member"]
    assert worker["name"] == "李娜的笔记本" and worker["last_bundle"]["seq"] == 1
    code, out, _ = run(capsys, li, "team", "status", "--json")
    assert json.loads(out)["device_id"] == worker["device_id"] and json.loads(out)["status"] == "enrolled"

    code, out, _ = run(capsys, lead, "team", "export-recovery", "-o", str(tmp_path / "recovery.txt"))
    assert code == 0
    if shutil.which("age"):
        plain = subprocess.run(["age", "-d", "-i", str(tmp_path / "recovery.txt"), str(bundle)],
                               capture_output=True, check=True).stdout
        assert plain.startswith(b"OUTREACH-BUNDLE\n") and "东坪-0150".encode() in plain

    code, out, _ = run(capsys, lead, "team", "revoke", worker["code"])
    assert code == 0 and "Revoked" in out
    code, out, err = run(capsys, lead, "sync", "export", "--to", worker["device_id"], "-o", str(down))
    assert code == 2 and "revoked" in err


def test_wrong_or_missing_passphrase_is_one_clear_line(laptops, capsys, monkeypatch, tmp_path):
    lead, _li = laptops
    monkeypatch.setenv("OUTREACH_PASSPHRASE", "not the passphrase")
    code, _out, err = run(capsys, lead, "team", "export-recovery", "-o", str(tmp_path / "r.txt"))
    assert code == 2 and "Wrong passphrase" in err and len(err.strip().splitlines()) == 1
    monkeypatch.delenv("OUTREACH_PASSPHRASE")
    code, _out, err = run(capsys, lead, "team", "export-recovery", "-o", str(tmp_path / "r.txt"))
    assert code == 2 and "OUTREACH_PASSPHRASE" in err
    assert not (tmp_path / "r.txt").exists()
