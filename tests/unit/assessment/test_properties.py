"""Properties over random answer sets for every shipped template."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.domain.assessment import (
    available_templates,
    clean_answers,
    describe_answers,
    load_template,
    score,
    validate_answers,
    visible_questions,
)
from outreach.domain.enums import Priority

VERSIONS = available_templates()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def valid_value(q):
    if q.type == "yesno":
        return st.booleans()
    if q.type == "single":
        return st.sampled_from([o.value for o in q.options])
    if q.type == "multi":
        plain = [o.value for o in q.options if not o.exclusive]
        alone = [[o.value] for o in q.options if o.exclusive]
        # a required multi needs a choice ("none of these" is an exclusive option, not an empty list)
        return st.lists(st.sampled_from(plain), unique=True, min_size=int(q.required)) | st.sampled_from(
            alone or [plain[:1]])
    if q.type in ("scale", "number"):
        return st.integers(q.min if q.min is not None else -1000, q.max if q.max is not None else 1000)
    return st.text(max_size=30)


def answer_sets(template):
    """Required questions always answered (visible or not), optional ones sometimes."""
    required = {q.id: valid_value(q) for q in template.questions if q.required}
    optional = {q.id: valid_value(q) for q in template.questions if not q.required}
    return st.fixed_dictionaries(required, optional=optional)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize("key,version", VERSIONS, ids=lambda v: str(v))
@SETTINGS
@given(data=st.data())
def test_valid_answer_sets_score_consistently(key, version, data):
    template = load_template(key, version)
    answers = data.draw(answer_sets(template))
    assert validate_answers(template, answers) == []
    result = score(template, answers, lang="en")
    ranks = [r.priority.rank for r in result.domains.values()]
    assert result.priority.rank == max(ranks) and all(result.priority.rank >= r for r in ranks)
    assert result.total == sum(r.score for r in result.domains.values())
    for hit in result.triggers:
        assert result.domains[hit.domain].priority is Priority.URGENT
    assert {n.domain for n in result.needs} == {d for d, r in result.domains.items()
                                                if r.priority.rank >= Priority.MEDIUM.rank}
    assert all(n.description for n in result.needs)


@pytest.mark.parametrize("key,version", VERSIONS, ids=lambda v: str(v))
@SETTINGS
@given(data=st.data())
def test_dropping_hidden_answers_changes_nothing(key, version, data):
    template = load_template(key, version)
    answers = data.draw(answer_sets(template))
    cleaned = clean_answers(template, answers)
    assert visible_questions(template, cleaned) == visible_questions(template, answers)
    assert validate_answers(template, cleaned) == []
    assert score(template, cleaned, lang="zh_CN") == score(template, answers, lang="zh_CN")
    assert clean_answers(template, cleaned) == cleaned
    shown = {q.id for q in visible_questions(template, answers)}
    assert set(cleaned) <= shown


@pytest.mark.parametrize("key,version", VERSIONS, ids=lambda v: str(v))
@SETTINGS
@given(answers=st.dictionaries(st.sampled_from([q.id for q in load_template("needs", 1).questions] + ["gone"]),
                               json_values, max_size=12))
def test_any_stored_answers_render_and_never_crash(key, version, answers):
    template = load_template(key, version)
    # Whatever an old or damaged answer set holds, it renders, is checked, and scores without error.
    for lang in ("zh_CN", "en"):
        lines = describe_answers(template.body, answers, lang)
        assert all(isinstance(ln.question, str) and isinstance(ln.answer, str) for ln in lines)
        assert len({ln.question_id for ln in lines}) == len(lines)
    validate_answers(template, answers)
    score(template, answers)
