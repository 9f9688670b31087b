"""Households: register, edit, archive, and the paged list the main window shows (50k+ rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from outreach.domain.enums import BenefitStatus, ConsentMethod, Priority, Vulnerability
from outreach.domain.errors import FieldError, NotFound
from outreach.domain.searchkeys import is_ascii_query, normalize_query
from outreach.domain.validation import (
    check_choice,
    check_length,
    check_mobile,
    check_not_future,
    check_required,
    normalize_phone,
    raise_if,
)
from outreach.services.areas import AREA, get_area
from outreach.services.household_rows import HouseholdQuery, HouseholdRow
from outreach.services.people import PERSON, PersonInfo, list_members
from outreach.services.stale import check_unchanged
from outreach.storage import search_index
from outreach.storage.store import Store
from outreach.storage.tables import Assessment, Household, Visit

HOUSEHOLD = Household.__table__
VISIT = Visit.__table__
ASSESSMENT = Assessment.__table__

EDITABLE = frozenset({
    "village_id", "group_id", "address", "head_person_id", "phone", "benefit_status", "tags", "notes",
    "consent_given", "consent_by", "consent_on", "consent_method",
})


def validate_household(values: dict[str, Any], *, creating: bool, today: date | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    if creating or "village_id" in values:
        errors += check_required("village", values.get("village_id"))
    if creating or "benefit_status" in values:
        errors += check_choice("benefit_status", values.get("benefit_status"), BenefitStatus)
    errors += check_length("address", values.get("address"), 200)
    if "phone" in values:
        errors += check_mobile("phone", values.get("phone"))
    if values.get("consent_given"):
        errors += check_required("consent_by", values.get("consent_by"))
        errors += check_required("consent_on", values.get("consent_on"))
        errors += check_choice("consent_method", values.get("consent_method"), ConsentMethod)
    errors += check_not_future("consent_on", values.get("consent_on"), today=today)
    return errors


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if "phone" in out:
        out["phone"] = normalize_phone(out["phone"] or "")
    return out


def create_household(store: Store, *, village_id: str, code: str | None = None, **fields: Any) -> str:
    """Register a household in a village. Its code is <village>-<device code>-<number>, unique across
    devices by construction (each device numbers its own households)."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unknown household fields: {sorted(unknown)}")
    values = _clean({"benefit_status": BenefitStatus.NONE.value, **fields, "village_id": village_id})
    raise_if(validate_household(values, creating=True))
    village = get_area(store, village_id)
    device = store.device
    with store.transaction() as w:
        if code is None:
            n = store.next_number(w.conn, f"household:{village_id}")
            code = f"{village.display_short}-{device.code}-{n:04d}"
        values["code"] = code
        return w.insert(Household, values)


def update_household(store: Store, household_id: str, *, expected: dict[str, Any] | None = None,
                     **changes: Any) -> dict[str, tuple[Any, Any]]:
    """``expected``: the values the editor showed when it opened the household; a field someone else
    changed since is not overwritten (``stale.RecordChanged``, nothing written)."""
    unknown = set(changes) - EDITABLE - {"archived"}
    if unknown:
        raise TypeError(f"unknown household fields: {sorted(unknown)}")
    values = _clean(changes)
    with store.transaction() as w:
        current = w.conn.execute(select(HOUSEHOLD).where(HOUSEHOLD.c.id == household_id)).mappings().first()
        if current is None:
            raise NotFound("error.household.not_found", id=household_id)
        check_unchanged(w.conn, "household", current, _clean(expected) if expected else None, values)
        merged = {**current, **values}
        check = {k: merged[k] for k in values}
        if merged["consent_given"]:
            check |= {k: merged[k] for k in ("consent_given", "consent_by", "consent_on", "consent_method")}
        raise_if(validate_household(check, creating=False))
        return w.update(Household, household_id, values)


def archive_household(store: Store, household_id: str, archived: bool = True) -> dict:
    return update_household(store, household_id, archived=archived)


# ----------------------------------------------------------------------------- list & detail
@dataclass(frozen=True)
class HouseholdDetail:
    row: HouseholdRow
    group_id: str | None
    tags: str
    notes: str
    consent_given: bool
    consent_by: str
    consent_on: date | None
    consent_method: str
    head_person_id: str | None
    created_by: str
    updated_by: str
    members: list[PersonInfo] = field(default_factory=list)


def _columns():
    head = PERSON.alias("head")
    last_visit = (select(func.max(VISIT.c.visit_date))
                  .where(VISIT.c.household_id == HOUSEHOLD.c.id, VISIT.c.archived.is_(False))
                  .scalar_subquery())
    priority = (select(ASSESSMENT.c.priority)
                .where(ASSESSMENT.c.household_id == HOUSEHOLD.c.id, ASSESSMENT.c.archived.is_(False),
                       ASSESSMENT.c.complete.is_(True))
                .order_by(ASSESSMENT.c.assessed_on.desc(), ASSESSMENT.c.hlc.desc()).limit(1)
                .scalar_subquery())
    members = (select(func.count()).select_from(PERSON)
               .where(PERSON.c.household_id == HOUSEHOLD.c.id, PERSON.c.archived.is_(False),
                      PERSON.c.merged_into.is_(None))
               .scalar_subquery())
    cols = {
        "id": HOUSEHOLD.c.id, "code": HOUSEHOLD.c.code, "village_id": HOUSEHOLD.c.village_id,
        "village_name": AREA.c.name, "address": HOUSEHOLD.c.address,
        "head_name": func.coalesce(head.c.name, literal("")), "phone": HOUSEHOLD.c.phone,
        "benefit_status": HOUSEHOLD.c.benefit_status, "member_count": members,
        "last_visit": last_visit, "priority": priority, "archived": HOUSEHOLD.c.archived,
    }
    joined = HOUSEHOLD.join(AREA, AREA.c.id == HOUSEHOLD.c.village_id).outerjoin(
        head, head.c.id == HOUSEHOLD.c.head_person_id)
    return cols, joined


def _conditions(q: HouseholdQuery, cols) -> list:
    cond = []
    if not q.include_archived:
        cond.append(HOUSEHOLD.c.archived.is_(False))
    if q.village_ids is not None:
        cond.append(HOUSEHOLD.c.village_id.in_(q.village_ids))
    if q.group_ids is not None:
        cond.append(HOUSEHOLD.c.group_id.in_(q.group_ids))
    if q.benefit_status:
        cond.append(HOUSEHOLD.c.benefit_status == q.benefit_status)
    if q.flags:
        member_cond = [PERSON.c.archived.is_(False)] + [PERSON.c[Vulnerability(f).column].is_(True) for f in q.flags]
        cond.append(HOUSEHOLD.c.id.in_(select(PERSON.c.household_id).where(*member_cond)))
    if q.priority:
        cond.append(cols["priority"] == q.priority)
    if q.not_visited_days is not None:
        since = (q.today or date.today()) - timedelta(days=q.not_visited_days)
        recent = select(VISIT.c.household_id).where(VISIT.c.visit_date > since, VISIT.c.archived.is_(False))
        cond.append(HOUSEHOLD.c.id.not_in(recent))
    text = normalize_query(q.text)
    if text:
        cond.append(or_(
            HOUSEHOLD.c.code.contains(text, autoescape=True),
            HOUSEHOLD.c.address.contains(text, autoescape=True),
            HOUSEHOLD.c.phone.contains(text, autoescape=True),
            HOUSEHOLD.c.id.in_(select(PERSON.c.household_id).where(person_match(text))),
        ))
    return cond


def person_match(text: str):
    """The condition 'this person matches the search text' on PERSON.

    Chosen by what was typed, so that every term can use an index: Latin letters match the pinyin
    and initials keys by prefix (a Latin name's keys are the name itself); digits match the ID
    number by prefix and the phone anywhere (people quote the last digits); anything else matches
    the name anywhere."""
    text = normalize_query(text)
    if is_ascii_query(text):
        upper = text + "\x7f"
        parts = [and_(PERSON.c.search_pinyin >= text, PERSON.c.search_pinyin < upper),
                 and_(PERSON.c.search_initials >= text, PERSON.c.search_initials < upper)]
    elif text.isascii() and any(ch.isdigit() for ch in text):
        ident = text.upper()
        by_phone = search_index.person_ids(text, ("phone",))  # the trigram index, from 3 digits
        parts = [and_(PERSON.c.id_number >= ident, PERSON.c.id_number < ident + "\x7f"),
                 PERSON.c.phone.contains(text, autoescape=True) if by_phone is None else PERSON.c.id.in_(by_phone)]
    else:
        by_name = search_index.person_ids(text, ("name",))  # trigram index or 1-2 character pieces
        parts = [PERSON.c.name.contains(text, autoescape=True) if by_name is None else PERSON.c.id.in_(by_name)]
    return and_(or_(*parts), PERSON.c.merged_into.is_(None))


_SORTS = {"code", "village_name", "head_name", "last_visit", "priority", "address", "member_count"}


def query_households(store: Store, query: HouseholdQuery, *, offset: int = 0, limit: int = 100) -> list[HouseholdRow]:
    cols, joined = _columns()
    stmt = select(*[c.label(k) for k, c in cols.items()]).select_from(joined).where(*_conditions(query, cols))
    sort_key = {"village": "village_name", "head": "head_name"}.get(query.sort, query.sort)
    sort_col = cols[sort_key if sort_key in _SORTS else "code"]
    if sort_key == "priority":  # by rank (low < medium < high < urgent), not alphabetically
        sort_col = case({p.value: p.rank for p in Priority}, value=sort_col, else_=-1)
    order = sort_col.desc() if query.descending else sort_col.asc()
    stmt = stmt.order_by(order, HOUSEHOLD.c.code).offset(offset).limit(limit)
    with store.connect() as conn:
        return [HouseholdRow(**r._mapping) for r in conn.execute(stmt)]


def count_households(store: Store, query: HouseholdQuery) -> int:
    cols, joined = _columns()
    stmt = select(func.count()).select_from(joined).where(*_conditions(query, cols))
    with store.connect() as conn:
        return conn.execute(stmt).scalar_one()


def get_household(store: Store, household_id: str) -> HouseholdDetail:
    cols, joined = _columns()
    extra = ["group_id", "tags", "notes", "consent_given", "consent_by", "consent_on", "consent_method",
             "head_person_id", "created_by", "updated_by"]
    stmt = select(*[c.label(k) for k, c in cols.items()], *[HOUSEHOLD.c[k] for k in extra]).select_from(
        joined).where(HOUSEHOLD.c.id == household_id)
    with store.connect() as conn:
        r = conn.execute(stmt).mappings().first()
    if r is None:
        raise NotFound("error.household.not_found", id=household_id)
    row = HouseholdRow(**{k: r[k] for k in cols})
    return HouseholdDetail(
        row=row, group_id=r["group_id"], tags=r["tags"], notes=r["notes"], consent_given=r["consent_given"],
        consent_by=r["consent_by"], consent_on=r["consent_on"], consent_method=r["consent_method"],
        head_person_id=r["head_person_id"], created_by=r["created_by"], updated_by=r["updated_by"],
        members=list_members(store, household_id),
    )


def find_by_code(store: Store, code: str) -> str:
    with store.connect() as conn:
        hid = conn.execute(select(HOUSEHOLD.c.id).where(HOUSEHOLD.c.code == code.strip())).scalar_one_or_none()
    if hid is None:
        raise NotFound("error.household.code_not_found", code=code)
    return hid
