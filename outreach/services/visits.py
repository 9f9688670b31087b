"""Visits (入户走访): record one in a few keystrokes — "nobody home" is a real, common outcome — and
know which households are due or overdue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from outreach.domain.enums import VisitOutcome, VisitType
from outreach.domain.errors import FieldError, NotFound
from outreach.domain.validation import check_choice, check_not_future, check_required, raise_if
from outreach.services.people import PERSON
from outreach.storage.store import Store
from outreach.storage.tables import Household, Visit

VISIT = Visit.__table__
HOUSEHOLD = Household.__table__


@dataclass(frozen=True)
class VisitInfo:
    id: str
    household_id: str
    visit_date: date
    visit_type: str
    outcome: str
    people_met: list[str]
    people_met_names: list[str]
    notes: str
    next_due: date | None
    worker: str
    device_id: str


def validate_visit(values: dict, *, member_ids: set[str], today: date | None = None) -> list[FieldError]:
    errors = check_required("visit_date", values.get("visit_date"))
    errors += check_not_future("visit_date", values.get("visit_date"), today=today)
    errors += check_choice("visit_type", values.get("visit_type"), VisitType)
    errors += check_choice("outcome", values.get("outcome"), VisitOutcome)
    due, when = values.get("next_due"), values.get("visit_date")
    if due and when and due < when:
        errors.append(FieldError("next_due", "error.visit.next_due_before_visit"))
    stray = set(values.get("people_met") or []) - member_ids
    if stray:
        errors.append(FieldError("people_met", "error.visit.people_not_members"))
    if values.get("outcome") == VisitOutcome.NOBODY_HOME and values.get("people_met"):
        errors.append(FieldError("people_met", "error.visit.nobody_home_with_people"))
    return errors


def record_visit(store: Store, *, household_id: str, visit_date: date, visit_type: str = VisitType.ROUTINE,
                 outcome: str = VisitOutcome.MET, people_met: list[str] | tuple[str, ...] = (),
                 notes: str = "", next_due: date | None = None, today: date | None = None) -> str:
    values = {"visit_date": visit_date, "visit_type": str(visit_type), "outcome": str(outcome),
              "people_met": list(people_met), "notes": notes.strip(), "next_due": next_due}
    with store.transaction() as w:
        exists = w.conn.execute(select(HOUSEHOLD.c.id).where(HOUSEHOLD.c.id == household_id)).first()
        if exists is None:
            raise NotFound("error.household.not_found", id=household_id)
        members = set(w.conn.execute(select(PERSON.c.id).where(PERSON.c.household_id == household_id)).scalars())
        raise_if(validate_visit(values, member_ids=members, today=today))
        values["people_met"] = json.dumps(values["people_met"])
        return w.insert(Visit, {**values, "household_id": household_id})


def archive_visit(store: Store, visit_id: str, archived: bool = True) -> dict:
    """Take back a visit recorded by mistake (archived, never deleted; undo un-archives it)."""
    with store.transaction() as w:
        return w.archive(Visit, visit_id, archived)


def list_visits(store: Store, household_id: str) -> list[VisitInfo]:
    with store.connect() as conn:
        rows = conn.execute(select(VISIT).where(VISIT.c.household_id == household_id, VISIT.c.archived.is_(False))
                            .order_by(VISIT.c.visit_date.desc(), VISIT.c.hlc.desc())).all()
        names = dict(conn.execute(select(PERSON.c.id, PERSON.c.name).where(PERSON.c.household_id == household_id)).all())
    out = []
    for r in rows:
        met = json.loads(r.people_met or "[]")
        out.append(VisitInfo(r.id, r.household_id, r.visit_date, r.visit_type, r.outcome, met,
                             [names.get(p, "?") for p in met], r.notes, r.next_due, r.created_by, r.created_device))
    return out

