"""Handover: a full final uplink, the lead's acknowledgement in its next downlink, then the wipe."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.domain.errors import OutreachError
from outreach.services import backups
from outreach.sync import handover, transport
from tests.unit.sync.transport_kit import (
    DONGPING,
    SHIMEN,
    add_household,
    create_lead,
    downlink,
    join,
    receive,
    synced_state,
    uplink,
)

# A worker's laptop hands over and wipes its own SQLite store and backups; a server database never does.
pytestmark = pytest.mark.sqlite_only

# personal data created on the leaving laptop (names, resident ID, phone), searched for in the bytes
SECRETS = ["东坪-0777", "13912345678", "530102195001011234", "独居老人张秀英"]


@pytest.fixture
def team(tmp_path):
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING, SHIMEN])
    [r] = receive(li, downlink(lead, li))
    assert r.status == transport.IMPORTED
    add_household(li, "东坪-0777", DONGPING, phone="13912345678", address="东坪村一组",
                  notes="独居老人张秀英，身份证 530102195001011234")
    receive(lead, uplink(li))                          # an ordinary uplink before the handover
    add_household(li, "石门-0778", SHIMEN, notes="独居老人张秀英的邻居")
    backups.create(li.store, reason="manual")           # a backup in the data folder too
    yield lead, li
    lead.close()
    li.close()


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_handover_is_acknowledged_by_the_leads_next_downlink_then_wipes_everything(team, tmp_path):
    lead, li = team
    backup_folder = backups.backup_dir(li.store)
    assert list(backup_folder.glob("*.db"))
    result = handover.start(li.store, li.ring, li.outbox)
    assert result.full and handover.pending(li.store)["seq"] == result.seq
    [r] = receive(lead, result)
    assert r.status == transport.IMPORTED, r.text("en")
    assert {"东坪-0777", "石门-0778"} <= {h["code"] for h in synced_state(lead.store)["household"]}
    ack = downlink(lead, li)
    receipt = handover.confirm(li.store, li.ring, ack.path)
    assert receipt.exists()
    assert "acknowledged" in receipt.read_text("utf-8") or "确认" in receipt.read_text("utf-8")
    left = [p for p in li.dir.rglob("*") if p.is_file()]
    assert left == [receipt]
    data = all_bytes(li.dir)
    for secret in SECRETS:
        assert secret.encode("utf-8") not in data
    assert not list(backup_folder.glob("*")) if backup_folder.exists() else True


def test_wipe_is_refused_without_the_leads_acknowledgement(team):
    lead, li = team
    before = sorted((p, p.stat().st_size) for p in li.dir.rglob("*") if p.is_file())
    old_ack = downlink(lead, li)                      # made before the lead had the handover bundle
    with pytest.raises(OutreachError) as exc:
        handover.confirm(li.store, li.ring, old_ack.path)      # nothing pending yet
    assert exc.value.key == "rot.handover.none_pending"
    result = handover.start(li.store, li.ring, li.outbox)
    with pytest.raises(OutreachError) as exc:
        handover.confirm(li.store, li.ring, old_ack.path)      # the lead has not imported it
    assert exc.value.key == "rot.handover.not_acknowledged"
    assert str(result.seq) in exc.value.message("en") and "Nothing was deleted" in exc.value.message("en")
    with pytest.raises(OutreachError) as exc:                  # the handover bundle itself is no downlink
        handover.confirm(li.store, li.ring, result.path)
    assert exc.value.key == "rot.handover.bad_downlink"
    # nothing was deleted: the store still opens and holds the data
    assert {"东坪-0777", "石门-0778"} <= {h["code"] for h in synced_state(li.store)["household"]}
    after = {p for p in li.dir.rglob("*") if p.is_file()}
    assert {p for p, _ in before} <= after


def test_the_lead_cannot_hand_over(team):
    lead, _li = team
    with pytest.raises(OutreachError) as exc:
        handover.start(lead.store, lead.ring, lead.outbox)
    assert exc.value.key == "rot.handover.lead_cannot"


def test_a_later_uplink_does_not_stand_in_for_a_missing_handover_bundle(team):
    lead, li = team
    final = handover.start(li.store, li.ring, li.outbox)
    later = uplink(li)                                  # made after the handover bundle, imported alone
    assert later.seq == final.seq + 1
    [r] = receive(lead, later)
    assert r.ok
    with pytest.raises(OutreachError) as exc:
        handover.confirm(li.store, li.ring, downlink(lead, li).path)
    assert exc.value.key == "rot.handover.not_acknowledged"
    assert (li.dir / "outreach-keys.json").exists()
    receive(lead, final)
    receipt = handover.confirm(li.store, li.ring, downlink(lead, li).path)
    assert [p for p in li.dir.rglob("*") if p.is_file()] == [receipt]
