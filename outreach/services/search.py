"""People search: name substring, full pinyin and pinyin initials ("zs" and "zhangsan" find 张三),
resident ID number, phone, household code. Uses the precomputed, indexed search keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

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
    """People whose name, pinyin, initials, ID number or phone match, plus the members of households
    whose code matches. Two indexed lookups merged here rather than one OR that no index can serve."""
    q = normalize_query(text)
    if not q:
        return []
    cols = (PERSON.c.id, PERSON.c.name, PERSON.c.household_id, HOUSEHOLD.c.code, AREA.c.name,
            PERSON.c.id_number, PERSON.c.birth_date, PERSON.c.phone, PERSON.c.status)
    base = (select(*cols).join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
            .join(AREA, AREA.c.id == HOUSEHOLD.c.village_id))
    if not include_archived:
        base = base.where(PERSON.c.archived.is_(False), HOUSEHOLD.c.archived.is_(False))
    by_person = base.where(person_match(q)).order_by(PERSON.c.name, HOUSEHOLD.c.code).limit(limit)
    by_code = (base.where(HOUSEHOLD.c.code.contains(q, autoescape=True), PERSON.c.merged_into.is_(None))
               .order_by(PERSON.c.name, HOUSEHOLD.c.code).limit(limit))
    with store.connect() as conn:
        rows = {r[0]: r for r in conn.execute(by_person)}
        if not q.isalpha() or not q.isascii():  # codes hold Chinese, digits and dashes
            for r in conn.execute(by_code):
                rows.setdefault(r[0], r)
    ordered = sorted(rows.values(), key=lambda r: (r[1], r[3]))[:limit]
    return [PersonHit(r[0], r[1], r[2], r[3], r[4], idnumber.mask(r[5]), r[6], r[7], r[8]) for r in ordered]
