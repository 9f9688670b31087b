"""Imported XLSForms and validated scales: import a form (team data, lead only, versioned), list the
forms, record answers to a form or a scale as an assessment.

Both are stored where the built-in needs template is: the snapshot in ``AssessmentTemplate`` (a
synced, append-only entity, so an imported form travels to every laptop in the downlink like the
area tree) under the key ``form:<form id>`` or ``scale:<name>``; answers in ``Assessment`` point at
the snapshot row they were taken with, so an old answer set still renders after a new version.

A score or a safety flag opens a ``Need``: a scale's safety flag (PHQ-9 item 9) opens an *urgent*
need worded with the flag, which puts the person on Today's list; a band that calls for follow-up
opens a need at medium or high priority.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from outreach.domain.enums import NeedDomain, NeedStatus, Priority
from outreach.domain.errors import FieldError, NotFound, OutreachError, ValidationError
from outreach.domain.scales import ScaleResult, load_scale, score_scale
from outreach.i18n import current_language, tr
from outreach.resources import resource_path
from outreach.services.assessments import _check_context
from outreach.storage.codec import dumps
from outreach.storage.store import Store
from outreach.storage.tables import Assessment, AssessmentTemplate, Need

T = AssessmentTemplate.__table__
FORM_PREFIX = "form:"
SCALE_PREFIX = "scale:"

# A band → the priority of the need it opens (None: no need). Safety flags are always urgent.
SCALE_FOLLOW_UP: dict[str, tuple[NeedDomain, dict[str, Priority]]] = {
    "phq9": (NeedDomain.PSYCHOSOCIAL, {"moderate": Priority.MEDIUM, "moderately_severe": Priority.HIGH,
                                       "severe": Priority.HIGH}),
    "gad7": (NeedDomain.PSYCHOSOCIAL, {"moderate": Priority.MEDIUM, "severe": Priority.HIGH}),
    "k10": (NeedDomain.PSYCHOSOCIAL, {"high": Priority.MEDIUM, "very_high": Priority.HIGH}),
    "barthel": (NeedDomain.CARE, {"moderate": Priority.MEDIUM, "severe": Priority.HIGH}),
    "wgss": (NeedDomain.HEALTH, {}),
}


# ---------------------------------------------------------------------------- importing
@dataclass
class ImportReport:
    file: str
    key: str = ""
    version: int | None = None
    questions: int = 0
    saved: bool = False
    unchanged: bool = False           # the same form was already the latest version
    unsupported: list[dict[str, Any]] = field(default_factory=list)
    title: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "version": self.version, "questions": self.questions,
                "unsupported": self.unsupported, "saved": self.saved, "unchanged": self.unchanged}

    def lines(self) -> list[str]:
        if self.saved:
            head = "xlsform.import.unchanged" if self.unchanged else "xlsform.import.saved"
            return [tr(head, key=self.key, version=self.version, count=self.questions,
                       title=self.title.get(current_language(), ""))]
        out = [tr("xlsform.import.refused", file=self.file, count=len(self.unsupported))]
        for u in self.unsupported:
            where = tr("xlsform.import.row", row=u["row"], name=u["name"]) if u["row"] else u["name"]
            out.append(f"  {where}: {u['reason']}")
        return out


def _require_editor(store: Store) -> None:
    # Team data (issue 9): only the lead's laptop (or one in no team) imports forms.
    if importlib.util.find_spec("outreach.services.team_data") is None:
        return
    from outreach.services.team_data import require_team_data_editor

    require_team_data_editor(store, "templates")


def import_form_file(store: Store, path: str | Path, *, lang: str | None = None) -> ImportReport:
    """Read an XLSForm and store it as the next version of its form (nothing is stored when any row
    cannot work here: the report lists them)."""
    from outreach.forms.xlsform import question_count, read_form

    path = Path(path)
    if not path.is_file():
        raise OutreachError("xlsform.error.no_file", name=str(path))
    _require_editor(store)
    imported = read_form(path)
    report = ImportReport(file=path.name)
    if imported.definition:
        report.key = imported.definition["key"]
        report.questions = question_count(imported.definition)
        report.title = imported.definition["title"]
    report.unsupported = [u.as_json(lang) for u in imported.unsupported]
    if not imported.usable:
        return report
    body = json.dumps(imported.definition, ensure_ascii=False)
    template_key = FORM_PREFIX + report.key
    with store.transaction() as w:
        latest = w.conn.execute(select(T.c.version, T.c.body).where(T.c.template_key == template_key)
                                .order_by(T.c.version.desc()).limit(1)).first()
        if latest is not None and latest.body == body:
            report.version, report.saved, report.unchanged = latest.version, True, True
            return report
        report.version = (latest.version if latest else 0) + 1
        w.insert(AssessmentTemplate, {"template_key": template_key, "version": report.version, "body": body})
    report.saved = True
    return report


@dataclass(frozen=True)
class FormInfo:
    key: str
    version: int
    title: dict[str, str]
    questions: int
    form_version: str
    template_id: str

    def title_in(self, lang: str | None = None) -> str:
        return self.title.get(lang or current_language(), "")

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "version": self.version, "title": self.title_in(), "questions": self.questions,
                "form_version": self.form_version, "template_id": self.template_id}


def list_forms(store: Store, *, all_versions: bool = False) -> list[FormInfo]:
    """Imported forms, the latest version of each (every version with ``all_versions``)."""
    from outreach.forms.xlsform import question_count

    with store.connect() as conn:
        rows = conn.execute(select(T.c.id, T.c.template_key, T.c.version, T.c.body)
                            .where(T.c.template_key.like(FORM_PREFIX + "%"))
                            .order_by(T.c.template_key, T.c.version.desc(), T.c.created_at, T.c.id)).all()
    out: list[FormInfo] = []
    seen: set[tuple[str, int]] = set()
    for r in rows:
        key = r.template_key[len(FORM_PREFIX):]
        if (key, r.version) in seen or (not all_versions and any(f.key == key for f in out)):
            continue
        seen.add((key, r.version))
        d = json.loads(r.body)
        out.append(FormInfo(key, r.version, d["title"], question_count(d), d.get("form_version", ""), r.id))
    return out


def load_form(store: Store, key: str, version: int | None = None) -> tuple[str, int, dict[str, Any]]:
    """(template id, version, definition) of an imported form; the latest version by default."""
    stmt = select(T.c.id, T.c.version, T.c.body).where(T.c.template_key == FORM_PREFIX + key)
    if version is not None:
        stmt = stmt.where(T.c.version == version)
    with store.connect() as conn:
        row = conn.execute(stmt.order_by(T.c.version.desc(), T.c.created_at, T.c.id).limit(1)).first()
    if row is None:
        raise NotFound("xlsform.error.unknown_form", key=key)
    return row.id, row.version, json.loads(row.body)


# ---------------------------------------------------------------------------- recording
@dataclass(frozen=True)
class Recorded:
    id: str
    template_id: str
    score: int
    priority: Priority
    need_ids: list[str]
    flags: list[str]
    band: str = ""


def _need_text(title: str, detail: str, lang: str) -> str:
    return tr("xlsform.need.description", lang, title=title, detail=detail)


def record_form(store: Store, *, household_id: str, key: str, answers: dict[str, Any], assessed_on: date,
                person_id: str | None = None, version: int | None = None, notes: str = "",
                lang: str | None = None, today: date | None = None) -> Recorded:
    """Check answers against the form's skip logic, required and constraints (as ODK would), store the
    visible ones and open a need for each score that reaches a threshold. ValidationError: nothing written."""
    from outreach.forms.engine import FormSession

    lang = lang or current_language()
    template_id, _version, definition = load_form(store, key, version)
    session = FormSession(definition, answers)
    errors = [FieldError("answers." + ".".join(str(k) for k in p.key), p.msg.key, p.msg.params)
              for p in session.validate()]
    stored = session.clean_answers()
    calculated = session.calculated()
    needs: list[tuple[NeedDomain, Priority, str]] = []
    total = 0.0
    for s in definition.get("scores", []):
        try:
            value = float(calculated.get(s["field"], "") or "nan")
        except ValueError:
            continue
        if value != value:  # NaN: not computable from these answers
            continue
        total += value
        reached = [p for p in ("medium", "high", "urgent") if p in s["thresholds"] and value >= s["thresholds"][p]]
        if reached:
            detail = f"{s['field']} = {calculated[s['field']]}"
            needs.append((NeedDomain(s["domain"]), Priority(reached[-1]),
                          _need_text(definition["title"].get(lang, ""), detail, lang)))
    return _store(store, household_id=household_id, person_id=person_id, template_id=template_id,
                  assessed_on=assessed_on, answers=stored, score=int(total), needs=needs, notes=notes,
                  errors=errors, today=today, flags=[])


def _scale_snapshot(w: Any, key: str) -> str:
    scale = load_scale(key)
    body = json.dumps({"kind": "scale", "scale": json.loads(resource_path("scales", f"{key}.json")
                                                           .read_text(encoding="utf-8"))}, ensure_ascii=False)
    template_key = SCALE_PREFIX + key
    row = w.conn.execute(select(T.c.id).where(T.c.template_key == template_key, T.c.version == scale.version)
                         .order_by(T.c.created_at, T.c.id).limit(1)).first()
    if row is not None:
        return row.id
    return w.insert(AssessmentTemplate, {"template_key": template_key, "version": scale.version, "body": body})


def record_scale(store: Store, *, household_id: str, scale: str, answers: list[int | None], assessed_on: date,
                 person_id: str | None = None, notes: str = "", lang: str | None = None,
                 today: date | None = None) -> Recorded:
    """Score a scale as published and store it; a safety flag opens an urgent need worded with the
    flag (so the person is on Today's list), a band that calls for follow-up a medium/high need."""
    lang = lang or current_language()
    result: ScaleResult = score_scale(scale, answers)
    definition = load_scale(scale)
    domain, follow_up = SCALE_FOLLOW_UP[scale]
    title = definition.title[lang]
    needs: list[tuple[NeedDomain, Priority, str]] = [
        (domain, Priority.URGENT, _need_text(title, label, lang)) for label in result.flag_labels(lang)]
    band_priority = follow_up.get(result.band)
    if band_priority is not None:
        detail = tr("scale.need.band", lang, band=result.band_label(lang), score=result.score)
        needs.append((domain, band_priority, _need_text(title, detail, lang)))
    stored = {item.id: v for item, v in zip(definition.items, answers, strict=True) if v is not None}
    return _store(store, household_id=household_id, person_id=person_id, template_id=None, scale=scale,
                  assessed_on=assessed_on, answers=stored, score=result.score, needs=needs, notes=notes,
                  errors=[], today=today, flags=list(result.flags), band=result.band)


def _store(store: Store, *, household_id: str, person_id: str | None, template_id: str | None,
           assessed_on: date, answers: dict[str, Any], score: int, needs: list[tuple[NeedDomain, Priority, str]],
           notes: str, errors: list[FieldError], today: date | None, flags: list[str], scale: str | None = None,
           band: str = "") -> Recorded:
    order = [Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT]
    priority = max((p for _, p, _ in needs), key=order.index, default=Priority.LOW)
    domains: dict[str, str] = {}
    for d, p, _ in needs:
        if d.value not in domains or order.index(p) > order.index(Priority(domains[d.value])):
            domains[d.value] = p.value
    with store.transaction() as w:
        errors = _check_context(w.conn, household_id=household_id, person_id=person_id, assessed_on=assessed_on,
                                notes=notes, today=today or date.today()) + errors
        if errors:
            raise ValidationError(errors)
        if scale is not None:
            template_id = _scale_snapshot(w, scale)
        assessment_id = w.insert(Assessment, {
            "household_id": household_id, "person_id": person_id, "template_id": template_id,
            "assessed_on": assessed_on, "answers": dumps(answers), "score": score, "priority": priority.value,
            "domain_priorities": dumps(domains), "notes": notes or ""})
        need_ids = w.insert_many(Need, [
            {"household_id": household_id, "person_id": person_id, "assessment_id": assessment_id,
             "domain": d.value, "priority": p.value, "description": text, "status": NeedStatus.OPEN.value}
            for d, p, text in sorted(needs, key=lambda n: -order.index(n[1]))]) if needs else []
    return Recorded(assessment_id, template_id or "", score, priority, need_ids, flags, band)


def form_versions(store: Store, key: str) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(T).where(T.c.template_key == FORM_PREFIX + key)
                            ).scalar_one()


__all__ = ["ImportReport", "form_versions", "import_form_file", "list_forms", "load_form",
           "record_form", "record_scale"]
