"""The masks used for data that leaves the team."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from outreach.reports.redaction import mask_id, mask_name, mask_phone


def test_names_keep_only_the_surname():
    assert mask_name("王秀英") == "王**"
    assert mask_name("张强") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("欧阳") == "欧*"             # a two-character name is surname + given name
    assert mask_name(" 李 娜 ") == "李*"
    assert mask_name("Maria Lopez") == "M. L."
    assert mask_name("") == "" and mask_name(None) == ""


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=5))
def test_a_masked_chinese_name_never_shows_the_full_name(name):
    masked = mask_name(name)
    assert name not in masked and len(masked) == len(name) and masked.endswith("*")


def test_phones_and_ids():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("138 1234 1234") == "138****1234"
    assert mask_phone("0851-12345678") == "085*****5678"
    assert mask_phone("12345") == "*****" and mask_phone("") == ""
    assert mask_id("11010519491231002X") == "110105********002X"
