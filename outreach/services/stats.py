"""Counts of what the store holds (archived and merged-away records left out)."""

from __future__ import annotations

from sqlalchemy import func, select

from outreach.storage.store import Store
from outreach.storage.tables import Area, Assessment, Household, Need, Person, Provider, Referral, Visit

ENTITIES = {
    "households": Household, "people": Person, "visits": Visit, "assessments": Assessment,
    "referrals": Referral, "providers": Provider, "needs": Need, "areas": Area,
}


def counts(store: Store) -> dict[str, int]:
    out = {}
    with store.connect() as conn:
        for key, model in ENTITIES.items():
            t = model.__table__
            cond = [t.c.archived.is_(False)]
            if "merged_into" in t.c:
                cond.append(t.c.merged_into.is_(None))
            out[key] = conn.execute(select(func.count()).select_from(t).where(*cond)).scalar_one()
    return out
