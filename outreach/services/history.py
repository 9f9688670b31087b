"""The change history of a household: who changed what, when, from which laptop (from the change log)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from outreach.storage.store import Store
from outreach.storage.tables import Assessment, ChangeLog, Need, Person, Referral, ReferralEvent, Visit

LOG = ChangeLog.__table__


@dataclass(frozen=True)
class ChangeEntry:
    recorded_at: datetime
    hlc: int
    worker: str
    device_id: str
    entity: str
    row_id: str
    field: str
    value: Any

    @property
    def is_creation(self) -> bool:
        return self.field == "*"


def household_history(store: Store, household_id: str, *, limit: int = 500) -> list[ChangeEntry]:
    """Newest first: changes to the household and to everything that belongs to it."""
    with store.connect() as conn:
        ids: dict[str, list[str]] = {"household": [household_id]}
        for model in (Person, Visit, Assessment, Need, Referral):
            t = model.__table__
            ids[t.name] = list(conn.execute(select(t.c.id).where(t.c.household_id == household_id)).scalars())
        ev = ReferralEvent.__table__
        ids[ev.name] = list(conn.execute(select(ev.c.id).where(ev.c.referral_id.in_(ids["referral"]))).scalars())
        cond = or_(*[(LOG.c.entity == entity) & LOG.c.row_id.in_(row_ids) for entity, row_ids in ids.items() if row_ids])
        rows = conn.execute(select(LOG).where(cond).order_by(LOG.c.hlc.desc(), LOG.c.seq.desc()).limit(limit)).all()
    return [ChangeEntry(r.recorded_at, r.hlc, r.worker, r.device_id, r.entity, r.row_id, r.field,
                        json.loads(r.value)) for r in rows]
