"""The fast payload codec (issue 14) against the reference: the lines it writes are those of
``bundle._encode_wire``, and what it accepts when reading is only ever what ``bundle.check_change``
accepts, giving the same changes; everything else falls back to the reference and its messages."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.sync import bundle as B
from outreach.sync import bundle_codec as C
from outreach.sync import bundle_stream as S
from tests.unit.sync.transport_kit import household_changes

DEV = "d" * 32


def reference(line: bytes) -> tuple[str | None, dict | None]:
    """What the line-by-line reference says of one line: (problem, change in wire form)."""
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "not JSON", None
    problem = B.check_change(obj)
    return problem, None if problem else B._wire_keys(obj)


# --------------------------------------------------------------------------- writing
texts = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "\u2028\u2029", "\x00\x1f\x7f", '"\\/', "张三😀", "\ud800"])
records = st.fixed_dictionaries({
    "entity": texts, "row_id": texts, "field": texts, "value": texts, "worker": texts, "device_id": texts,
    "hlc": st.integers(0, 2**63 - 1) | st.booleans() | st.floats(allow_nan=False),
}, optional={"base": st.none() | st.tuples(st.integers(0, 2**63 - 1), texts).map(list), "extra": texts})


@given(st.lists(records, max_size=5))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_encoded_lines_are_byte_for_byte_the_reference_ones(batch):
    try:
        expected = b"".join(B._encode_wire(c) + b"\n" for c in batch)
    except (TypeError, ValueError) as exc:      # a float, a lone surrogate: refused the same way
        with pytest.raises(type(exc)):
            C.encode_changes(batch)
        return
    assert C.encode_changes(batch) == expected


def test_a_float_is_still_refused_when_writing():
    change = household_changes(1, DEV)[0]
    with pytest.raises(TypeError, match="floats"):
        C.encode_changes([{**change, "hlc": 1.5}])


def test_draining_hands_out_every_change_in_order_and_empties_the_list():
    changes = household_changes(5, DEV)
    expected = list(changes)
    assert list(S.draining(changes)) == expected and changes == []


# --------------------------------------------------------------------------- reading
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.text(max_size=5),
    st.sampled_from(["d" * 32, "D" * 32, "d" * 31, "d" * 32 + "\n", "", "row_1", "../x", "a" * 33,
                     "2026-11-23", "2026-02-30", "20261123", "2026-W01-1", "2026-11-23T02:00:00.000+00:00",
                     "2026-11-23t02:00:00z", "2026-11-23 02:00:00", "2026-11-23T02:00:00.1234567+00:00",
                     "2026-11-23T02:00:00Z", "2026-11-23T24:00:00", "2026-11-23T02:00", "２０２６-11-23",
                     "household", "person", "*", "phone", "hlc", "consent_on", "created_at"]),
    st.lists(st.integers(0, 3) | st.text(max_size=3), max_size=3),
    st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
    st.text(alphabet='{}[]",:0123456789.-+eE \\tnrulfasINaiy\x00\x7f', max_size=12),   # JSON-ish text
)
WIRE_KEYS = (*B.CHANGE_KEYS, "base", "shiny_new_key")
ROW_FIELDS = ("id", "code", "phone", "consent_on", "consent_given", "created_at", "hlc", "archived", "nope")


@given(st.data())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fast_check_accepts_only_what_check_change_accepts(data):
    batch = household_changes(3, DEV)
    batch[0]["base"] = [1, DEV]
    change = batch[data.draw(st.integers(0, len(batch) - 1))]
    if data.draw(st.booleans()) and change["field"] == "*":
        row = json.loads(change["value"])                            # a field inside a created row
        row[data.draw(st.sampled_from(ROW_FIELDS))] = data.draw(ODD)
        change["value"] = json.dumps(row, ensure_ascii=False)
    elif data.draw(st.booleans()) and change["field"] != "*":
        change["field"] = data.draw(st.sampled_from(ROW_FIELDS))    # an edit of another field
        change["value"] = json.dumps(data.draw(ODD))
    for _ in range(data.draw(st.integers(0, 2))):                 # the record's own keys
        change[data.draw(st.sampled_from(WIRE_KEYS))] = data.draw(ODD)
    lines = [json.dumps(c, ensure_ascii=False).encode() for c in batch]
    verdicts = [reference(line) for line in lines]
    fast = C.decode_changes(lines, 2**20)
    if fast is not None:
        assert all(problem is None for problem, _c in verdicts)
        assert fast[0] == [c for _p, c in verdicts]
    bad = next((i for i, (problem, _c) in enumerate(verdicts) if problem), None)
    if bad is None:
        assert B.check_lines(lines)[0] == [c for _p, c in verdicts]
    else:
        with pytest.raises(B.BundleRefused) as exc:
            B.check_lines(lines)
        assert exc.value.params == {"line": bad + 1, "reason": verdicts[bad][0]}


def test_the_common_case_takes_the_fast_path_with_the_reference_result():
    batch = household_changes(30, DEV)
    batch[1]["base"] = [batch[0]["hlc"], DEV]
    lines = [B._encode_wire(c) for c in batch]
    fast = C.decode_changes(lines, 2**20)
    assert fast is not None, "well-formed lines fell back to the slow reference check"
    assert fast[0] == [reference(line)[1] for line in lines] and fast[1] == {"household": len(batch)}


@pytest.mark.parametrize("edit", [
    lambda c: c.update(base=None),                                            # an explicit null base
])
def test_what_only_the_reference_accepts_is_still_accepted(edit):
    batch = household_changes(3, DEV)
    edit(batch[0])
    lines = [json.dumps(c, ensure_ascii=False).encode() for c in batch]
    assert C.decode_changes(lines, 2**20) is None
    assert B.check_lines(lines)[0] == [B._wire_keys(json.loads(line)) for line in lines]


def test_a_newer_minor_versions_key_is_left_out_as_the_reference_leaves_it_out():
    batch = household_changes(3, DEV)
    batch[0]["shiny_new_key"] = {"nested": [1, 2.5, None]}
    lines = [json.dumps(c, ensure_ascii=False).encode() for c in batch]
    fast = C.decode_changes(lines, 2**20)
    assert fast is not None and "shiny_new_key" not in fast[0][0]
    assert fast[0] == [B._wire_keys(json.loads(line)) for line in lines] == B.check_lines(lines)[0]


def test_lower_case_iso_letters_are_refused_as_python_refuses_them():
    batch = household_changes(2, DEV)
    batch[2]["value"] = batch[2]["value"].replace("T02:00:00.000+00:00", "t02:00:00z")  # a created row
    lines = [json.dumps(c, ensure_ascii=False).encode() for c in batch]
    with pytest.raises(B.BundleRefused) as exc:
        B.check_lines(lines)
    assert exc.value.params["line"] == 3 and "created_at" in exc.value.params["reason"]


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(),
                          st.dictionaries(st.text(max_size=5), st.integers() | st.text() | st.none(), max_size=4)),
                min_size=1, max_size=4))
@settings(deadline=None)
def test_from_wire_all_gives_what_from_wire_gives(values):
    from outreach.sync.changes import from_wire

    records = [{**c, "value": json.dumps(v, ensure_ascii=False)} for c, v in
               zip(household_changes(len(values), DEV), values, strict=False)]
    records[0]["base"] = [7, DEV]
    records.append({**records[0], "value": '"\\ud800"'})     # an escaped lone surrogate
    assert C.from_wire_all(records) == [from_wire(r) for r in records]
