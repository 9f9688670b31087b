"""Team status for ``outreach team status`` and the Sync screen: the device registry with the bundles
received from and sent to each laptop, their gaps and open review items (moved out of ``transport``,
which keeps ``status_report`` / ``device_status`` as its entry points)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from outreach.storage.sync_tables import DIRECTION_IN, DIRECTION_OUT
from outreach.storage.tables import Area
from outreach.sync import bundle as B
from outreach.sync import rotation
from outreach.sync import team as T
from outreach.sync.transport import BUNDLES, missing_seqs


def device_status(store: Any) -> list[dict[str, Any]]:
    """One entry per known device: registry fields, last bundle received from it and sent to it,
    sequence gaps and open review items involving it. JSON-ready."""
    from outreach.storage.merge_tables import MergeConflict

    conflicts = MergeConflict.__table__.c
    c = BUNDLES.c
    out = []
    with store.connect() as conn:
        team = T.get_team(conn)
        if team is None:
            return []
        stream_in = B.TEAM if team.is_lead else store.device.id
        area = Area.__table__
        names = dict(conn.execute(select(area.c.id, area.c.name).where(area.c.level == "village")).all())
        for d in T.list_devices(conn):
            last_in = conn.execute(select(BUNDLES).where(c.direction == DIRECTION_IN, c.sender == d.device_id)
                                   .order_by(c.recorded_at.desc()).limit(1)).mappings().first()
            last_out = conn.execute(select(BUNDLES).where(c.direction == DIRECTION_OUT, c.stream == d.device_id)
                                    .order_by(c.seq.desc()).limit(1)).mappings().first()
            open_conflicts = conn.execute(select(func.count()).select_from(MergeConflict.__table__).where(and_(
                conflicts.status == "open", or_(conflicts.a_device == d.device_id, conflicts.b_device == d.device_id)
            ))).scalar_one()
            out.append({
                "device_id": d.device_id, "device_code": T.device_code(d.device_id), "device_name": d.display_name,
                "code": T.device_code(d.device_id), "name": d.display_name,  # older names, kept for scripts

                "worker": d.worker, "role": d.role, "status": d.status, "villages": list(d.villages),
                "village_names": [names.get(v, v) for v in d.villages],
                "fingerprint": d.fingerprint,
                "enrolled_at": _iso(d.enrolled_at), "revoked_at": _iso(d.revoked_at),
                "last_bundle": _bundle_json(last_in), "last_sent": _bundle_json(last_out),
                "gaps": missing_seqs(conn, d.device_id, stream_in), "open_conflicts": int(open_conflicts),
                "new_team_key": rotation.switched(conn, d.device_id) if team.is_lead else None,
            })
    return out


def status_report(store: Any) -> dict[str, Any]:
    """``outreach team status --json``: this laptop, its team, and the device registry with bundles."""
    me = store.device
    with store.connect() as conn:
        team = T.get_team(conn)
        mine = T.get_device(conn, me.id)
    report: dict[str, Any] = {
        "device_id": me.id, "device_code": me.code, "device_name": T.display_name(me.id, me.name, store.worker),
        "worker": store.worker, "team": None, "role": None, "status": None, "fingerprint": None,
        "villages": [], "devices": [],
    }
    if team is not None:
        report.update(
            team={"team_id": team.team_id, "name": team.name, "lead_device_id": team.lead_device_id},
            role=team.role, status=mine.status if mine else None, fingerprint=mine.fingerprint if mine else None,
            villages=list(mine.villages) if mine else [], devices=device_status(store))
    return report


def _bundle_json(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"bundle_id": row["bundle_id"], "seq": row["seq"], "kind": row["kind"], "changes": row["change_count"],
            "applied": row["applied_count"], "created_at": _iso(row["created_at"]),
            "recorded_at": _iso(row["recorded_at"]), "file_name": row["file_name"]}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")
