"""Team key rotation: the new key travels in downlinks (signed by the old team key), old-key uplinks
are accepted until the grace date and refused after it, and `team status` shows who switched."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outreach.domain.errors import OutreachError
from outreach.sync import bundle as B
from outreach.sync import rotation, transport
from outreach.sync import team as T
from outreach.sync.keys import FAST_KDF_FOR_TESTS, Ed25519PrivateKey
from tests.unit.sync.transport_kit import (
    DONGPING,
    HEKOU,
    PASS,
    SHIMEN,
    add_household,
    downlink,
    join,
    lead_and_two_workers,
    receive,
    synced_state,
    uplink,
)

TODAY = date(2026, 12, 1)
GRACE = date(2026, 12, 15)


@pytest.fixture
def team(tmp_path, monkeypatch):
    monkeypatch.setattr(rotation, "today", lambda: TODAY)
    with lead_and_two_workers(tmp_path) as laptops:
        yield laptops


def rotate(lead, grace=GRACE):
    old = team_row(lead)
    rotation.rotate_key(lead.store, PASS, grace, kdf=FAST_KDF_FOR_TESTS)
    lead.ring = T.unlock(lead.store, PASS)       # the key file now holds the new team keys
    return old


def team_row(laptop):
    with laptop.store.connect() as conn:
        return T.require_team(conn)


def codes(store):
    return {r["code"] for r in synced_state(store)["household"]}


def test_rotation_changes_the_leads_team_keys_and_keeps_the_old_age_identity(team):
    lead, _li, _wang = team
    old = rotate(lead)
    new = team_row(lead)
    assert (new.team_age, new.team_sign) != (old.team_age, old.team_sign)
    assert lead.ring.public()["team_age"] == new.team_age
    assert [str(i.to_public()) for i in lead.ring.old_team_ages] == [old.team_age]
    assert new.recovery_age == old.recovery_age


def test_old_key_uplink_accepted_before_grace_and_refused_after_naming_the_laptop(team, monkeypatch):
    lead, li, wang = team
    add_household(li, "东坪-0001", DONGPING)
    add_household(wang, "河口-0001", HEKOU)
    rotate(lead)
    before = uplink(li)          # made under the old key (li has not taken a downlink yet)
    late = uplink(wang)
    monkeypatch.setattr(rotation, "today", lambda: GRACE)          # the last day of grace: accepted
    [r] = receive(lead, before)
    assert r.status == transport.IMPORTED, r.text("en")
    monkeypatch.setattr(rotation, "today", lambda: GRACE + timedelta(days=1))
    [r] = receive(lead, late)
    assert r.status == transport.REFUSED
    assert "王强" in r.text("en") and GRACE.isoformat() in r.text("en") and "old team key" in r.text("en")
    assert "河口-0001" not in codes(lead.store)
    assert "旧的团队密钥" in r.text("zh_CN")


def test_every_laptop_that_took_the_downlink_sends_and_receives_under_the_new_key(team, monkeypatch):
    lead, li, wang = team
    rotate(lead)
    new = team_row(lead)
    for laptop in (li, wang):
        [r] = receive(laptop, downlink(lead, laptop))
        assert r.status == transport.IMPORTED, r.text("en")
        assert (team_row(laptop).team_age, team_row(laptop).team_sign) == (new.team_age, new.team_sign)
    monkeypatch.setattr(rotation, "today", lambda: GRACE + timedelta(days=30))   # long after grace
    add_household(li, "东坪-0002", DONGPING)
    add_household(wang, "石门-0003", SHIMEN)
    results = receive(lead, uplink(li), uplink(wang))
    assert [r.status for r in results] == ["imported", "imported"], [r.text("en") for r in results]
    # the uplinks were addressed to the new key only
    assert "东坪-0002" in codes(lead.store) and "石门-0003" in codes(lead.store)
    for laptop in (li, wang):
        [r] = receive(laptop, downlink(lead, laptop))
        assert r.status == transport.IMPORTED
    assert "石门-0003" in codes(li.store) and "石门-0003" in codes(wang.store)
    # a second downlink repeats the (already taken) record harmlessly
    [r] = receive(li, downlink(lead, li))
    assert r.ok


def test_team_status_says_who_switched(team):
    lead, li, wang = team
    report = transport.status_report(lead.store)
    assert all(d["new_team_key"] is None for d in report["devices"])   # never rotated
    rotate(lead)
    receive(li, downlink(lead, li))
    receive(lead, uplink(li))
    receive(lead, uplink(wang))           # still under the old key, within grace
    by_id = {d["device_id"]: d["new_team_key"] for d in transport.status_report(lead.store)["devices"]}
    assert by_id == {lead.id: True, li.id: True, wang.id: False}


def test_a_key_change_not_signed_by_the_old_team_key_is_refused(team, monkeypatch):
    lead, li, _wang = team
    before = team_row(li)
    intruder = Ed25519PrivateKey.generate()
    body = {"format": rotation.RECORD_FORMAT, "version": 1, "team_id": before.team_id,
            "old_team_age": before.team_age, "old_team_sign": before.team_sign,
            "team_age": "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "team_sign": "x",
            "grace_until": GRACE.isoformat(), "rotated_at": "2026-12-01T00:00:00+00:00"}
    from pyrage import x25519

    body["team_age"] = str(x25519.Identity.generate().to_public())
    from outreach.sync.keys import ed25519_public

    body["team_sign"] = ed25519_public(intruder)
    forged = rotation.sign_record(body, intruder)
    real = rotation.downlink_extra
    monkeypatch.setattr(rotation, "downlink_extra",
                        lambda conn, target: {**real(conn, target), "key_rotations": [forged]})
    [r] = receive(li, downlink(lead, li))
    assert r.status == transport.REFUSED
    assert "not signed" in r.text("en")
    after = team_row(li)
    assert (after.team_age, after.team_sign) == (before.team_age, before.team_sign)
    # an unrelated record (signed by some other key, not chaining from ours) is refused too
    with li.store.engine.begin() as conn, pytest.raises(B.BundleRefused):
        rotation.apply_rotations(conn, after, [{**forged, "old_team_sign": ed25519_public(intruder)}])


def test_rotation_needs_the_lead_and_a_future_grace_date(team):
    lead, li, _wang = team
    with pytest.raises(OutreachError) as exc:
        rotation.rotate_key(lead.store, PASS, TODAY - timedelta(days=1), kdf=FAST_KDF_FOR_TESTS)
    assert exc.value.key == "rot.error.grace_past"
    with pytest.raises(OutreachError) as exc:
        rotation.rotate_key(li.store, PASS, GRACE, kdf=FAST_KDF_FOR_TESTS)
    assert exc.value.key == "sync.error.not_lead"
    assert rotation.parse_grace(until="2027-01-02") == date(2027, 1, 2)
    assert rotation.parse_grace(days=3) == TODAY + timedelta(days=3)
    with pytest.raises(OutreachError):
        rotation.parse_grace(until="next week")


def test_the_lead_can_still_invite_after_rotation(team, tmp_path):
    lead, _li, _wang = team
    rotate(lead)
    zhao = join(tmp_path, lead, "zhao", "赵敏", [HEKOU])
    [r] = receive(zhao, downlink(lead, zhao))
    assert r.status == transport.IMPORTED, r.text("en")
    add_household(zhao, "河口-0009", HEKOU)
    [r] = receive(lead, uplink(zhao))
    assert r.status == transport.IMPORTED, r.text("en")
    zhao.close()
