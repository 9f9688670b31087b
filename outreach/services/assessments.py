"""Needs assessments: record one against a versioned template, read them back rendered.

The template body is stored once per (key, version) in ``AssessmentTemplate``; every assessment
points at that snapshot, so it is always read and scored with the template it was made with, even
after newer versions ship. Recording also opens a ``Need`` for every domain at medium priority or
above, so the today panel and referrals can pick them up.

A long assessment can be saved half-done (``complete=False``): required questions may be unanswered,
no needs are opened and it counts in no indicator (``Filters.assessments`` and ``latest_priority``
look at complete ones only) until ``finish_assessment`` completes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from outreach.domain.assessment import (
    AnswerLine,
    Template,
    clean_answers,
    describe_answers,
    load_template,
    score,
    template_from_body,
    validate_answers,
)
from outreach.domain.enums import NeedStatus, Priority
from outreach.domain.errors import FieldError, NotFound, OutreachError, ValidationError
from outreach.i18n import current_language
from outreach.storage.codec import dumps
from outreach.storage.store import Store
from outreach.storage.tables import Assessment, AssessmentTemplate, Household, Need, Person

A = Assessment.__table__
T = AssessmentTemplate.__table__
NOTES_MAX = 5000


@dataclass(frozen=True)
class AssessmentResult:
    """What ``record_assessment`` wrote."""

    id: str
    template_id: str
    template_key: str
    template_version: int
    score: int
    priority: Priority
    domain_priorities: dict[str, str]   # {domain: priority}
    domain_scores: dict[str, int]       # {domain: score}
    triggers: list[str]                 # ids of the urgent triggers hit
    need_ids: list[str]                 # the Need rows opened, most pressing first
    answers: dict[str, Any]             # as stored: visible, answered questions only
    complete: bool = True


@dataclass(frozen=True)
class AssessmentSummary:
    id: str
    household_id: str
    person_id: str | None
    assessed_on: date
    template_key: str
    template_version: int
    score: int
    priority: Priority
    domain_priorities: dict[str, str]
    notes: str
    created_by: str
    complete: bool


@dataclass(frozen=True)
class AssessmentDetail(AssessmentSummary):
    answers: dict[str, Any]
    lines: list[AnswerLine]   # question text + answer label, from the assessment's own template


# ---------------------------------------------------------------------------- recording
def _snapshot(conn: Connection, key: str, version: int) -> tuple[str, str] | None:
    """(id, body) of the stored snapshot of a template version; the oldest if devices made several."""
    row = conn.execute(
        select(T.c.id, T.c.body)
        .where(T.c.template_key == key, T.c.version == version)
        .order_by(T.c.created_at, T.c.id)
        .limit(1)
    ).first()
    return (row.id, row.body) if row else None


def _check_context(conn: Connection, *, household_id: str, person_id: str | None, assessed_on: Any,
                   notes: str, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(assessed_on, date) or isinstance(assessed_on, datetime):
        errors.append(FieldError("assessed_on", "assessment.error.bad_date"))
    elif assessed_on > today:
        errors.append(FieldError("assessed_on", "assessment.error.future_date", {"date": assessed_on.isoformat()}))
    h = Household.__table__
    if conn.execute(select(h.c.id).where(h.c.id == household_id, h.c.archived.is_(False))).first() is None:
        errors.append(FieldError("household_id", "assessment.error.unknown_household", {"id": household_id}))
    if person_id is not None:
        p = Person.__table__
        owner = conn.execute(select(p.c.household_id).where(p.c.id == person_id, p.c.archived.is_(False))
                             ).scalar_one_or_none()
        if owner is None:
            errors.append(FieldError("person_id", "assessment.error.unknown_person", {"id": person_id}))
        elif owner != household_id:
            errors.append(FieldError("person_id", "assessment.error.person_not_in_household"))
    if len(notes or "") > NOTES_MAX:
        errors.append(FieldError("notes", "assessment.error.notes_too_long", {"max": NOTES_MAX}))
    return errors


def record_assessment(store: Store, *, household_id: str, person_id: str | None = None, assessed_on: date,
                      answers: dict[str, Any], template_key: str = "needs", template_version: int | None = None,
                      notes: str = "", create_needs: bool = True, lang: str | None = None,
                      today: date | None = None, complete: bool = True) -> AssessmentResult:
    """Check and store one assessment, its template snapshot (first use of that version only) and a
    Need for each domain at medium priority or above (described in ``lang``). Answers of questions
    hidden by skip logic are dropped. Raises ValidationError (nothing written) on bad input.

    ``complete=False`` saves it half-done: unanswered required questions are allowed, no needs are
    opened, and it counts nowhere until ``finish_assessment``."""
    shipped = load_template(template_key, template_version)
    lang = lang or current_language()
    with store.transaction() as w:
        existing = _snapshot(w.conn, shipped.key, shipped.version)
        # Once a version has a snapshot, that snapshot is the version: validate and score with it.
        template: Template = template_from_body(existing[1]) if existing else shipped
        stored, result, values = _checked(w, template, answers, household_id=household_id, person_id=person_id,
                                          assessed_on=assessed_on, notes=notes, complete=complete, lang=lang,
                                          today=today)
        if existing:
            template_id = existing[0]
        else:
            template_id = w.insert(AssessmentTemplate, {"template_key": template.key, "version": template.version,
                                                        "body": template.body})
        assessment_id = w.insert(Assessment, {"household_id": household_id, "person_id": person_id,
                                              "template_id": template_id, **values})   # the columns' old order
        need_ids = _open_needs(w, household_id, person_id, assessment_id, result) \
            if create_needs and complete else []
    return _result(assessment_id, template_id, template, result, need_ids, stored, complete)


def _checked(w, template: Template, answers: dict[str, Any], *, household_id: str, person_id: str | None,
             assessed_on: date, notes: str, complete: bool, lang: str, today: date | None):
    """The answers checked (ValidationError, nothing written), kept and scored: (stored answers, the
    result, the assessment's columns that say them) — one way for a new assessment and a finished one."""
    errors = _check_context(w.conn, household_id=household_id, person_id=person_id,
                            assessed_on=assessed_on, notes=notes, today=today or date.today())
    errors += _answer_errors(template, answers, complete)
    if errors:
        raise ValidationError(errors)
    stored = clean_answers(template, answers)
    result = score(template, stored, lang=lang)
    return stored, result, {
        "person_id": person_id, "assessed_on": assessed_on, "answers": dumps(stored), "score": result.total,
        "priority": result.priority.value, "domain_priorities": dumps(result.domain_priorities()),
        "notes": notes or "", "complete": complete,
    }


def finish_assessment(store: Store, assessment_id: str, *, answers: dict[str, Any], person_id: str | None = None,
                      assessed_on: date, notes: str = "", complete: bool = True, create_needs: bool = True,
                      lang: str | None = None, today: date | None = None) -> AssessmentResult:
    """Carry on with an assessment saved half-done: store the answers as they are now and, with
    ``complete=True``, complete it (required questions answered; its needs are opened). An assessment
    that is already complete is refused (it is a record; a new one is made instead)."""
    lang = lang or current_language()
    with store.transaction() as w:
        row = w.conn.execute(select(A.c.household_id, A.c.complete, T.c.id, T.c.body)
                             .join(T, T.c.id == A.c.template_id)
                             .where(A.c.id == assessment_id, A.c.archived.is_(False))).first()
        if row is None:
            raise NotFound("assessment.error.not_found", id=assessment_id)
        if row.complete:
            raise OutreachError("forms.assessment.already_complete")
        template = template_from_body(row.body)
        stored, result, values = _checked(w, template, answers, household_id=row.household_id, person_id=person_id,
                                          assessed_on=assessed_on, notes=notes, complete=complete, lang=lang,
                                          today=today)
        w.update(Assessment, assessment_id, values)
        need_ids = _open_needs(w, row.household_id, person_id, assessment_id, result) \
            if create_needs and complete else []
    return _result(assessment_id, row.id, template, result, need_ids, stored, complete)


def open_incomplete(store: Store, household_id: str) -> AssessmentDetail | None:
    """The household's latest assessment saved half-done (to carry on with), or None."""
    with store.connect() as conn:
        found = conn.execute(
            select(A.c.id).where(A.c.household_id == household_id, A.c.archived.is_(False),
                                 A.c.complete.is_(False))
            .order_by(A.c.updated_at.desc(), A.c.id.desc()).limit(1)
        ).scalar_one_or_none()
    return get_assessment(store, found) if found else None


def _answer_errors(template: Template, answers: dict[str, Any], complete: bool) -> list[FieldError]:
    errors = validate_answers(template, answers)
    if complete:
        return errors
    return [e for e in errors if e.key != "assessment.answer.required"]


def _open_needs(w: Any, household_id: str, person_id: str | None, assessment_id: str, result: Any) -> list[str]:
    return w.insert_many(Need, [
        {"household_id": household_id, "person_id": person_id, "assessment_id": assessment_id,
         "domain": n.domain.value, "priority": n.priority.value, "description": n.description,
         "status": NeedStatus.OPEN.value}
        for n in result.needs
    ])


def _result(assessment_id: str, template_id: str, template: Template, result: Any, need_ids: list[str],
            stored: dict[str, Any], complete: bool) -> AssessmentResult:
    return AssessmentResult(
        id=assessment_id, template_id=template_id, template_key=template.key, template_version=template.version,
        score=result.total, priority=result.priority, domain_priorities=result.domain_priorities(),
        domain_scores={d.value: r.score for d, r in result.domains.items()},
        triggers=[h.id for h in result.triggers], need_ids=need_ids, answers=stored, complete=complete,
    )


# ---------------------------------------------------------------------------- reading
def _summary_columns():
    return (A.c.id, A.c.household_id, A.c.person_id, A.c.assessed_on, T.c.template_key, T.c.version,
            A.c.score, A.c.priority, A.c.domain_priorities, A.c.notes, A.c.created_by, A.c.complete)


def _summary(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "household_id": row.household_id, "person_id": row.person_id,
        "assessed_on": row.assessed_on, "template_key": row.template_key, "template_version": row.version,
        "score": row.score, "priority": Priority(row.priority),
        "domain_priorities": json.loads(row.domain_priorities or "{}"), "notes": row.notes,
        "created_by": row.created_by, "complete": bool(row.complete),
    }


def get_assessment(store: Store, assessment_id: str, *, lang: str | None = None) -> AssessmentDetail:
    """One assessment with its answers rendered against its own template snapshot."""
    with store.connect() as conn:
        row = conn.execute(
            select(*_summary_columns(), A.c.answers, T.c.body)
            .join(T, T.c.id == A.c.template_id)
            .where(A.c.id == assessment_id, A.c.archived.is_(False))
        ).first()
    if row is None:
        raise NotFound("assessment.error.not_found", id=assessment_id)
    answers = json.loads(row.answers or "{}")
    return AssessmentDetail(**_summary(row), answers=answers, lines=_describe(row.body, answers, lang))


def _describe(body: str, answers: dict[str, Any], lang: str | None) -> list[AnswerLine]:
    if body.startswith('{"kind": '):  # an imported XLSForm or a validated scale (outreach.forms)
        from outreach.forms.render import describe_answers as describe_form

        return describe_form(body, answers, lang)
    return describe_answers(body, answers, lang)


def list_assessments(store: Store, household_id: str) -> list[AssessmentSummary]:
    """A household's assessments, newest first."""
    with store.connect() as conn:
        rows = conn.execute(
            select(*_summary_columns())
            .join(T, T.c.id == A.c.template_id)
            .where(A.c.household_id == household_id, A.c.archived.is_(False))
            .order_by(A.c.assessed_on.desc(), A.c.created_at.desc(), A.c.id.desc())
        ).all()
    return [AssessmentSummary(**_summary(r)) for r in rows]


def latest_priority(store: Store, household_id: str) -> Priority | None:
    """The overall priority of the household's most recent complete assessment (None if never assessed)."""
    with store.connect() as conn:
        value = conn.execute(
            select(A.c.priority)
            .where(A.c.household_id == household_id, A.c.archived.is_(False), A.c.complete.is_(True))
            .order_by(A.c.assessed_on.desc(), A.c.created_at.desc(), A.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return Priority(value) if value else None
