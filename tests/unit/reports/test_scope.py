"""Periods, windows and the age cut-offs the indicator queries use."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from outreach.domain.ages import age_group
from outreach.reports.scope import Scope, month_bounds, time_buckets, years_before


def by_cutoffs(birth: date, on: date) -> str:
    """The same classification the SQL ``case`` makes (birth date compared with cut-off dates)."""
    for years, group in ((14, "child"), (18, "adolescent"), (60, "adult"), (80, "elder")):
        if birth > years_before(on, years):
            return group
    return "oldest_old"


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)), st.dates(date(1990, 1, 1), date(2035, 12, 31)))
def test_sql_cutoffs_agree_with_domain_age_groups(birth, on):
    if birth <= on:
        assert by_cutoffs(birth, on) == age_group(birth, on).value


def test_leap_day_birthdays():
    # born 29 Feb 2004: 18 on 1 March 2022 (non-leap year), not on 28 Feb
    assert by_cutoffs(date(2004, 2, 29), date(2022, 2, 28)) == "adolescent"
    assert by_cutoffs(date(2004, 2, 29), date(2022, 3, 1)) == "adult"


def test_month_bounds_and_as_of():
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds("2023-12") == (date(2023, 12, 1), date(2023, 12, 31))
    s = Scope.for_month("2024-05", today=date(2024, 5, 20))
    assert s.as_of == date(2024, 5, 20)               # the month is not over yet
    assert s.window(30) == (date(2024, 4, 21), date(2024, 5, 20))
    assert Scope.for_month("2024-05", today=date(2025, 1, 1)).as_of == date(2024, 5, 31)
    assert s.month_label == "2024-05"


def test_time_buckets_weeks_then_months():
    weeks = time_buckets(date(2024, 5, 1), date(2024, 5, 31))
    assert weeks[0] == (date(2024, 5, 1), date(2024, 5, 5)) and len(weeks) == 5
    months = time_buckets(date(2024, 1, 1), date(2024, 6, 30))
    assert len(months) == 6 and months[1] == (date(2024, 2, 1), date(2024, 2, 29))
