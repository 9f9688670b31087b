"""Skip logic, answer checks, scoring and rendering with the shipped needs templates."""

from __future__ import annotations

import pytest

from outreach.domain.assessment import (
    clean_answers,
    describe_answers,
    load_template,
    score,
    validate_answers,
    visible_questions,
)
from outreach.domain.enums import NeedDomain, Priority

from ._scenarios import FINE, ROOF_COLLAPSED, WANG_XIUYING, v2_answers


@pytest.fixture(scope="module")
def v1():
    return load_template("needs", 1)


@pytest.fixture(scope="module")
def v2():
    return load_template("needs", 2)


def ids(questions):
    return [q.id for q in questions]


def keys(errors):
    return {(e.field, e.key) for e in errors}


# ---------------------------------------------------------------------------- skip logic
def test_medicine_question_only_for_chronic_illness(v1):
    assert "he_medicine_left" not in ids(visible_questions(v1, {**FINE, "he_chronic": False}))
    assert "he_medicine_left" in ids(visible_questions(v1, {**FINE, "he_chronic": True}))


def test_care_details_follow_long_term_care_answer(v1):
    shown = ids(visible_questions(v1, {"ca_long_term": True}))
    assert {"ca_bathe", "ca_stairs", "ca_dress_eat", "ca_carer"} <= set(shown)
    assert "ca_carer_strain" not in shown  # needs a family carer too (an "all" condition)
    assert "ca_carer_strain" in ids(visible_questions(v1, {"ca_long_term": True, "ca_carer": "family_daily"}))
    assert "ca_carer_strain" not in ids(visible_questions(v1, {"ca_long_term": True, "ca_carer": "nobody"}))


def test_shelter_question_for_unsafe_houses_only(v1):
    for condition, shown in [("sound", False), ("minor", False), ("dangerous", True), ("collapsed", True)]:
        assert ("ho_shelter" in ids(visible_questions(v1, {"ho_condition": condition}))) is shown


def test_stale_answer_of_hidden_question_opens_nothing(v1):
    # ca_carer answered earlier, then long-term care switched to "no": the strain question stays hidden.
    answers = {"ca_long_term": False, "ca_carer": "family_daily", "ca_carer_strain": 4}
    assert not {"ca_carer", "ca_carer_strain"} & set(ids(visible_questions(v1, answers)))


def test_hidden_answers_are_dropped_and_not_checked(v1):
    answers = {**FINE, "he_chronic": False, "he_medicine_left": "not-an-option", "ca_bathe": 7}
    assert validate_answers(v1, answers) == []
    cleaned = clean_answers(v1, answers)
    assert "he_medicine_left" not in cleaned and "ca_bathe" not in cleaned
    assert score(v1, answers).total == score(v1, cleaned).total


# ---------------------------------------------------------------------------- answer checks
def test_fine_household_validates(v1):
    assert validate_answers(v1, FINE) == []


def test_required_visible_questions_must_be_answered(v1):
    answers = {k: v for k, v in FINE.items() if k != "bl_food"}
    answers["he_chronic"] = True  # makes the required medicine question visible, left unanswered
    errors = validate_answers(v1, answers)
    assert keys(errors) == {("answers.bl_food", "assessment.answer.required"),
                            ("answers.he_medicine_left", "assessment.answer.required")}
    assert errors[0].message("zh_CN") == "请回答：过去一个月，家里的粮食和食物够吃吗？"
    assert errors[0].message("en").startswith("Please answer: In the past month")


def test_optional_questions_may_stay_empty(v1):
    assert validate_answers(v1, {**FINE, "bl_income_month": None, "ps_worries": "", "bl_cannot_afford": []}) == []


@pytest.mark.parametrize("qid,value,key", [
    ("bl_winter_warm", 1, "wrong_type"),            # yes/no needs true/false, not 1
    ("he_self_rated", True, "wrong_type"),          # a scale needs a number, not true
    ("he_self_rated", "3", "wrong_type"),
    ("he_self_rated", 6, "out_of_range"),           # 1..5
    ("he_self_rated", 0, "out_of_range"),
    ("bl_income_month", -5, "out_of_range"),
    ("bl_income_month", 100001, "out_of_range"),
    ("bl_food", "plenty", "unknown_option"),
    ("bl_cannot_afford", "fuel", "wrong_type"),     # multi needs a list
    ("bl_cannot_afford", ["fuel", "fuel"], "duplicate_option"),
    ("bl_cannot_afford", ["fuel", "nothing"], "exclusive_option"),
    ("ps_worries", "担心" * 300, "too_long"),
])
def test_wrong_answers_are_refused(v1, qid, value, key):
    errors = validate_answers(v1, {**FINE, qid: value})
    assert keys(errors) == {(f"answers.{qid}", f"assessment.answer.{key}")}


def test_range_message_names_the_bounds(v1):
    [error] = validate_answers(v1, {**FINE, "he_self_rated": 6})
    assert "1" in error.message("en") and "5" in error.message("en") and "自评健康状况" in error.message("zh_CN")


def test_answers_to_unknown_questions_are_refused(v1):
    assert keys(validate_answers(v1, {**FINE, "favourite_colour": "red"})) == {
        ("answers.favourite_colour", "assessment.answer.unknown_question")}


def test_boundary_values_are_accepted(v1):
    assert validate_answers(v1, {**FINE, "he_self_rated": 1, "bl_income_month": 0}) == []
    assert validate_answers(v1, {**FINE, "he_self_rated": 5, "bl_income_month": 100000}) == []


# ---------------------------------------------------------------------------- scoring
def test_fine_household_is_low_everywhere(v1):
    result = score(v1, FINE)
    assert result.total == 0 and result.priority is Priority.LOW and result.needs == ()
    assert set(result.domains) == set(NeedDomain)


@pytest.mark.parametrize("lonely,mood,expected", [
    ("sometimes", "not_at_all", Priority.LOW),      # 1 point, below medium (2)
    ("often", "not_at_all", Priority.MEDIUM),       # 2 = medium threshold
    ("always", "some_days", Priority.MEDIUM),       # 4, below high (5)
    ("always", "most_days", Priority.HIGH),         # 5 = high threshold
])
def test_domain_thresholds(v1, lonely, mood, expected):
    result = score(v1, {**FINE, "ps_lonely": lonely, "ps_low_mood": mood})
    assert result.domains[NeedDomain.PSYCHOSOCIAL].priority is expected
    assert result.priority is expected


def test_number_bands_score_income(v1):
    assert score(v1, {**FINE, "bl_income_month": 250}).domains[NeedDomain.BASIC_LIVING].score == 3
    assert score(v1, {**FINE, "bl_income_month": 800}).domains[NeedDomain.BASIC_LIVING].score == 1
    assert score(v1, {**FINE, "bl_income_month": 801}).domains[NeedDomain.BASIC_LIVING].score == 0


def test_monday_wang_xiuying(v1):
    assert validate_answers(v1, WANG_XIUYING) == []
    result = score(v1, WANG_XIUYING, lang="zh_CN")
    priorities = result.domain_priorities()
    assert priorities["care"] == "high"
    assert priorities["health"] == "medium"
    assert priorities["psychosocial"] == "medium"
    assert {d for d, p in priorities.items() if p != "low"} == {"care", "health", "psychosocial"}
    assert result.priority is Priority.HIGH
    assert result.triggers == ()
    assert [(n.domain, n.priority) for n in result.needs] == [
        (NeedDomain.CARE, Priority.HIGH), (NeedDomain.HEALTH, Priority.MEDIUM),
        (NeedDomain.PSYCHOSOCIAL, Priority.MEDIUM)]
    care, health, psycho = (n.description for n in result.needs)
    assert "洗澡需要帮助" in care and "不能独立上下楼梯" in care and "独自居住" in care
    assert "不到一周" in health
    assert psycho == "孤单：经常"


def test_monday_needs_described_in_english(v1):
    care = score(v1, WANG_XIUYING, lang="en").needs[0]
    assert "needs help bathing" in care.description and "cannot manage stairs alone" in care.description


def test_tuesday_roof_collapse_is_urgent(v1):
    assert validate_answers(v1, ROOF_COLLAPSED) == []
    result = score(v1, ROOF_COLLAPSED, lang="zh_CN")
    assert result.domains[NeedDomain.HOUSING].priority is Priority.URGENT
    assert result.priority is Priority.URGENT
    assert [h.id for h in result.triggers] == ["house_unsafe"]
    assert result.needs[0].domain is NeedDomain.HOUSING
    assert result.needs[0].description.startswith("紧急：房屋倒塌")
    assert "没有临时安置的地方" in result.needs[0].description


@pytest.mark.parametrize("answers,trigger,domain", [
    ({"bl_food": "none_left"}, "no_food", NeedDomain.BASIC_LIVING),
    ({"pr_violence": True}, "violence", NeedDomain.PROTECTION),
    ({"pr_unsafe_now": True}, "unsafe_now", NeedDomain.PROTECTION),
    ({"ps_self_harm": True}, "self_harm_risk", NeedDomain.PSYCHOSOCIAL),
    ({"he_emergency": True}, "medical_emergency", NeedDomain.HEALTH),
    ({"ho_condition": "dangerous", "ho_shelter": False}, "house_unsafe", NeedDomain.HOUSING),
    ({"ca_long_term": True, "ca_bathe": False, "ca_stairs": True, "ca_dress_eat": False,
      "ca_carer": "nobody"}, "alone_without_care", NeedDomain.CARE),
])
def test_urgent_triggers_override_scores(v1, answers, trigger, domain):
    result = score(v1, {**FINE, **answers})
    assert trigger in [h.id for h in result.triggers]
    assert result.domains[domain].priority is Priority.URGENT
    assert result.priority is Priority.URGENT


def test_dangerous_house_with_shelter_is_not_a_trigger(v1):
    result = score(v1, {**FINE, "ho_condition": "dangerous", "ho_shelter": True})
    assert result.triggers == ()
    assert result.domains[NeedDomain.HOUSING].priority is Priority.MEDIUM


def test_trigger_on_hidden_question_does_not_fire(v1):
    # ca_carer "nobody" + cannot dress, but long-term care is "no": those answers are hidden.
    answers = {**FINE, "ca_long_term": False, "ca_carer": "nobody", "ca_dress_eat": False}
    assert score(v1, answers).triggers == ()


# ---------------------------------------------------------------------------- rendering and versions
def test_latest_version_is_default(v1, v2):
    assert load_template("needs").version == 2
    assert v1.version == 1 and v2.version == 2


def test_v2_is_a_small_revision(v1, v2):
    assert set(ids(v2.questions)) - set(ids(v1.questions)) == {"he_aids"}
    assert set(ids(v1.questions)) - set(ids(v2.questions)) == {"ss_activities"}
    assert v1.question("ps_lonely").text != v2.question("ps_lonely").text


def test_v1_answers_render_with_their_own_template_after_v2_exists(v1, v2):
    lines = {ln.question_id: ln for ln in describe_answers(v1.body, WANG_XIUYING, "zh_CN")}
    assert lines["ps_lonely"].question == "最近是否常常感到孤单？"   # v1 wording, not v2's
    assert lines["ps_lonely"].answer == "经常"
    assert lines["ss_activities"].question.startswith("是否参加村里的集体活动")
    assert lines["ss_activities"].answer == "否"
    assert lines["ca_bathe"].answer == "否" and lines["he_self_rated"].answer == "3（1–5）"
    assert all(ln.known for ln in lines.values())
    # and they still score the same with v1, even though v2 is the latest
    assert score(v1, WANG_XIUYING).priority is Priority.HIGH


def test_answers_whose_question_was_removed_still_render(v2):
    lines = describe_answers(v2.body, WANG_XIUYING, "en")
    removed = [ln for ln in lines if not ln.known]
    assert [(ln.question_id, ln.answer) for ln in removed] == [("ss_activities", "false")]
    assert "ss_activities" in removed[0].question
    assert lines[-1] is removed[-1]


def test_describe_tolerates_answers_the_template_no_longer_fits(v1):
    lines = {ln.question_id: ln.answer for ln in describe_answers(
        v1.body, {"bl_food": "gone_option", "he_self_rated": "three", "bl_cannot_afford": ["fuel", "x"]}, "zh_CN")}
    assert lines == {"bl_food": "gone_option", "he_self_rated": "three", "bl_cannot_afford": "做饭取暖的燃料、x"}


def test_describe_renders_units_and_lists_in_english(v1):
    lines = {ln.question_id: ln.answer for ln in describe_answers(
        v1, {"bl_income_month": 450, "bl_cannot_afford": ["fuel", "clothing"], "he_chronic": True}, "en")}
    assert lines == {"he_chronic": "Yes", "bl_income_month": "450 yuan",
                     "bl_cannot_afford": "Fuel for cooking and heating, Clothing and bedding"}


def test_v2_scenario_scores_the_same(v2):
    answers = v2_answers(WANG_XIUYING)
    assert validate_answers(v2, answers) == []
    assert score(v2, answers).priority is Priority.HIGH
    assert "ss_activities" in [e.field.split(".")[1] for e in validate_answers(v2, WANG_XIUYING)]
