"""`outreach hub …` as a county's staff and a team lead script it, and the systemd unit that runs the
watcher."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path

import pyrage

from outreach.cli.main import build_parser, main
from outreach.storage.store import Store
from outreach.storage.tables import Area, Household

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, data_dir, *args, lang="en"):
    code = main(["--lang", lang, "--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def laptop(path, worker):
    s = Store.open(path)
    s.set_setting("worker_name", worker)
    s.set_setting("device_name", f"{worker}的笔记本")
    return s


def test_hub_and_lead_commands_end_to_end(tmp_path, capsys):
    hub, lead, other = tmp_path / "hub", tmp_path / "lead", tmp_path / "other"
    laptop(hub, "县民政局").close()
    laptop(lead, "陈静").close()
    laptop(other, "外县").close()
    assert run(capsys, hub, "hub", "init", "--name", "示范县社工总站")[0] == 0
    s = Store.open(hub)
    with s.transaction() as w:
        w.insert(Area, {"id": "530102001", "name": "东坪乡", "level": "township"})
        w.insert(Area, {"id": "530102001001", "name": "东坪村", "level": "village", "parent_id": "530102001"})
    s.close()
    code, out, _ = run(capsys, hub, "hub", "invite", "-o", str(tmp_path / "hub-invite.json"))
    assert code == 0 and "hub-invite.json" in out
    code, out, _ = run(capsys, hub, "hub", "export-recovery", "-o", str(tmp_path / "hub-recovery.txt"))
    recovery = (tmp_path / "hub-recovery.txt").read_text()
    assert code == 0 and "AGE-SECRET-KEY-" in recovery and (tmp_path / "hub-recovery.txt").stat().st_mode & 0o077 == 0

    # only a team lead's laptop joins a hub
    code, _out, err = run(capsys, lead, "hub", "join", str(tmp_path / "hub-invite.json"), "-o", str(tmp_path / "r"))
    assert code == 2 and "not in a team" in err and len(err.strip().splitlines()) == 1
    assert run(capsys, lead, "team", "create", "--name", "东坪社工站")[0] == 0
    code, out, _ = run(capsys, lead, "hub", "join", str(tmp_path / "hub-invite.json"), "-o", str(tmp_path / "req.json"))
    assert code == 0
    fingerprint = out.split("Fingerprint: ")[1].split(" (")[0]
    code, _out, err = run(capsys, hub, "hub", "enroll", str(tmp_path / "req.json"), "--fingerprint", "1234")
    assert code == 2 and "differ" in err
    code, out, _ = run(capsys, hub, "hub", "enroll", str(tmp_path / "req.json"), "--villages", "530102001001",
                       "--fingerprint", fingerprint)
    assert code == 0 and "东坪社工站" in out and "530102001001" in out

    down, up = tmp_path / "down", tmp_path / "up"
    code, out, _ = run(capsys, hub, "hub", "export", "--all", "-o", str(down))
    assert code == 0 and len(list(down.glob("*.age"))) == 1
    code, out, _ = run(capsys, lead, "hub", "import", str(down))
    assert code == 0 and "Imported bundle 1" in out
    code, out, _ = run(capsys, lead, "hub", "status")
    assert code == 0 and "示范县社工总站" in out and "enrolled" in out
    s = Store.open(lead)
    with s.transaction() as w:
        w.insert(Household, {"code": "东坪-0001", "village_id": "530102001001"})
    s.close()
    code, _out, err = run(capsys, lead, "hub", "export", "--all", "-o", str(up))
    assert code == 2 and "--to and --all are for the hub" in err
    code, out, _ = run(capsys, lead, "hub", "export", "-o", str(up / "1"))
    assert code == 0 and "示范县社工总站" in out
    code, out, _ = run(capsys, lead, "hub", "export", "-o", str(up / "2"))
    # the hub's recovery file opens a lead's uplink
    identity = pyrage.x25519.Identity.from_str(recovery.strip().splitlines()[-1])
    assert pyrage.decrypt((up / "1").read_bytes(), [identity]).startswith(b"OUTREACH-BUNDLE")
    code, out, _ = run(capsys, hub, "hub", "import", str(up / "2"))   # the first one is still on its way
    assert code == 0 and "Imported bundle 2" in out
    code, out, _ = run(capsys, hub, "hub", "status")
    assert code == 0 and "1 laptop" in out and "missing: 1" in out
    code, out, _ = run(capsys, hub, "hub", "import", str(up / "1"), str(up / "2"))
    assert code == 0 and "Imported bundle 1" in out and "already" in out
    code, out, _ = run(capsys, hub, "hub", "status", "--json")
    report = json.loads(out)
    assert report["leads"][0]["gaps"] == []
    code, out, _ = run(capsys, hub, "hub", "assign", "东坪社工站", "--villages", "530102001001")
    assert code == 0 and "530102001001" in out

    # a lost lead laptop: revoked at the hub, its next uplink is refused and it gets no downlink
    code, out, _ = run(capsys, hub, "hub", "revoke", "东坪社工站")
    assert code == 0 and "Revoked" in out
    assert run(capsys, lead, "hub", "export", "-o", str(up / "3"))[0] == 0
    code, out, err = run(capsys, hub, "hub", "import", str(up / "3"))
    assert code == 1 and "has been revoked" in out and "1 of 1" in err
    code, _out, err = run(capsys, hub, "hub", "export", "--to", "东坪社工站", "-o", str(down))
    assert code == 2 and "has been revoked" in err
    assert report["role"] == "hub" and [x["name"] for x in report["leads"]] == ["东坪社工站 · 陈静的笔记本"]
    assert len(report["leads"][0]["laptops"]) == 1 and report["leads"][0]["laptops"][0]["hlc"] > 0

    # a second hub is refused, in one line, in Chinese too
    assert run(capsys, other, "hub", "init", "--name", "邻县总站")[0] == 0
    assert run(capsys, other, "hub", "invite", "-o", str(tmp_path / "other.json"))[0] == 0
    code, _out, err = run(capsys, lead, "hub", "join", str(tmp_path / "other.json"), "-o", str(tmp_path / "x"),
                          lang="zh_CN")
    assert code == 2 and "已经属于县级汇总站“示范县社工总站”" in err and "只能加入一个汇总站" in err
    code, _out, err = run(capsys, hub, "hub", "watch", str(tmp_path / "nowhere"), "--outbox", str(tmp_path / "o"))
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_the_service_unit_runs_the_watcher_as_its_own_user_without_secrets():
    text = (ROOT / "packaging" / "outreach-hub.service").read_text(encoding="utf-8")
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string(text)
    service = unit["Service"]
    assert service["User"] not in ("", "root") and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/") and "LoadCredential" in service
    settings = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert not [line for line in settings if re.search(r"(?i)(passphrase|password|secret)\w*=", line)]
    assert not re.search(r"://[^/@\s]+:[^@\s]+@", text)      # no URL with a password, not even in a comment
    assert "Environment=OUTREACH_PASSPHRASE" not in text
    argv = shlex.split(service["ExecStart"].replace("${OUTREACH_HUB_INBOX}", "/srv/in")
                       .replace("${OUTREACH_HUB_OUTBOX}", "/srv/out"))
    assert argv[0].endswith("/outreach")
    args = build_parser().parse_args(argv[1:])
    assert (args.command, args.hub_command, args.inbox, args.outbox, args.once) == ("hub", "watch", "/srv/in",
                                                                                     "/srv/out", False)
    readme = (ROOT / "packaging" / "README.md").read_text(encoding="utf-8")
    assert "outreach-hub.service" in readme and "LoadCredential" in readme
