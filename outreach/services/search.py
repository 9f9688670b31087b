"""People search: name substring, full pinyin and pinyin initials ("zs" and "zhangsan" find 张三),
resident ID number, phone, household code. Uses the precomputed, indexed search keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from outreach.domain import idnumber
from outreach.domain.searchkeys import is_ascii_query, normalize_query
from outreach.services.areas import AREA
from outreach.services.households import HOUSEHOLD, person_match
from outreach.services.people import PERSON
from outreach.storage import search_index
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
    whose code matches, sorted by name.

    Two steps, because the plan matters at 660k people: first up to ``4 × limit`` matching people,
    each kind of match through its index (pinyin, initials and ID number by prefix; name, phone and
    household code through the search index, see ``storage.search_index``), then household and
    village for just those hits."""
    q = normalize_query(text)
    if not q:
        return []
    cap = max(limit * 4, 200)
    own = [PERSON.c.merged_into.is_(None)] + ([] if include_archived else [PERSON.c.archived.is_(False)])
    with store.connect() as conn:
        ids: dict[str, None] = {}
        for stmt in _candidates(q, own):
            ids.update(dict.fromkeys(conn.execute(stmt.limit(cap - len(ids))).scalars()))
            if len(ids) >= cap:
                break
        if not ids:
            return []
        stmt = (select(PERSON.c.id, PERSON.c.name, PERSON.c.household_id, HOUSEHOLD.c.code, AREA.c.name,
                       PERSON.c.id_number, PERSON.c.birth_date, PERSON.c.phone, PERSON.c.status)
                .join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
                .join(AREA, AREA.c.id == HOUSEHOLD.c.village_id)
                .where(PERSON.c.id.in_(list(ids))))
        if not include_archived:
            stmt = stmt.where(HOUSEHOLD.c.archived.is_(False))
        rows = sorted(conn.execute(stmt), key=lambda r: (r[1], r[3], r[0]))[:limit]  # id: one order on any engine
    return [PersonHit(r[0], r[1], r[2], r[3], r[4], idnumber.mask(r[5]), r[6], r[7], r[8]) for r in rows]


def _candidates(q: str, own: list) -> list:
    """Selects of matching person ids, one per index (each gets a LIMIT)."""
    if is_ascii_query(q):  # pinyin or initials (a Latin name's keys are the name itself)
        return [select(PERSON.c.id).where(person_match(q), *own)]
    found = []
    digits = q.isascii() and any(ch.isdigit() for ch in q)
    if digits:
        ident = q.upper()
        found.append(select(PERSON.c.id).where(PERSON.c.id_number >= ident, PERSON.c.id_number < ident + "\x7f", *own))
    if len(q) >= search_index.MIN_TRIGRAM:  # one trigram lookup covers phone or name, and household code
        found.append(_indexed(q, ("phone", "code") if digits else ("name", "code"), own))
        return found
    # one or two characters: name pieces (or the phone anywhere), household codes by prefix
    found.append(select(PERSON.c.id).where(PERSON.c.phone.contains(q, autoescape=True), *own) if digits
                 else _indexed(q, ("name",), own))
    found.append(select(PERSON.c.id).join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
                 .where(HOUSEHOLD.c.code >= q, HOUSEHOLD.c.code < q + "\U0010ffff", *own))
    return found


def _indexed(q: str, columns: tuple[str, ...], own: list):
    found = search_index.matches(q, columns)
    assert found is not None, (q, columns)
    source, condition = found
    return select(PERSON.c.id).select_from(source).where(condition, *own)
