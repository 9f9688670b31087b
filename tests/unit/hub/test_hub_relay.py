"""The county hub's relay: a hub fed by leads (each relaying its workers) ends where one store fed by
every laptop directly ends; relays are idempotent; a lead speaks for its own team only; one hub per lead."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outreach.domain.errors import OutreachError
from outreach.storage.store import Store
from outreach.storage.tables import Household
from outreach.storage.writer import CHANGE_LOG
from outreach.sync import hub as H
from outreach.sync import transport
from tests.conftest import ENGINE
from tests.unit.hub.hub_kit import (
    close_all,
    county,
    county_state,
    create_hub,
    feed_directly,
    field_work,
    hub_down,
    hub_receive,
    hub_up,
    own_changes,
    table_hashes,
    villages_of,
    week,
)
from tests.unit.sync.transport_kit import Laptop, forged_uplink, receive, state_diff, uplink


def _household(laptop: Laptop, code: str) -> str:
    with laptop.store.connect() as conn:
        return conn.execute(select(Household.__table__.c.id).where(Household.__table__.c.code == code)).scalar_one()


def _imported(results) -> None:
    for r in results:
        assert r.status == transport.IMPORTED, r.text("en")


def _log_size(store) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(CHANGE_LOG)).scalar_one()


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_hub_fed_by_three_leads_relaying_three_workers_equals_one_store_fed_by_every_laptop(tmp_path, order):
    hub, teams = county(tmp_path)
    try:
        leads = [t.lead for t in teams] if order == "forward" else [t.lead for t in reversed(teams)]
        week(hub, teams)
        _imported(hub_receive(hub, *[hub_up(lead) for lead in leads]))

        # the county's picture goes back down: leads, then their workers
        for t in teams:
            _imported(hub_receive(t.lead, hub_down(hub, t.lead)))
            for w in t.workers:
                _imported(receive(w, transport.export_bundle(t.lead.store, t.lead.ring, out=t.lead.outbox, to=w.id)))
        # a family moves from team 1's village to team 2's; team 2's worker there then edits it
        mover, newcomer = teams[0].workers[0], teams[1].workers[0]
        hid = _household(mover, "W00-001")
        with mover.store.transaction() as w:
            w.update(Household, hid, {"village_id": villages_of(teams[1].township)[0]})
        _imported(receive(teams[0].lead, uplink(mover)))
        _imported(hub_receive(hub, hub_up(teams[0].lead)))
        _imported(hub_receive(teams[1].lead, hub_down(hub, teams[1].lead)))
        _imported(receive(newcomer, transport.export_bundle(teams[1].lead.store, teams[1].lead.ring,
                                                            out=teams[1].lead.outbox, to=newcomer.id)))
        with newcomer.store.transaction() as w:
            w.update(Household, hid, {"phone": "13900001111", "address": "新搬来"})
        _imported(receive(teams[1].lead, uplink(newcomer)))
        field_work(teams[2].workers[2], villages_of(teams[2].township)[2], "晚到")
        _imported(receive(teams[2].lead, uplink(teams[2].workers[2])))
        _imported(hub_receive(hub, *[hub_up(lead) for lead in leads]))

        laptops = [hub] + [x for t in teams for x in [t.lead, *t.workers]]
        direct = Store.in_memory()
        feed_directly(direct, laptops if order == "forward" else list(reversed(laptops)))
        at_hub, directly = county_state(hub.store), county_state(direct)
        direct.close()
        assert table_hashes(at_hub) == table_hashes(directly), state_diff(at_hub, directly)
        assert len(at_hub["household"]) == 3 * (3 * 2 + 1) + 2
        moved = next(r for r in at_hub["household"] if r["id"] == hid)
        assert (moved["village_id"], moved["phone"]) == (villages_of(teams[1].township)[0], "13900001111")
        # relayed, not rewritten: every laptop's changes sit at the hub under its own device
        with hub.store.connect() as conn:
            origins = set(conn.execute(select(CHANGE_LOG.c.device_id).distinct()).scalars())
            assert {x.id for x in laptops} <= origins
            vector = {o["origin"]: (o["lead_device_id"], o["hlc"]) for o in H.origins(conn)}
        for t in teams:
            for w in t.workers:
                with w.store.connect() as conn:
                    own_top = conn.execute(select(func.max(CHANGE_LOG.c.hlc))
                                           .where(CHANGE_LOG.c.device_id == w.id)).scalar_one()
                assert vector[w.id] == (t.lead.id, own_top)
    finally:
        close_all(hub, teams)


def test_a_change_relayed_twice_or_by_two_leads_is_applied_once(tmp_path):
    hub, teams = county(tmp_path, n_teams=2, n_workers=1)
    try:
        week(hub, teams)
        a, b = teams
        first = hub_up(a.lead)
        _imported(hub_receive(hub, first))
        state, log = county_state(hub.store), _log_size(hub.store)

        # the same bundle again, and the same changes in a second (full) bundle
        [again] = hub_receive(hub, first)
        assert again.status == transport.ALREADY
        [full] = hub_receive(hub, hub_up(a.lead, full=True))
        assert full.status == transport.IMPORTED and full.changes > 0 and full.report.new == 0
        assert (county_state(hub.store), _log_size(hub.store)) == (state, log)

        # team A's household reaches lead B (it moved there), and B relays it back with its own edit
        _imported(hub_receive(hub, hub_up(b.lead)))
        hid = _household(a.workers[0], "W00-000")
        with a.workers[0].store.transaction() as w:
            w.update(Household, hid, {"village_id": villages_of(b.township)[0]})
        _imported(receive(a.lead, uplink(a.workers[0])))
        _imported(hub_receive(hub, hub_up(a.lead)))
        _imported(hub_receive(b.lead, hub_down(hub, b.lead)))
        with b.lead.store.transaction() as w:
            w.update(Household, hid, {"notes": "已迁入本组"})
        relayed = hub_up(b.lead, full=True)   # carries team A's changes of that household too
        assert sum(1 for c in own_changes(a.workers[0]) if c["row_id"] == hid) >= 3
        [r] = hub_receive(hub, relayed)
        assert r.status == transport.IMPORTED and r.notes == []
        assert (r.report.new, r.report.already_had) == (1, r.changes - 1)
        with hub.store.connect() as conn:
            row = conn.execute(select(Household.__table__).where(Household.__table__.c.id == hid)).mappings().one()
        assert (row["notes"], row["village_id"]) == ("已迁入本组", villages_of(b.township)[0])
    finally:
        close_all(hub, teams)


def test_a_lead_cannot_speak_for_a_laptop_of_another_team(tmp_path):
    hub, teams = county(tmp_path, n_teams=2, n_workers=1)
    try:
        a, b = teams
        week(hub, teams)
        _imported(hub_receive(hub, hub_up(a.lead)))
        # lead B hands in a change "by" team A's worker that the hub never had
        stolen = [dict(c) for c in own_changes(a.workers[0]) if c["field"] == "phone"][:1]
        assert stolen
        stolen[0]["value"] = "13000000000"
        stolen[0]["hlc"] += 10**9
        from outreach.sync.changes import to_wire

        path = _forged_hub_uplink(hub, b.lead, [to_wire(c) for c in stolen])
        [r] = hub_receive(hub, path)
        assert r.status == transport.IMPORTED and r.report.new == 0
        assert "left out" in r.text("en") and "不属于该组" in r.text("zh_CN")
        with hub.store.connect() as conn:
            assert not conn.execute(select(Household.__table__.c.id)
                                    .where(Household.__table__.c.phone == "13000000000")).first()
    finally:
        close_all(hub, teams)


def _forged_hub_uplink(hub: Laptop, lead: Laptop, changes):
    from outreach.sync import bundle as B

    with hub.store.connect() as conn:
        me = H.require_hub(conn)
    data, _m = B.write_bundle(kind=B.UPLINK, team_id=me.hub_id, sender=lead.id, sender_name="组长",
                              signer=lead.ring.device_sign, recipients=[B.Recipient(H.HUB, me.hub_age)],
                              seq=50, prev=None, vector={}, changes=changes)
    path = lead.outbox / "forged.age"
    path.write_bytes(data)
    return path


def test_a_team_bundle_is_not_a_hub_bundle_and_back(tmp_path):
    hub, teams = county(tmp_path, n_teams=1, n_workers=1)
    try:
        lead, worker = teams[0].lead, teams[0].workers[0]
        [r] = hub_receive(hub, uplink(worker))              # a worker's team uplink dropped at the hub
        assert (r.status, r.message.key) == (transport.REFUSED, "sync.refused.not_for_us")
        [r] = hub_receive(hub, forged_uplink(worker, lead, [], seq=3))
        assert (r.status, r.message.key) == (transport.REFUSED, "sync.refused.not_for_us")
        [r] = receive(lead, hub_down(hub, lead))            # a hub downlink given to `sync import`
        assert (r.status, r.message.key) == (transport.REFUSED, "hub.refused.use_hub_import")
        assert "outreach hub import" in r.text("zh_CN") and "outreach hub import" in r.text("en")
        [r] = hub_receive(lead, uplink(worker))             # a team uplink given to `hub import`
        assert (r.status, r.message.key) == (transport.REFUSED, "hub.refused.other_hub")
    finally:
        close_all(hub, teams)


def test_a_lead_belongs_to_one_hub(tmp_path):
    hub, teams = county(tmp_path, n_teams=1, n_workers=0)
    other = create_hub(tmp_path / "other")
    try:
        lead = teams[0].lead
        with pytest.raises(OutreachError) as err:
            H.join_hub(lead.store, H.make_invite(other.store, other.ring), lead.ring)
        assert err.value.key == "hub.error.already_member"
        assert "县社工总站" in err.value.msg.text("zh_CN") and "one hub only" in err.value.msg.text("en")
        with lead.store.connect() as conn, hub.store.connect() as hub_conn:
            assert H.get_membership(conn).hub_id == H.get_hub(hub_conn).hub_id
        # the same hub again is fine (a lost request file): a new request, same fingerprint
        request, fp = H.join_hub(lead.store, H.make_invite(hub.store, hub.ring), lead.ring)
        assert H.read_request(hub.store, request).fingerprint == fp
        # a worker's laptop cannot join a hub
        with pytest.raises(OutreachError) as err:
            H.init_hub(lead.store, "县社工站2026春")
        assert err.value.key == "hub.error.hub_in_team"
        # nor can the hub's database become a team, or join one (the county staff's Team menu offers both)
        from outreach.sync import team as T
        from outreach.sync.keys import FAST_KDF_FOR_TESTS

        with pytest.raises(OutreachError) as err:
            T.create_team(hub.store, "县社工站2026春", name="县里一组", kdf=FAST_KDF_FOR_TESTS)
        assert err.value.key == "hub.error.hub_in_team"
        with pytest.raises(OutreachError) as err:
            T.join_team(hub.store, T.make_invite(lead.store, ring=lead.ring), "县社工站2026春", kdf=FAST_KDF_FOR_TESTS)
        assert err.value.key == "hub.error.hub_in_team"
        with hub.store.connect() as conn:
            assert T.get_team(conn) is None
    finally:
        other.close()
        close_all(hub, teams)


def test_the_downlink_carries_county_reference_data_and_the_teams_villages_only(tmp_path):
    hub, teams = county(tmp_path, n_teams=2, n_workers=1)
    try:
        from outreach.storage.tables import Area, Provider

        a, b = teams
        field_work(hub, villages_of(a.township)[1], "县里")         # the hub registers a family in A's area
        with hub.store.transaction() as w:
            w.insert(Provider, {"name": "县救助站", "category": "shelter"})
        _imported(hub_receive(a.lead, hub_down(hub, a.lead)))
        _imported(hub_receive(b.lead, hub_down(hub, b.lead)))
        for lead, expected in ((a.lead, 2), (b.lead, 0)):
            with lead.store.connect() as conn:
                assert conn.execute(select(func.count()).select_from(Household.__table__)).scalar_one() == expected
                assert conn.execute(select(func.count()).select_from(Area.__table__)).scalar_one() == 13
                assert set(conn.execute(select(Provider.__table__.c.name)).scalars()) == {"县残联", "县救助站"}
        with a.lead.store.connect() as conn:
            assert H.get_membership(conn).status == "enrolled"
    finally:
        close_all(hub, teams)


@pytest.mark.skipif(ENGINE != "postgresql", reason="two staff laptops on one hub database: a server database")
def test_a_second_staff_laptop_on_the_hub_database_serves_the_leads_too(tmp_path):
    import shutil

    hub, teams = county(tmp_path, n_teams=1, n_workers=1)
    staff_dir = tmp_path / "staff"
    staff_dir.mkdir()
    shutil.copy2(H.hub_keys_path(hub.store), H.hub_keys_path(hub.store, staff_dir))   # the hub key file
    staff = Store.open(staff_dir, database_url=hub.store.url)
    try:
        assert staff.device.id != hub.id
        ring = H.unlock_hub(staff, "县社工站2026春")
        week(hub, teams)
        from outreach.sync import hub_transport as HT

        _imported([HT.import_file(staff, ring, hub_up(teams[0].lead).path)])
        down = HT.export_downlink(staff, ring, to=teams[0].lead.id, out=tmp_path)
        _imported(hub_receive(teams[0].lead, down))
        assert len(county_state(hub.store)["household"]) == 3
    finally:
        staff.close()
        close_all(hub, teams)
