"""Digits typed in full width (or with spaces and dashes) are made ASCII before validation, storage and
search; digits of other scripts are refused (issue 11, item 7)."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.domain import idnumber
from outreach.domain.errors import ValidationError
from outreach.domain.searchkeys import normalize_query
from outreach.domain.validation import check_id_number, check_mobile, normalize_phone
from outreach.services import areas, households, people, search

TYPED = "5227311944050102２9"  # from the bug report: the 17th digit typed full width
PLAIN = "522731194405010229"


def test_the_reported_number_is_valid_once_plain():
    assert idnumber.check_char(PLAIN[:17]) == PLAIN[17]
    assert idnumber.normalize(TYPED) == PLAIN
    assert idnumber.is_valid(TYPED)


@pytest.mark.parametrize("typed", ["５２２７３１１９４４０５０１０２２９", "522731 19440501 0229", "522731-19440501-0229",
                                   "５２２７３１\u3000１９４４０５０１０２２９"])
def test_full_width_spaces_and_dashes_are_normalised(typed):
    assert idnumber.normalize(typed) == PLAIN
    assert check_id_number("id_number", typed) == []


def test_a_full_width_x_check_character_is_read_as_X():
    number = idnumber.make("110105", date(1949, 12, 31), 2)
    assert number.endswith("X")
    assert idnumber.normalize(number[:-1] + "ｘ") == number


@pytest.mark.parametrize("digit", ["\u0662", "\u0968", "\u0e52"])  # Arabic-Indic, Devanagari, Thai 2
def test_digits_of_other_scripts_are_refused(digit):
    typed = PLAIN[:16] + digit + PLAIN[17]
    assert not idnumber.is_valid(typed)
    assert [e.key for e in check_id_number("id_number", typed)] == ["error.id.characters"]


def test_phones_are_normalised_and_foreign_digits_refused():
    assert normalize_phone("１３８ ００１３-８０００") == "13800138000"
    assert check_mobile("phone", "１３８００１３８０００") == []
    assert check_mobile("phone", "（０８７１）６１２３４５６") == []
    assert [e.key for e in check_mobile("phone", "13800138\u0660\u0660\u0660")] == ["error.phone.invalid"]


def test_search_text_is_normalised():
    assert normalize_query("5227311944050102２9") == PLAIN
    assert normalize_query("138-0013-8000") == "13800138000"
    assert normalize_query("Ｚｈａｎｇ") == "zhang"
    assert normalize_query("王 秀英") == "王秀英"


@pytest.fixture
def village(store):
    areas.add_area(store, code="522731", name="青山县", level="county")
    areas.add_area(store, code="522731100", name="青山镇", level="township", parent_id="522731")
    areas.add_area(store, code="522731100200", name="东坪村", level="village", parent_id="522731100")
    return "522731100200"


def test_stored_as_ascii_and_found_by_search_either_way(store, village):
    hid = households.create_household(store, village_id=village, address="东坪村2组15号", phone="１３８００１３８０００")
    pid = people.add_person(store, household_id=hid, name="王秀英", sex="female", birth_date=date(1944, 5, 1),
                            relation="self", id_number=TYPED, phone="１３９-１２３４-５６７８")
    person = people.get_person(store, pid)
    assert person.id_number == PLAIN and person.phone == "13912345678"
    assert households.get_household(store, hid).row.phone == "13800138000"
    for text in (TYPED, PLAIN, "５２２７３１１９４４", "１３９１２３４５６７８", "139-1234"):
        assert [h.id for h in search.search_people(store, text)] == [pid], text


def test_an_id_with_foreign_digits_is_not_stored(store, village):
    hid = households.create_household(store, village_id=village, address="东坪村2组15号")
    with pytest.raises(ValidationError):
        people.add_person(store, household_id=hid, name="王秀英", sex="female", birth_date=date(1944, 5, 1),
                          relation="self", id_number=PLAIN[:16] + "\u0662" + PLAIN[17])
    assert people.list_members(store, hid) == []


def test_command_line_numbers_accept_full_width_and_refuse_huge_values():
    import argparse

    from outreach.cli.context import bounded_int

    limit = bounded_int(1, 10_000)
    assert limit("５０") == 50 and limit(" 7 ") == 7
    for bad in ("99999999999999999999999", "0", "-3", "1e3", "\u0665", "9" * 5000):
        with pytest.raises(argparse.ArgumentTypeError):
            limit(bad)
