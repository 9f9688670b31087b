"""Answers that follow from what the app already knows about a household's members, so a worker is
not asked again: a child of school age in the household, a member who lives alone, a chronic illness
or a severe disability already recorded. Each prefilled answer says why (a catalog key), the form
marks it "prefilled from household" and the worker can still change it.

Only facts that settle an answer are used: an unknown birth date settles nothing, so "school-age
children?" is prefilled "no" only when every member's age is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from outreach.domain.ages import age_on
from outreach.domain.enums import PersonStatus, Vulnerability

SCHOOL_AGE = (6, 18)  # the template's "6–18 岁"
SEVERE_GRADES = (1, 2)  # disability grades that mean someone needs long-term care
GONE = (PersonStatus.MOVED.value, PersonStatus.DECEASED.value)


class MemberFacts(Protocol):
    id: str
    birth_date: date | None
    status: str
    flags: frozenset[str]
    disability_grade: int | None


@dataclass(frozen=True)
class Prefill:
    value: Any
    reason: str   # catalog key: why this answer follows from the household


def prefill_answers(members: Iterable[MemberFacts], *, person_id: str | None = None,
                    today: date | None = None) -> dict[str, Prefill]:
    """{question id: Prefill} for the needs template, from the household's members (people who moved
    away or died do not count). ``person_id`` is the member assessed (None: the whole household)."""
    today = today or date.today()
    present = [m for m in members if m.status not in GONE]
    if not present:
        return {}
    subject = next((m for m in present if m.id == person_id), None)
    out: dict[str, Prefill] = {}

    ages = [age_on(m.birth_date, today) if m.birth_date else None for m in present]
    lo, hi = SCHOOL_AGE
    if any(a is not None and lo <= a <= hi for a in ages):
        out["ed_school_age"] = Prefill(True, "forms.prefill.school_age_child")
    elif all(a is not None for a in ages):
        out["ed_school_age"] = Prefill(False, "forms.prefill.no_school_age_child")

    alone_flag = Vulnerability.ELDER_ALONE.value
    at_home = [m for m in present if m.status == PersonStatus.PRESENT.value]  # not away for work
    concerned = [subject] if subject is not None else present
    if any(alone_flag in m.flags for m in concerned):
        out["ca_lives_alone"] = Prefill(True, "forms.prefill.elder_alone_flag")
    elif len(at_home) == 1 and (subject is None or subject is at_home[0]):
        out["ca_lives_alone"] = Prefill(True, "forms.prefill.one_member")
    elif len(at_home) > 1:
        out["ca_lives_alone"] = Prefill(False, "forms.prefill.several_members")

    if any(Vulnerability.CHRONIC_ILLNESS.value in m.flags for m in concerned):
        out["he_chronic"] = Prefill(True, "forms.prefill.chronic_flag")
    if any(Vulnerability.DISABILITY.value in m.flags and m.disability_grade in SEVERE_GRADES for m in present):
        out["ca_long_term"] = Prefill(True, "forms.prefill.severe_disability")
    return out
