"""A full export's lines made by SQLite (``export_rows._sql_lines``, issue 14) are the bytes of the
Python path and of the reference dict path: same lines, order, bases, hash and counts — on a store
with own and received edits and a log out of stamp order, on strings that need escaping — and
whatever SQLite cannot be trusted with (odd column types, a JSON writer unlike ours) goes through
the Python path, which refuses what it always refused."""

from __future__ import annotations

import pytest

from outreach.storage.tables import Household
from outreach.sync import bundle_stream as S
from outreach.sync import export_rows as E
from outreach.sync.changes import collect_changes, iter_changes
from tests.unit.merge.helpers import add_household, add_person, edit, make_store, seed_areas
from tests.unit.sync.test_collect_changes import team  # noqa: F401  (the pinned store)

# About SQLite's own JSON writer; on a PostgreSQL store the Python path always runs (the rest of the sync
# suite), and PostgreSQL refuses the odd values these tests plant (a NUL in text, text in a bigint).
pytestmark = pytest.mark.sqlite_only

HOSTILE = ["\x00\x01\x08\t\n\x0b\x0c\r\x1f", '"\\/\x7f', "张三😀\u2028\u2029\ufeff", '{"name":"a\\"b"}', ""]


def _python_path(monkeypatch):
    monkeypatch.setattr(E, "_sql_lines", lambda *_a: None)


def _payload(store):
    with store.connect() as conn:
        return S.encode_chunks(iter_changes(conn, None, wire=True))


def _reference(store):
    with store.connect() as conn:
        return S.encode_chunks(collect_changes(conn, None, wire=True))


def _same(got, expected):
    assert b"".join(got[0]) == b"".join(expected[0])
    assert got[1:] == expected[1:]    # hash, size, count, counts per entity


@pytest.mark.parametrize("source", ["lead", "lina", "wang"])
def test_sqlite_writes_the_lines_of_the_python_path(team, source, monkeypatch):  # noqa: F811
    store = team[source]
    with store.connect() as conn:
        assert E._sql_lines(conn, None, E.C.own_device_id(conn)) is not None   # the SQLite path runs
    fast = _payload(store)
    _python_path(monkeypatch)
    slow = _payload(store)
    _same(fast, slow)
    _same(fast, _reference(store))
    if source == "lead":   # not vacuous: own and received edits with bases, a log out of stamp order
        assert b"".join(fast[0]).count(b'"base":[') > 5


def test_strings_that_need_escaping_come_out_as_msgspec_writes_them(monkeypatch):
    store = make_store("李娜" + "".join(HOSTILE))
    seed_areas(store)
    for i, text in enumerate(HOSTILE):
        h = add_household(store, f"石门-{i:04d}", notes=text, address=text[::-1])
        add_person(store, h, text or "无名")
        edit(store, Household, h, notes=text + "改", phone=text[:5])
    monkeypatch.setattr(E, "_WRITES_OUR_JSON", {})   # asked afresh: other tests may have asked another SQLite
    fast = _payload(store)
    assert list(E._WRITES_OUR_JSON.values()) == [True]   # (this store's SQLite writes our JSON)
    assert b"\\u0000" in b"".join(fast[0]) and "😀\u2028".encode() in b"".join(fast[0])
    _same(fast, _reference(store))
    _python_path(monkeypatch)
    _same(fast, _payload(store))


def test_a_sqlite_whose_json_is_not_ours_is_not_used(team, monkeypatch):  # noqa: F811
    monkeypatch.setattr(E, "_WRITES_OUR_JSON", {})
    monkeypatch.setattr(E, "_PROBE", ["\x00"])
    monkeypatch.setattr(E, "_JSON", E._JSON.replace("'entity', e.entity", "'entity', e.entity || 'x'"))
    with team["lead"].connect() as conn:
        assert E._sql_lines(conn, None, E.C.own_device_id(conn)) is None
    _same(_payload(team["lead"]), _reference(team["lead"]))


def _odd_store(sql: str):
    store = make_store("李娜")
    seed_areas(store)
    h = add_household(store, "石门-0001")
    edit(store, Household, h, phone="13800000000")
    with store.engine.begin() as conn:
        conn.exec_driver_sql(sql)
    return store


def test_a_float_stamp_in_the_log_is_refused_by_the_python_path_as_before():
    store = _odd_store("UPDATE change_log SET hlc = 1.5 WHERE seq = (SELECT max(seq) FROM change_log)")
    with store.connect() as conn:
        assert E._sql_lines(conn, None, E.C.own_device_id(conn)) is None
    with pytest.raises(TypeError, match="floats"):
        _payload(store)


def test_an_odd_stored_base_sends_the_export_through_the_python_path():
    store = _odd_store("INSERT INTO change_base VALUES ('household', 'x', 'phone', 5, 'd', '7x', 'e')")
    with store.connect() as conn:
        assert E._sql_lines(conn, None, E.C.own_device_id(conn)) is None
    _same(_payload(store), _reference(store))
