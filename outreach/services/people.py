"""Household members: register, edit, mark moved/deceased. Resident IDs are checked, and birth date
and sex are taken from a valid ID when the form leaves them empty."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from outreach.domain import idnumber
from outreach.domain.ages import age_group, age_on
from outreach.domain.enums import DisabilityType, PersonStatus, Relation, Sex, Vulnerability
from outreach.domain.errors import FieldError, NotFound
from outreach.domain.searchkeys import name_keys
from outreach.domain.validation import (
    check_choice,
    check_id_number,
    check_length,
    check_mobile,
    check_not_future,
    check_required,
    normalize_phone,
    raise_if,
)
from outreach.services.stale import check_unchanged
from outreach.storage.store import Store
from outreach.storage.tables import Household, Person

PERSON = Person.__table__
HOUSEHOLD = Household.__table__

EDITABLE = frozenset({
    "name", "sex", "birth_date", "id_number", "relation", "phone", "status", "disability_type",
    "disability_grade", "notes", "household_id", *(v.column for v in Vulnerability),
})


@dataclass(frozen=True)
class PersonInfo:
    id: str
    household_id: str
    name: str
    sex: str
    birth_date: date | None
    id_number: str | None
    relation: str
    phone: str
    status: str
    flags: frozenset[str]
    disability_type: str
    disability_grade: int | None
    notes: str
    archived: bool
    merged_into: str | None
    updated_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def masked_id(self) -> str:
        return idnumber.mask(self.id_number)

    def age(self, on: date | None = None) -> int | None:
        return age_on(self.birth_date, on or date.today()) if self.birth_date else None

    def age_group(self, on: date | None = None):
        return age_group(self.birth_date, on or date.today())


def person_info(row) -> PersonInfo:
    m = row._mapping
    return PersonInfo(
        id=m["id"], household_id=m["household_id"], name=m["name"], sex=m["sex"],
        birth_date=m["birth_date"], id_number=m["id_number"], relation=m["relation"], phone=m["phone"],
        status=m["status"], flags=frozenset(v.value for v in Vulnerability if m[v.column]),
        disability_type=m["disability_type"], disability_grade=m["disability_grade"], notes=m["notes"],
        archived=m["archived"], merged_into=m["merged_into"], updated_by=m["updated_by"],
    )


def normalize_person(values: dict[str, Any]) -> dict[str, Any]:
    """Tidy a form's values: trimmed text, upper-case X in IDs, flags set → columns, facts from the ID."""
    out = dict(values)
    flags = out.pop("flags", None)
    if flags is not None:
        flags = {Vulnerability(f) for f in flags}
        for v in Vulnerability:
            out[v.column] = v in flags
    for key in ("name", "notes"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    if "phone" in out:
        out["phone"] = normalize_phone(out.get("phone") or "")
    if "id_number" in out:
        out["id_number"] = idnumber.normalize(out["id_number"]) if out.get("id_number") else None
        info = idnumber.parse(out["id_number"]) if out["id_number"] else None
        if info:
            if not out.get("birth_date"):
                out["birth_date"] = info.birth_date
            if not out.get("sex"):
                out["sex"] = info.sex.value
    if out.get("disability_grade") in ("", 0):
        out["disability_grade"] = None
    return out


def validate_person(values: dict[str, Any], *, creating: bool, today: date | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    if creating or "name" in values:
        errors += check_required("name", values.get("name")) + check_length("name", values.get("name"), 64)
    if values.get("sex"):
        errors += check_choice("sex", values["sex"], Sex)
    if creating or "relation" in values:
        errors += check_choice("relation", values.get("relation"), Relation)
    if creating or "status" in values:
        errors += check_choice("status", values.get("status"), PersonStatus)
    if values.get("disability_type"):
        errors += check_choice("disability_type", values["disability_type"], DisabilityType)
    grade = values.get("disability_grade")
    if grade is not None and grade not in (1, 2, 3, 4):
        errors.append(FieldError("disability_grade", "error.disability.grade"))
    errors += check_not_future("birth_date", values.get("birth_date"), today=today)
    errors += check_id_number("id_number", values.get("id_number"), birth_date=values.get("birth_date"), today=today)
    if "phone" in values:
        errors += check_mobile("phone", values.get("phone"))
    return errors


def add_person(store: Store, *, household_id: str, **fields: Any) -> str:
    """Register a member. Raises ValidationError (nothing written) when the input is invalid."""
    unknown = set(fields) - EDITABLE - {"flags"}
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    values = normalize_person({"relation": Relation.OTHER.value, "status": PersonStatus.PRESENT.value, **fields})
    raise_if(validate_person(values, creating=True))
    values["household_id"] = household_id
    values["search_pinyin"], values["search_initials"] = name_keys(values["name"])
    with store.transaction() as w:
        head = w.conn.execute(select(HOUSEHOLD.c.head_person_id).where(HOUSEHOLD.c.id == household_id)).first()
        if head is None:
            raise NotFound("error.household.not_found", id=household_id)
        pid = w.insert(Person, values)
        if values["relation"] == Relation.SELF.value and head.head_person_id is None:
            w.update(Household, household_id, {"head_person_id": pid})
        return pid


def update_person(store: Store, person_id: str, *, expected: dict[str, Any] | None = None,
                  **changes: Any) -> dict[str, tuple[Any, Any]]:
    """Change a member's fields; returns {field: (old, new)} of what really changed. ``expected``: the
    values the form showed; a field someone else changed since is not overwritten (``RecordChanged``)."""
    unknown = set(changes) - EDITABLE - {"flags", "archived"}
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    values = normalize_person(changes)
    with store.transaction() as w:
        current = w.conn.execute(select(PERSON).where(PERSON.c.id == person_id)).mappings().first()
        if current is None:
            raise NotFound("error.person.not_found", id=person_id)
        check_unchanged(w.conn, "person", current, normalize_person(expected) if expected else None, values)
        merged = {**current, **values}
        check = {k: merged[k] for k in values} | {"birth_date": merged["birth_date"]}
        if "id_number" in values or "birth_date" in values:
            check["id_number"] = merged["id_number"]
        raise_if(validate_person(check, creating=False))
        diff = w.update(Person, person_id, values)
        if "name" in diff:
            pinyin, initials = name_keys(values["name"])
            w.set_local(Person, person_id, {"search_pinyin": pinyin, "search_initials": initials})
        if values.get("relation") == Relation.SELF.value:
            hh = current["household_id"]
            w.update(Household, hh, {"head_person_id": person_id})
        return diff


def set_status(store: Store, person_id: str, status: PersonStatus | str) -> dict:
    return update_person(store, person_id, status=PersonStatus(status).value)


def archive_person(store: Store, person_id: str, archived: bool = True) -> dict:
    return update_person(store, person_id, archived=archived)


def get_person(store: Store, person_id: str) -> PersonInfo:
    with store.connect() as conn:
        row = conn.execute(select(PERSON).where(PERSON.c.id == person_id)).first()
    if row is None:
        raise NotFound("error.person.not_found", id=person_id)
    return person_info(row)


def list_members(store: Store, household_id: str, *, include_archived: bool = False) -> list[PersonInfo]:
    cond = [PERSON.c.household_id == household_id, PERSON.c.merged_into.is_(None)]
    if not include_archived:
        cond.append(PERSON.c.archived.is_(False))
    order = [PERSON.c.relation != Relation.SELF.value, PERSON.c.birth_date, PERSON.c.name]
    with store.connect() as conn:
        rows = conn.execute(select(PERSON).where(*cond).order_by(*order)).all()
    return [person_info(r) for r in rows]
