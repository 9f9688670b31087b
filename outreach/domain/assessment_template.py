"""Needs-assessment templates: their shape, and the checks that refuse a malformed one.

A template is JSON (``resources/assessments/<key>_v<version>.json``)::

    {"key": "needs", "version": 1, "title": {"zh_CN": "…", "en": "…"},
     "sections": [
       {"domain": "care", "title": {…}, "thresholds": {"medium": 3, "high": 6},
        "questions": [
          {"id": "ca_bathe_alone", "type": "yesno", "required": true,
           "text": {"zh_CN": "能否独立洗澡？", "en": "Can they bathe without help?"},
           "need": {"zh_CN": "洗澡需要帮助", "en": "needs help bathing"},
           "score": {"yes": 0, "no": 3},
           "show_if": {"question": "ca_lives_alone", "equals": true}}]}],
     "urgent_triggers": [
       {"id": "house_collapsed", "domain": "housing", "label": {…},
        "when": {"question": "ho_condition", "equals": "collapsed"}}]}

Every question belongs to its section's domain (an explicit ``"domain"`` on a question must agree);
``required`` (default false) applies only while the question is visible; ``help`` is an optional hint;
``need`` says how an answer that scores reads in a need's description (for yes/no questions the whole
phrase, e.g. "needs help bathing"; for the others a topic, rendered "topic: answer").

Question types and their scoring:
- ``yesno`` (answer ``true``/``false``): ``"score": {"yes": n, "no": m}``;
- ``single`` (an option value) and ``multi`` (a list of option values): ``options`` =
  ``[{"value", "label", "score", "exclusive"?}]``; a multi answer scores the sum of its options;
  an ``exclusive`` option ("none of these") cannot be combined with others;
- ``scale`` (an int from ``min`` to ``max``, both required) and ``number`` (an int, ``min``/``max``
  optional, optional bilingual ``unit``): ``"bands": [{"min"?, "max"?, "points"}]``, the first band
  containing the value gives the points;
- ``text`` (a string, at most ``max_length`` characters): never scored.

Skip logic (``show_if``) and urgent triggers (``when``) share one small declarative language — no
eval. A condition is one of::

    {"question": ID, "equals": V}      {"question": ID, "in": [V, …]}
    {"question": ID, "includes": OPT}  (multi)     {"question": ID, "answered": true|false}
    {"question": ID, "at_least": N}    {"question": ID, "at_most": N}   (scale, number)
    {"all": [C, …]}   {"any": [C, …]}   {"not": C}

``show_if`` may refer only to questions that come earlier in the template. A question that is hidden
or unanswered matches no comparison (so ``not`` of a comparison on it is true).

A domain's priority is the highest threshold its score reaches (``low`` below ``medium``); a hit
trigger makes its domain ``urgent`` whatever the score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from outreach.domain.enums import NeedDomain, Priority
from outreach.domain.errors import OutreachError
from outreach.i18n import LANGUAGES, Msg, tr

QUESTION_TYPES = ("yesno", "single", "multi", "scale", "number", "text")
DEFAULT_TEXT_MAX = 2000
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LEAF_OPS = ("equals", "in", "includes", "answered", "at_least", "at_most")
_QUESTION_KEYS = {"id", "domain", "type", "text", "need", "help", "options", "min", "max", "unit",
                  "required", "show_if", "score", "bands", "max_length"}
_THRESHOLD_LEVELS = (Priority.MEDIUM, Priority.HIGH, Priority.URGENT)

Text = dict[str, str]


class TemplateError(OutreachError):
    """A template file is malformed. ``problems`` lists every problem found (as messages)."""

    def __init__(self, name: str, problems: list[Msg]) -> None:
        self.problems = list(problems)
        super().__init__("assessment.template.invalid", name=name,
                         details="; ".join(p.text() for p in self.problems))

    def message(self, lang: str | None = None) -> str:
        details = "; ".join(p.text(lang) for p in self.problems)
        return tr(self.key, lang, name=self.params["name"], details=details)


# ---------------------------------------------------------------------------- the parsed shapes
@dataclass(frozen=True)
class Condition:
    """One node of a skip-logic / trigger expression. ``op`` is a leaf operator or all/any/not."""

    op: str
    question: str | None = None
    value: Any = None
    children: tuple[Condition, ...] = ()

    def refers_to(self) -> set[str]:
        found = {self.question} if self.question else set()
        for child in self.children:
            found |= child.refers_to()
        return found

    def holds(self, answers: dict[str, Any]) -> bool:
        """Evaluate against answers of visible questions only (unanswered = absent)."""
        if self.op == "all":
            return all(c.holds(answers) for c in self.children)
        if self.op == "any":
            return any(c.holds(answers) for c in self.children)
        if self.op == "not":
            return not self.children[0].holds(answers)
        value = answers.get(self.question) if self.question else None
        answered = is_answered(value)
        if self.op == "answered":
            return answered is self.value
        if not answered:
            return False
        if self.op == "equals":
            return _same(value, self.value)
        if self.op == "in":
            return any(_same(value, v) for v in self.value)
        if self.op == "includes":
            return isinstance(value, list) and self.value in value
        if self.op == "at_least":
            return _is_int(value) and value >= self.value
        if self.op == "at_most":
            return _is_int(value) and value <= self.value
        raise AssertionError(f"unhandled operator {self.op}")  # parse_condition admits no other


@dataclass(frozen=True)
class Option:
    value: str
    label: Text
    score: int = 0
    exclusive: bool = False

    def label_in(self, lang: str) -> str:
        return self.label[lang]


@dataclass(frozen=True)
class Band:
    points: int
    min: int | None = None
    max: int | None = None

    def contains(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Question:
    id: str
    domain: NeedDomain
    type: str
    text: Text
    required: bool = False
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    unit: Text | None = None
    max_length: int = DEFAULT_TEXT_MAX
    show_if: Condition | None = None
    score_yes: int = 0
    score_no: int = 0
    bands: tuple[Band, ...] = ()
    need: Text | None = None   # how a positive-scoring answer reads in a need's description
    help: Text | None = None   # a hint shown under the question

    def text_in(self, lang: str) -> str:
        return self.text[lang]

    def option(self, value: Any) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Section:
    domain: NeedDomain
    title: Text
    thresholds: dict[Priority, int]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Trigger:
    id: str
    domain: NeedDomain
    label: Text
    when: Condition


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    title: Text
    sections: tuple[Section, ...]
    triggers: tuple[Trigger, ...]
    body: str  # canonical JSON of the template, stored as the snapshot

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in the order the form shows them."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def section(self, domain: NeedDomain) -> Section | None:
        return next((s for s in self.sections if s.domain == domain), None)


# ---------------------------------------------------------------------------- helpers
def is_answered(value: Any) -> bool:
    return not (value is None or value == "" or value == [])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a yes/no answer must never equal a number.
    return type(a) is type(b) and a == b


# ---------------------------------------------------------------------------- parsing
class _Parser:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Msg] = []
        self.all_ids: set[str] = set()  # every question id in the file, to tell "later" from "unknown"

    def problem(self, key: str, **params: Any) -> None:
        self.problems.append(Msg(f"assessment.template.{key}", params))

    def text(self, raw: Any, where: str, *, optional: bool = False) -> Text | None:
        if raw is None and optional:
            return None
        if not isinstance(raw, dict):
            self.problem("missing_text", where=where)
            return None
        for lang in LANGUAGES:
            if not isinstance(raw.get(lang), str) or not raw[lang].strip():
                self.problem("missing_translation", where=where, lang=lang)
        return {lang: str(raw.get(lang, "")) for lang in LANGUAGES}

    def int_(self, raw: dict, field: str, where: str, *, required: bool = False) -> int | None:
        value = raw.get(field)
        if value is None:
            if required:
                self.problem("missing_field", where=where, field=field)
            return None
        if not _is_int(value):
            self.problem("not_integer", where=where, field=field)
            return None
        return value

    # -- conditions
    def condition(self, raw: Any, where: str, known: dict[str, Question]) -> Condition | None:
        if not isinstance(raw, dict) or not raw:
            self.problem("bad_condition", where=where)
            return None
        for combinator in ("all", "any"):
            if combinator in raw:
                items = raw[combinator]
                if len(raw) != 1 or not isinstance(items, list) or not items:
                    self.problem("bad_condition", where=where)
                    return None
                children = [self.condition(c, where, known) for c in items]
                if any(c is None for c in children):
                    return None
                return Condition(combinator, children=tuple(children))  # type: ignore[arg-type]
        if "not" in raw:
            if len(raw) != 1:
                self.problem("bad_condition", where=where)
                return None
            child = self.condition(raw["not"], where, known)
            return None if child is None else Condition("not", children=(child,))
        ops = [k for k in raw if k != "question"]
        ref = raw.get("question")
        if not isinstance(ref, str) or len(ops) != 1 or ops[0] not in _LEAF_OPS:
            self.problem("bad_condition", where=where)
            return None
        target = known.get(ref)
        if target is None:
            kind = "later_reference" if ref in self.all_ids else "unknown_reference"
            self.problem(kind, where=where, ref=ref)
            return None
        op, value = ops[0], raw[ops[0]]
        if not self._operand_fits(op, value, target):
            self.problem("bad_operand", where=where, ref=ref, op=op)
            return None
        if op == "in":
            value = tuple(value)
        return Condition(op, question=ref, value=value)

    def _operand_fits(self, op: str, value: Any, q: Question) -> bool:
        if op == "answered":
            return isinstance(value, bool)
        if op in ("at_least", "at_most"):
            return q.type in ("scale", "number") and _is_int(value)
        if op == "includes":
            return q.type == "multi" and q.option(value) is not None
        if op == "in":
            return isinstance(value, list) and bool(value) and all(self._value_fits(v, q) for v in value)
        return self._value_fits(value, q)

    @staticmethod
    def _value_fits(value: Any, q: Question) -> bool:
        if q.type == "yesno":
            return isinstance(value, bool)
        if q.type in ("single", "multi"):
            return q.option(value) is not None
        if q.type in ("scale", "number"):
            return _is_int(value)
        return isinstance(value, str)

    # -- questions
    def question(self, raw: Any, domain: NeedDomain, known: dict[str, Question]) -> Question | None:
        if not isinstance(raw, dict):
            self.problem("bad_question", where=domain.value)
            return None
        qid = raw.get("id")
        if not isinstance(qid, str) or not _ID.match(qid):
            self.problem("bad_id", where=domain.value, id=str(qid))
            return None
        if qid in known:
            self.problem("duplicate_id", where=qid)
        for extra in sorted(set(raw) - _QUESTION_KEYS):
            self.problem("unknown_field", where=qid, field=extra)
        if raw.get("domain", domain.value) != domain.value:
            self.problem("wrong_domain", where=qid, domain=str(raw.get("domain")))
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            self.problem("unknown_type", where=qid, type=str(qtype))
            return None
        required = raw.get("required", False)
        if not isinstance(required, bool):
            self.problem("not_boolean", where=qid, field="required")
        fields: dict[str, Any] = {
            "text": self.text(raw.get("text"), qid) or {},
            "need": self.text(raw.get("need"), f"{qid}.need", optional=True),
            "help": self.text(raw.get("help"), f"{qid}.help", optional=True),
            "required": required is True,
        }
        if qtype == "yesno":
            score = raw.get("score", {})
            if not isinstance(score, dict) or set(score) - {"yes", "no"} or not all(
                    _is_int(v) for v in score.values()):
                self.problem("bad_score", where=qid)
                score = {}
            fields["score_yes"], fields["score_no"] = score.get("yes", 0), score.get("no", 0)
        elif qtype in ("single", "multi"):
            fields["options"] = self.options(raw.get("options"), qid, multi=qtype == "multi")
        elif qtype in ("scale", "number"):
            lo = self.int_(raw, "min", qid, required=qtype == "scale")
            hi = self.int_(raw, "max", qid, required=qtype == "scale")
            if lo is not None and hi is not None and lo >= hi:
                self.problem("bad_range", where=qid)
            fields.update(min=lo, max=hi, bands=self.bands(raw.get("bands", []), qid),
                          unit=self.text(raw.get("unit"), f"{qid}.unit", optional=True))
        else:
            limit = raw.get("max_length", DEFAULT_TEXT_MAX)
            if not _is_int(limit) or limit < 1:
                self.problem("not_integer", where=qid, field="max_length")
                limit = DEFAULT_TEXT_MAX
            fields["max_length"] = limit
        for key in ("options", "score", "bands", "min", "max", "unit", "max_length"):
            if key in raw and not _fits_type(key, qtype):
                self.problem("field_not_for_type", where=qid, field=key, type=qtype)
        show_if = None
        if "show_if" in raw:
            show_if = self.condition(raw["show_if"], qid, known)
        return Question(id=qid, domain=domain, type=qtype, show_if=show_if, **fields)

    def options(self, raw: Any, qid: str, *, multi: bool) -> tuple[Option, ...]:
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem("too_few_options", where=qid)
            return ()
        out: list[Option] = []
        for i, item in enumerate(raw):
            where = f"{qid}.options[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("value"), str) or not item["value"]:
                self.problem("bad_option", where=where)
                continue
            if any(o.value == item["value"] for o in out):
                self.problem("duplicate_option", where=qid, value=item["value"])
            exclusive = item.get("exclusive", False)
            if exclusive is not False and not (multi and exclusive is True):
                self.problem("bad_option", where=where)
            score = self.int_(item, "score", where) or 0
            label = self.text(item.get("label"), where) or {}
            out.append(Option(item["value"], label, score, exclusive is True))
        return tuple(out)

    def bands(self, raw: Any, qid: str) -> tuple[Band, ...]:
        if not isinstance(raw, list):
            self.problem("bad_score", where=qid)
            return ()
        out = []
        for i, item in enumerate(raw):
            where = f"{qid}.bands[{i}]"
            if not isinstance(item, dict) or set(item) - {"min", "max", "points"}:
                self.problem("bad_score", where=where)
                continue
            points = self.int_(item, "points", where, required=True)
            out.append(Band(points or 0, self.int_(item, "min", where), self.int_(item, "max", where)))
        return tuple(out)

    # -- the whole template
    def template(self, raw: Any) -> Template | None:
        if not isinstance(raw, dict):
            self.problem("not_object", where=self.name)
            return None
        key = raw.get("key")
        if not isinstance(key, str) or not _ID.match(key):
            self.problem("bad_id", where="key", id=str(key))
        version = self.int_(raw, "version", "version", required=True)
        if version is not None and version < 1:
            self.problem("not_integer", where="version", field="version")
        title = self.text(raw.get("title"), "title") or {}
        self.all_ids = {q.get("id") for s in _list(raw.get("sections")) if isinstance(s, dict)
                        for q in _list(s.get("questions")) if isinstance(q, dict)}
        known: dict[str, Question] = {}
        sections: list[Section] = []
        raw_sections = raw.get("sections")
        if not isinstance(raw_sections, list) or not raw_sections:
            self.problem("missing_field", where=self.name, field="sections")
            raw_sections = []
        for i, rs in enumerate(raw_sections):
            section = self.section(rs, i, known, sections)
            if section is not None:
                sections.append(section)
        triggers = self.triggers(raw.get("urgent_triggers", []), known)
        if self.problems:
            return None
        body = json.dumps(raw, ensure_ascii=False, sort_keys=True)
        return Template(key, version or 0, title, tuple(sections), tuple(triggers), body)  # type: ignore[arg-type]

    def section(self, rs: Any, index: int, known: dict[str, Question],
                done: list[Section]) -> Section | None:
        where = f"sections[{index}]"
        if not isinstance(rs, dict) or rs.get("domain") not in {d.value for d in NeedDomain}:
            self.problem("bad_domain", where=where, domain=str(rs.get("domain") if isinstance(rs, dict) else rs))
            return None
        domain = NeedDomain(rs["domain"])
        if any(s.domain == domain for s in done):
            self.problem("duplicate_domain", where=where, domain=domain.value)
        title = self.text(rs.get("title"), f"{domain.value}.title") or {}
        thresholds = self.thresholds(rs.get("thresholds"), domain.value)
        questions = []
        raw_questions = rs.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.problem("missing_field", where=domain.value, field="questions")
            raw_questions = []
        for rq in raw_questions:
            q = self.question(rq, domain, known)
            if q is not None:
                known[q.id] = q
                questions.append(q)
        return Section(domain, title, thresholds, tuple(questions))

    def thresholds(self, raw: Any, where: str) -> dict[Priority, int]:
        if not isinstance(raw, dict) or not raw or set(raw) - {p.value for p in _THRESHOLD_LEVELS}:
            self.problem("bad_thresholds", where=where)
            return {}
        out: dict[Priority, int] = {}
        for level in _THRESHOLD_LEVELS:
            if level.value in raw:
                value = self.int_(raw, level.value, where)
                if value is None or value < 1 or (out and value <= max(out.values())):
                    self.problem("bad_thresholds", where=where)
                    return {}
                out[level] = value
        return out

    def triggers(self, raw: Any, known: dict[str, Question]) -> list[Trigger]:
        if not isinstance(raw, list):
            self.problem("missing_field", where=self.name, field="urgent_triggers")
            return []
        out: list[Trigger] = []
        for i, rt in enumerate(raw):
            where = f"urgent_triggers[{i}]"
            if not isinstance(rt, dict) or not isinstance(rt.get("id"), str) or not _ID.match(rt["id"]):
                self.problem("bad_id", where=where, id=str(rt.get("id") if isinstance(rt, dict) else rt))
                continue
            tid = rt["id"]
            if any(t.id == tid for t in out):
                self.problem("duplicate_id", where=tid)
            if rt.get("domain") not in {d.value for d in NeedDomain}:
                self.problem("bad_domain", where=tid, domain=str(rt.get("domain")))
                continue
            label = self.text(rt.get("label"), f"{tid}.label") or {}
            when = self.condition(rt.get("when"), tid, known)
            if when is not None:
                out.append(Trigger(tid, NeedDomain(rt["domain"]), label, when))
        return out


_TYPE_FIELDS = {"options": ("single", "multi"), "score": ("yesno",), "bands": ("scale", "number"),
                "min": ("scale", "number"), "max": ("scale", "number"), "unit": ("scale", "number"),
                "max_length": ("text",)}


def _fits_type(field: str, qtype: str) -> bool:
    return qtype in _TYPE_FIELDS[field]


def parse_template(raw: Any, *, name: str = "template") -> Template:
    """Check a template (already decoded from JSON) and return it; raise TemplateError listing every
    problem: unknown question types, skip logic on unknown or later questions, missing translations…"""
    parser = _Parser(name)
    template = parser.template(raw)
    if template is None:
        raise TemplateError(name, parser.problems)
    return template
