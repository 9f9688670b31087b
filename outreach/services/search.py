"""People search: name substring, full pinyin and pinyin initials ("zs" and "zhangsan" find 张三),
resident ID number, phone, household code. Uses the precomputed, indexed search keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from sqlalchemy import Integer, String, and_, bindparam, or_, select

from outreach.domain import idnumber
from outreach.domain.searchkeys import is_ascii_query, normalize_query
from outreach.services.areas import AREA
from outreach.services.households import HOUSEHOLD
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
    village for just those hits. The statements are built once, with bound parameters (typing runs a
    search per keystroke: building them cost more than answering them)."""
    q = normalize_query(text)
    if not q:
        return []
    cap = max(limit * 4, 200)
    with store.connect() as conn:
        ids: dict[str, None] = {}
        for kind, params in _candidates(q):
            stmt = _statement(kind, include_archived)
            ids.update(dict.fromkeys(conn.execute(stmt, {**params, "cap": cap - len(ids)}).scalars()))
            if len(ids) >= cap:
                break
        if not ids:
            return []
        # the ids as separate parameters, padded to a fixed number with the last one repeated (IN is a
        # set): one statement text, compiled and prepared once (an expanding IN renders 200 every time)
        size = next(n for n in (*_ID_SLOTS, len(ids)) if n >= len(ids))
        found = list(ids)
        found += found[-1:] * (size - len(found))
        rows = conn.execute(_details(size, include_archived), {f"i{n}": v for n, v in enumerate(found)}).all()
        rows = sorted(rows, key=lambda r: (r[1], r[3], r[0]))[:limit]  # id: one order on any engine
    return [PersonHit(r[0], r[1], r[2], r[3], r[4], idnumber.mask(r[5]), r[6], r[7], r[8]) for r in rows]


def _candidates(q: str) -> list[tuple[str, dict]]:
    """(statement kind, its parameters) of the matching person ids, one per index (each gets a LIMIT)."""
    if is_ascii_query(q):  # pinyin or initials (a Latin name's keys are the name itself)
        return [("pinyin", {"q": q, "q_hi": q + "\x7f"})]
    found = []
    digits = q.isascii() and any(ch.isdigit() for ch in q)
    if digits:
        ident = q.upper()
        found.append(("id_number", {"q": ident, "q_hi": ident + "\x7f"}))
    columns = ("phone", "code") if digits else ("name", "code")
    if len(q) >= search_index.MIN_TRIGRAM:  # one trigram lookup covers phone or name, and household code
        found.append((f"trigram:{','.join(columns)}", search_index.match_params(q, columns)))
        return found
    # one or two characters: name pieces (or the phone anywhere), household codes by prefix
    if digits:
        found.append(("phone", {"pattern": "%" + q.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"}))
    else:
        found.append(("gram:name", search_index.match_params(q, ("name",))))
    found.append(("code", {"q": q, "q_hi": q + "\U0010ffff"}))
    return found


_ID_SLOTS = (10, 50, 200)


@lru_cache(maxsize=32)
def _details(size: int, include_archived: bool):
    """Household and village of the hits ``i0`` … ``i<size-1>``."""
    stmt = (select(PERSON.c.id, PERSON.c.name, PERSON.c.household_id, HOUSEHOLD.c.code, AREA.c.name,
                   PERSON.c.id_number, PERSON.c.birth_date, PERSON.c.phone, PERSON.c.status)
            .join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
            .join(AREA, AREA.c.id == HOUSEHOLD.c.village_id)
            .where(PERSON.c.id.in_([bindparam(f"i{n}", type_=String()) for n in range(size)])))
    return stmt if include_archived else stmt.where(HOUSEHOLD.c.archived.is_(False))


@cache
def _statement(kind: str, include_archived: bool):
    """The statement of one kind of match, built on first use."""
    own = [PERSON.c.merged_into.is_(None)] + ([] if include_archived else [PERSON.c.archived.is_(False)])
    q, q_hi = bindparam("q", type_=String()), bindparam("q_hi", type_=String())
    if kind == "pinyin":   # households.person_match's prefix terms on the search keys
        stmt = select(PERSON.c.id).where(or_(and_(PERSON.c.search_pinyin >= q, PERSON.c.search_pinyin < q_hi),
                                             and_(PERSON.c.search_initials >= q, PERSON.c.search_initials < q_hi)),
                                         *own)
    elif kind == "id_number":
        stmt = select(PERSON.c.id).where(PERSON.c.id_number >= q, PERSON.c.id_number < q_hi, *own)
    elif kind == "phone":
        stmt = select(PERSON.c.id).where(PERSON.c.phone.like(bindparam("pattern", type_=String()), escape="/"), *own)
    elif kind == "code":
        stmt = (select(PERSON.c.id).join(HOUSEHOLD, HOUSEHOLD.c.id == PERSON.c.household_id)
                .where(HOUSEHOLD.c.code >= q, HOUSEHOLD.c.code < q_hi, *own))
    else:   # "trigram:phone,code", "gram:name" …: through the search index
        match, _, columns = kind.partition(":")
        source, condition = search_index.prepared_match(match, tuple(columns.split(",")))
        stmt = select(PERSON.c.id).select_from(source).where(condition, *own)
    return stmt.limit(bindparam("cap", type_=Integer()))
