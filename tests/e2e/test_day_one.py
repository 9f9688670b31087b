"""Ready on day one (issue 9), through the command line only: the lead sets up villages, providers and
the team profile; a new laptop joins with the invite and — before any bundle — lists the lead's
villages and providers and prints a letter headed with the team's organisation. Later changes to the
directory reach the worker in the next downlink; the worker cannot change team data (one line,
nothing written) but can suggest a provider, which reaches the lead's queue."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.cli_kit import Laptop, Run, one_line_error, pdf_text

COUNTY, TOWN = "522731", "522731100000"
DONGPING, SHIMEN = "522731100201", "522731100202"
PROFILE = {"org_name": "青山镇社会工作服务站", "org_address": "青山镇人民路18号", "org_phone": "0854-7771234",
           "reply_to": "青山镇社工站 陈静 收", "reply_days": 10}


def fingerprint(join: Run) -> str:
    digits = re.search(r"(\d{4}(?: \d{4}){3,})", join.out)
    assert digits, join.describe()
    return digits.group(1)


def _store_file(folder: Path):
    """The store file read directly (it is encrypted at rest, issue 13: SQLCipher with its key)."""
    from outreach.storage import crypto_store

    path = folder / "outreach.sqlite3"
    return crypto_store.connect(path, crypto_store.database_key(folder, path))


def reference_digest(folder: Path) -> str:
    """A hash of the team data rows and of the change log, read straight from the database file."""
    h = hashlib.sha256()
    with _store_file(folder) as db:
        for table in ("area", "provider", "teamprofile", "change_log"):
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1"):
                h.update(repr(row).encode())
    return h.hexdigest()


def seed_referral(folder: Path, provider_id: str) -> str:
    """The worker's own field work (not team data): a household, a member and a referral."""
    from outreach.services import households, people, referrals
    from outreach.storage.store import Store

    s = Store.open(folder)
    try:
        hid = households.create_household(s, village_id=DONGPING, address="东坪村二组 15 号")
        pid = people.add_person(s, household_id=hid, name="王秀英", birth_date=date(1944, 5, 3), relation="self")
        today = date.today()
        ref = referrals.create_referral(s, person_id=pid, provider_id=provider_id, reason="降压药快吃完了，需要开药。",
                                        consent_given=True, consent_by="王秀英", consent_on=today,
                                        consent_method="verbal_witnessed", consent_witness="邻居张桂兰", issue_on=today)
        return ref.reference
    finally:
        s.close()


@pytest.fixture
def team(tmp_path):
    lead, li = Laptop(tmp_path / "lead"), Laptop(tmp_path / "li")
    lead.run("settings", "--set", "worker_name=陈静", "--set", "device_name=陈静的笔记本").ok()
    li.run("settings", "--set", "worker_name=李娜").ok()
    lead.run("team", "create", "--name", "青山社工站").ok()
    lead.run("areas", "add", "--name", "青山县", "--level", "county", "--code", COUNTY).ok()
    lead.run("areas", "add", "--name", "青山镇", "--level", "township", "--parent", COUNTY).ok()
    lead.run("areas", "add", "--name", "东坪村", "--level", "village", "--parent", TOWN).ok()
    lead.run("areas", "add", "--name", "石门村", "--level", "village", "--parent", TOWN, "--code", SHIMEN).ok()
    lead.run("providers", "add", "--name", "青山镇卫生院", "--category", "clinic", "--phone", "0854-1234567",
             "--address", "青山镇街上8号").ok()
    lead.run("providers", "add", "--name", "乡民政办", "--category", "civil_affairs").ok()
    sets = [x for k, v in PROFILE.items() for x in ("--set", f"{k}={v}")]
    assert lead.run("team", "profile", *sets, "--json").ok().json() == PROFILE
    lead.run("team", "invite", "-o", tmp_path / "invite.txt").ok()
    return lead, li, tmp_path


def test_a_new_laptop_is_ready_on_day_one_and_team_data_flows_from_the_lead(team):
    lead, li, root = team
    join = li.run("team", "join", root / "invite.txt", "-o", root / "request.txt").ok()

    # ---- before any bundle: the lead's villages, providers and letterhead are here
    with _store_file(li.dir) as db:
        assert db.execute("SELECT COUNT(*) FROM sync_bundle").fetchone() == (0,), "no bundle made or read yet"
    listed = li.run("areas", "list", "--json").ok().json()
    assert {(a["code"], a["name"], a["level"], a["parent_code"], a["archived"]) for a in listed if a["level"] == "village"} \
        == {(DONGPING, "东坪村", "village", TOWN, False), (SHIMEN, "石门村", "village", TOWN, False)}
    lead_providers = lead.run("providers", "list", "--json").ok().json()
    assert li.run("providers", "list", "--json").ok().json() == lead_providers
    assert {p["name"] for p in lead_providers} == {"青山镇卫生院", "乡民政办"}
    assert li.run("team", "profile", "--json").ok().json() == PROFILE
    clinic = next(p["id"] for p in lead_providers if p["name"] == "青山镇卫生院")
    reference = seed_referral(li.dir, clinic)
    li.run("letter", reference, "-o", root / "letter.pdf").ok()
    header = pdf_text(root / "letter.pdf")
    for value in (PROFILE["org_name"], PROFILE["org_address"], PROFILE["org_phone"]):
        assert value in header.replace(" ", ""), header[:400]

    # ---- the worker cannot change team data: one line, in her language, nothing written
    before = reference_digest(li.dir)
    line = one_line_error(li.run("providers", "add", "--name", "村卫生室", "--category", "clinic"))
    assert "outreach providers suggest" in line and "陈静" in line
    line = one_line_error(li.run("providers", "add", "--name", "村卫生室", "--category", "clinic", lang="en"))
    assert "outreach providers suggest" in line and "maintained by" in line
    one_line_error(li.run("areas", "add", "--name", "新村", "--level", "village", "--parent", TOWN))
    one_line_error(li.run("team", "profile", "--set", "org_name=李娜的站"))
    one_line_error(li.run("settings", "--set", "org_phone=13800000000"))
    one_line_error(li.run("providers", "archive", clinic))
    assert reference_digest(li.dir) == before
    li.run("settings", "--set", "worker_phone=13912345678").ok()      # her own settings stay hers
    li.run("providers", "suggest", "--name", "东坪村老年协会", "--category", "ngo", "--phone", "13900001111").ok()

    # ---- enrolment, the worker's uplink, the lead's later changes, the next downlink
    lead.run("team", "enroll", root / "request.txt", "--villages", DONGPING, "--fingerprint", fingerprint(join)).ok()
    (root / "usb-li").mkdir()
    (root / "down").mkdir()
    li.run("sync", "export", "-o", root / "usb-li").ok()
    lead.run("sync", "import", root / "usb-li").ok()
    queue = lead.run("providers", "suggestions", "--json").ok().json()
    assert [(s["name"], s["phone"], s["suggested_by"]) for s in queue] == [("东坪村老年协会", "13900001111", "李娜")]
    lead.run("providers", "accept", queue[0]["id"]).ok()
    lead.run("providers", "add", "--name", "县法律援助中心", "--category", "legal_aid", "--phone", "0854-1480000").ok()
    edited = next(p["id"] for p in lead_providers if p["name"] == "乡民政办")
    lead.run("providers", "archive", edited).ok()
    lead.run("team", "profile", "--set", "org_phone=0854-7775678").ok()
    lead.run("sync", "export", "--all", "-o", root / "down").ok()
    li.run("sync", "import", root / "down").ok()
    names = {p["name"] for p in li.run("providers", "list", "--json").ok().json()}
    assert names == {"青山镇卫生院", "县法律援助中心", "东坪村老年协会"}
    assert li.run("team", "profile", "--json").ok().json()["org_phone"] == "0854-7775678"


def test_a_changed_invite_is_refused_in_one_line_and_the_laptop_stays_out_of_the_team(team):
    lead, _li, root = team
    doc = json.loads((root / "invite.txt").read_text(encoding="utf-8"))
    doc["lead"]["worker"] = "冒名顶替"
    (root / "forged.txt").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    wang = Laptop(root / "wang", lang="en")
    line = one_line_error(wang.run("team", "join", root / "forged.txt", "-o", root / "req-wang.txt"))
    assert "invite" in line.lower() and "changed" in line
    assert wang.run("areas", "list", "--json").ok().json() == []
    status = wang.run("team", "status", "--json").ok().json()
    assert (status["team"], status["role"]) == (None, None)


def test_area_lists_from_the_statistics_bureau_and_from_chinese_excel_import(tmp_path):
    lead = Laptop(tmp_path / "solo")
    stat = tmp_path / "2023年统计用区划代码.csv"
    stat.write_bytes("统计用区划代码,城乡分类代码,名称\r\n522731000000,,青山县\r\n522731100000,,青山镇\r\n"
                     "522731100201,220,东坪村\r\n522731100202,220,石门村\r\n".encode("gbk"))
    lead.run("areas", "import", stat).ok()
    listed = {a["code"]: a for a in lead.run("areas", "list", "--json").ok().json()}
    assert (listed["522731100202"]["level"], listed["522731100202"]["parent_code"]) == ("village", TOWN)
    bad = tmp_path / "bad.csv"
    bad.write_text("统计用区划代码,名称\n522731100203,河口村\n5227311002,坏行\n", encoding="utf-8")
    line = one_line_error(lead.run("areas", "import", bad))
    assert "3" in line and "12" in line
    assert len(lead.run("areas", "list", "--json").ok().json()) == len(listed)
