"""`outreach team rotate-key` and `outreach team handover` as a script drives them."""

from __future__ import annotations

import json

from outreach.storage.store import Store
from outreach.storage.tables import Household
from tests.unit.sync.test_transport_cli import laptops, run  # noqa: F401  (the fixture)


def test_rotate_key_then_handover_end_to_end(laptops, tmp_path, capsys):  # noqa: F811
    lead, li = laptops
    assert run(capsys, lead, "team", "invite", "-o", str(tmp_path / "invite.json"))[0] == 0
    code, out, _ = run(capsys, li, "team", "join", str(tmp_path / "invite.json"), "-o", str(tmp_path / "req.json"))
    fingerprint = out.split("Fingerprint: ")[1].split(" (")[0]
    assert run(capsys, lead, "team", "enroll", str(tmp_path / "req.json"), "--villages", "530102001001",
               "--fingerprint", fingerprint)[0] == 0

    code, out, err = run(capsys, lead, "team", "rotate-key", "--grace-until", "not-a-date")
    assert code == 2 and "not a date" in err
    code, out, _ = run(capsys, lead, "team", "rotate-key", "--grace-days", "7")
    assert code == 0 and "new team key" in out
    code, out, _ = run(capsys, lead, "team", "status", "--json")
    status = {d["worker"]: d["new_team_key"] for d in json.loads(out)["devices"]}
    assert status == {"陈静": True, "李娜": False}
    code, out, _ = run(capsys, lead, "team", "status")
    assert "[old key]" in out and "[new key]" in out

    down = tmp_path / "down"
    assert run(capsys, lead, "sync", "export", "--all", "-o", str(down))[0] == 0
    assert run(capsys, li, "sync", "import", str(down))[0] == 0
    s = Store.open(li)
    with s.transaction() as w:
        w.insert(Household, {"code": "东坪-0150", "village_id": "530102001001", "phone": "13912345678"})
    s.close()

    code, out, err = run(capsys, li, "team", "handover")
    assert code == 2 and "--to-lead" in err
    up = tmp_path / "up"
    up.mkdir()
    code, out, _ = run(capsys, li, "team", "handover", "--to-lead", str(up))
    assert code == 0 and "Handover bundle written" in out
    [stale] = list(down.glob("*.age"))
    code, out, err = run(capsys, li, "team", "handover", "--confirm", str(stale))
    assert code == 2 and "Nothing was deleted" in err
    assert (li / "outreach-keys.json").exists()
    assert run(capsys, lead, "sync", "import", str(up))[0] == 0
    code, out, _ = run(capsys, lead, "team", "status", "--json")
    assert {d["worker"]: d["new_team_key"] for d in json.loads(out)["devices"]}["李娜"] is True
    down2 = tmp_path / "down2"
    assert run(capsys, lead, "sync", "export", "--all", "-o", str(down2))[0] == 0
    [ack] = list(down2.glob("*.age"))
    code, out, err = run(capsys, li, "team", "handover", "--confirm", str(ack))
    assert code == 0, err
    assert "wiped" in out
    left = [p.name for p in li.rglob("*") if p.is_file()]
    assert left == ["handover-receipt.txt"], left


def test_recover_lead_from_a_fresh_laptop_end_to_end(laptops, tmp_path, capsys):  # noqa: F811
    """The lead's laptop is lost: a new laptop with the recovery file and 李娜's uplink becomes the
    lead; 李娜 takes its downlink and keeps syncing; a bad recovery file is one line, nothing made."""
    from tests.unit.sync.test_transport_cli import setup_laptop

    lead, li = laptops
    assert run(capsys, lead, "team", "invite", "-o", str(tmp_path / "invite.json"))[0] == 0
    code, out, _ = run(capsys, li, "team", "join", str(tmp_path / "invite.json"), "-o", str(tmp_path / "req.json"))
    fingerprint = out.split("Fingerprint: ")[1].split(" (")[0]
    assert run(capsys, lead, "team", "enroll", str(tmp_path / "req.json"), "--villages", "530102001001",
               "--fingerprint", fingerprint)[0] == 0
    recovery = tmp_path / "recovery-identity.txt"
    assert run(capsys, lead, "team", "export-recovery", "-o", str(recovery))[0] == 0
    down = tmp_path / "down"
    assert run(capsys, lead, "sync", "export", "--all", "-o", str(down))[0] == 0
    assert run(capsys, li, "sync", "import", str(down))[0] == 0
    s = Store.open(li)
    with s.transaction() as w:
        w.insert(Household, {"code": "东坪-0150", "village_id": "530102001001"})
    s.close()
    up = tmp_path / "up"
    up.mkdir()
    assert run(capsys, li, "sync", "export", "--full", "-o", str(up))[0] == 0

    new = tmp_path / "new"
    setup_laptop(new, "陈静").close()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not a key\n")
    code, out, err = run(capsys, new, "team", "recover-lead", "--recovery-identity", str(wrong), str(up))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert not (new / "outreach-keys.json").exists()
    code, out, err = run(capsys, new, "team", "recover-lead", "--recovery-identity", str(recovery),
                         "--grace-days", "7", str(up))
    assert code == 0, err
    assert "now the lead" in out and "李娜" in out
    code, out, _ = run(capsys, new, "team", "status", "--json")
    status = {d["worker"] or d["device_id"]: d["status"] for d in json.loads(out)["devices"]}
    assert sorted(status.values()) == ["enrolled", "enrolled", "revoked"]
    down2 = tmp_path / "down2"
    assert run(capsys, new, "sync", "export", "--all", "-o", str(down2))[0] == 0
    code, out, err = run(capsys, li, "sync", "import", str(down2))
    assert code == 0, out + err
    code, out, _ = run(capsys, li, "team", "status", "--json")
    s = Store.open(new)
    new_id = s.device.id
    s.close()
    assert json.loads(out)["team"]["lead_device_id"] == new_id
