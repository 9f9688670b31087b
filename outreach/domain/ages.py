"""Ages and age groups, derived from a birth date (never stored)."""

from __future__ import annotations

from datetime import date

from outreach.domain.enums import AgeGroup


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_group(birth: date | None, on: date) -> AgeGroup | None:
    if birth is None:
        return None
    age = age_on(birth, on)
    if age < 14:
        return AgeGroup.CHILD
    if age < 18:
        return AgeGroup.ADOLESCENT
    if age < 60:
        return AgeGroup.ADULT
    if age < 80:
        return AgeGroup.ELDER
    return AgeGroup.OLDEST_OLD
