"""Team and device registry: create, invite, join, enrol with a fingerprint, revoke, recovery."""

from __future__ import annotations

import json

import pytest

from outreach.domain.errors import OutreachError
from outreach.storage.sync_tables import STATUS_ENROLLED, STATUS_PENDING, STATUS_REVOKED
from outreach.sync import keys as K
from outreach.sync import team as T
from outreach.sync.keys import FAST_KDF_FOR_TESTS
from tests.unit.sync.transport_kit import DONGPING, HEKOU, PASS, SHIMEN, Laptop, create_lead, join


@pytest.fixture
def lead(tmp_path):
    laptop = create_lead(tmp_path)
    yield laptop
    laptop.close()


def error_key(fn, *args, **kw) -> str:
    with pytest.raises(OutreachError) as exc:
        fn(*args, **kw)
    assert exc.value.message("zh_CN") != exc.value.key and exc.value.message("en") != exc.value.key
    return exc.value.key


def test_create_team_makes_the_lead_and_keeps_private_keys_out_of_the_database(lead):
    with lead.store.connect() as conn:
        team = T.require_team(conn, lead=True)
        me = T.get_device(conn, lead.id)
    assert team.name == "东坪社工站" and team.lead_device_id == lead.id
    assert me.role == "lead" and me.status == STATUS_ENROLLED
    assert (lead.dir / K.KEYSTORE_NAME).exists()
    ring = T.unlock(lead.store, PASS)
    assert ring.is_lead and ring.public()["team_age"] == team.team_age
    secrets = [str(ring.team_age), str(ring.device_age), str(ring.recovery_age)]
    db_bytes = b"".join(p.read_bytes() for p in lead.dir.iterdir() if p.name.startswith("outreach.sqlite3"))
    assert not any(s.encode() in db_bytes for s in secrets)
    assert b"AGE-SECRET-KEY" not in db_bytes


def test_team_cannot_be_created_twice_and_wrong_passphrase_is_clear(lead):
    assert error_key(T.create_team, lead.store, PASS, kdf=FAST_KDF_FOR_TESTS) == "sync.error.already_in_team"
    assert error_key(T.unlock, lead.store, "not the passphrase") == "sync.error.wrong_passphrase"


def test_short_passphrase_is_refused_before_anything_is_written(tmp_path):
    laptop = Laptop(tmp_path, "x", "陈静")
    assert error_key(T.create_team, laptop.store, "short", kdf=FAST_KDF_FOR_TESTS) == "hard.passphrase.weak"
    assert not (laptop.dir / K.KEYSTORE_NAME).exists()
    with laptop.store.connect() as conn:
        assert T.get_team(conn) is None
    laptop.close()


def test_a_request_that_cannot_be_written_joins_nothing_and_the_same_invite_works_again(tmp_path, lead):
    """The request is written inside the join: a USB stick pulled out while it is written leaves the
    laptop outside the team (not "joined" with no request to hand the lead), and joining again works."""
    worker = Laptop(tmp_path, "zhao", "赵敏")
    invite = T.make_invite(lead.store)

    def pulled_out(_data):
        raise OutreachError("error.file.unwritable", path="E:/request.json", reason="设备未就绪")

    assert error_key(T.join_team, worker.store, invite, PASS, kdf=FAST_KDF_FOR_TESTS,
                     deliver=pulled_out) == "error.file.unwritable"
    with worker.store.connect() as conn:
        assert T.get_team(conn) is None and T.get_device(conn, worker.id) is None
    delivered = []
    request, fp = T.join_team(worker.store, invite, PASS, kdf=FAST_KDF_FOR_TESTS, deliver=delivered.append)
    assert delivered == [request] and T.read_request(lead.store, request).fingerprint == fp
    with worker.store.connect() as conn:
        assert T.get_device(conn, worker.id).status == STATUS_PENDING
    worker.close()


def test_invite_holds_public_keys_only(lead):
    invite = T.make_invite(lead.store)
    assert b"AGE-SECRET-KEY" not in invite
    doc = json.loads(invite)
    assert doc["team_age"].startswith("age1") and doc["lead"]["device_id"] == lead.id


def test_join_and_enrol_show_the_same_fingerprint_and_assign_villages(tmp_path, lead):
    worker = Laptop(tmp_path, "zhao", "赵敏")
    request, fp_worker = T.join_team(worker.store, T.make_invite(lead.store), PASS, kdf=FAST_KDF_FOR_TESTS)
    req = T.read_request(lead.store, request)
    assert req.fingerprint == fp_worker and req.display_name == "赵敏的笔记本"
    with worker.store.connect() as conn:
        assert T.get_device(conn, worker.id).status == STATUS_PENDING
        assert T.require_team(conn).role == "member"
    device = T.enroll(lead.store, req, villages=[HEKOU])
    assert device.status == STATUS_ENROLLED and device.villages == (HEKOU,) and device.fingerprint == fp_worker
    again = T.enroll(lead.store, req, villages=[HEKOU, SHIMEN])   # re-enrolling only changes villages
    assert again.villages == tuple(sorted([HEKOU, SHIMEN]))
    worker.close()


def test_swapped_invite_gives_different_fingerprints(tmp_path, lead):
    """Someone replaces the team key in the invite on the USB stick: the words read aloud differ."""
    doc = json.loads(T.make_invite(lead.store))
    doc["team_age"] = str(K.KeyRing.generate("e" * 32).device_age.to_public())
    worker = Laptop(tmp_path, "w", "赵敏")
    request, fp_worker = T.join_team(worker.store, json.dumps(doc).encode(), PASS, kdf=FAST_KDF_FOR_TESTS)
    assert T.read_request(lead.store, request).fingerprint != fp_worker
    worker.close()


def test_tampered_or_foreign_requests_are_refused(tmp_path, lead):
    worker = Laptop(tmp_path, "w", "赵敏")
    request, _ = T.join_team(worker.store, T.make_invite(lead.store), PASS, kdf=FAST_KDF_FOR_TESTS)
    doc = json.loads(request)
    doc["device_age"] = str(K.KeyRing.generate("e" * 32).device_age.to_public())
    assert error_key(T.read_request, lead.store, json.dumps(doc).encode()) == "sync.error.bad_request"
    assert error_key(T.read_request, lead.store, b"\x00garbage") == "sync.error.bad_request"
    other = create_lead(tmp_path / "other")
    assert error_key(T.read_request, other.store, request) == "sync.error.request_other_team"
    assert error_key(T.read_request, worker.store, request) == "sync.error.not_lead"
    other.close()
    worker.close()


def test_unknown_village_codes_are_refused(tmp_path, lead):
    worker = Laptop(tmp_path, "w", "赵敏")
    request, _ = T.join_team(worker.store, T.make_invite(lead.store), PASS, kdf=FAST_KDF_FOR_TESTS)
    req = T.read_request(lead.store, request)
    assert error_key(T.enroll, lead.store, req, villages=["999999999999"]) == "sync.error.unknown_villages"
    with lead.store.connect() as conn:
        assert T.get_device(conn, worker.id) is None
    worker.close()


def test_revoke_by_name_or_code_and_no_re_enrolment(tmp_path, lead):
    wang = join(tmp_path, lead, "wang", "王强", [SHIMEN, HEKOU])
    revoked = T.revoke(lead.store, "王强的笔记本")
    assert revoked.status == STATUS_REVOKED and revoked.revoked_at is not None
    assert T.revoke(lead.store, T.device_code(wang.id)).status == STATUS_REVOKED   # idempotent
    request, _ = T.join_team(wang.store, T.make_invite(lead.store), PASS)
    assert error_key(T.enroll, lead.store, T.read_request(lead.store, request)) == "sync.error.device_revoked"
    assert error_key(T.revoke, lead.store, lead.id) == "sync.error.cannot_revoke_lead"
    assert error_key(T.revoke, lead.store, "nobody") == "sync.error.unknown_device"
    wang.close()


def test_a_worker_cannot_do_the_leads_work(tmp_path, lead):
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    assert error_key(T.make_invite, li.store) == "sync.error.not_lead"
    assert error_key(T.revoke, li.store, lead.id) == "sync.error.not_lead"
    assert error_key(T.export_recovery, li.store, PASS, tmp_path / "r.txt") == "sync.error.not_lead"
    assert error_key(T.join_team, li.store, T.make_invite(create_lead(tmp_path / "b").store), PASS) == \
        "sync.error.already_in_team"
    li.close()


def test_set_villages_forgets_what_the_peer_acknowledged(tmp_path, lead):
    from outreach.sync import transport

    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    with lead.store.engine.begin() as conn:
        transport._raise_peer_vector(conn, li.id, {li.id: 5})
    T.set_villages(lead.store, li.id, [DONGPING, SHIMEN])
    with lead.store.connect() as conn:
        assert transport.peer_vector(conn, li.id) == {}
    li.close()


def test_recovery_identity_export(tmp_path, lead):
    public = T.export_recovery(lead.store, PASS, tmp_path / "recovery.txt")
    with lead.store.connect() as conn:
        assert public == T.require_team(conn).recovery_age
    assert (tmp_path / "recovery.txt").read_text().strip().endswith(str(lead.ring.recovery_age))


def test_a_laptop_whose_short_code_is_taken_is_refused(tmp_path, lead):
    """Household codes and referral references embed the 4-character device code: never two alike."""
    twin = Laptop(tmp_path, "twin", "赵敏")
    clash = lead.id[:8] + ("0" * 24 if lead.id[8:] != "0" * 24 else "1" * 24)
    twin.store.set_setting("device_id", clash)
    assert twin.store.device.code == lead.store.device.code and twin.store.device.id != lead.id
    request, _fp = T.join_team(twin.store, T.make_invite(lead.store), PASS, kdf=FAST_KDF_FOR_TESTS)
    req = T.read_request(lead.store, request)
    assert error_key(T.enroll, lead.store, req, villages=[DONGPING]) == "sync.error.device_code_clash"
    with lead.store.connect() as conn:
        assert T.get_device(conn, clash) is None or T.get_device(conn, clash).status != STATUS_ENROLLED
    twin.close()
