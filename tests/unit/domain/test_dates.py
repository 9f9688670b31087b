"""Typed dates: read exactly as typed, or refused with a reason — never guessed, never dropped."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.domain import idnumber
from outreach.domain.dates import DateProblem, format_date, parse_date, picker_start
from outreach.i18n import tr

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("text", [
    "2016-03-08", "2016/3/8", "2016.3.8", "20160308", "2016年3月8日", "2016年03月08号", "  2016-3-8 ",
    "\t20160308\n", "２０１６－０３－０８", "2016 / 3 / 8", "2016年3月8",
])
def test_every_accepted_form_reads_as_the_same_day(text):
    assert parse_date(text, today=TODAY) == date(2016, 3, 8)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_field_is_no_date(text):
    assert parse_date(text, today=TODAY) is None


@pytest.mark.parametrize("text,key", [
    ("2016-02-30", "forms.date.no_such_day"),
    ("2015-02-29", "forms.date.no_such_day"),
    ("20161301", "forms.date.no_such_day"),
    ("2016-3", "forms.date.unreadable"),
    ("3/8/2016", "forms.date.unreadable"),
    ("2016030", "forms.date.unreadable"),
    ("昨天", "forms.date.unreadable"),
    ("—20160308", "forms.date.unreadable"),
    ("1899-12-31", "forms.date.too_early"),
])
def test_what_is_not_a_real_date_is_refused_with_its_reason(text, key):
    with pytest.raises(DateProblem) as caught:
        parse_date(text, today=TODAY)
    assert caught.value.key == key
    message = tr(caught.value.key, **caught.value.params)
    assert message != key and message.strip()
    assert tr(caught.value.key, "en", **caught.value.params) != message


def test_leap_day_exists_in_leap_years():
    assert parse_date("2016-02-29", today=TODAY) == date(2016, 2, 29)


def test_future_birth_date_is_refused_but_a_future_due_date_is_not():
    with pytest.raises(DateProblem) as caught:
        parse_date("2027-01-05", allow_future=False, today=TODAY)
    assert caught.value.key == "forms.date.future"
    assert parse_date("2026-12-01", allow_future=False, today=TODAY) == TODAY
    assert parse_date("2027-01-05", today=TODAY) == date(2027, 1, 5)


def test_format_round_trips_through_parse():
    for d in (date(2016, 3, 8), date(1943, 12, 31), date(2000, 2, 29)):
        assert parse_date(format_date(d), today=TODAY) == d
    assert format_date(None) == ""


def test_picker_opens_today_or_at_the_birth_the_id_implies():
    assert picker_start(today=TODAY) == TODAY
    full = idnumber.make("530101", date(1961, 3, 9), 31)
    assert picker_start(today=TODAY, id_number=full) == date(1961, 3, 9)
    assert picker_start(today=TODAY, id_number=full[:12]) == date(1961, 1, 1)
    assert picker_start(today=TODAY, id_number="5301013099") == TODAY  # year 3099 is no birth year
    assert picker_start(today=TODAY, id_number="5301") == TODAY
