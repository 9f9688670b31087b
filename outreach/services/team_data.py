"""Who may change the team's reference data (areas, the service directory, assessment templates in
use, the team profile).

Team data belongs to the team lead: it is edited on the lead's laptop and reaches every worker in
the invite and in ordinary downlinks. A laptop in no team is its own lead and edits everything. A
worker's laptop (joined or enrolled) sees it read-only; a worker may *suggest* a provider
(``providers.suggest_provider``).

Only the service path is guarded here: changes that arrive from the lead by downlink are applied by
the merge (``sync.merge.apply_changes``), which never calls these services.

    can_edit_team_data(store)        -> bool
    team_data_maintainer(store)      -> str    "王主任（王主任的笔记本）", "" when this laptop edits
    require_team_data_editor(store, what)      raises TeamDataReadOnly on a worker's laptop
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.storage.store import Store
from outreach.storage.sync_tables import ROLE_LEAD, SyncDevice, SyncTeam

TEAM = SyncTeam.__table__
DEVICE = SyncDevice.__table__
# What a refusal names: areas, providers (points to `outreach providers suggest`), templates, profile.
KINDS = ("areas", "providers", "templates", "profile")


class TeamDataReadOnly(OutreachError):
    """This laptop is a worker's: the team's reference data is maintained on the lead's laptop."""


def _team_role(conn: Connection) -> str | None:
    return conn.execute(select(TEAM.c.role)).scalars().first()


def can_edit_team_data(store: Store) -> bool:
    """True on the team lead's laptop and on a laptop in no team; False on a worker's laptop."""
    with store.connect() as conn:
        return conn_can_edit(conn)


def conn_can_edit(conn: Connection) -> bool:
    role = _team_role(conn)
    return role is None or role == ROLE_LEAD


def team_data_maintainer(store: Store, lang: str | None = None) -> str:
    """Who maintains the team data, for a read-only note: the lead's worker name and laptop name
    ("" on a laptop that maintains it itself)."""
    with store.connect() as conn:
        team = conn.execute(select(TEAM)).mappings().first()
        if team is None or team["role"] == ROLE_LEAD:
            return ""
        lead = conn.execute(select(DEVICE).where(DEVICE.c.device_id == team["lead_device_id"])).mappings().first()
    worker = (lead["worker"] if lead else "") or ""
    device = (lead["name"] if lead else "") or ""
    if worker and device:
        return tr("teamdata.maintainer.both", lang, worker=worker, device=device)
    if worker or device:
        return tr("teamdata.maintainer.one", lang, name=worker or device)
    return tr("teamdata.maintainer.team_lead", lang, team=team["name"] or "")


def require_team_data_editor(store: Store, what: str) -> None:
    """Refuse (nothing written) when this laptop may not change team data of kind ``what``."""
    assert what in KINDS, what
    if can_edit_team_data(store):
        return
    maintainer = team_data_maintainer(store) or tr("teamdata.maintainer.unknown")
    raise TeamDataReadOnly(f"teamdata.error.read_only.{what}", maintainer=maintainer)


TEAM_ENTITIES = ("area", "provider", "assessmenttemplate", "teamprofile", "providersuggestion")


def team_data_history(store: Store, *, entity: str | None = None, row_id: str | None = None,
                      limit: int = 500) -> list:
    """Newest first: who changed the team's data (a village's name, a provider's phone, the team
    profile …), when and from which laptop — the change log, as ``services.history`` gives it for a
    household. ``entity`` / ``row_id`` narrow it to one kind or one row."""
    import json

    from outreach.services.history import LOG, ChangeEntry

    entities = [entity] if entity else list(TEAM_ENTITIES)
    assert set(entities) <= set(TEAM_ENTITIES), entities
    stmt = select(LOG).where(LOG.c.entity.in_(entities))
    if row_id:
        stmt = stmt.where(LOG.c.row_id == row_id)
    with store.connect() as conn:
        rows = conn.execute(stmt.order_by(LOG.c.hlc.desc(), LOG.c.seq.desc()).limit(limit)).all()
    return [ChangeEntry(r.recorded_at, r.hlc, r.worker, r.device_id, r.entity, r.row_id, r.field,
                        json.loads(r.value)) for r in rows]
