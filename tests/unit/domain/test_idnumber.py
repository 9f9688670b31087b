from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.domain import idnumber
from outreach.domain.enums import Sex

STANDARD_EXAMPLE = "11010519491231002X"  # GB 11643-1999's own example


def keys(number):
    return [p.key for p in idnumber.problems(number)]


def test_the_standards_own_example_is_valid():
    info = idnumber.parse(STANDARD_EXAMPLE)
    assert info is not None
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == Sex.FEMALE  # 17th digit 2 is even
    assert info.area_code == "110105"


def test_lower_case_x_and_spaces_are_accepted():
    assert idnumber.is_valid("110105 19491231 002x")


def test_wrong_check_digit_says_which_digit_is_expected():
    problems = idnumber.problems("110105194912310021")
    assert [p.key for p in problems] == ["error.id.check_digit"]
    assert problems[0].params == {"expected": "X", "found": "1"}


@pytest.mark.parametrize("number", ["11010519490230002X", "11010519491331002X", "11010519490229002X"])
def test_impossible_birth_dates_are_refused(number):
    assert "error.id.birth_date_invalid" in keys(number)


def test_a_birth_date_in_the_future_is_refused():
    number = idnumber.make("110105", date(2030, 1, 1), 12)
    assert "error.id.birth_date_out_of_range" in [p.key for p in idnumber.problems(number, today=date(2026, 1, 1))]


@pytest.mark.parametrize("number", ["", "1101051949123100", "11010519491231002X1", "110105194912310"])
def test_wrong_length_is_refused(number):
    assert keys(number) == ["error.id.length"]


def test_letters_in_the_middle_are_refused():
    assert keys("1101051949123A002X") == ["error.id.characters"]


def test_mask_shows_area_and_last_four_only():
    assert idnumber.mask(STANDARD_EXAMPLE) == "110105********002X"
    assert idnumber.mask(None) == ""


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), st.integers(0, 999))
def test_every_made_number_is_valid_and_round_trips(birth, seq):
    number = idnumber.make("522731", birth, seq)
    info = idnumber.parse(number, today=date(2026, 1, 1))
    assert info is not None and info.birth_date == birth
    assert info.sex == (Sex.MALE if seq % 2 else Sex.FEMALE)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), st.integers(0, 999),
       st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_typo_is_caught(birth, seq, position, delta):
    number = idnumber.make("522731", birth, seq)
    typo = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert not idnumber.is_valid(typo, today=date(2026, 1, 1))
