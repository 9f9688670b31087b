from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from outreach.domain import hlc
from outreach.domain.ages import age_group, age_on
from outreach.domain.enums import AgeGroup
from outreach.domain.searchkeys import name_keys
from outreach.domain.validation import check_id_number, check_mobile, check_not_future


def test_clock_never_goes_backwards_even_when_the_wall_clock_does():
    times = iter([1000, 1000, 900, 900, 2000])
    clock = hlc.HybridClock(now_ms=lambda: next(times))
    stamps = [clock.tick() for _ in range(5)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5


def test_clock_moves_past_a_remote_stamp():
    clock = hlc.HybridClock(now_ms=lambda: 1000)
    remote = hlc.pack(5000, 3)
    clock.observe(remote)
    assert clock.tick() > remote


@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=30))
def test_ticks_are_strictly_increasing_for_any_wall_clock(walls):
    it = iter(walls)
    clock = hlc.HybridClock(now_ms=lambda: next(it))
    stamps = [clock.tick() for _ in walls]
    assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False))


def test_far_future_stamps_are_flagged():
    clock = hlc.HybridClock(now_ms=lambda: 10**12)
    assert clock.is_far_future(hlc.pack(10**12 + 3 * 24 * 3600 * 1000, 0))
    assert not clock.is_far_future(hlc.pack(10**12 + 60_000, 0))


def test_pinyin_keys_for_simplified_and_traditional_names():
    assert name_keys("张三") == ("zhangsan", "zs")
    assert name_keys("張建國") == name_keys("张建国") == ("zhangjianguo", "zjg")
    assert name_keys("曾小贤")[0] == "zengxiaoxian"  # surname reading, not 'ceng'


def test_mobile_numbers():
    assert check_mobile("phone", "13800138000") == []
    assert check_mobile("phone", "138 0013 8000") == []
    assert check_mobile("phone", "0854-1234567") == []  # landline
    assert [e.key for e in check_mobile("phone", "12800138000")] == ["error.phone.invalid"]
    assert [e.key for e in check_mobile("phone", "1380013800")] == ["error.phone.invalid"]


def test_dates_not_in_the_future():
    assert check_not_future("visit_date", date(2026, 1, 2), today=date(2026, 1, 1))[0].key == "error.date.future"
    assert check_not_future("visit_date", date(2026, 1, 1), today=date(2026, 1, 1)) == []


def test_id_birth_date_must_match_the_birth_date_field():
    errs = check_id_number("id_number", "11010519491231002X", birth_date=date(1950, 1, 1))
    assert [e.key for e in errs] == ["error.id.birth_date_mismatch"]


def test_age_groups():
    today = date(2026, 6, 1)
    assert age_on(date(2016, 6, 2), today) == 9
    assert age_group(date(2016, 6, 2), today) == AgeGroup.CHILD
    assert age_group(date(2009, 1, 1), today) == AgeGroup.ADOLESCENT
    assert age_group(date(1944, 1, 1), today) == AgeGroup.OLDEST_OLD
    assert age_group(None, today) is None


def test_a_value_from_a_newer_version_is_shown_as_it_is():
    from outreach.domain.enums import ProviderCategory

    assert ProviderCategory.label_of("clinic", "zh_CN") == "卫生院/医院"
    assert ProviderCategory.label_of("drone_delivery", "en") == "drone_delivery"
    assert ProviderCategory.label_of("", "en") == ""
