"""A county for the hub tests: a hub with the county's area tree and providers, 3 teams (a lead and 3
workers each, one village per worker), field work on every laptop, and the uplinks along the way."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from tests.unit.sync.transport_kit import PASS, Laptop, join, receive, synced_state

COUNTY = "530102"
TOWNSHIPS = {"530102001": "东坪乡", "530102002": "石门镇", "530102003": "河口乡"}


def villages_of(township: str) -> list[str]:
    return [f"{township}{i:03d}" for i in (1, 2, 3)]


@dataclass
class Team:
    lead: Laptop
    workers: list[Laptop] = field(default_factory=list)
    township: str = ""


def create_hub(root) -> Laptop:
    from outreach.storage.tables import Area, Provider
    from outreach.sync import hub as H
    from outreach.sync.keys import FAST_KDF_FOR_TESTS

    hub = Laptop(root, "hub", "县民政局")
    H.init_hub(hub.store, PASS, name="县社工总站", kdf=FAST_KDF_FOR_TESTS)
    hub.ring = H.unlock_hub(hub.store, PASS)
    with hub.store.transaction() as w:
        w.insert(Area, {"id": COUNTY, "name": "示范县", "level": "county"})
        for code, name in TOWNSHIPS.items():
            w.insert(Area, {"id": code, "name": name, "level": "township", "parent_id": COUNTY})
            for i, v in enumerate(villages_of(code), start=1):
                w.insert(Area, {"id": v, "name": f"{name}{i}村", "level": "village", "parent_id": code})
        w.insert(Provider, {"name": "县残联", "category": "disability", "phone": "0871-12345678"})
    return hub


def enrol_lead(root, hub: Laptop, name: str, worker: str, team_name: str, villages) -> Laptop:
    from outreach.sync import hub as H
    from outreach.sync import team as T
    from outreach.sync.keys import FAST_KDF_FOR_TESTS

    lead = Laptop(root, name, worker)
    T.create_team(lead.store, PASS, name=team_name, kdf=FAST_KDF_FOR_TESTS)
    lead.ring = T.unlock(lead.store, PASS)
    request, fp = H.join_hub(lead.store, H.make_invite(hub.store, hub.ring), lead.ring)
    req = H.read_request(hub.store, request)
    assert req.fingerprint == fp
    H.enroll_lead(hub.store, req, villages=list(villages))
    return lead


def hub_down(hub: Laptop, lead: Laptop, **kw):
    from outreach.sync import hub_transport as HT

    return HT.export_downlink(hub.store, hub.ring, to=lead.id, out=hub.outbox, **kw)


def hub_up(lead: Laptop, **kw):
    from outreach.sync import hub_transport as HT

    return HT.export_uplink(lead.store, lead.ring, out=lead.outbox, **kw)


def hub_receive(laptop: Laptop, *paths):
    from outreach.sync import hub_transport as HT

    return [HT.import_file(laptop.store, laptop.ring, getattr(p, "path", p)) for p in paths]


def county(root, n_teams: int = 3, n_workers: int = 3) -> tuple[Laptop, list[Team]]:
    """The hub and its teams, each lead holding the county's areas (first hub downlink imported) and
    each worker its first team downlink."""
    from outreach.sync import transport

    hub = create_hub(root)
    teams = []
    for t, township in enumerate(list(TOWNSHIPS)[:n_teams]):
        lead = enrol_lead(root, hub, f"lead{t}", f"组长{t}", f"第{t + 1}组", villages_of(township))
        [r] = hub_receive(lead, hub_down(hub, lead))
        assert r.status == transport.IMPORTED, r.text("en")
        team = Team(lead, township=township)
        for i, village in enumerate(villages_of(township)[:n_workers]):
            worker = join(root, lead, f"w{t}{i}", f"社工{t}{i}", [village])
            [r] = receive(worker, transport.export_bundle(lead.store, lead.ring, out=lead.outbox, to=worker.id))
            assert r.status == transport.IMPORTED, r.text("en")
            team.workers.append(worker)
        teams.append(team)
    return hub, teams


def field_work(laptop: Laptop, village: str, tag: str, n: int = 2) -> list[str]:
    """Households with a person and a visit, then an edit of each household: what a day adds."""
    from outreach.storage.tables import Household, Person, Visit

    ids = []
    with laptop.store.transaction() as w:
        for i in range(n):
            hid = w.insert(Household, {"code": f"{tag}-{i:03d}", "village_id": village, "address": f"{tag}组"})
            w.insert(Person, {"household_id": hid, "name": f"张{tag}{i}", "relation": "head"})
            w.insert(Visit, {"household_id": hid, "visit_date": date(2026, 11, 23), "visit_type": "home",
                             "outcome": "met"})
            ids.append(hid)
    with laptop.store.transaction() as w:
        for hid in ids:
            w.update(Household, hid, {"phone": f"1380000{abs(hash(hid)) % 10000:04d}"})
    return ids


def week(hub: Laptop, teams: list[Team]) -> None:
    """Every worker works and sends to its lead; each lead works too and imports its workers' uplinks;
    the lead edits a household of one of its workers (a relayed edit of a relayed row)."""
    from sqlalchemy import select

    from outreach.storage.tables import Household
    from outreach.sync import transport

    for t, team in enumerate(teams):
        ups = []
        for i, worker in enumerate(team.workers):
            field_work(worker, villages_of(team.township)[i], f"W{t}{i}")
            ups.append(transport.export_bundle(worker.store, worker.ring, out=worker.outbox))
        for r in receive(team.lead, *ups):
            assert r.status == transport.IMPORTED, r.text("en")
        field_work(team.lead, villages_of(team.township)[0], f"L{t}", n=1)
        hh = Household.__table__
        with team.lead.store.connect() as conn:
            hid = conn.execute(select(hh.c.id).where(hh.c.code == f"W{t}0-000")).scalar_one()
        with team.lead.store.transaction() as w:
            w.update(Household, hid, {"notes": f"组长{t}核实过"})


def own_changes(laptop: Laptop) -> list[dict]:
    """The changes a laptop wrote itself (what it would send a store it synced to directly)."""
    from outreach.sync.changes import collect_changes

    with laptop.store.connect() as conn:
        me = laptop.store.device.id
        return [c for c in collect_changes(conn, None) if c["device_id"] == me and c["entity"] != "teamprofile"]


def feed_directly(store, laptops) -> None:
    """One store fed by every laptop directly (each one's own changes, one import per laptop)."""
    from outreach.sync.merge import apply_changes

    for laptop in laptops:
        with store.transaction() as w:
            apply_changes(w, own_changes(laptop), source=laptop.store.worker)


def county_state(store) -> dict:
    """Synced rows (teamprofile is each team's own, never relayed)."""
    state = synced_state(store)
    state.pop("teamprofile", None)
    return state


def table_hashes(state: dict) -> dict[str, str]:
    return {entity: hashlib.sha256(json.dumps(rows, sort_keys=True, default=str, ensure_ascii=False).encode())
            .hexdigest()[:16] for entity, rows in state.items()}


def close_all(hub: Laptop, teams: list[Team]) -> None:
    for laptop in [hub] + [x for t in teams for x in [t.lead, *t.workers]]:
        laptop.close()
