"""Stored answers of an imported form or a scale, rendered against the snapshot they were taken with
(so an answer set still reads right after a newer version of the form arrives)."""

from __future__ import annotations

import json
from typing import Any

from outreach.domain.assessment import AnswerLine
from outreach.forms.engine import is_answered
from outreach.i18n import current_language

BODY_PREFIX = '{"kind": '


def is_form_body(body: str) -> bool:
    """True for the snapshots this package writes (imported forms, scales); the built-in needs
    templates are stored with sorted keys and never start with "kind"."""
    return body.startswith(BODY_PREFIX)


def _label(text: dict[str, str], lang: str) -> str:
    return text.get(lang) or next((t for t in text.values() if t), "")


def describe_answers(body: str | dict, answers: dict[str, Any], lang: str | None = None) -> list[AnswerLine]:
    lang = lang or current_language()
    definition = json.loads(body) if isinstance(body, str) else body
    if definition.get("kind") == "scale":
        return _scale_lines(definition["scale"], answers, lang)
    lines: list[AnswerLine] = []
    _form_lines(definition, definition["nodes"], answers, lang, "", lines)
    return lines


def _scale_lines(scale: dict[str, Any], answers: dict[str, Any], lang: str) -> list[AnswerLine]:
    out = []
    for n, item in enumerate(scale["items"], start=1):
        value = answers.get(item["id"])
        if value is None:
            continue
        option = next((o for o in item["options"] if o["points"] == value), None)
        answer = f"{_label(option['label'], lang)}（{value}）" if option and lang == "zh_CN" else \
            f"{_label(option['label'], lang)} ({value})" if option else str(value)
        out.append(AnswerLine(item["id"], None, f"{n}. {_label(item['text'], lang)}", answer, option is not None))
    return out


def _choice_label(definition: dict[str, Any], node: dict[str, Any], name: str, lang: str) -> str:
    for c in definition["choices"].get(node.get("list_name", ""), []):
        if c["name"] == name:
            return _label(c["label"], lang)
    return name


def _form_lines(definition, nodes, scope, lang, prefix, lines) -> None:
    for n in nodes:
        if n["type"] == "group":
            _form_lines(definition, n["children"], scope, lang, prefix, lines)
        elif n["type"] == "repeat":
            for i, item in enumerate(scope.get(n["name"]) or [], start=1):
                _form_lines(definition, n["children"], item, lang, f"{prefix}{_label(n['label'], lang) or n['name']} {i} · ",
                            lines)
        elif n["type"] not in ("note", "calculate") and is_answered(scope.get(n["name"])):
            value = scope[n["name"]]
            if n["type"] == "select_one":
                text = _choice_label(definition, n, str(value), lang)
            elif n["type"] == "select_multiple":
                text = "、".join(_choice_label(definition, n, str(v), lang) for v in value) if lang == "zh_CN" \
                    else ", ".join(_choice_label(definition, n, str(v), lang) for v in value)
            else:
                text = str(value)
            lines.append(AnswerLine(n["name"], None, prefix + (_label(n["label"], lang) or n["name"]), text, True))
