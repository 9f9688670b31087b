"""Read an XLSForm (.xlsx, .xls or pyxform's markdown) with pyxform and turn it into the app's form
definition: a JSON-able dict stored as the template snapshot, plus the rows that cannot work here.

pyxform (the reference converter) checks the form and produces both its JSON structure (labels,
choices, groups, repeats) and the XForm, whose binds carry every expression with ``${name}`` already
resolved to instance paths — the exact XPath ODK Collect evaluates. Expressions come from the binds.

A form definition::

    {"kind": "xlsform", "key": "hh_needs", "form_version": "2024061001", "title": {"zh_CN", "en"},
     "root": "data", "source_file": "needs.xlsx",
     "nodes": [{"name", "type", "path", "row", "label", "hint", "relevant", "constraint",
                "constraint_msg", "required", "required_msg", "calculate", "readonly", "default",
                "list_name", "choice_filter", "repeat_count", "children": [...]}],
     "choices": {"list": [{"name", "label", "extra": {column: value}}]},
     "scores": [{"field", "domain", "thresholds": {"medium": n, …}, "row"}]}

Household members: a ``begin repeat`` row with ``outreach_prefill`` = ``members`` is filled with
the household's members, and its questions marked ``name``, ``age``, ``sex`` or ``relation`` take
each member's value.

Scoring: a ``calculate`` row may carry an ``outreach_score`` column, e.g. ``psychosocial medium=5
high=10 urgent=20``: that calculate is a score, and reaching a threshold opens a need of that
domain at that priority (pyxform ignores the extra column; ODK too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from outreach.domain.enums import NeedDomain
from outreach.forms.xpath import FUNCTIONS, ExpressionError, compile_expression, functions_used
from outreach.i18n import LANGUAGES, Msg

SUPPORTED = {"text", "integer", "decimal", "date", "select one", "select all that apply", "note", "calculate",
             "acknowledge", "group", "repeat", "geopoint"}
# Filled in by ODK itself (device, start time …): nothing to ask, nothing to refuse.
METADATA = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
            "audit", "start-geopoint", "instanceID", "background-audio"}
TYPE_NAMES = {"select one": "select_one", "select all that apply": "select_multiple"}
SUFFIXES = (".xlsx", ".xls", ".md")
_NS = {"h": "http://www.w3.org/1999/xhtml", "x": "http://www.w3.org/2002/xforms",
       "jr": "http://openrosa.org/javarosa"}
_JR = "{http://openrosa.org/javarosa}"
_PRIORITIES = ("medium", "high", "urgent")
# outreach_prefill: a repeat marked "members" is filled with the household's members; its questions
# marked name / age / sex / relation take that member's value (the worker can still change them).
PREFILL_REPEAT = ("members",)
PREFILL_FIELDS = ("name", "age", "sex", "relation")

Text = dict[str, str]


@dataclass
class Unsupported:
    row: int | None          # the survey sheet row (header = row 1), None for the whole form
    name: str
    msg: Msg                 # the reason, translated when shown

    def as_json(self, lang: str | None = None) -> dict[str, Any]:
        return {"row": self.row, "name": self.name, "reason": self.msg.text(lang), "code": self.msg.key}


@dataclass
class ImportedForm:
    definition: dict[str, Any] | None
    unsupported: list[Unsupported] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.definition is not None and not self.unsupported


# ---------------------------------------------------------------------------- languages
def language_of(column_language: str) -> str | None:
    """'Chinese (zh)', 'chinese', '中文', 'zh-CN' → zh_CN; 'English (en)', 'english', 'en' → en."""
    v = column_language.strip().lower()
    code = re.search(r"\(([a-z]{2,3})(?:[-_][a-z0-9]+)?\)\s*$", v)
    if code:
        v = code.group(1)
    if v.startswith(("zh", "chinese", "中文", "汉语", "简体", "普通话", "cmn")):
        return "zh_CN"
    if v.startswith(("en", "english", "英文", "英语")):
        return "en"
    return None


def bilingual(raw: Any, default_language: str | None = None) -> Text:
    """A pyxform label (a string, or {language column: text}) as {zh_CN, en}, each falling back to the
    other, then to the form's default language, then to any text there is."""
    if raw is None or raw == "":
        return {lang: "" for lang in LANGUAGES}
    if isinstance(raw, str):
        return {lang: raw for lang in LANGUAGES}
    found: dict[str, str] = {}
    for column, text in raw.items():
        lang = language_of(column) if column != "default" else language_of(default_language or "")
        if lang and text and lang not in found:
            found[lang] = str(text)
    fallback = raw.get("default") or raw.get(default_language or "") or next((str(t) for t in raw.values() if t), "")
    out = {}
    for lang in LANGUAGES:
        other = next((found[o] for o in LANGUAGES if o in found and o != lang), None)
        out[lang] = found.get(lang) or other or str(fallback)
    return out


# ---------------------------------------------------------------------------- reading
def _binds(xform: str) -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, str], dict[str, str]]:
    """From the XForm: binds by nodeset, repeat counts by nodeset, itemset predicates by question
    nodeset, dynamic defaults (setvalue on first load) by ref."""
    root = ET.fromstring(xform)
    binds: dict[str, dict[str, str]] = {}
    for b in root.iter("{http://www.w3.org/2002/xforms}bind"):
        attrs = {k.replace(_JR, "jr:"): v.strip() for k, v in b.attrib.items()}
        binds[attrs.pop("nodeset")] = attrs
    counts = {r.get("nodeset", ""): r.get(f"{_JR}count", "").strip()
              for r in root.iter("{http://www.w3.org/2002/xforms}repeat") if r.get(f"{_JR}count")}
    filters: dict[str, str] = {}
    for tag in ("select1", "select"):
        for control in root.iter("{http://www.w3.org/2002/xforms}" + tag):
            itemset = control.find("x:itemset", _NS)
            if itemset is not None:
                m = re.search(r"/item\[(.*)\]\s*$", itemset.get("nodeset", ""), re.S)
                if m:
                    filters[control.get("ref", "")] = m.group(1).strip()
    defaults = {s.get("ref", ""): s.get("value", "")
                for s in root.iter("{http://www.w3.org/2002/xforms}setvalue") if s.get("value")}
    return binds, counts, filters, defaults


def _rows(survey: list[dict[str, Any]]) -> dict[str, int]:
    """Question name → survey sheet row (the header is row 1)."""
    return {str(r.get("name")): i for i, r in enumerate(survey, start=2) if r.get("name")}


def _check_expression(expr: str, where: str, row: int | None, problems: list[Unsupported]) -> None:
    if not expr:
        return
    unknown = sorted(f for f in functions_used(expr) if f not in FUNCTIONS)
    if unknown:
        problems.append(Unsupported(row, where, Msg("xlsform.unsupported.function",
                                                    {"function": ", ".join(unknown), "expression": expr})))
        return
    try:
        compile_expression(expr.replace("current()", "/"))
    except ExpressionError:
        problems.append(Unsupported(row, where, Msg("xlsform.unsupported.expression", {"expression": expr})))


def _score_config(raw: str, name: str, row: int | None, problems: list[Unsupported]) -> dict[str, Any] | None:
    parts = raw.split()
    domains = {d.value for d in NeedDomain}
    thresholds: dict[str, float] = {}
    ok = bool(parts) and parts[0] in domains
    for part in parts[1:]:
        key, _, value = part.partition("=")
        try:
            thresholds[key] = float(value)
        except ValueError:
            ok = False
        ok = ok and key in _PRIORITIES
    values = [thresholds[p] for p in _PRIORITIES if p in thresholds]
    if not ok or not thresholds or values != sorted(set(values)):
        problems.append(Unsupported(row, name, Msg("xlsform.unsupported.score", {"value": raw,
                                                                                 "domains": ", ".join(sorted(domains))})))
        return None
    return {"field": name, "domain": parts[0], "thresholds": thresholds, "row": row}


def _specify_other(label: Text) -> Text:
    # or_other: pyxform adds the untranslated question "Specify other."; give it its Chinese wording.
    if label.get("zh_CN") == "Specify other.":
        return {**label, "zh_CN": "请注明其他："}
    return label


_BIND_TYPES = {"string": "text", "int": "integer", "decimal": "decimal", "date": "date"}


def _alias(qtype: str) -> str:
    """pyxform's other names for the supported types ("string", "int", "phone number" …) as the type
    they are, by pyxform's own question type table (an input control and its bind type); "hidden"
    (no control) is a value the form keeps without asking, like a calculate."""
    if qtype in SUPPORTED:
        return qtype
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    spec = QUESTION_TYPE_DICT.get(qtype) or {}
    bind, control = spec.get("bind") or {}, (spec.get("control") or {}).get("tag")
    if "jr:preload" in bind:
        return qtype
    if control == "input" and bind.get("type") in _BIND_TYPES and not bind.get("readonly"):
        return _BIND_TYPES[bind["type"]]
    if control is None and bind.get("type") == "string":
        return "calculate"
    return qtype


class _Builder:
    def __init__(self, data: dict[str, Any], xform: str, rows: dict[str, int], survey: list[dict[str, Any]]):
        self.default_language = data.get("default_language")
        self.binds, self.counts, self.filters, self.defaults = _binds(xform)
        self.rows = rows
        self.raw_rows = {str(r.get("name")): r for r in survey if r.get("name")}
        self.problems: list[Unsupported] = []
        self.scores: list[dict[str, Any]] = []

    def text(self, raw: Any) -> Text:
        return bilingual(raw, self.default_language)

    def node(self, item: dict[str, Any], parent_path: str) -> dict[str, Any] | None:
        name = str(item.get("name", ""))
        qtype = str(item.get("type", ""))
        path = f"{parent_path}/{name}"
        row = self.rows.get(name)
        if name == "meta" and qtype == "group" or name in METADATA or qtype in METADATA:
            return None
        qtype = _alias(qtype)
        if qtype not in SUPPORTED:
            self.problems.append(Unsupported(row, name, Msg("xlsform.unsupported.type", {"type": qtype})))
            return None
        bind = self.binds.get(path, {})
        node: dict[str, Any] = {
            "name": name, "type": TYPE_NAMES.get(qtype, qtype), "path": path, "row": row,
            "label": _specify_other(self.text(item.get("label"))), "hint": self.text(item.get("hint")),
            "relevant": bind.get("relevant", ""), "constraint": bind.get("constraint", ""),
            "constraint_msg": self.text((item.get("bind") or {}).get("jr:constraintMsg")),
            "required": "" if bind.get("required", "false()") == "false()" else bind["required"],
            "required_msg": self.text((item.get("bind") or {}).get("jr:requiredMsg")),
            "calculate": bind.get("calculate", ""),
            "readonly": bind.get("readonly", "") not in ("", "false()"),
            "default": self.defaults.get(path, ""), "default_value": str(item.get("default", "") or ""),
            "list_name": item.get("itemset") or item.get("list_name") or "",
            "choice_filter": self.filters.get(path, ""), "repeat_count": self.counts.get(path, ""),
            "children": [],
        }
        if node["default"]:
            node["default_value"] = ""
        prefill = str((self.raw_rows.get(name) or {}).get("outreach_prefill", "") or "").strip()
        if prefill:
            allowed = PREFILL_REPEAT if qtype == "repeat" else PREFILL_FIELDS
            if prefill not in allowed:
                self.problems.append(Unsupported(row, name, Msg("xlsform.unsupported.prefill",
                                                                {"value": prefill, "allowed": ", ".join(allowed)})))
            node["prefill"] = prefill
        for key in ("relevant", "constraint", "required", "calculate", "choice_filter", "repeat_count", "default"):
            _check_expression(node[key], name, row, self.problems)
        score = str((self.raw_rows.get(name) or {}).get("outreach_score", "") or "").strip()
        if score:
            if qtype != "calculate":
                self.problems.append(Unsupported(row, name, Msg("xlsform.unsupported.score_not_calculate", {})))
            else:
                config = _score_config(score, name, row, self.problems)
                if config:
                    self.scores.append(config)
        for child in item.get("children", []) or []:
            built = self.node(child, path)
            if built is not None:
                node["children"].append(built)
        return node


def read_form(path: str | Path) -> ImportedForm:
    """Convert an XLSForm file. Never raises for a bad form: the problems are in ``unsupported``."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform
    from pyxform.xls2xform import convert

    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        return ImportedForm(None, [Unsupported(None, path.name, Msg("xlsform.error.suffix", {"name": path.name}))])
    try:
        workbook = get_xlsform(str(path))
        result = convert(str(path), form_name="data", warnings=[])
    except PyXFormError as exc:
        return ImportedForm(None, [Unsupported(None, path.name, Msg("xlsform.error.pyxform", {"reason": str(exc)}))])
    except (OSError, ValueError, KeyError, TypeError, ET.ParseError) as exc:
        return ImportedForm(None, [Unsupported(None, path.name, Msg("xlsform.error.unreadable",
                                                                    {"name": path.name, "reason": str(exc)}))])
    data = result._pyxform or {}
    builder = _Builder(data, result.xform, _rows(workbook.survey or []), workbook.survey or [])
    nodes = [n for n in (builder.node(c, "/data") for c in data.get("children", [])) if n is not None]
    choices = {
        list_name: [{"name": str(c.get("name", "")), "label": _other_label(c, builder.text(c.get("label"))),
                     "extra": {k: str(v) for k, v in c.items() if k not in ("name", "label", "media")}}
                    for c in items]
        for list_name, items in (data.get("choices") or {}).items()
    }
    settings = (workbook.settings or [{}])[0] if workbook.settings else {}
    key = re.sub(r"[^a-z0-9_]+", "_", str(data.get("id_string") or path.stem).lower()).strip("_")[:48] or "form"
    title = builder.text(data.get("title") or settings.get("form_title") or path.stem)
    definition = {
        "kind": "xlsform", "key": key, "form_version": str(data.get("version") or ""), "title": title,
        "root": "data", "nodes": nodes, "choices": choices, "scores": builder.scores,
        "source_file": path.name,
    }
    if not any(n["type"] not in ("calculate", "group", "repeat") for n in _walk(nodes)):
        builder.problems.append(Unsupported(None, path.name, Msg("xlsform.error.no_questions", {})))
    return ImportedForm(definition, builder.problems, list(result.warnings))


def _other_label(choice: dict[str, Any], label: Text) -> Text:
    # or_other: pyxform adds an untranslated "Other" choice; give it its Chinese name.
    if choice.get("name") == "other" and label.get("zh_CN") == "Other":
        return {**label, "zh_CN": "其他"}
    return label


def _walk(nodes: list[dict[str, Any]]):
    for n in nodes:
        yield n
        yield from _walk(n.get("children", []))


def walk(definition: dict[str, Any]):
    """Every node of a form definition, in document order."""
    yield from _walk(definition.get("nodes", []))


def question_count(definition: dict[str, Any]) -> int:
    """The questions a person answers (not groups, repeats, calculates or notes)."""
    return sum(1 for n in walk(definition) if n["type"] not in ("group", "repeat", "calculate", "note"))
