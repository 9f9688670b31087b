"""People search: name substring, full pinyin and pinyin initials ("zs" and "zhangsan" find 张三),
resident ID number, phone, household code. Uses the precomputed, indexed search keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from outreach.domain import idnumber
from outreach.domain.searchkeys import normalize_query
from outreach.services.areas import AREA
from outreach.services.households import HOUSEHOLD, person_match
from outreach.services.people import PERSON
from outreach.storage.store import Store


@dataclass(frozen=True)
class PersonHit:
    id: str
    name: str
    household_id: str
    household_code: str
    village_name: str
    masked_id: str
    birth_date: date | None
    phone: str
    status: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "household_id": self.household_id,
                "household_code": self.household_code, "village": self.village_name,
                "id_number_masked": self.masked_id,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                "phone": self.phone, "status": self.status}


def search_people(store: Store, text: str, *, limit: int = 50, include_archived: bool = False) -> list[PersonHit]:
    q = normalize_query(text)
    if not q:
        return []
    cond = [or_(person_match(q), HOUSEHOLD.c.code.contains(q, autoescape=True))]
    if not include_archived:
        cond += [PERSON.c.archived.is_(False), HOUSEHOLD.c.archived.is_(False)]
    stmt = (select(PERSON.c.id, PERSON.c.name, PERSON.c.household_id, HOUSEHOLD.c.code, AREA.c.name,
                   PERSON.c.id_number, PERSON.c.birth_date, PERSON.c.phone, PERSON.c.status)
            .join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
            .join(AREA, AREA.c.id == HOUSEHOLD.c.village_id)
            .where(*cond).order_by(PERSON.c.name, HOUSEHOLD.c.code).limit(limit))
    with store.connect() as conn:
        rows = conn.execute(stmt).all()
    return [PersonHit(r[0], r[1], r[2], r[3], r[4], idnumber.mask(r[5]), r[6], r[7], r[8]) for r in rows]
