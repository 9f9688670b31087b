"""Filling an imported form: the questions its skip logic shows, its calculations, its constraints —
evaluated as ODK Collect does, on an XML instance built from the answers (see ``forms.xpath``).

Answers are ``{name: value}``; a repeat's answer is a list of such dicts, one per repeat instance;
groups add no level. Values: str (text, date ``YYYY-MM-DD``, select_one, acknowledge ``"OK"``),
int (integer), float or int (decimal), list of choice names (select_multiple). ``None``/``""``/``[]``
is unanswered.

    s = FormSession(definition, answers)
    for f in s.fields(): …               # visible questions, in order (re-run after each change)
    s.choices(field)                     # a select's choices after its choice_filter
    errors = s.validate()                # [FormProblem(key, code, message Msg)]
    s.clean_answers()                    # what is stored: answers of relevant questions only
    s.calculated()                       # {calculate name: value} (top level)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree import ElementTree as ET

from outreach.forms.xpath import Evaluator, ExpressionError
from outreach.i18n import LANGUAGES, Msg, current_language

ANSWERABLE = ("text", "integer", "decimal", "date", "select_one", "select_multiple", "acknowledge", "geopoint")
Key = tuple  # ("age",) or ("members", 0, "name")


def is_answered(value: Any) -> bool:
    return not (value is None or value == "" or value == [])


def _to_text(value: Any) -> str:
    if not is_answered(value):
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Field:
    key: Key
    node: dict[str, Any]
    elem: ET.Element
    depth: int                      # repeat nesting, for indentation

    @property
    def type(self) -> str:
        return self.node["type"]

    def label(self, session: FormSession, lang: str | None = None) -> str:
        return session.interpolate(self.node["label"][lang or current_language()], self.elem)


@dataclass(frozen=True)
class FormProblem:
    key: Key
    code: str                       # required | constraint | type | choice | expression
    msg: Msg

    def message(self, lang: str | None = None) -> str:
        return self.msg.text(lang)


def _texts(text: dict[str, str]) -> dict[str, str]:
    return {f"text_{lang}": text.get(lang, "") for lang in LANGUAGES}


class FormSession:
    def __init__(self, definition: dict[str, Any], answers: dict[str, Any] | None = None) -> None:
        self.definition = definition
        self.answers: dict[str, Any] = dict(answers or {})
        self.choice_names = {n["path"]: {c["name"]: c["label"][current_language()]
                                         for c in definition["choices"].get(n["list_name"], [])}
                             for n in _walk(definition["nodes"]) if n.get("list_name")}
        self._apply_defaults(definition["nodes"], self.answers)
        self.refresh()

    # ------------------------------------------------------------------ the instance
    def _apply_defaults(self, nodes: list[dict[str, Any]], scope: dict[str, Any]) -> None:
        for n in nodes:
            if n["type"] == "group":
                self._apply_defaults(n["children"], scope)
            elif n["type"] == "repeat":
                for item in scope.get(n["name"]) or []:
                    self._apply_defaults(n["children"], item)
            elif n["name"] not in scope and n.get("default_value") and n["type"] in ANSWERABLE:
                scope[n["name"]] = self.coerce(n, n["default_value"])

    def _build(self, nodes: list[dict[str, Any]], parent: ET.Element, scope: dict[str, Any]) -> None:
        for n in nodes:
            if n["type"] == "group":
                self._build(n["children"], ET.SubElement(parent, n["name"]), scope)
            elif n["type"] == "repeat":
                items = scope.get(n["name"])
                if not isinstance(items, list):
                    items = scope[n["name"]] = []
                for item in items:
                    self._build(n["children"], ET.SubElement(parent, n["name"]), item)
            else:
                ET.SubElement(parent, n["name"]).text = _to_text(scope.get(n["name"]))

    def refresh(self) -> None:
        """Rebuild the instance from the answers, size repeats to their repeat_count, recalculate."""
        for _ in range(3):
            self.root = ET.Element(self.definition.get("root", "data"))
            self._build(self.definition["nodes"], self.root, self.answers)
            self.ev = Evaluator(self.root, self.choice_names)
            self._calculate()
            if not self._size_repeats(self.definition["nodes"], self.root, self.answers):
                break

    def _elements(self, parent: ET.Element, n: dict[str, Any]) -> list[ET.Element]:
        return parent.findall(n["name"])

    def _calculate(self) -> None:
        # Twice, so a calculation that uses a later one settles (as a form's cascade would).
        for _ in range(2):
            for n, elem in self._iter_nodes(self.definition["nodes"], self.root):
                if n["calculate"] and (n["type"] == "calculate" or n.get("readonly")):
                    elem.text = self._safe_value(n["calculate"], elem)

    def _size_repeats(self, nodes: list[dict[str, Any]], parent: ET.Element, scope: dict[str, Any]) -> bool:
        changed = False
        for n in nodes:
            if n["type"] == "group":
                group = parent.find(n["name"])
                changed |= group is not None and self._size_repeats(n["children"], group, scope)
            elif n["type"] == "repeat":
                items = scope.setdefault(n["name"], [])
                if n["repeat_count"]:
                    want = self._number(n["repeat_count"], parent)
                    want = 0 if math.isnan(want) else max(0, min(int(want), 200))
                    if want != len(items):
                        del items[want:]
                        items.extend({} for _ in range(want - len(items)))
                        changed = True
                for item, elem in zip(items, parent.findall(n["name"]), strict=False):
                    changed |= self._size_repeats(n["children"], elem, item)
        return changed

    def _iter_nodes(self, nodes: list[dict[str, Any]], parent: ET.Element):
        for n in nodes:
            for elem in parent.findall(n["name"]):
                yield n, elem
                if n["type"] in ("group", "repeat"):
                    yield from self._iter_nodes(n["children"], elem)

    # ------------------------------------------------------------------ expressions
    def _safe_value(self, expression: str, elem: ET.Element) -> str:
        try:
            return self.ev.value(expression, elem)
        except ExpressionError:
            return ""

    def _number(self, expression: str, elem: ET.Element) -> float:
        try:
            return float(self.ev.value(expression, elem) or "nan")
        except (ExpressionError, ValueError):
            return math.nan

    def _holds(self, expression: str, elem: ET.Element, default: bool) -> bool:
        if not expression:
            return default
        try:
            return self.ev.boolean(expression, elem)
        except ExpressionError:
            return default

    def interpolate(self, text: str, elem: ET.Element | None = None) -> str:
        """A label's ``${name}`` references replaced by the current values (as ODK shows them)."""
        parents = {c: p for p in self.root.iter() for c in p} if elem is not None else {}

        def value(m: re.Match) -> str:
            # The nearest one: in the same repeat instance first, as ODK resolves ${name} there.
            scope = parents.get(elem) if elem is not None else None
            while scope is not None:
                found = scope.find(f".//{m.group(1)}")
                if found is not None:
                    return found.text or ""
                scope = parents.get(scope)
            found = self.root.find(f".//{m.group(1)}")
            return (found.text or "") if found is not None else ""
        return re.sub(r"\$\{([A-Za-z_][\w.\-]*)\}", value, text or "")

    # ------------------------------------------------------------------ what is shown
    def fields(self, *, include_notes: bool = True) -> list[Field]:
        """The visible questions and notes, in order, with their keys."""
        out: list[Field] = []
        self._collect(self.definition["nodes"], self.root, (), 0, out, include_notes)
        return out

    def _collect(self, nodes, parent, prefix, depth, out, include_notes) -> None:
        for n in nodes:
            elems = parent.findall(n["name"])
            if n["type"] == "repeat":
                for i, elem in enumerate(elems):
                    if self._holds(n["relevant"], elem, True):
                        self._collect(n["children"], elem, (*prefix, n["name"], i), depth + 1, out, include_notes)
                continue
            elem = elems[0] if elems else None
            if elem is None or not self._holds(n["relevant"], elem, True):
                continue
            if n["type"] == "group":
                self._collect(n["children"], elem, prefix, depth, out, include_notes)
            elif n["type"] in ANSWERABLE or (include_notes and n["type"] == "note"):
                out.append(Field((*prefix, n["name"]), n, elem, depth))

    def repeats(self) -> list[tuple[Key, dict[str, Any], int]]:
        """Visible repeats (key of the list, node, instance count), for add/remove buttons."""
        out: list[tuple[Key, dict[str, Any], int]] = []

        def visit(nodes, parent, prefix):
            for n in nodes:
                if n["type"] == "group":
                    g = parent.find(n["name"])
                    if g is not None and self._holds(n["relevant"], g, True):
                        visit(n["children"], g, prefix)
                elif n["type"] == "repeat":
                    elems = parent.findall(n["name"])
                    out.append(((*prefix, n["name"]), n, len(elems)))
                    for i, e in enumerate(elems):
                        visit(n["children"], e, (*prefix, n["name"], i))
        visit(self.definition["nodes"], self.root, ())
        return out

    def choices(self, field: Field) -> list[dict[str, Any]]:
        items = self.definition["choices"].get(field.node["list_name"], [])
        predicate = field.node.get("choice_filter")
        if not predicate:
            return items
        out = []
        for c in items:
            item = ET.Element("item")
            ET.SubElement(item, "name").text = c["name"]
            for k, v in c.get("extra", {}).items():
                if re.fullmatch(r"[A-Za-z_][\w.\-]*", k):
                    ET.SubElement(item, k).text = v
            expr = predicate.replace("current()", self.ev.path_of(field.elem))
            try:
                from elementpath import XPathContext

                from outreach.forms.xpath import compile_expression
                token = compile_expression(expr)
                if token.boolean_value(token.evaluate(XPathContext(self.root, item=item))):
                    out.append(c)
            except ExpressionError:
                out.append(c)
        return out

    # ------------------------------------------------------------------ answers
    def get(self, key: Key) -> Any:
        scope: Any = self.answers
        for part in key[:-1]:
            scope = scope.get(part) if isinstance(part, str) else scope[part]
        return scope.get(key[-1]) if isinstance(scope, dict) else None

    def set(self, key: Key, value: Any) -> None:
        scope: Any = self.answers
        for part in key[:-1]:
            scope = scope.setdefault(part, []) if isinstance(part, str) else scope[part]
        scope[key[-1]] = value
        self.refresh()

    def prefill_members(self, members: list[dict[str, Any]]) -> bool:
        """Fill the repeat marked ``outreach_prefill: members`` with one instance per member ({name,
        age, sex, relation}); a repeat_count that names a question sets that question. False when
        the form has no such repeat."""
        for n in _walk(self.definition["nodes"]):
            if n["type"] != "repeat" or n.get("prefill") != "members":
                continue
            items = []
            for m in members:
                item = {}
                for child in _walk(n["children"]):
                    value = m.get(child.get("prefill") or "")
                    if child["type"] in ANSWERABLE and is_answered(value):
                        if child["type"] == "select_one":
                            names = {c["name"] for c in self.definition["choices"].get(child["list_name"], [])}
                            if str(value) not in names:
                                continue
                        item[child["name"]] = self.coerce(child, str(value)) if child["type"] != "text" else value
                items.append(item)
            self.answers[n["name"]] = items
            count = re.fullmatch(r"\s*/data/(?:[\w.\-]+/)*([\w.\-]+)\s*", n["repeat_count"] or "")
            if count:
                self.answers[count.group(1)] = len(items)
            self.refresh()
            return True
        return False

    def add_repeat(self, key: Key) -> None:
        scope: Any = self.answers
        for part in key[:-1]:
            scope = scope[part]
        scope.setdefault(key[-1], []).append({})
        self.refresh()

    def remove_repeat(self, key: Key, index: int) -> None:
        scope: Any = self.answers
        for part in key[:-1]:
            scope = scope[part]
        del scope[key[-1]][index]
        self.refresh()

    @staticmethod
    def coerce(node: dict[str, Any], raw: Any) -> Any:
        """A typed answer from text (CLI, defaults); the raw value when it does not convert, so
        ``validate`` reports it."""
        if not is_answered(raw) or not isinstance(raw, str):
            return raw
        raw = raw.strip()
        try:
            if node["type"] == "integer":
                return int(raw)
            if node["type"] == "decimal":
                return float(raw)
        except ValueError:
            return raw
        if node["type"] == "select_multiple":
            return raw.split()
        return raw

    def validate(self) -> list[FormProblem]:
        problems: list[FormProblem] = []
        for f in self.fields(include_notes=False):
            value = self.get(f.key)
            n = f.node
            if not is_answered(value):
                if n["required"] and self._holds(n["required"], f.elem, False):
                    msg = n["required_msg"] if any(n["required_msg"].values()) else None
                    problems.append(FormProblem(f.key, "required", Msg("xlsform.answer.custom", _texts(msg))
                                                if msg else Msg("xlsform.answer.required", _texts(n["label"]))))
                continue
            bad = self._type_problem(f, value)
            if bad:
                problems.append(FormProblem(f.key, bad[0], Msg(bad[1], {**_texts(n["label"]), "value": value})))
                continue
            if n["constraint"] and not self._holds(n["constraint"], f.elem, True):
                msg = n["constraint_msg"] if any(n["constraint_msg"].values()) else None
                problems.append(FormProblem(f.key, "constraint", Msg("xlsform.answer.custom", _texts(msg))
                                            if msg else Msg("xlsform.answer.constraint", _texts(n["label"]))))
        return problems

    def _type_problem(self, f: Field, value: Any) -> tuple[str, str] | None:
        t = f.type
        if t == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            return "type", "xlsform.answer.not_integer"
        if t == "decimal" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return "type", "xlsform.answer.not_number"
        if t == "date":
            try:
                date.fromisoformat(str(value))
            except ValueError:
                return "type", "xlsform.answer.not_date"
        if t in ("select_one", "select_multiple"):
            names = {c["name"] for c in self.choices(f)}
            picked = value if isinstance(value, list) else [value]
            if t == "select_one" and isinstance(value, list) or any(p not in names for p in picked):
                return "choice", "xlsform.answer.unknown_choice"
        if t == "geopoint" and not _is_geopoint(value):
            return "type", "xlsform.answer.not_geopoint"
        if t == "acknowledge" and value != "OK":
            return "type", "xlsform.answer.acknowledge"
        if t == "text" and not isinstance(value, str):
            return "type", "xlsform.answer.not_text"
        return None

    def clean_answers(self) -> dict[str, Any]:
        """The answers of visible questions only (ODK drops non-relevant values), repeats kept in shape."""
        visible = {f.key for f in self.fields(include_notes=False)}
        out: dict[str, Any] = {}
        for key in sorted(visible, key=lambda k: [str(p) for p in k]):
            value = self.get(key)
            if not is_answered(value):
                continue
            scope: Any = out
            for i, part in enumerate(key[:-1]):
                if isinstance(part, str):
                    scope = scope.setdefault(part, [])
                else:
                    while len(scope) <= part:
                        scope.append({})
                    scope = scope[part]
                del i
            scope[key[-1]] = value
        return out

    def calculated(self) -> dict[str, str]:
        """Top-level (non-repeat) calculate results by name."""
        out = {}
        for n, elem in self._iter_nodes(self.definition["nodes"], self.root):
            if n["type"] == "calculate" and self.ev.path_of(elem) == n["path"]:
                out[n["name"]] = elem.text or ""
        return out


def _is_geopoint(value: Any) -> bool:
    """ODK's geopoint text: "latitude longitude [altitude [accuracy]]" (typed on a laptop, which has no GPS)."""
    parts = str(value).split()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return False
    return 2 <= len(numbers) <= 4 and -90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180


def _walk(nodes: list[dict[str, Any]]):
    for n in nodes:
        yield n
        yield from _walk(n.get("children", []))
