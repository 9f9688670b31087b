"""XLSForm import and filling: what ODK would show (relevant), refuse (constraint, required), compute
(calculate, repeat_count, choice_filter); what cannot be imported is listed row by row, nothing saved."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from outreach.cli.main import main
from outreach.domain.errors import ValidationError
from outreach.forms.engine import FormSession
from outreach.forms.xlsform import bilingual, language_of, read_form
from outreach.services.assessments import get_assessment
from outreach.services.followups import urgent_needs_without_referral
from outreach.services.forms import import_form_file, list_forms, record_form, record_scale
from outreach.storage.tables import Area, AssessmentTemplate, Household, Need, Person

from .xlsforms import CASCADE_MD, NEEDS_SURVEY, UNSUPPORTED_SURVEY, needs_form, write_xlsx

MONDAY = date(2024, 6, 10)


@pytest.fixture
def needs(tmp_path):
    return read_form(needs_form(tmp_path)).definition


def keys(session):
    return [f.key for f in session.fields(include_notes=False)]


# ---------------------------------------------------------------------------- languages
def test_language_columns_map_to_the_app_languages():
    assert [language_of(x) for x in ("Chinese (zh)", "chinese", "中文", "zh-CN", "English (en)", "english",
                                     "French (fr)")] == ["zh_CN"] * 4 + ["en", "en", None]
    assert bilingual({"English (en)": "Age"}) == {"zh_CN": "Age", "en": "Age"}        # falls back
    assert bilingual({"French (fr)": "Âge", "default": "年龄"}) == {"zh_CN": "年龄", "en": "年龄"}
    assert bilingual("Name") == {"zh_CN": "Name", "en": "Name"}


# ---------------------------------------------------------------------------- skip logic (relevant)
def test_relevant_follows_the_answers_as_odk_does(needs):
    s = FormSession(needs, {})
    assert ("food_days",) not in keys(s)                         # unanswered: ${food_enough} = 'no' false
    s.set(("food_enough",), "no")
    assert ("food_days",) in keys(s)
    s.set(("food_enough",), "yes")
    assert ("food_days",) not in keys(s)


def test_repeat_count_makes_one_entry_per_member_and_unanswered_age_hides_the_question(needs):
    s = FormSession(needs, {"members_n": 2})
    members = [k for k in keys(s) if k[0] == "members"]
    assert members == [("members", 0, "m_name"), ("members", 0, "m_age"), ("members", 1, "m_name"),
                       ("members", 1, "m_age")]               # m_walk: ${m_age} >= 5 is NaN-false
    s.set(("members", 1, "m_age"), 70)
    assert ("members", 1, "m_walk") in keys(s) and ("members", 0, "m_walk") not in keys(s)
    s.set(("members", 0, "m_age"), 3)
    assert ("members", 0, "m_walk") not in keys(s)


def test_other_option_opens_the_specify_question(needs):
    s = FormSession(needs, {"income": ["farming", "other"]})
    assert ("income_other",) in keys(s)


def test_choice_filter_cascades(tmp_path):
    path = tmp_path / "dibao.md"
    path.write_text(CASCADE_MD, encoding="utf-8")
    form = read_form(path)
    assert form.usable
    s = FormSession(form.definition, {"town": "t2"})
    village = next(f for f in s.fields() if f.key == ("village",))
    assert [c["name"] for c in s.choices(village)] == ["v3"]
    assert ("dibao",) not in keys(s)
    s.set(("village",), "v3")
    s.set(("dibao",), "no")
    assert ("why_not",) in keys(s)
    assert village.label(s, "zh_CN") == "村" and village.label(s, "en") == "Village"


# ---------------------------------------------------------------------------- constraints, required
def test_constraint_refuses_what_odk_refuses_with_the_forms_message(needs):
    s = FormSession(needs, {"consent": "OK", "visit_date": "2024-06-10", "head_age": 130, "head_sex": "female",
                            "food_enough": "yes", "members_n": 0})
    problems = s.validate()
    assert [(p.key, p.code) for p in problems] == [(("head_age",), "constraint")]
    assert problems[0].message("zh_CN") == "年龄应在15到110岁之间"
    assert problems[0].message("en") == "Age must be between 15 and 110"
    s.set(("head_age",), 110)
    assert s.validate() == []


def test_future_date_and_required_refused(needs):
    s = FormSession(needs, {"visit_date": "2999-01-01", "food_enough": "no"})
    codes = {p.key: p.code for p in s.validate()}
    assert codes[("visit_date",)] == "constraint"
    assert codes[("consent",)] == "required" and codes[("food_days",)] == "required"
    assert ("members", 0, "m_name") not in codes                  # members_n defaults to 0


def test_hidden_answers_are_dropped_when_stored(needs):
    s = FormSession(needs, {"food_enough": "no", "food_days": 12})
    s.set(("food_enough",), "yes")
    assert "food_days" not in s.clean_answers() and s.clean_answers()["food_enough"] == "yes"


def test_calculations_and_label_interpolation(needs):
    s = FormSession(needs, {"food_enough": "no", "food_days": 12, "members_n": 2,
                            "members": [{"m_age": 40, "m_walk": "a_lot"}, {"m_age": 8, "m_walk": "none"}]})
    assert s.calculated()["food_score"] == "10" and s.calculated()["walk_count"] == "1"
    note = next(f for f in s.fields() if f.key == ("summary",))
    assert note.label(s, "en") == "Food score: 10"


# ---------------------------------------------------------------------------- what cannot be imported
def test_unsupported_rows_are_listed_row_by_row_and_nothing_is_saved(store, tmp_path):
    path = write_xlsx(tmp_path / "field.xlsx", UNSUPPORTED_SURVEY, form_id="field_check")
    report = import_form_file(store, path, lang="en")
    assert not report.saved and report.version is None
    assert [(u["row"], u["name"]) for u in report.unsupported] == [(3, "route"), (4, "photo"), (5, "district")]
    assert "geotrace" in report.unsupported[0]["reason"] and "pulldata" in report.unsupported[2]["reason"]
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AssessmentTemplate.__table__)).scalar_one() == 0


def test_a_broken_form_is_refused_with_pyxforms_reason(store, tmp_path):
    path = write_xlsx(tmp_path / "broken.xlsx", [["select_one nolist", "q", "问", "Q"]])
    report = import_form_file(store, path)
    assert not report.saved and report.unsupported and report.unsupported[0]["row"] is None


# ---------------------------------------------------------------------------- stored, versioned, scored
@pytest.fixture
def household(store):
    with store.transaction() as w:
        w.insert(Area, {"id": "530123101201", "name": "东坪村", "level": "village"})
        h = w.insert(Household, {"code": "东坪-0150", "village_id": "530123101201"})
        p = w.insert(Person, {"household_id": h, "name": "王秀英", "sex": "female", "relation": "self"})
    return h, p


GOOD = {"consent": "OK", "visit_date": "2024-06-10", "head_age": 71, "head_sex": "female", "food_enough": "no",
        "food_days": 12, "members_n": 0}


def test_import_versions_and_old_answers_still_render(store, tmp_path, household):
    hh, _ = household
    first = import_form_file(store, needs_form(tmp_path))
    assert (first.saved, first.key, first.version, first.questions) == (True, "hh_needs", 1, 12)
    again = import_form_file(store, needs_form(tmp_path))
    assert again.unchanged and again.version == 1
    recorded = record_form(store, household_id=hh, key="hh_needs", answers=GOOD, assessed_on=MONDAY,
                           lang="zh_CN", today=MONDAY)
    changed = [r if r[:2] != ["integer", "food_days"] else [*r[:2], "断粮天数", "Days without food", *r[4:]]
               for r in NEEDS_SURVEY]
    second = import_form_file(store, write_xlsx(tmp_path / "v2.xlsx", changed))
    assert second.version == 2 and [f.version for f in list_forms(store)] == [2]
    lines = {line.question: line.answer for line in get_assessment(store, recorded.id, lang="zh_CN").lines}
    assert lines["有几天没有足够的食物？"] == "12"                    # the wording of version 1
    assert lines["户主性别"] == "女"


def test_a_score_reaching_a_threshold_opens_a_need(store, tmp_path, household):
    hh, _ = household
    import_form_file(store, needs_form(tmp_path))
    recorded = record_form(store, household_id=hh, key="hh_needs", answers=GOOD, assessed_on=MONDAY,
                           lang="en", today=MONDAY)
    assert recorded.score == 10 and recorded.priority.value == "high"
    with store.connect() as conn:
        need = conn.execute(select(Need.__table__).where(Need.__table__.c.assessment_id == recorded.id)).one()
    assert (need.domain, need.priority) == ("basic_living", "high") and "food_score = 10" in need.description


def test_a_refused_answer_set_writes_nothing(store, tmp_path, household):
    hh, _ = household
    import_form_file(store, needs_form(tmp_path))
    with pytest.raises(ValidationError) as exc:
        record_form(store, household_id=hh, key="hh_needs", answers={**GOOD, "head_age": 7}, assessed_on=MONDAY,
                    today=MONDAY)
    assert exc.value.errors[0].field == "answers.head_age"
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Need.__table__)).scalar_one() == 0


def test_phq9_item9_puts_the_person_on_todays_list_with_the_flags_wording(store, household):
    hh, person = household
    recorded = record_scale(store, household_id=hh, person_id=person, scale="phq9",
                            answers=[0, 1, 0, 0, 0, 0, 0, 0, 1], assessed_on=MONDAY, lang="zh_CN", today=MONDAY)
    assert recorded.flags == ["suicidal_ideation"] and recorded.priority.value == "urgent"
    urgent = urgent_needs_without_referral(store)
    assert len(urgent) == 1 and "伤害自己" in urgent[0].description
    lines = get_assessment(store, recorded.id, lang="en").lines
    assert lines[-1].question.startswith("9. Thoughts that you would be better off dead")
    assert lines[-1].answer == "Several days (1)"


def test_barthel_severe_opens_a_high_care_need(store, household):
    hh, person = household
    recorded = record_scale(store, household_id=hh, person_id=person, scale="barthel", answers=[0] * 10,
                            assessed_on=MONDAY, lang="en", today=MONDAY)
    assert (recorded.score, recorded.band, recorded.priority.value) == (0, "severe", "high")


# ---------------------------------------------------------------------------- CLI
def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_and_list(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, _ = run(capsys, "--data-dir", str(data), "forms", "import", str(needs_form(tmp_path)), "--json")
    report = json.loads(out)
    assert code == 0 and (report["key"], report["version"], report["questions"], report["unsupported"]) == (
        "hh_needs", 1, 12, [])
    code, out, _ = run(capsys, "--data-dir", str(data), "forms", "list", "--json")
    assert code == 0 and [(f["key"], f["version"]) for f in json.loads(out)] == [("hh_needs", 1)]


def test_cli_refused_import_exits_non_zero_and_lists_rows(tmp_path, capsys):
    data = tmp_path / "data"
    path = write_xlsx(tmp_path / "field.xlsx", UNSUPPORTED_SURVEY, form_id="field_check")
    code, out, _ = run(capsys, "--data-dir", str(data), "--lang", "en", "forms", "import", str(path))
    assert code == 2 and "nothing was saved" in out and "row 3 route" in out
    code, out, _ = run(capsys, "--data-dir", str(data), "forms", "list", "--json")
    assert json.loads(out) == []


def test_member_repeat_is_filled_from_the_households_members(needs):
    s = FormSession(needs, {})
    assert s.prefill_members([{"name": "王秀英", "age": 81}, {"name": "李小明", "age": 9, "sex": "male"}])
    assert s.get(("members_n",)) == 2
    assert [s.get(("members", i, "m_name")) for i in (0, 1)] == ["王秀英", "李小明"]
    assert s.get(("members", 0, "m_age")) == 81 and ("members", 1, "m_walk") in keys(s)


def test_import_is_refused_on_a_workers_laptop(store, tmp_path, monkeypatch):
    team_data = pytest.importorskip("outreach.services.team_data")
    monkeypatch.setattr(team_data, "can_edit_team_data", lambda _store: False)
    with pytest.raises(team_data.TeamDataReadOnly):
        import_form_file(store, needs_form(tmp_path))
    assert list_forms(store) == []


ROSTER_MD = """
| survey |
|        | type         | name    | label                                  | constraint                         | calculation | repeat_count |
|        | begin repeat | names   | Names                                  |                                    |             |              |
|        | text         | name    | First name                             |                                    |             |              |
|        | end repeat   |         |                                        |                                    |             |              |
|        | calculate    | n       |                                        |                                    | count(${name}) |           |
|        | begin repeat | bio     | Details                                |                                    |             | ${n}         |
|        | calculate    | who     |                                        |                                    | indexed-repeat(${name}, ${names}, position(..)) | |
|        | integer      | age     | How old is ${who}?                     | (. >= 0 and . < 96) or (. = 999)   |             |              |
|        | end repeat   |         |                                        |                                    |             |              |
|        | calculate    | eldest  |                                        |                                    | max(${age}) |              |
"""


def test_roster_pattern_of_real_household_surveys(tmp_path):
    # The pattern of the public WASH household surveys tried by hand: names first, then a repeat
    # per name whose labels say the name (indexed-repeat), "or" in constraints, max() over a repeat.
    path = tmp_path / "roster.md"
    path.write_text(ROSTER_MD, encoding="utf-8")
    form = read_form(path)
    assert form.usable, [u.as_json("en") for u in form.unsupported]
    s = FormSession(form.definition, {"names": [{"name": "Wanjiru"}, {"name": "Otieno"}]})
    labels = [f.label(s, "en") for f in s.fields() if f.key[0] == "bio"]
    assert labels == ["How old is Wanjiru?", "How old is Otieno?"]
    s.set(("bio", 0, "age"), 120)
    s.set(("bio", 1, "age"), 999)                       # the survey's "don't know" code is allowed
    assert [(p.key, p.code) for p in s.validate()] == [(("bio", 0, "age"), "constraint")]
    s.set(("bio", 0, "age"), 40)
    assert s.calculated()["eldest"] == "999"


def test_geopoint_is_typed_as_coordinates(tmp_path):
    path = write_xlsx(tmp_path / "gps.xlsx", [["geopoint", "home", "住址坐标", "Home location"]], form_id="gps")
    s = FormSession(read_form(path).definition, {"home": "25.04 102.71 1890 5"})
    assert s.validate() == []
    s.set(("home",), "102.71 25.04 x")
    assert [p.code for p in s.validate()] == ["type"]
