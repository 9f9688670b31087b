"""The export's fast path (issue 14) writes exactly what the dict path writes: ``iter_changes(wire=True)``
hands the bundle writer log tuples (``WireRows.batches``) that ``bundle_codec.encode_rows`` encodes
without a dict per change — same lines, hash, counts and order as ``collect_changes`` +
``encode_changes`` — and it falls back to the reference for anything odd; the cycle collector is
paused only while a bundle is read or written."""

from __future__ import annotations

import gc
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.sync import bundle_codec as BC
from outreach.sync import bundle_stream as S
from outreach.sync.changes import collect_changes, iter_changes
from outreach.sync.export_rows import EncodedRows, WireRows, collector_paused
from tests.unit.merge.helpers import VILLAGE
from tests.unit.sync.test_collect_changes import _vector, team  # noqa: F401  (the pinned store)


def _as_dict(row: tuple) -> dict:
    return BC._as_wire(row)


@pytest.mark.parametrize("villages", [None, "mine"])
@pytest.mark.parametrize("since", ["full", "empty", "wang"])
@pytest.mark.parametrize("source", ["lead", "lina", "wang"])
def test_the_fast_export_writes_the_bytes_of_the_dict_path(team, source, since, villages):  # noqa: F811
    vector = {"full": None, "empty": {}}[since] if since in ("full", "empty") else _vector(team[since])
    scope = None if villages is None else {VILLAGE}
    with team[source].connect() as conn:
        reference = S.encode_chunks(collect_changes(conn, vector, villages=scope, wire=True))
        fast = iter_changes(conn, vector, villages=scope, wire=True)
        # a full export is encoded as it is read; the others keep the log rows
        assert isinstance(fast, EncodedRows if since != "wang" and villages is None else WireRows)
        got = S.encode_chunks(fast)
    assert reference[3] > 0 or source == since   # (a store owes itself nothing)
    if source == "lead" and since == "full":   # not vacuous: edits with bases, own and received
        assert b"".join(reference[0]).count(b'"base":[') > 5
    assert b"".join(got[0]) == b"".join(reference[0])
    assert got[1:] == reference[1:]                       # hash, size, count, counts per entity


@pytest.mark.parametrize("since", ["full", "wang"])
def test_the_export_forms_iterate_as_the_wire_dicts_and_are_read_once(team, since):  # noqa: F811
    vector = None if since == "full" else _vector(team["wang"])
    with team["lead"].connect() as conn:
        expected = collect_changes(conn, vector, wire=True)
        rows = iter_changes(conn, vector, wire=True)
    assert list(rows) == expected
    assert list(rows) == [] and list(rows.chunks(10)) == []   # taken once: the rows are let go


@pytest.mark.parametrize("since", ["full", "wang"])
def test_chunks_come_in_order_and_size(team, since):  # noqa: F811
    vector = None if since == "full" else _vector(team["wang"])
    with team["lead"].connect() as conn:
        expected = S.encode_chunks(collect_changes(conn, vector, wire=True))
        chunks = list(iter_changes(conn, vector, wire=True).chunks(7))
    assert [n for _d, n, _c in chunks[:-1]] == [7] * (len(chunks) - 1) and 0 < chunks[-1][1] <= 7
    assert all(data.count(b"\n") == n for data, n, _c in chunks)
    assert b"".join(data for data, _n, _c in chunks) == b"".join(expected[0])
    assert sum((c for _d, _n, c in chunks), Counter()) == expected[4]


def test_a_workers_full_export_leaves_out_the_team_profile_as_the_reference_does(team):  # noqa: F811
    with team["lina"].connect() as conn:
        expected = collect_changes(conn, None, wire=True)
        got = list(iter_changes(conn, None, wire=True))
    assert got == expected and all(c["entity"] != "teamprofile" for c in got)


# --------------------------------------------------------------------------- encode_rows vs the reference
texts = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["", "\u2028\u2029", "\x00\x1f\x7f", '"\\/', "张三😀", '{"name":"王秀英","id":"a"}'])
odd = st.integers(-5, 5) | st.booleans() | st.none() | st.floats(allow_nan=False)
rows = st.tuples(
    texts, texts, texts | odd, st.integers(0, 2**63 - 1) | odd, texts, texts, texts | odd,
    st.none() | st.tuples(st.integers(0, 2**63 - 1), texts) | st.tuples(odd, texts))


@given(st.lists(rows, max_size=6))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_encode_rows_is_encode_changes_of_the_same_changes(batch):
    dicts = [_as_dict(r) for r in batch]
    try:
        expected = BC.encode_changes(dicts)
    except (TypeError, ValueError) as exc:      # a float: refused the same way
        with pytest.raises(type(exc)):
            BC.encode_rows(batch)
        return
    assert BC.encode_rows(batch) == expected


def test_a_float_in_the_log_is_still_refused_when_writing():
    row = ("household", "h1", "phone", 1.5, "d" * 32, "李娜", '"138"', None)
    with pytest.raises(TypeError, match="floats"):
        BC.encode_rows([row])


# --------------------------------------------------------------------------- the cycle collector
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_reading_and_left_as_it_was(team, enabled):  # noqa: F811
    seen = []
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with collector_paused():
            seen.append(gc.isenabled())
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("a failed export")
        after = gc.isenabled()
        with team["lead"].connect() as conn:
            S.encode_chunks(iter_changes(conn, None, wire=True))
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False] and after == enabled
