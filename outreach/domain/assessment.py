"""The needs-assessment engine: load a template, show the questions the answers so far call for,
check an answer set, score it to priorities, and render any stored answer set against the template
snapshot it was made with. Pure Python; the template format is described in ``assessment_template``.

Answers are a JSON object ``{question_id: answer}``: ``true``/``false`` (yesno), an option value
(single), a list of option values (multi), an int (scale, number), a string (text). A missing key,
``null``, ``""`` or ``[]`` means unanswered. No floats.

Typical use (the assessment form)::

    t = load_template("needs")                 # the latest version
    for q in visible_questions(t, answers): …  # re-run on every change: skip logic is live
    errors = validate_answers(t, answers)      # FieldError(field="answers.<question id>", …)
    result = score(t, answers, lang="zh_CN")   # total, per-domain priority, overall, triggers, needs
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from outreach.domain.assessment_template import (
    QUESTION_TYPES,
    Condition,
    Option,
    Question,
    Section,
    Template,
    TemplateError,
    Trigger,
    is_answered,
    parse_template,
)
from outreach.domain.enums import NeedDomain, Priority
from outreach.domain.errors import FieldError, NotFound
from outreach.i18n import LANGUAGES, Msg, current_language, tr
from outreach.resources import resource_path

__all__ = [
    "QUESTION_TYPES", "AnswerLine", "Condition", "DomainResult", "Driver", "Option", "Question",
    "ScoreResult", "Section", "SuggestedNeed", "Template", "TemplateError", "Trigger", "TriggerHit",
    "answer_field", "available_templates", "clean_answers", "describe_answers", "is_answered",
    "load_template", "parse_template", "points", "render_answer", "score", "template_from_body",
    "validate_answers", "visible_questions",
]


# ---------------------------------------------------------------------------- loading
@cache
def _shipped() -> dict[tuple[str, int], Template]:
    found: dict[tuple[str, int], Template] = {}
    for path in sorted(resource_path("assessments").glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TemplateError(path.name, [Msg("assessment.template.not_json", {"reason": str(exc)})]) from exc
        template = parse_template(raw, name=path.name)
        if (template.key, template.version) in found:
            raise TemplateError(path.name, [Msg("assessment.template.duplicate_version",
                                                {"key": template.key, "version": template.version})])
        found[(template.key, template.version)] = template
    return found


def available_templates() -> list[tuple[str, int]]:
    """(key, version) of every shipped template, oldest version first."""
    return sorted(_shipped())


def load_template(key: str = "needs", version: int | None = None) -> Template:
    """A shipped template; the latest version of ``key`` unless ``version`` is given."""
    shipped = _shipped()
    if version is None:
        versions = [v for (k, v) in shipped if k == key]
        if not versions:
            raise NotFound("assessment.error.unknown_template", key=key, version="")
        version = max(versions)
    template = shipped.get((key, version))
    if template is None:
        raise NotFound("assessment.error.unknown_template", key=key, version=version)
    return template


@lru_cache(maxsize=32)
def _from_text(body: str) -> Template:
    return parse_template(json.loads(body), name="snapshot")


def template_from_body(body: str | dict | Template) -> Template:
    """The template a stored snapshot (its JSON text or decoded object) describes."""
    if isinstance(body, Template):
        return body
    if isinstance(body, str):
        try:
            return _from_text(body)
        except json.JSONDecodeError as exc:
            raise TemplateError("snapshot", [Msg("assessment.template.not_json", {"reason": str(exc)})]) from exc
    return parse_template(body, name="snapshot")


# ---------------------------------------------------------------------------- skip logic
def visible_questions(template: Template, answers: dict[str, Any]) -> list[Question]:
    """The questions to show, in order, given the answers so far. A question's ``show_if`` sees only
    the answers of earlier questions that are themselves visible, so a hidden question's stale
    answer never opens another one."""
    seen: dict[str, Any] = {}
    shown: list[Question] = []
    for q in template.questions:
        if q.show_if is None or q.show_if.holds(seen):
            shown.append(q)
            if q.id in answers:
                seen[q.id] = answers[q.id]
    return shown


def clean_answers(template: Template, answers: dict[str, Any]) -> dict[str, Any]:
    """Only the answered, visible questions' answers (what is stored and scored)."""
    return {q.id: answers[q.id] for q in visible_questions(template, answers)
            if is_answered(answers.get(q.id))}


# ---------------------------------------------------------------------------- validation
def answer_field(question_id: str) -> str:
    """The FieldError field naming a question's answer (the GUI puts the message beside it)."""
    return f"answers.{question_id}"


def _field_error(q: Question, key: str, **params: Any) -> FieldError:
    # Messages name the question in each language, since the text is chosen at display time.
    names = {f"question_{lang}": q.text[lang] for lang in LANGUAGES}
    return FieldError(answer_field(q.id), f"assessment.answer.{key}", {"question": q.id, **names, **params})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_value(q: Question, value: Any) -> FieldError | None:
    if q.type == "yesno":
        return None if isinstance(value, bool) else _field_error(q, "wrong_type")
    if q.type == "single":
        if not isinstance(value, str):
            return _field_error(q, "wrong_type")
        return None if q.option(value) else _field_error(q, "unknown_option", value=value)
    if q.type == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return _field_error(q, "wrong_type")
        unknown = [v for v in value if q.option(v) is None]
        if unknown:
            return _field_error(q, "unknown_option", value=unknown[0])
        if len(set(value)) != len(value):
            return _field_error(q, "duplicate_option")
        if len(value) > 1 and any(q.option(v).exclusive for v in value):  # type: ignore[union-attr]
            return _field_error(q, "exclusive_option")
        return None
    if q.type in ("scale", "number"):
        if not _is_int(value):
            return _field_error(q, "wrong_type")
        if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
            lo = "" if q.min is None else q.min
            hi = "" if q.max is None else q.max
            return _field_error(q, "out_of_range", min=lo, max=hi, value=value)
        return None
    if not isinstance(value, str):
        return _field_error(q, "wrong_type")
    if len(value) > q.max_length:
        return _field_error(q, "too_long", max=q.max_length)
    return None


def validate_answers(template: Template, answers: dict[str, Any]) -> list[FieldError]:
    """Problems with an answer set: answers to questions the template does not have, required
    visible questions left unanswered, wrong types, unknown options, out-of-range numbers, text too
    long. Answers of hidden questions are not checked (they are dropped when stored)."""
    if not isinstance(answers, dict):
        return [FieldError("answers", "assessment.answer.not_a_set")]
    errors = [FieldError(answer_field(str(qid)), "assessment.answer.unknown_question", {"question": str(qid)})
              for qid in answers if template.question(str(qid)) is None]
    for q in visible_questions(template, answers):
        value = answers.get(q.id)
        if not is_answered(value):
            if q.required:
                errors.append(_field_error(q, "required"))
            continue
        problem = _check_value(q, value)
        if problem is not None:
            errors.append(problem)
    return errors


# ---------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class Driver:
    """An answer that added points to its domain, and how it reads in a need's description."""

    question_id: str
    points: int
    text: str


@dataclass(frozen=True)
class TriggerHit:
    id: str
    domain: NeedDomain
    label: str


@dataclass(frozen=True)
class DomainResult:
    domain: NeedDomain
    score: int
    priority: Priority
    drivers: tuple[Driver, ...]
    triggers: tuple[TriggerHit, ...]


@dataclass(frozen=True)
class SuggestedNeed:
    domain: NeedDomain
    priority: Priority
    description: str


@dataclass(frozen=True)
class ScoreResult:
    total: int
    priority: Priority                      # the highest domain priority
    domains: dict[NeedDomain, DomainResult]  # every domain of the template, in template order
    triggers: tuple[TriggerHit, ...]
    needs: tuple[SuggestedNeed, ...]         # domains at medium or above, most pressing first

    def domain_priorities(self) -> dict[str, str]:
        return {d.value: r.priority.value for d, r in self.domains.items()}


def points(q: Question, value: Any) -> int:
    """Points an answer earns (0 for unanswered or ill-typed answers and for text)."""
    if not is_answered(value):
        return 0
    if q.type == "yesno":
        return (q.score_yes if value else q.score_no) if isinstance(value, bool) else 0
    if q.type == "single":
        option = q.option(value) if isinstance(value, str) else None
        return option.score if option else 0
    if q.type == "multi":
        if not isinstance(value, list):
            return 0
        return sum(o.score for o in q.options if o.value in value)
    if q.type in ("scale", "number") and _is_int(value):
        band = next((b for b in q.bands if b.contains(value)), None)
        return band.points if band else 0
    return 0


def _priority_for(value: int, thresholds: dict[Priority, int]) -> Priority:
    level = Priority.LOW
    for candidate, at in thresholds.items():
        if value >= at and candidate.rank > level.rank:
            level = candidate
    return level


def _driver_text(q: Question, value: Any, lang: str) -> str:
    if q.type == "yesno" and q.need:
        return q.need[lang]
    topic = q.need[lang] if q.need else q.text[lang].rstrip("？?：: ")
    return tr("assessment.need.topic_answer", lang, topic=topic, answer=render_answer(q, value, lang))


def score(template: Template, answers: dict[str, Any], *, lang: str | None = None) -> ScoreResult:
    """Score the visible answers: points per domain, each domain's priority from its thresholds (or
    urgent when one of its triggers is hit), the overall priority (the highest domain priority),
    and the needs to record (domains at medium or above) described in ``lang``. Meant for answers
    that pass ``validate_answers``; an ill-typed answer simply earns nothing."""
    lang = lang or current_language()
    visible = clean_answers(template, answers)
    hits = tuple(TriggerHit(t.id, t.domain, t.label[lang]) for t in template.triggers if t.when.holds(visible))
    domains: dict[NeedDomain, DomainResult] = {}
    for section in template.sections:
        drivers = tuple(
            Driver(q.id, p, _driver_text(q, visible[q.id], lang))
            for q in section.questions if q.id in visible and (p := points(q, visible[q.id])) > 0
        )
        total = sum(d.points for d in drivers)
        own_hits = tuple(h for h in hits if h.domain == section.domain)
        level = Priority.URGENT if own_hits else _priority_for(total, section.thresholds)
        domains[section.domain] = DomainResult(section.domain, total, level, drivers, own_hits)
    for hit in hits:  # a trigger may name a domain the template has no section for
        if hit.domain not in domains:
            domains[hit.domain] = DomainResult(hit.domain, 0, Priority.URGENT, (), (hit,))
    overall = max((r.priority for r in domains.values()), key=lambda p: p.rank, default=Priority.LOW)
    needs = tuple(
        SuggestedNeed(r.domain, r.priority, _need_description(r, lang))
        for r in sorted(domains.values(), key=lambda r: (-r.priority.rank, -r.score))
        if r.priority.rank >= Priority.MEDIUM.rank
    )
    return ScoreResult(sum(r.score for r in domains.values()), overall, domains, hits, needs)


def _need_description(result: DomainResult, lang: str) -> str:
    parts = [tr("assessment.need.trigger", lang, label=h.label) for h in result.triggers]
    parts += [d.text for d in sorted(result.drivers, key=lambda d: -d.points)]
    return tr("assessment.list_separator", lang).join(parts)


# ---------------------------------------------------------------------------- rendering
@dataclass(frozen=True)
class AnswerLine:
    """One stored answer as a person reads it."""

    question_id: str
    domain: NeedDomain | None  # None when the question is no longer in the template
    question: str
    answer: str
    known: bool                # False: the template snapshot has no such question


def _raw(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_answer(q: Question, value: Any, lang: str | None = None) -> str:
    """An answer as text in ``lang``; values the template cannot label are shown as they are."""
    lang = lang or current_language()
    if q.type == "yesno" and isinstance(value, bool):
        return tr("assessment.answer.yes" if value else "assessment.answer.no", lang)
    if q.type in ("single", "multi"):
        values = value if isinstance(value, list) else [value]
        labels = [(o.label[lang] if (o := q.option(v)) else _raw(v)) for v in values]
        return tr("assessment.list_comma", lang).join(labels)
    if q.type in ("scale", "number") and _is_int(value):
        if q.unit:
            return tr("assessment.answer.with_unit", lang, value=value, unit=q.unit[lang])
        if q.type == "scale":
            return tr("assessment.answer.scale", lang, value=value, min=q.min, max=q.max)
        return str(value)
    return _raw(value)


def describe_answers(template_body: str | dict | Template, answers: dict[str, Any],
                     lang: str | None = None) -> list[AnswerLine]:
    """Render a stored answer set against the template snapshot it was made with: question text and
    answer label, in template order; answers whose question the snapshot lacks come last, shown with
    their id and raw value rather than dropped."""
    lang = lang or current_language()
    template = template_from_body(template_body)
    lines = [AnswerLine(q.id, q.domain, q.text[lang], render_answer(q, answers[q.id], lang), True)
             for q in template.questions if is_answered(answers.get(q.id))]
    for qid, value in answers.items():
        if template.question(str(qid)) is None and is_answered(value):
            lines.append(AnswerLine(str(qid), None, tr("assessment.answer.removed_question", lang, id=qid),
                                    _raw(value), False))
    return lines

