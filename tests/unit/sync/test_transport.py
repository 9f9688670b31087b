"""Export and import between laptops: what travels, and every bad file refused with nothing changed."""

from __future__ import annotations

import hashlib
import json

import pytest

from outreach.domain.errors import OutreachError
from outreach.sync import bundle as B
from outreach.sync import team as T
from outreach.sync import transport
from outreach.sync.keys import KeyRing
from tests.unit.sync.transport_kit import (
    DONGPING,
    HEKOU,
    SHIMEN,
    add_household,
    create_lead,
    db_hash,
    downlink,
    join,
    lead_and_two_workers,
    receive,
    synced_state,
    uplink,
)


@pytest.fixture
def team(tmp_path):
    with lead_and_two_workers(tmp_path) as laptops:
        yield laptops


def households(store) -> dict[str, dict]:
    return {r["code"]: r for r in synced_state(store)["household"]}


def test_changes_travel_up_and_down_within_each_workers_villages(team):
    lead, li, wang = team
    add_household(li, "东坪-0150", DONGPING, phone="13800001111")
    add_household(li, "石门-0022", SHIMEN)
    add_household(wang, "河口-0007", HEKOU)
    results = receive(lead, uplink(li), uplink(wang))
    assert [r.status for r in results] == ["imported", "imported"]
    assert set(households(lead.store)) == {"东坪-0150", "石门-0022", "河口-0007"}
    receive(wang, downlink(lead, wang))
    receive(li, downlink(lead, li))
    assert set(households(wang.store)) == {"石门-0022", "河口-0007"}       # not 东坪
    assert set(households(li.store)) == {"东坪-0150", "石门-0022"}          # not 河口
    assert households(wang.store)["石门-0022"] == households(lead.store)["石门-0022"]


def test_worker_status_learns_enrolment_and_villages_from_the_downlink(team):
    _lead, li, _wang = team
    report = transport.status_report(li.store)
    assert report["role"] == "member" and report["status"] == "enrolled"
    assert report["villages"] == [DONGPING, SHIMEN]
    names = {d["name"] for d in report["devices"]}
    assert {"陈静的笔记本", "李娜的笔记本", "王强的笔记本"} <= names


def test_second_bundle_carries_only_what_the_peer_lacks(team):
    lead, li, _wang = team
    add_household(li, "东坪-0001", DONGPING)
    first = uplink(li)
    receive(lead, first)
    receive(li, downlink(lead, li))            # the lead acknowledges holding 东坪-0001
    add_household(li, "东坪-0002", DONGPING)
    second = uplink(li)
    assert (first.changes, second.changes) == (1, 1)
    assert uplink(li, full=True).changes == 2 + 4   # everything it holds, with the areas it received


def test_a_lost_bundle_costs_nothing_because_vectors_are_acknowledgements(team):
    lead, li, _wang = team
    add_household(li, "东坪-0001", DONGPING)
    lost = uplink(li)
    add_household(li, "东坪-0002", DONGPING)
    later = uplink(li)
    assert later.changes == 2 and lost.seq + 1 == later.seq
    [result] = receive(lead, later)
    assert set(households(lead.store)) == {"东坪-0001", "东坪-0002"}
    assert [g.text("en") for g in result.gaps] == [f"Bundle {lost.seq} from 李娜的笔记本 is missing."]
    assert [g.text("zh_CN") for g in result.gaps] == [f"李娜的笔记本的第 {lost.seq} 号同步包还没有收到。"]
    status = {d["device_id"]: d for d in transport.status_report(lead.store)["devices"]}
    assert status[li.id]["gaps"] == [lost.seq] and status[li.id]["last_bundle"]["seq"] == later.seq
    receive(lead, lost)
    status = {d["device_id"]: d for d in transport.status_report(lead.store)["devices"]}
    assert status[li.id]["gaps"] == []


def test_importing_the_same_bundle_again_changes_nothing(team):
    lead, li, _wang = team
    add_household(li, "东坪-0001", DONGPING)
    bundle = uplink(li)
    receive(lead, bundle)
    before = db_hash(lead.store)
    [again] = receive(lead, bundle)
    assert again.status == transport.ALREADY and again.ok
    assert "already imported" in again.text("en") and "已经导入过" in again.text("zh_CN")
    assert db_hash(lead.store) == before


def test_file_name_says_team_device_sequence_and_date(team):
    lead, li, _wang = team
    up = uplink(li)
    down = downlink(lead, li)
    code_li, code_lead = T.device_code(li.id), T.device_code(lead.id)
    assert up.path.name.startswith(f"outreach-东坪社工站-{code_li}-{up.seq:04d}-") and up.path.suffix == ".age"
    assert f"-{code_lead}-to-{code_li}-{down.seq:04d}-" in down.path.name
    assert not list(li.outbox.glob(".outreach-*"))   # no temporary file left behind


# --------------------------------------------------------------------------- refusals
def forge(laptop, data: bytes, lead, *, edit_manifest=None, lines=None, signer=None, reseal_to=None):
    """Decrypt a real uplink with the team key and re-make it, signed by ``signer`` (default: the
    laptop's own device key, i.e. a buggy or malicious enrolled laptop)."""
    inner = B.decrypt(data, [lead.ring.team_age])
    manifest_bytes, _sig, payload = B.split_inner(inner)
    manifest = json.loads(manifest_bytes)
    if lines is not None:
        payload = b"".join(json.dumps(c, ensure_ascii=False).encode() + b"\n" for c in lines)
        manifest["payload"].update(sha256=hashlib.sha256(payload).hexdigest(), bytes=len(payload),
                                   changes=len(lines), counts={})
    if edit_manifest:
        edit_manifest(manifest)
    inner = B.build_inner(manifest, payload, signer or laptop.ring.device_sign)
    return B.seal(inner, reseal_to or [str(lead.ring.team_age.to_public())])


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x04
    return bytes(b)


def test_every_bad_bundle_is_refused_with_a_clear_message_and_nothing_changes(team, tmp_path):
    lead, li, wang = team
    for i in range(20):
        add_household(li, f"东坪-{i:04d}", DONGPING, notes="独居老人" * 50)
    good = uplink(li)
    data = good.path.read_bytes()
    other = create_lead(tmp_path / "other")
    other_li = join(tmp_path / "other", other, "li", "李娜")
    foreign = uplink(other_li).path.read_bytes()
    stranger = KeyRing.generate("f" * 32)
    changes = [json.loads(x) for x in B.decrypt(data, [lead.ring.team_age]).split(b"\n")[3:] if x]
    changes[3]["value"] = json.dumps(13800000000)  # a number where text belongs
    changes[3]["field"] = "phone"
    cases = {
        "truncated": (data[: len(data) * 2 // 3], "sync.refused.damaged"),
        "header bit": (flip(data, data.index(b"\n---") + 10), "sync.refused.damaged"),
        "payload bit": (flip(data, len(data) - 100), "sync.refused.damaged"),
        "garbage appended": (data + b"\x00garbage", "sync.refused.damaged"),
        "other team": (foreign, "sync.refused.not_for_us"),
        "unknown signer": (forge(li, data, lead, signer=stranger.device_sign,
                                 edit_manifest=lambda m: m.update(sender=stranger.device_id)),
                           "sync.refused.unknown_sender"),
        "forged signature": (forge(li, data, lead, signer=wang.ring.device_sign), "sync.refused.bad_signature"),
        "reencrypted from another team": (
            B.seal(B.decrypt(foreign, [other.ring.team_age]), [str(lead.ring.team_age.to_public())]),
            "sync.refused.other_team"),
        "unknown major version": (forge(li, data, lead, edit_manifest=lambda m: m.update(format_version="2.0")),
                                  "sync.refused.newer_format"),
        "hand-edited schema": (forge(li, data, lead, lines=changes), "sync.refused.bad_change"),
        "not a bundle": (b"PK\x03\x04 zip file", "sync.refused.not_bundle"),
        "addressed to a worker": (downlink(lead, wang).path.read_bytes(), "sync.refused.not_for_us"),
    }
    before = db_hash(lead.store)
    for name, (payload, key) in cases.items():
        path = tmp_path / f"{name}.age"
        path.write_bytes(payload)
        [result] = receive(lead, path)
        assert (name, result.status, result.message.key) == (name, "refused", key), result.text("en")
        assert result.text("zh_CN") != key and result.text("en") != key
        assert db_hash(lead.store) == before, name
    [ok] = receive(lead, good)                     # the genuine file still imports afterwards
    assert ok.status == "imported" and ok.changes == 20
    other.close()
    other_li.close()


def test_oversized_bundle_is_refused_before_reading(team, tmp_path):
    lead, li, _wang = team
    for i in range(5):
        add_household(li, f"东坪-{i:04d}", DONGPING)
    path = uplink(li).path
    before = db_hash(lead.store)
    r = transport.import_file(lead.store, lead.ring, path, limits=B.Limits(max_file_bytes=500))
    assert r.message.key == "sync.refused.too_large"
    r = transport.import_file(lead.store, lead.ring, path, limits=B.Limits(max_changes=4))
    assert r.message.key == "sync.refused.too_many_changes"
    assert db_hash(lead.store) == before


def test_incomplete_file_names_who_should_send_it_again(team):
    lead, _li, wang = team
    add_household(wang, "石门-0107", SHIMEN)
    path = uplink(wang).path
    path.write_bytes(path.read_bytes()[:-200])
    [r] = receive(lead, path)
    assert r.message.key == "sync.refused.damaged"
    assert "王强的笔记本" in r.text("zh_CN") and "ask 王强的笔记本 to send it again" in r.text("en")


def test_revoked_laptop_bundles_refused_and_downlinks_leave_it_out(team, tmp_path):
    lead, li, wang = team
    add_household(wang, "石门-0107", SHIMEN)
    sent_before = uplink(wang)
    receive(lead, sent_before)
    add_household(wang, "河口-0001", HEKOU)
    after = uplink(wang)
    T.revoke(lead.store, "王强的笔记本")
    before = db_hash(lead.store)
    [r] = receive(lead, after)
    assert r.message.key == "sync.refused.revoked_sender" and "王强的笔记本" in r.text("zh_CN")
    assert db_hash(lead.store) == before
    assert "石门-0107" in households(lead.store)          # what he sent before is safe
    outs = transport.export_downlinks(lead.store, lead.ring, tmp_path / "down")
    assert [o.recipient for o in outs] == [li.id]
    with pytest.raises(OutreachError) as exc:
        downlink(lead, wang)
    assert exc.value.key == "sync.error.device_revoked"


def test_sender_cannot_read_its_own_outbox_nor_others_downlinks(team):
    lead, li, wang = team
    [own] = receive(li, uplink(li))
    assert own.message.key == "sync.refused.not_for_us"
    [other] = receive(li, downlink(lead, wang))
    assert other.message.key == "sync.refused.not_for_us"


def test_good_files_import_when_others_are_refused(team, tmp_path):
    lead, li, wang = team
    add_household(li, "东坪-0150", DONGPING)
    add_household(wang, "石门-0107", SHIMEN)
    broken = tmp_path / "broken.age"
    broken.write_bytes(uplink(wang).path.read_bytes()[:100])
    results = receive(lead, uplink(li), broken, tmp_path / "missing.age")
    assert [r.status for r in results] == ["imported", "refused", "refused"]
    assert results[2].message.key == "sync.refused.unreadable"
    assert "东坪-0150" in households(lead.store)


def test_progress_and_streamed_results(team):
    lead, li, wang = team
    files = [uplink(li).path, uplink(wang).path]
    seen, streamed = [], []
    transport.import_bundles(lead.store, lead.ring, files, progress=lambda d, t: seen.append((d, t)),
                             on_result=streamed.append)
    assert seen == [(0, 2), (1, 2), (2, 2)] and [r.status for r in streamed] == ["imported", "imported"]


def test_lead_must_name_the_target_and_workers_send_to_the_lead_only(team):
    lead, li, wang = team
    with pytest.raises(OutreachError) as exc:
        transport.export_bundle(lead.store, lead.ring, out=lead.outbox)
    assert exc.value.key == "sync.error.lead_needs_target"
    with pytest.raises(OutreachError) as exc:
        uplink(li, to=wang.id)
    assert exc.value.key == "sync.error.worker_sends_to_lead"


def test_changed_villages_make_the_next_downlink_complete(team):
    lead, li, wang = team
    add_household(li, "东坪-0150", DONGPING)
    receive(lead, uplink(li))
    receive(wang, downlink(lead, wang))
    receive(lead, uplink(wang))                    # lead now knows what 王强 holds
    assert "东坪-0150" not in households(wang.store)
    T.set_villages(lead.store, wang.id, [DONGPING, SHIMEN, HEKOU])
    down = downlink(lead, wang)
    assert down.full
    receive(wang, down)
    assert "东坪-0150" in households(wang.store)


def test_a_laptop_cannot_speak_for_another(team):
    """An enrolled laptop signs changes it attributes to another laptop: those are left out."""
    from tests.unit.sync.transport_kit import household_changes

    lead, li, wang = team
    add_household(li, "东坪-0001", DONGPING)
    data = uplink(li).path.read_bytes()
    own = [json.loads(x) for x in B.decrypt(data, [lead.ring.team_age]).split(b"\n")[3:] if x]
    forged = household_changes(1, wang.id, village=SHIMEN)            # "王强 created this household"
    path = li.outbox / "forged.age"
    path.write_bytes(forge(li, data, lead, lines=own + forged))
    [result] = receive(lead, path)
    assert result.status == "imported" and result.notes[-1].key == "sync.import.foreign_dropped"
    assert "1" in result.text("en")
    assert set(households(lead.store)) == {"东坪-0001"}
