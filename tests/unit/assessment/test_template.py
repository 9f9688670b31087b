"""Shipped templates are complete; malformed templates are refused with clear messages."""

from __future__ import annotations

import copy
import json

import pytest

from outreach.domain.assessment import (
    QUESTION_TYPES,
    TemplateError,
    available_templates,
    load_template,
    parse_template,
    template_from_body,
    visible_questions,
)
from outreach.domain.enums import NeedDomain
from outreach.domain.errors import NotFound
from outreach.i18n import LANGUAGES


def T(zh, en):
    return {"zh_CN": zh, "en": en}


def small(**changes):
    """A valid two-question template, with changes applied to its questions by id."""
    raw = {
        "key": "mini", "version": 1, "title": T("小表", "Mini form"),
        "sections": [{
            "domain": "care", "title": T("照料", "Care"), "thresholds": {"medium": 2, "high": 4},
            "questions": [
                {"id": "alone", "type": "yesno", "text": T("是否独自居住？", "Lives alone?"), "score": {"yes": 2}},
                {"id": "bathe", "type": "yesno", "text": T("是否能独立洗澡？", "Bathes alone?"),
                 "score": {"no": 3}, "show_if": {"question": "alone", "equals": True}},
            ],
        }],
        "urgent_triggers": [],
    }
    for qid, patch in changes.items():
        q = next(q for q in raw["sections"][0]["questions"] if q["id"] == qid)
        for k, v in patch.items():
            if v is None:
                q.pop(k, None)
            else:
                q[k] = v
    return raw


def problems(raw):
    with pytest.raises(TemplateError) as info:
        parse_template(raw, name="mini.json")
    return info.value


def test_shipped_templates_cover_the_ten_domains_in_both_languages():
    assert available_templates() == [("needs", 1), ("needs", 2)]
    for key, version in available_templates():
        t = load_template(key, version)
        assert [s.domain for s in t.sections] == list(NeedDomain)
        types = {q.type for q in t.questions}
        assert types == set(QUESTION_TYPES)
        for q in t.questions:
            for lang in LANGUAGES:
                assert q.text[lang].strip()
                assert all(o.label[lang].strip() for o in q.options)
        for trig in t.triggers:
            assert all(trig.label[lang] for lang in LANGUAGES)


def test_chinese_questions_read_like_the_field():
    t = load_template("needs", 1)
    assert t.question("ca_long_term").text["zh_CN"] == "家中是否有人需要长期照料？"
    assert t.question("ca_bathe").text["zh_CN"] == "是否能独立洗澡？"


def test_unknown_template_or_version():
    with pytest.raises(NotFound):
        load_template("nonexistent")
    with pytest.raises(NotFound) as info:
        load_template("needs", 99)
    assert "needs" in info.value.message("en")


def test_small_template_is_valid():
    t = parse_template(small())
    assert [q.id for q in visible_questions(t, {"alone": True})] == ["alone", "bathe"]


def test_unknown_question_type():
    err = problems(small(bathe={"type": "slider"}))
    assert [p.key for p in err.problems] == ["assessment.template.unknown_type"]
    assert "slider" in err.message("en") and "bathe" in err.message("zh_CN")
    assert err.message("zh_CN").startswith("评估模板 mini.json 有误")


def test_skip_logic_on_a_later_question():
    raw = small(alone={"show_if": {"question": "bathe", "equals": False}})
    err = problems(raw)
    assert [p.key for p in err.problems] == ["assessment.template.later_reference"]
    assert "comes later" in err.message("en")


def test_skip_logic_on_itself_is_a_later_reference():
    err = problems(small(bathe={"show_if": {"question": "bathe", "equals": True}}))
    assert [p.key for p in err.problems] == ["assessment.template.later_reference"]


def test_skip_logic_on_an_unknown_question():
    err = problems(small(bathe={"show_if": {"not": {"question": "ghost", "answered": True}}}))
    assert [p.key for p in err.problems] == ["assessment.template.unknown_reference"]
    assert "ghost" in err.message("zh_CN")


def test_missing_translation():
    err = problems(small(bathe={"text": {"zh_CN": "是否能独立洗澡？"}}))
    assert [(p.key, p.params["lang"]) for p in err.problems] == [("assessment.template.missing_translation", "en")]
    err = problems(small(alone={"text": {"zh_CN": " ", "en": "Lives alone?"}}))
    assert err.problems[0].params == {"where": "alone", "lang": "zh_CN"}


@pytest.mark.parametrize("patch,key", [
    ({"show_if": {"question": "alone", "equals": "yes"}}, "bad_operand"),     # yes/no takes true/false
    ({"show_if": {"question": "alone", "at_least": 1}}, "bad_operand"),       # not a number question
    ({"show_if": {"question": "alone"}}, "bad_condition"),
    ({"show_if": {"question": "alone", "equals": True, "in": [True]}}, "bad_condition"),
    ({"show_if": {"all": []}}, "bad_condition"),
    ({"show_if": "alone == true"}, "bad_condition"),                          # no expressions, no eval
    ({"show_iff": {"question": "alone", "equals": True}}, "unknown_field"),
    ({"score": {"maybe": 1}}, "bad_score"),
    ({"options": [{"value": "a", "label": T("甲", "A")}]}, "field_not_for_type"),
    ({"required": "yes"}, "not_boolean"),
    ({"id": "Bathe Alone"}, "bad_id"),
    ({"id": "alone"}, "duplicate_id"),
    ({"domain": "health"}, "wrong_domain"),
])
def test_malformed_questions(patch, key):
    err = problems(small(bathe=patch))
    assert f"assessment.template.{key}" in [p.key for p in err.problems]


@pytest.mark.parametrize("question,key", [
    ({"id": "q", "type": "single", "text": T("问", "Q"), "options": [{"value": "a", "label": T("甲", "A")}]},
     "too_few_options"),
    ({"id": "q", "type": "single", "text": T("问", "Q"),
      "options": [{"value": "a", "label": T("甲", "A")}, {"value": "a", "label": T("乙", "B")}]},
     "duplicate_option"),
    ({"id": "q", "type": "single", "text": T("问", "Q"),
      "options": [{"value": "a", "label": T("甲", "A"), "exclusive": True}, {"value": "b", "label": T("乙", "B")}]},
     "bad_option"),   # "exclusive" only makes sense for multi
    ({"id": "q", "type": "scale", "text": T("问", "Q"), "min": 5, "max": 1}, "bad_range"),
    ({"id": "q", "type": "scale", "text": T("问", "Q"), "max": 5}, "missing_field"),
    ({"id": "q", "type": "number", "text": T("问", "Q"), "min": 0.5}, "not_integer"),
    ({"id": "q", "type": "number", "text": T("问", "Q"), "bands": [{"min": 1}]}, "missing_field"),
])
def test_malformed_option_and_range_questions(question, key):
    raw = small()
    raw["sections"][0]["questions"].append(question)
    assert f"assessment.template.{key}" in [p.key for p in problems(raw).problems]


def test_section_and_trigger_problems_are_all_reported():
    raw = small()
    raw["sections"][0]["thresholds"] = {"medium": 4, "high": 4}
    raw["sections"].append(copy.deepcopy(raw["sections"][0]))
    raw["sections"][1]["questions"] = [{"id": "other", "type": "text", "text": T("备注", "Notes")}]
    raw["sections"].append({"domain": "happiness", "title": T("幸福", "Happiness"), "questions": []})
    raw["urgent_triggers"] = [{"id": "t1", "domain": "care", "label": T("紧急", "Urgent"),
                               "when": {"question": "nope", "equals": True}}]
    keys = [p.key.split(".")[-1] for p in problems(raw).problems]
    assert keys == ["bad_thresholds", "duplicate_domain", "bad_thresholds", "bad_domain", "unknown_reference"]


def test_snapshot_body_round_trips_and_bad_snapshot_is_refused():
    t = load_template("needs", 1)
    again = template_from_body(t.body)
    assert again == t and template_from_body(json.loads(t.body)) == t
    with pytest.raises(TemplateError) as info:
        template_from_body("{not json")
    assert info.value.problems[0].key == "assessment.template.not_json"


def test_condition_language_operators():
    raw = small()
    qs = raw["sections"][0]["questions"]
    qs += [
        {"id": "helps", "type": "multi", "text": T("谁来帮忙？", "Who helps?"), "options": [
            {"value": "son", "label": T("儿子", "Son")}, {"value": "neighbour", "label": T("邻居", "Neighbour")}]},
        {"id": "age", "type": "number", "text": T("年龄", "Age"), "min": 0, "max": 120},
        {"id": "q_includes", "type": "text", "text": T("甲", "A"), "show_if": {"question": "helps", "includes": "son"}},
        {"id": "q_range", "type": "text", "text": T("乙", "B"),
         "show_if": {"all": [{"question": "age", "at_least": 60}, {"question": "age", "at_most": 79}]}},
        {"id": "q_unanswered", "type": "text", "text": T("丙", "C"), "show_if": {"question": "age", "answered": False}},
        {"id": "q_not_any", "type": "text", "text": T("丁", "D"), "show_if": {"not": {"any": [
            {"question": "alone", "equals": True}, {"question": "helps", "includes": "neighbour"}]}}},
    ]
    t = parse_template(raw)

    def shown(answers):
        return {q.id for q in visible_questions(t, answers)} - {"alone", "bathe", "helps", "age"}

    assert shown({}) == {"q_unanswered", "q_not_any"}
    assert shown({"helps": ["son"], "age": 82}) == {"q_includes", "q_not_any"}
    assert shown({"helps": ["neighbour"], "age": 60}) == {"q_range"}
    assert shown({"alone": True, "age": 79}) == {"q_range"}
    assert shown({"age": True}) == {"q_not_any"}   # true is not a number: no comparison matches
