"""record_assessment and the read side, against a real (in-memory) store."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from outreach.domain.assessment import load_template
from outreach.domain.enums import Priority
from outreach.domain.errors import NotFound, ValidationError
from outreach.services.assessments import (
    get_assessment,
    latest_priority,
    list_assessments,
    record_assessment,
)
from outreach.storage.tables import Area, Assessment, AssessmentTemplate, ChangeLog, Household, Need, Person

from ._scenarios import FINE, ROOF_COLLAPSED, WANG_XIUYING, v2_answers

MONDAY = date(2024, 5, 6)


@pytest.fixture
def dongping(store):
    """东坪村 with household 东坪-0150 (王秀英) and 东坪-0143; returns their ids."""
    with store.transaction() as w:
        w.insert(Area, {"id": "530123101201", "name": "东坪村", "level": "village"})
        h150 = w.insert(Household, {"code": "东坪-0150", "village_id": "530123101201"})
        h143 = w.insert(Household, {"code": "东坪-0143", "village_id": "530123101201"})
        wang = w.insert(Person, {"household_id": h150, "name": "王秀英", "sex": "female", "relation": "self"})
        other = w.insert(Person, {"household_id": h143, "name": "刘建华", "relation": "self"})
    return {"h150": h150, "h143": h143, "wang": wang, "other": other}


def count(store, model, **where):
    table = model.__table__
    query = select(func.count()).select_from(table)
    for k, v in where.items():
        query = query.where(table.c[k] == v)
    with store.connect() as conn:
        return conn.execute(query).scalar_one()


def rows(store, model, **where):
    table = model.__table__
    query = select(table)
    for k, v in where.items():
        query = query.where(table.c[k] == v)
    with store.connect() as conn:
        return conn.execute(query).mappings().all()


def record_wang(store, ids, **kw):
    args = {"household_id": ids["h150"], "person_id": ids["wang"], "assessed_on": MONDAY,
            "answers": WANG_XIUYING, "template_version": 1, "lang": "zh_CN", **kw}
    return record_assessment(store, **args)


def test_monday_assessment_writes_snapshot_assessment_and_needs(store, dongping):
    result = record_wang(store, dongping)
    assert result.priority is Priority.HIGH
    assert (result.template_key, result.template_version) == ("needs", 1)
    assert result.domain_priorities["care"] == "high"
    [tpl] = rows(store, AssessmentTemplate)
    assert (tpl["template_key"], tpl["version"], tpl["id"]) == ("needs", 1, result.template_id)
    assert tpl["body"] == load_template("needs", 1).body
    [row] = rows(store, Assessment)
    assert row["priority"] == "high" and row["score"] == result.score and row["assessed_on"] == MONDAY
    assert row["person_id"] == dongping["wang"] and row["created_by"] == "李娜"
    needs = {n["domain"]: n for n in rows(store, Need)}
    assert set(needs) == {"care", "health", "psychosocial"}
    assert {d: n["priority"] for d, n in needs.items()} == {"care": "high", "health": "medium",
                                                          "psychosocial": "medium"}
    assert all(n["status"] == "open" and n["assessment_id"] == result.id and n["person_id"] == dongping["wang"]
               and n["household_id"] == dongping["h150"] for n in needs.values())
    assert "洗澡需要帮助" in needs["care"]["description"]
    assert result.need_ids[0] == needs["care"]["id"]


def test_every_row_written_is_in_the_change_log(store, dongping):
    before = count(store, ChangeLog)
    result = record_wang(store, dongping)
    logged = rows(store, ChangeLog)[before:]
    assert {(c["entity"], c["row_id"]) for c in logged} == (
        {("assessmenttemplate", result.template_id), ("assessment", result.id)}
        | {("need", n) for n in result.need_ids})
    assert all(c["field"] == "*" and c["worker"] == "李娜" for c in logged)


def test_template_snapshot_is_stored_once_per_version(store, dongping):
    first = record_wang(store, dongping)
    second = record_assessment(store, household_id=dongping["h143"], assessed_on=MONDAY, answers=FINE,
                               template_version=1)
    assert second.template_id == first.template_id and count(store, AssessmentTemplate) == 1
    third = record_assessment(store, household_id=dongping["h143"], assessed_on=MONDAY,
                              answers=v2_answers(FINE))
    assert third.template_version == 2 and third.template_id != first.template_id
    assert count(store, AssessmentTemplate) == 2


def test_stored_snapshot_wins_over_the_shipped_file(store, dongping):
    # Another laptop stored needs v1 first; its body is what v1 means from now on.
    import json

    body = json.loads(load_template("needs", 1).body)
    psycho = next(s for s in body["sections"] if s["domain"] == "psychosocial")
    psycho["thresholds"] = {"medium": 9}
    with store.transaction() as w:
        w.insert(AssessmentTemplate, {"template_key": "needs", "version": 1, "body": json.dumps(body)})
    result = record_wang(store, dongping)
    assert result.domain_priorities["psychosocial"] == "low"
    assert count(store, AssessmentTemplate) == 1


def test_hidden_answers_are_not_stored(store, dongping):
    answers = {**FINE, "he_medicine_left": "none"}  # he_chronic is False: the question is hidden
    result = record_assessment(store, household_id=dongping["h143"], assessed_on=MONDAY, answers=answers,
                               template_version=1)
    assert "he_medicine_left" not in result.answers
    assert "he_medicine_left" not in get_assessment(store, result.id).answers


def test_fine_household_opens_no_needs(store, dongping):
    result = record_assessment(store, household_id=dongping["h143"], assessed_on=MONDAY, answers=v2_answers(FINE))
    assert result.priority is Priority.LOW and result.need_ids == [] and count(store, Need) == 0


def test_create_needs_false(store, dongping):
    result = record_wang(store, dongping, create_needs=False)
    assert result.need_ids == [] and count(store, Need) == 0 and count(store, Assessment) == 1


def test_tuesday_roof_collapse_opens_an_urgent_housing_need(store, dongping):
    result = record_assessment(store, household_id=dongping["h143"], assessed_on=MONDAY + timedelta(days=1),
                               answers=v2_answers(ROOF_COLLAPSED), lang="en")
    assert result.priority is Priority.URGENT and result.triggers == ["house_unsafe"]
    [need] = rows(store, Need)
    assert (need["domain"], need["priority"]) == ("housing", "urgent")
    assert need["description"].startswith("Urgent: house collapsed")
    assert latest_priority(store, dongping["h143"]) is Priority.URGENT


def _nothing_written(store, before):
    assert count(store, ChangeLog) == before
    for model in (AssessmentTemplate, Assessment, Need):
        assert count(store, model) == 0


@pytest.mark.parametrize("changes,field,key", [
    ({"assessed_on": date.today() + timedelta(days=1)}, "assessed_on", "assessment.error.future_date"),
    ({"answers": {**WANG_XIUYING, "he_self_rated": 9}}, "answers.he_self_rated", "assessment.answer.out_of_range"),
    ({"answers": {k: v for k, v in WANG_XIUYING.items() if k != "ca_bathe"}}, "answers.ca_bathe",
     "assessment.answer.required"),
    ({"household_id": "0" * 32, "person_id": None}, "household_id", "assessment.error.unknown_household"),
    ({"person_id": "f" * 32}, "person_id", "assessment.error.unknown_person"),
    ({"notes": "很" * 5001}, "notes", "assessment.error.notes_too_long"),
])
def test_invalid_input_writes_nothing(store, dongping, changes, field, key):
    before = count(store, ChangeLog)
    with pytest.raises(ValidationError) as info:
        record_wang(store, dongping, **changes)
    assert [(e.field, e.key) for e in info.value.errors] == [(field, key)]
    _nothing_written(store, before)


def test_person_of_another_household_is_refused(store, dongping):
    before = count(store, ChangeLog)
    with pytest.raises(ValidationError) as info:
        record_wang(store, dongping, person_id=dongping["other"])
    assert info.value.for_field("person_id")[0].message("zh_CN") == "这位成员不属于这一户"
    _nothing_written(store, before)


def test_future_date_message_in_both_languages(store, dongping):
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        record_wang(store, dongping, assessed_on=tomorrow)
    [error] = info.value.errors
    assert error.message("zh_CN") == f"评估日期 {tomorrow.isoformat()} 不能晚于今天"
    assert "future" in error.message("en")


def test_today_is_allowed_and_datetime_is_not(store, dongping):
    from datetime import datetime

    assert record_wang(store, dongping, assessed_on=date.today()).priority is Priority.HIGH
    with pytest.raises(ValidationError) as info:
        record_wang(store, dongping, assessed_on=datetime(2024, 5, 6, 9, 0))
    assert info.value.errors[0].key == "assessment.error.bad_date"


def test_unknown_template_is_refused(store, dongping):
    with pytest.raises(NotFound):
        record_wang(store, dongping, template_key="nosuch")
    assert count(store, Assessment) == 0


def test_get_assessment_renders_answers_with_its_own_template(store, dongping):
    result = record_wang(store, dongping, notes="邻居张大妈作证")
    detail = get_assessment(store, result.id, lang="zh_CN")
    assert (detail.template_key, detail.template_version, detail.notes) == ("needs", 1, "邻居张大妈作证")
    lines = {ln.question_id: ln for ln in detail.lines}
    # v2 is the latest, but this v1 assessment reads with its v1 wording and its removed question
    assert lines["ps_lonely"].question == "最近是否常常感到孤单？" and lines["ps_lonely"].answer == "经常"
    assert lines["ss_activities"].known and lines["ss_activities"].answer == "否"
    assert detail.domain_priorities["care"] == "high" and detail.priority is Priority.HIGH
    english = get_assessment(store, result.id, lang="en")
    assert {ln.question_id: ln.answer for ln in english.lines}["ca_bathe"] == "No"
    with pytest.raises(NotFound):
        get_assessment(store, "0" * 32)


def test_list_and_latest_priority(store, dongping):
    assert list_assessments(store, dongping["h150"]) == [] and latest_priority(store, dongping["h150"]) is None
    first = record_wang(store, dongping, assessed_on=MONDAY - timedelta(days=90))
    follow = record_assessment(store, household_id=dongping["h150"], assessed_on=MONDAY,
                               answers=v2_answers(FINE))
    listed = list_assessments(store, dongping["h150"])
    assert [a.id for a in listed] == [follow.id, first.id]
    assert [(a.template_version, a.priority) for a in listed] == [(2, Priority.LOW), (1, Priority.HIGH)]
    assert latest_priority(store, dongping["h150"]) is Priority.LOW
    assert list_assessments(store, dongping["h143"]) == []
