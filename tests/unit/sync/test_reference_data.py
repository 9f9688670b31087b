"""The team's reference data travels with the team (issue 9): the invite carries the lead's villages,
service directory and team profile, signed; later changes reach every worker in ordinary downlinks
whatever its villages; a worker cannot change team data but can suggest a provider."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib

import pytest
from sqlalchemy import func, select, text

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.services import areas, providers, team_data, team_profile
from outreach.services.letter_sources import organisation
from outreach.storage.writer import CHANGE_LOG
from outreach.sync import team as T
from outreach.sync.keys import FAST_KDF_FOR_TESTS
from tests.unit.sync.transport_kit import (
    DONGPING,
    PASS,
    Laptop,
    add_household,
    create_lead,
    downlink,
    receive,
    uplink,
)

PROFILE = {"org_name": "东坪乡社会工作服务站", "org_address": "东坪乡政府院内 2 号楼", "org_phone": "0854-7771234",
           "reply_to": "东坪乡社工站 陈静 收", "reply_days": 10}


@pytest.fixture
def lead(tmp_path):
    lead = create_lead(tmp_path)            # 东坪乡 with 东坪村, 石门村, 河口村
    providers.create_provider(lead.store, name="东坪乡卫生院", category="clinic", phone="0854-7770120",
                              address="东坪乡街上 8 号")
    providers.create_provider(lead.store, name="乡民政办", category="civil_affairs")
    team_profile.update_team_profile(lead.store, **PROFILE)
    yield lead
    lead.close()


def join(root, lead: Laptop, name: str, worker: str, villages=(), *, invite: bytes | None = None) -> Laptop:
    laptop = Laptop(root, name, worker)
    invite = invite if invite is not None else T.make_invite(lead.store, ring=lead.ring)
    request, fp = T.join_team(laptop.store, invite, PASS, kdf=FAST_KDF_FOR_TESTS)
    req = T.read_request(lead.store, request)
    assert req.fingerprint == fp
    T.enroll(lead.store, req, villages=list(villages))
    laptop.ring = T.unlock(laptop.store, PASS)
    return laptop


def table_digest(store, *tables: str) -> str:
    """A hash of every row of the given tables and of the change log (nothing written = same hash)."""
    h = hashlib.sha256()
    with store.connect() as conn:
        for table in (*tables, "change_log"):
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_a_joined_laptop_has_the_teams_villages_providers_and_letterhead_before_any_bundle(lead, tmp_path):
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    with li.store.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM sync_bundle")).scalar_one() == 0, "no bundle exchanged"
    assert {a.name for a in areas.all_areas(li.store) if a.level == "village"} == {"东坪村", "石门村", "河口村"}
    assert {p.name for p in providers.list_providers(li.store)} == {"东坪乡卫生院", "乡民政办"}
    assert team_profile.get_team_profile(li.store).as_json() == PROFILE
    org = organisation(li.store, "zh_CN")
    assert (org.name, org.address, org.phone) == (PROFILE["org_name"], PROFILE["org_address"], PROFILE["org_phone"])
    # the rows are the lead's own (same ids and stamps), so later downlinks merge with them
    lead_ids = {p.id for p in providers.list_providers(lead.store)}
    assert {p.id for p in providers.list_providers(li.store)} == lead_ids
    assert not team_data.can_edit_team_data(li.store) and team_data.can_edit_team_data(lead.store)
    assert "陈静" in team_data.team_data_maintainer(li.store)


def test_an_invite_changed_after_signing_is_refused_and_nothing_is_written(lead, tmp_path):
    doc = json.loads(T.make_invite(lead.store, ring=lead.ring))
    section = doc["reference"]
    lines = zlib.decompress(base64.b64decode(section["data"])).replace("东坪乡卫生院".encode(), "假冒卫生院".encode())
    # a careful forger fixes the section's own hash and count: only the lead's signature can tell
    section.update(data=base64.b64encode(zlib.compress(lines)).decode(), sha256=hashlib.sha256(lines).hexdigest())
    forged = json.dumps(doc, ensure_ascii=False).encode()
    wang = Laptop(tmp_path, "wang", "王芳")
    before = table_digest(wang.store, "area", "provider", "teamprofile", "sync_team", "sync_device")
    with pytest.raises(OutreachError) as exc:
        T.join_team(wang.store, forged, PASS, kdf=FAST_KDF_FOR_TESTS)
    assert exc.value.key == "teamdata.error.invite_tampered"
    assert "邀请文件" in exc.value.message("zh_CN") and "changed" in exc.value.message("en")
    assert table_digest(wang.store, "area", "provider", "teamprofile", "sync_team", "sync_device") == before
    # the signature covers the whole invite, not only the reference data
    doc = json.loads(T.make_invite(lead.store, ring=lead.ring))
    doc["team_name"] = "别的团队"
    with pytest.raises(OutreachError) as exc:
        T.join_team(wang.store, json.dumps(doc).encode(), PASS, kdf=FAST_KDF_FOR_TESTS)
    assert exc.value.key == "teamdata.error.invite_tampered"


def test_an_invite_without_keys_still_works_and_carries_no_reference_data(lead, tmp_path):
    plain = json.loads(T.make_invite(lead.store))
    assert "reference" not in plain and "signature" not in plain
    zhao = join(tmp_path, lead, "zhao", "赵强", invite=T.make_invite(lead.store))
    assert areas.all_areas(zhao.store) == []


def test_later_reference_changes_reach_every_worker_whatever_its_villages(lead, tmp_path):
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    zhao = join(tmp_path, lead, "zhao", "赵强", [])          # no village assigned yet
    for laptop in (li, zhao):     # the first downlinks, and the uplinks that acknowledge them
        receive(laptop, downlink(lead, laptop))
        receive(lead, uplink(laptop))
    clinic = next(p.id for p in providers.list_providers(lead.store) if p.name == "东坪乡卫生院")
    providers.update_provider(lead.store, clinic, phone="0854-7770999")
    legal = providers.create_provider(lead.store, name="县法律援助中心", category="legal_aid")
    areas.add_area(lead.store, name="新寨村", level="village", parent_id="530102001", code="530102001004")
    team_profile.update_team_profile(lead.store, org_phone="0854-7775678")
    for laptop in (li, zhao):
        result = downlink(lead, laptop)
        assert not result.full, "an ordinary (incremental, village-scoped) downlink"
        receive(laptop, result)
        mine = {p.id: p for p in providers.list_providers(laptop.store)}
        assert mine[clinic].phone == "0854-7770999" and mine[legal].name == "县法律援助中心"
        assert "新寨村" in {a.name for a in areas.all_areas(laptop.store)}
        assert team_profile.get_team_profile(laptop.store).org_phone == "0854-7775678"


def test_an_uplink_sent_before_the_first_downlink_does_not_cost_the_worker_its_households(lead, tmp_path):
    """The invite gave the worker some of the lead's changes; its version vector must not claim the
    households of its village that it never received."""
    old = add_household(lead, "CJ-0001", DONGPING, address="东坪村一组 3 号")
    team_profile.update_team_profile(lead.store, reply_days=12)   # the invite's newest change is after it
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    add_household(li, "LN-0001", DONGPING)
    receive(lead, uplink(li))
    receive(li, downlink(lead, li))
    with li.store.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM household WHERE id = :i"), {"i": old}).scalar_one() == 1


def test_a_worker_cannot_change_team_data_and_nothing_is_written(lead, tmp_path):
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    clinic = next(p.id for p in providers.list_providers(li.store) if p.name == "东坪乡卫生院")
    csv_file = tmp_path / "providers.csv"
    csv_file.write_text("名称,类别\n村卫生室,clinic\n", encoding="utf-8")
    area_csv = tmp_path / "areas.csv"
    area_csv.write_text("code,name,level,parent_code\n530102001009,新村,village,530102001\n", encoding="utf-8")
    tables = ("area", "provider", "teamprofile", "providersuggestion")
    before = table_digest(li.store, *tables)
    from outreach.services.directory_csv import import_providers_csv

    attempts = {
        "providers": [lambda: providers.create_provider(li.store, name="村卫生室", category="clinic"),
                      lambda: providers.update_provider(li.store, clinic, phone="110"),
                      lambda: providers.archive_provider(li.store, clinic),
                      lambda: import_providers_csv(li.store, csv_file)],
        "areas": [lambda: areas.add_area(li.store, name="新村", level="village", parent_id="530102001"),
                  lambda: areas.rename_area(li.store, DONGPING, "东坪新村"),
                  lambda: areas.archive_area(li.store, DONGPING),
                  lambda: areas.import_areas_csv(li.store, area_csv)],
        "profile": [lambda: team_profile.update_team_profile(li.store, org_name="李娜的站")],
    }
    for what, calls in attempts.items():
        for call in calls:
            with pytest.raises(team_data.TeamDataReadOnly) as exc:
                call()
            assert exc.value.key == f"teamdata.error.read_only.{what}"
            assert "陈静" in exc.value.message("zh_CN")
    for lang in ("zh_CN", "en"):   # the window's way first (a worker may never open a terminal), then the command
        suggest = T.OutreachError("teamdata.error.read_only.providers", maintainer="x").message(lang)
        assert tr("ui.dayone.directory.suggest", lang) in suggest and "outreach providers suggest" in suggest
        profile = T.OutreachError("teamdata.error.read_only.profile", maintainer="x").message(lang)
        assert tr("ui.action.settings", lang).replace("(&S)", "").replace("&", "") in profile, profile
    assert table_digest(li.store, *tables) == before


def test_a_workers_suggested_provider_reaches_the_leads_queue_and_comes_back_accepted(lead, tmp_path):
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    suggestion = providers.suggest_provider(li.store, name="东坪村老年协会", category="ngo", phone="13900001111")
    assert providers.list_provider_suggestions(lead.store) == []
    receive(lead, uplink(li))
    queue = providers.list_provider_suggestions(lead.store)
    assert [(s.id, s.name, s.suggested_by) for s in queue] == [(suggestion, "东坪村老年协会", "李娜")]
    provider_id = providers.accept_provider_suggestion(lead.store, suggestion)
    assert providers.list_provider_suggestions(lead.store) == []
    with pytest.raises(OutreachError) as exc:
        providers.dismiss_provider_suggestion(lead.store, suggestion)
    assert exc.value.key == "teamdata.error.suggestion_decided"
    receive(li, downlink(lead, li))
    assert providers.get_provider(li.store, provider_id).phone == "13900001111"


def test_the_invite_stays_a_small_file_with_a_county_of_areas(lead, tmp_path):
    rows = []
    with lead.store.transaction() as w:
        from outreach.storage.tables import Area

        for t in range(20):
            town = f"530102{100 + t:03d}000"
            rows.append({"id": town, "name": f"第{t}乡", "level": "township", "parent_id": None})
            for v in range(25):
                village = f"530102{100 + t:03d}{200 + v:03d}"
                rows.append({"id": village, "name": f"第{t}乡第{v}村", "level": "village", "parent_id": town})
                rows.extend({"id": f"{village}{g:03d}", "name": f"{g}组", "level": "group", "parent_id": village}
                            for g in range(1, 6))
        w.insert_many(Area, rows)
    invite = T.make_invite(lead.store, ring=lead.ring)
    assert len(invite) <= T.MAX_SMALL_FILE
    li = join(tmp_path, lead, "li", "李娜", invite=invite)
    section = json.loads(invite)["reference"]
    held = len(areas.all_areas(li.store))
    if section["complete"]:
        assert held == len(areas.all_areas(lead.store))
    else:   # what did not fit comes with the first downlink
        receive(li, downlink(lead, li))
        assert len(areas.all_areas(li.store)) == len(areas.all_areas(lead.store))
    with li.store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CHANGE_LOG)).scalar_one() > 3000


def test_an_organisation_set_before_joining_gives_way_to_the_teams_and_never_travels(lead, tmp_path):
    wang = Laptop(tmp_path, "wang", "王芳")
    team_profile.update_team_profile(wang.store, org_name="王芳自己的服务站", org_phone="13700000000")  # in no team
    request, fp = T.join_team(wang.store, T.make_invite(lead.store, ring=lead.ring), PASS, kdf=FAST_KDF_FOR_TESTS)
    T.enroll(lead.store, T.read_request(lead.store, request), villages=[DONGPING])
    wang.ring = T.unlock(wang.store, PASS)
    assert team_profile.get_team_profile(wang.store).as_json() == PROFILE
    receive(lead, uplink(wang))
    assert team_profile.get_team_profile(lead.store).as_json() == PROFILE
    with lead.store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CHANGE_LOG).where(
            CHANGE_LOG.c.entity == "teamprofile", CHANGE_LOG.c.device_id == wang.id)).scalar_one() == 0
    team_profile.update_team_profile(lead.store, org_name="东坪乡社工站（新）")
    receive(wang, downlink(lead, wang))
    assert team_profile.get_team_profile(wang.store).org_name == "东坪乡社工站（新）"


def test_a_forger_who_signs_with_his_own_key_is_caught_by_the_fingerprint(lead, tmp_path):
    """The invite is signed with the team's key, which the fingerprint both people compare covers: a
    forged invite re-signed with another key shows a fingerprint the lead's screen does not."""
    from outreach.sync import keys as K

    forger = K.KeyRing.generate(lead.id).with_team_keys()
    doc = json.loads(T.make_invite(lead.store, ring=lead.ring))
    doc["team_sign"] = K.ed25519_public(forger.team_sign)
    doc.pop("signature")
    doc["signature"] = K.sign(forger.team_sign, T.INVITE_CONTEXT + K.canonical_json(doc))
    wang = Laptop(tmp_path, "wang", "王芳")
    request, fp = T.join_team(wang.store, json.dumps(doc).encode(), PASS, kdf=FAST_KDF_FOR_TESTS)
    assert T.read_request(lead.store, request).fingerprint != fp
