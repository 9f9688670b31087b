"""The lead's laptop is lost: a fresh laptop with the team recovery file becomes the lead with a new
team key; workers follow it in their next downlink (the recovery authority they already trust signs
the change); the lost laptop is revoked; a forged new lead is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outreach.domain.errors import OutreachError
from outreach.storage.sync_tables import STATUS_ENROLLED, STATUS_REVOKED
from outreach.sync import lead_recovery as LR
from outreach.sync import rotation, transport
from outreach.sync import team as T
from outreach.sync.keys import FAST_KDF_FOR_TESTS, Ed25519PrivateKey
from tests.unit.sync.transport_kit import (
    DONGPING,
    HEKOU,
    PASS,
    SHIMEN,
    Laptop,
    add_household,
    db_hash,
    downlink,
    lead_and_two_workers,
    receive,
    synced_state,
    uplink,
)

TODAY = date(2026, 12, 1)
GRACE = date(2026, 12, 15)


def codes(store):
    return {r["code"] for r in synced_state(store)["household"]}


def team_row(laptop):
    with laptop.store.connect() as conn:
        return T.require_team(conn)


def device(laptop, device_id):
    with laptop.store.connect() as conn:
        return T.get_device(conn, device_id)


@pytest.fixture
def lost(tmp_path, monkeypatch):
    """The team after a normal week: both workers took a downlink and sent a full uplink; the lead
    exported the recovery file at set-up. Then the lead's laptop is lost."""
    monkeypatch.setattr(rotation, "today", lambda: TODAY)
    with lead_and_two_workers(tmp_path) as (lead, li, wang):
        identity_file = tmp_path / "safe" / "recovery-identity.txt"
        T.export_recovery(lead.store, PASS, identity_file)
        add_household(lead, "石门-0001", SHIMEN)
        add_household(li, "东坪-0001", DONGPING)
        add_household(wang, "河口-0001", HEKOU)
        ups = [uplink(li, full=True).path, uplink(wang, full=True).path]
        new = Laptop(tmp_path, "newlead", "陈静")
        try:
            yield lead, li, wang, new, identity_file, ups
        finally:
            new.close()


def recover(new, identity_file, ups, grace=GRACE):
    identity = LR.read_identity_file(identity_file)
    result = LR.recover_lead(new.store, identity, ups, PASS, grace, kdf=FAST_KDF_FOR_TESTS)
    new.ring = T.unlock(new.store, PASS)
    return result


def test_a_fresh_laptop_with_the_recovery_file_becomes_the_lead_and_both_workers_follow(lost, monkeypatch):
    old_lead, li, wang, new, identity_file, ups = lost
    old_team = team_row(li)
    result = recover(new, identity_file, ups)
    assert all(r.status == transport.IMPORTED for r in result.imports), [r.text("en") for r in result.imports]
    team = team_row(new)
    assert team.is_lead and team.team_id == old_team.team_id and team.lead_device_id == new.id
    assert (team.team_age, team.team_sign) != (old_team.team_age, old_team.team_sign)
    assert team.recovery_age == old_team.recovery_age
    assert device(new, old_lead.id).status == STATUS_REVOKED
    assert {device(new, w.id).status for w in (li, wang)} == {STATUS_ENROLLED}
    assert set(device(new, li.id).villages) == {DONGPING, SHIMEN}
    assert {"东坪-0001", "河口-0001"} <= codes(new.store)      # the workers' data came with their uplinks

    for laptop in (li, wang):   # the next downlink from the new lead: accepted, the lead changes
        [r] = receive(laptop, downlink(new, laptop))
        assert r.status == transport.IMPORTED, r.text("en")
        row = team_row(laptop)
        assert (row.lead_device_id, row.team_age, row.team_sign) == (new.id, team.team_age, team.team_sign)
        assert device(laptop, old_lead.id).status == STATUS_REVOKED
        assert device(laptop, new.id).status == STATUS_ENROLLED

    monkeypatch.setattr(rotation, "today", lambda: GRACE + timedelta(days=30))   # long after grace
    add_household(li, "东坪-0002", DONGPING)
    add_household(wang, "石门-0003", SHIMEN)
    results = receive(new, uplink(li), uplink(wang))
    assert [r.status for r in results] == ["imported", "imported"], [r.text("en") for r in results]
    assert {"东坪-0002", "石门-0003"} <= codes(new.store)
    for laptop in (li, wang):
        [r] = receive(laptop, downlink(new, laptop))
        assert r.status == transport.IMPORTED, r.text("en")
    assert "石门-0003" in codes(li.store) and "石门-0003" in codes(wang.store)
    status = {d["device_id"]: (d["status"], d["new_team_key"]) for d in transport.status_report(new.store)["devices"]}
    assert status[li.id] == ("enrolled", True) and status[old_lead.id][0] == "revoked"
    # no gap is reported for the uplinks the lost lead had imported (their numbers are marked done)
    assert not any(d["gaps"] for d in transport.status_report(new.store)["devices"])


def test_an_uplink_under_the_old_key_is_accepted_until_the_grace_date_then_refused(lost, monkeypatch):
    _old, li, wang, new, identity_file, ups = lost
    recover(new, identity_file, ups)
    add_household(li, "东坪-0007", DONGPING)
    add_household(wang, "河口-0008", HEKOU)
    early, late = uplink(li), uplink(wang)           # neither took the new lead's downlink yet
    monkeypatch.setattr(rotation, "today", lambda: GRACE)
    [r] = receive(new, early)
    assert r.status == transport.IMPORTED, r.text("en")
    monkeypatch.setattr(rotation, "today", lambda: GRACE + timedelta(days=1))
    [r] = receive(new, late)
    assert r.status == transport.REFUSED and "old team key" in r.text("en") and "王强" in r.text("en")
    assert "河口-0008" not in codes(new.store)


def test_the_lost_leads_bundles_are_refused_once_the_worker_follows_the_new_lead(lost):
    old_lead, li, _wang, new, identity_file, ups = lost
    recover(new, identity_file, ups)
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.IMPORTED, r.text("en")
    add_household(old_lead, "石门-0666", SHIMEN)      # whoever holds the lost laptop keeps using it
    before = db_hash(li.store)
    [r] = receive(li, downlink(old_lead, li))
    assert r.status == transport.REFUSED and "revoked" in r.text("en")
    assert db_hash(li.store) == before
    # an old key rotation made on the lost laptop does not chain from the new team key either
    rotation.rotate_key(old_lead.store, PASS, GRACE, kdf=FAST_KDF_FOR_TESTS)
    old_lead.ring = T.unlock(old_lead.store, PASS)
    [r] = receive(li, downlink(old_lead, li))
    assert r.status == transport.REFUSED
    assert team_row(li).lead_device_id == new.id


def test_a_new_lead_without_the_recovery_authority_is_refused(lost, monkeypatch):
    _old, li, _wang, new, identity_file, ups = lost
    recover(new, identity_file, ups)
    intruder = Ed25519PrivateKey.generate()
    real = LR.lead_extra

    def forged(conn, target, ring):
        extra = real(conn, target, ring)
        extra["lead_succession"] = [LR._signed({k: v for k, v in rec.items() if k != "signature"},
                                               LR.SUCCESSION_CONTEXT, intruder) for rec in extra["lead_succession"]]
        return extra

    monkeypatch.setattr(LR, "lead_extra", forged)
    before_team, before = team_row(li), db_hash(li.store)
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.REFUSED
    assert "no valid signature of the team's recovery key" in r.text("en") and "恢复密钥" in r.text("zh_CN")
    assert team_row(li) == before_team and db_hash(li.store) == before
    # and with no succession record at all, the new laptop is a stranger
    monkeypatch.setattr(LR, "lead_extra", lambda conn, target, ring: {})
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.REFUSED and "not enrolled" in r.text("en")


def test_a_wrong_recovery_file_changes_nothing_on_the_fresh_laptop(lost, tmp_path):
    _old, _li, _wang, new, _identity_file, ups = lost
    from pyrage import x25519

    other = tmp_path / "other.txt"
    other.write_text(f"# not ours\n{x25519.Identity.generate()}\n")
    with pytest.raises(OutreachError) as exc:
        recover(new, other, ups)
    assert exc.value.key == "ll.error.uplink_refused"
    with new.store.connect() as conn:
        assert T.get_team(conn) is None
    assert not T.has_keys(new.store)
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\n")
    with pytest.raises(OutreachError) as exc:
        recover(new, bad, ups)
    assert exc.value.key == "sec.error.bad_identity"


def test_a_laptop_that_never_received_the_authority_is_told_to_join_again(lost):
    _old, li, wang, new, identity_file, ups = lost
    with wang.store.engine.begin() as conn:       # as if wang took no downlink since the upgrade
        LR._put(conn, {})
    add_household(wang, "河口-0002", HEKOU)
    no_cert = uplink(wang).path
    with pytest.raises(OutreachError) as exc:
        recover(new, identity_file, [no_cert])
    assert exc.value.key == "ll.error.none_certified" and "Nothing was changed" in exc.value.message("en")
    with new.store.connect() as conn:
        assert T.get_team(conn) is None
    result = recover(new, identity_file, [ups[0], no_cert])    # 李娜's counts, 王强's is left out
    [skipped] = result.skipped
    assert "王强" in skipped.text("en") and "no device certificate" in skipped.text("en")
    with new.store.connect() as conn:
        assert T.get_device(conn, wang.id) is None
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.IMPORTED, r.text("en")
    # wang is not in the new lead's registry: it joins again with the new lead's invite (usual path)


def test_a_worker_that_lost_its_authority_record_refuses_the_new_lead_with_a_clear_message(lost):
    _old, li, _wang, new, identity_file, ups = lost
    recover(new, identity_file, ups)
    with li.store.engine.begin() as conn:
        LR._put(conn, {})
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.REFUSED and "Join the team again" in r.text("en")


def test_recover_lead_refuses_a_laptop_already_in_a_team_and_a_past_grace_date(lost):
    old_lead, li, _wang, _new, identity_file, ups = lost
    identity = LR.read_identity_file(identity_file)
    with pytest.raises(OutreachError) as exc:
        LR.recover_lead(li.store, identity, ups, PASS, GRACE, kdf=FAST_KDF_FOR_TESTS)
    assert exc.value.key == "ll.error.in_team"
    with pytest.raises(OutreachError) as exc:
        LR.recover_lead(_new.store, identity, ups, PASS, TODAY - timedelta(days=1), kdf=FAST_KDF_FOR_TESTS)
    assert exc.value.key == "rot.error.grace_past"


def test_the_new_lead_can_rotate_again_and_invite(lost, tmp_path):
    _old, li, _wang, new, identity_file, ups = lost
    from tests.unit.sync.transport_kit import join

    recover(new, identity_file, ups)
    receive(li, downlink(new, li))
    rotation.rotate_key(new.store, PASS, GRACE, kdf=FAST_KDF_FOR_TESTS)
    new.ring = T.unlock(new.store, PASS)
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.IMPORTED, r.text("en")
    assert team_row(li).team_sign == team_row(new).team_sign
    zhao = join(tmp_path, new, "zhao", "赵敏", [HEKOU])
    try:
        [r] = receive(zhao, downlink(new, zhao))
        assert r.status == transport.IMPORTED, r.text("en")
    finally:
        zhao.close()


def test_a_lost_recovery_file_is_replaced_by_a_rotation_and_no_longer_names_a_lead(lost, tmp_path):
    """The recovery file (not the laptop) is lost: the lead rotates with a new recovery identity; once
    the workers took the downlink, the old file can neither open new bundles nor name a new lead."""
    old_lead, li, wang, new, identity_file, _ups = lost
    old_recovery = team_row(li).recovery_age
    fresh = tmp_path / "safe" / "recovery-identity-2.txt"
    rotation.rotate_key(old_lead.store, PASS, GRACE, kdf=FAST_KDF_FOR_TESTS, new_recovery=fresh)
    old_lead.ring = T.unlock(old_lead.store, PASS)
    assert team_row(old_lead).recovery_age != old_recovery
    assert str(LR.read_identity_file(fresh).to_public()) == team_row(old_lead).recovery_age
    for laptop in (li, wang):
        [r] = receive(laptop, downlink(old_lead, laptop))
        assert r.status == transport.IMPORTED, r.text("en")
        assert team_row(laptop).recovery_age == team_row(old_lead).recovery_age
    add_household(li, "东坪-0031", DONGPING)
    up = uplink(li, full=True).path
    with pytest.raises(OutreachError) as exc:            # the old file opens no new bundle
        recover(new, identity_file, [up])
    assert exc.value.key == "ll.error.uplink_refused"
    # whoever has the old file and an old uplink can still set up a laptop, but no worker follows it
    thief = Laptop(tmp_path, "thief", "某人")
    try:
        recover(thief, identity_file, _ups[:1])
        [r] = receive(li, downlink(thief, li))
        assert r.status == transport.REFUSED and "recovery key" in r.text("en")
    finally:
        thief.close()
    # the new file works (the lead's laptop lost after all): the workers trust its authority
    recover(new, fresh, [up])
    [r] = receive(li, downlink(new, li))
    assert r.status == transport.IMPORTED, r.text("en")
    assert team_row(li).lead_device_id == new.id


def test_a_second_lost_lead_is_replaced_too_and_a_worker_that_missed_the_first_follows_both(lost, tmp_path):
    """The new lead's laptop is lost as well: a third laptop takes over from 李娜's uplink (which
    carries the first succession); the first lead's data still arrive, and 王强 — who never took the
    second lead's downlink — follows the whole chain in one downlink."""
    first, li, wang, second, identity_file, ups = lost
    recover(second, identity_file, ups)
    [r] = receive(li, downlink(second, li))
    assert r.status == transport.IMPORTED, r.text("en")
    add_household(li, "东坪-0050", DONGPING)
    third = Laptop(tmp_path, "third", "陈静")
    try:
        recover(third, identity_file, [uplink(li, full=True).path, uplink(wang, full=True).path])
        assert {"东坪-0001", "东坪-0050", "河口-0001"} <= codes(third.store)
        assert synced_state(third.store)["area"], "the first lead's villages came through the workers"
        assert {device(third, x.id).status for x in (first, second)} == {STATUS_REVOKED}
        for laptop in (li, wang):
            [r] = receive(laptop, downlink(third, laptop))
            assert r.status == transport.IMPORTED, r.text("en")
            assert team_row(laptop).lead_device_id == third.id
            assert device(laptop, second.id).status == STATUS_REVOKED
        [r] = receive(wang, downlink(second, wang))
        assert r.status == transport.REFUSED
    finally:
        third.close()


def test_a_laptop_without_a_certificate_joins_the_new_lead_again_and_keeps_its_records(lost):
    _old, li, wang, new, identity_file, ups = lost
    with wang.store.engine.begin() as conn:       # as if wang took no downlink since the upgrade
        LR._put(conn, {})
    recover(new, identity_file, ups[:1])          # from 李娜's uplink alone
    request, fingerprint = T.join_team(wang.store, T.make_invite(new.store, ring=new.ring), PASS,
                                       kdf=FAST_KDF_FOR_TESTS)
    req = T.read_request(new.store, request)
    assert req.fingerprint == fingerprint         # compared aloud, as at the first enrolment
    T.enroll(new.store, req, villages=[SHIMEN, HEKOU])
    [r] = receive(wang, downlink(new, wang))
    assert r.status == transport.IMPORTED, r.text("en")
    row = team_row(wang)
    assert (row.lead_device_id, row.team_sign) == (new.id, team_row(new).team_sign)
    assert device(wang, _old.id).status == STATUS_REVOKED
    [r] = receive(new, uplink(wang))               # a full uplink: the new lead is a new peer
    assert r.status == transport.IMPORTED, r.text("en")
    assert "河口-0001" in codes(new.store)


@pytest.mark.sqlite_only    # the store key file is the SQLCipher store's
def test_after_a_new_recovery_file_a_workers_store_opens_with_it_and_no_longer_with_the_old(lost, tmp_path):
    from outreach.storage import crypto_store
    from outreach.storage.store import Store

    old_lead, li, _wang, _new, identity_file, _ups = lost
    fresh = tmp_path / "safe" / "recovery-identity-2.txt"
    rotation.rotate_key(old_lead.store, PASS, GRACE, kdf=FAST_KDF_FOR_TESTS, new_recovery=fresh)
    old_lead.ring = T.unlock(old_lead.store, PASS)
    [r] = receive(li, downlink(old_lead, li))
    assert r.status == transport.IMPORTED, r.text("en")
    li.store.close()
    li.store = Store.open(li.dir)               # the next start wraps the store key to the new key
    li.store.close()
    crypto_store.forget(li.dir)
    assert crypto_store.unlock_with_recovery(li.dir, fresh.read_text())
    crypto_store.forget(li.dir)
    with pytest.raises(OutreachError) as exc:
        crypto_store.unlock_with_recovery(li.dir, identity_file.read_text())
    assert exc.value.key == "sec.error.wrong_identity"
    li.store = Store.open(li.dir)
