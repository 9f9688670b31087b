"""Drafts of open forms (local, offered back), prefilled answers from the household, and assessments
saved half-done that count nowhere until finished."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from outreach.domain.errors import OutreachError, ValidationError
from outreach.services import assessments, drafts, people
from outreach.services.prefill import prefill_answers
from outreach.storage.tables import ChangeLog, Need

from .conftest import TODAY


# ---------------------------------------------------------------------------- drafts
def test_a_draft_is_kept_rewritten_listed_and_discarded(store):
    key = drafts.draft_key("member", household_id="h1", person_id=None)
    assert key == "member:h1:new"
    drafts.save_draft(store, key=key, kind="member", params={"household_id": "h1"},
                      state={"name": "李四", "birth_date": "20160308"}, summary="李四",
                      saved_at=datetime(2026, 12, 1, 8, tzinfo=UTC))
    drafts.save_draft(store, key=key, kind="member", params={"household_id": "h1"},
                      state={"name": "李四光", "birth_date": "2016-03-08"}, summary="李四光")
    drafts.save_draft(store, key="visit:h2", kind="visit", params={"household_id": "h2"}, state={"notes": "x"},
                      saved_at=datetime(2026, 11, 1, tzinfo=UTC))
    got = drafts.get_draft(store, key)
    assert got is not None and got.state == {"name": "李四光", "birth_date": "2016-03-08"}
    assert got.params == {"household_id": "h1"} and got.worker == "李娜" and got.saved_at.tzinfo is not None
    assert [d.key for d in drafts.list_drafts(store)] == [key, "visit:h2"]  # newest first
    assert drafts.discard_draft(store, key) is True
    assert drafts.discard_draft(store, key) is False
    assert drafts.get_draft(store, key) is None


def test_drafts_are_local_never_change_logged(store):
    drafts.save_draft(store, key="visit:h2", kind="visit", params={}, state={"notes": "x"})
    with store.connect() as conn:
        logged = conn.execute(select(ChangeLog.__table__.c.entity)).scalars().all()
    assert "form_draft" not in logged


def test_unknown_form_kind_is_a_programming_error(store):
    with pytest.raises(ValueError):
        drafts.save_draft(store, key="x", kind="letter", params={}, state={})


# ---------------------------------------------------------------------------- prefill
@dataclass(frozen=True)
class M:
    id: str
    birth_date: date | None
    status: str = "present"
    flags: frozenset[str] = frozenset()
    disability_grade: int | None = None


def _values(p):
    return {k: v.value for k, v in p.items()}


def test_school_age_children_follow_from_ages():
    kids = [M("a", date(1980, 1, 1)), M("b", date(2015, 6, 1))]   # 11 years old
    assert _values(prefill_answers(kids, today=TODAY))["ed_school_age"] is True
    adults = [M("a", date(1980, 1, 1)), M("b", date(1950, 1, 1))]
    assert _values(prefill_answers(adults, today=TODAY))["ed_school_age"] is False
    unknown = [M("a", date(1980, 1, 1)), M("b", None)]
    assert "ed_school_age" not in prefill_answers(unknown, today=TODAY)  # an unknown age settles nothing
    toddler = [M("a", date(1990, 1, 1)), M("b", date(2023, 1, 1))]
    assert _values(prefill_answers(toddler, today=TODAY))["ed_school_age"] is False
    moved = [M("a", date(1980, 1, 1)), M("b", date(2015, 6, 1), status="moved")]
    assert _values(prefill_answers(moved, today=TODAY))["ed_school_age"] is False


def test_lives_alone_follows_from_who_is_at_home_and_the_flag():
    mother = M("m", date(1944, 5, 3), flags=frozenset({"elder_alone", "chronic_illness"}))
    son_away = M("s", date(1972, 8, 9), status="away_for_work")
    got = prefill_answers([mother, son_away], today=TODAY)
    assert got["ca_lives_alone"].value is True and got["he_chronic"].value is True
    couple = [M("a", date(1950, 1, 1)), M("b", date(1952, 1, 1))]
    got = prefill_answers(couple, today=TODAY)
    assert got["ca_lives_alone"].value is False and "he_chronic" not in got
    assert prefill_answers([], today=TODAY) == {}


def test_chronic_illness_is_the_assessed_persons_own():
    ill = M("a", date(1950, 1, 1), flags=frozenset({"chronic_illness"}))
    well = M("b", date(1952, 1, 1))
    assert prefill_answers([ill, well], person_id="a", today=TODAY)["he_chronic"].value is True
    assert "he_chronic" not in prefill_answers([ill, well], person_id="b", today=TODAY)
    assert prefill_answers([ill, well], today=TODAY)["he_chronic"].value is True  # whole household


def test_severe_disability_means_long_term_care():
    severe = M("a", date(1960, 1, 1), flags=frozenset({"disability"}), disability_grade=1)
    mild = M("b", date(1960, 1, 1), flags=frozenset({"disability"}), disability_grade=4)
    assert prefill_answers([severe, mild], today=TODAY)["ca_long_term"].value is True
    assert "ca_long_term" not in prefill_answers([mild], today=TODAY)


def test_prefill_from_stored_members(store, family):
    members = people.list_members(store, family["household"])
    got = prefill_answers(members, person_id=family["mother"], today=TODAY)
    assert got["ca_lives_alone"].value is True and got["he_chronic"].value is True
    assert got["ed_school_age"].value is False


# ---------------------------------------------------------------------------- incomplete assessments
def _needs(store, aid):
    with store.connect() as conn:
        return conn.execute(select(Need.__table__.c.id).where(Need.__table__.c.assessment_id == aid)).all()


def test_an_incomplete_assessment_opens_no_needs_and_is_finished_later(store, family):
    hid = family["household"]
    half = {"bl_income_source": "none", "bl_food": "none_left"}
    with pytest.raises(ValidationError):
        assessments.record_assessment(store, household_id=hid, assessed_on=TODAY, answers=half, today=TODAY)
    saved = assessments.record_assessment(store, household_id=hid, assessed_on=TODAY, answers=half,
                                          complete=False, today=TODAY)
    assert saved.complete is False and saved.need_ids == [] and _needs(store, saved.id) == []
    assert assessments.latest_priority(store, hid) is None   # counts nowhere yet
    resumed = assessments.open_incomplete(store, hid)
    assert resumed is not None and resumed.id == saved.id and resumed.answers == half and not resumed.complete
    with pytest.raises(ValidationError):  # completing still needs every required answer
        assessments.finish_assessment(store, saved.id, answers=half, assessed_on=TODAY, today=TODAY)
    full = assessments.get_assessment(store, saved.id).answers | _all_no(store)
    done = assessments.finish_assessment(store, saved.id, answers=full, assessed_on=TODAY, today=TODAY)
    assert done.complete and done.need_ids and len(_needs(store, saved.id)) == len(done.need_ids)
    assert assessments.latest_priority(store, hid) is not None
    assert assessments.open_incomplete(store, hid) is None
    with pytest.raises(OutreachError):
        assessments.finish_assessment(store, saved.id, answers=full, assessed_on=TODAY, today=TODAY)


def _all_no(store) -> dict:
    """Answers for every required question (no / the first option / the scale's top)."""
    from outreach.domain.assessment import load_template

    t = load_template("needs")
    out = {}
    for section in t.sections:
        for q in section.questions:
            if q.type == "yesno":
                out[q.id] = False
            elif q.type == "single":
                out[q.id] = q.options[0].value
            elif q.type == "scale":
                out[q.id] = q.max
            elif q.type == "multi":
                out[q.id] = [q.options[-1].value]
    out.pop("bl_income_source")
    out.pop("bl_food")
    return out
