"""Indicator parity (issue 15): the hand-built team of dataset.py, built into a SQLite store and into a
PostgreSQL store, gives the same indicators on both — every number, for every kind of scope (a month of
a township, the whole team, a village, a group, one worker, a quarter with monthly bars, a year), the
same households behind every number in the same order, the same exports, summary text, referral
letters and visit register. Records get new ids in each store, so ids are compared through the
dataset's own keys (h1, p1, pr1 …)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from outreach.reports import exports, summary
from outreach.reports.indicators import compute_indicators, households_behind
from outreach.reports.scope import Scope
from outreach.services import letter_sources
from tests.pgparity import pg_host, pg_store_factory, sqlite_store  # noqa: F401  (fixtures)

from .dataset import G1, V2, V3, T, build

TODAY = date(2024, 6, 15)
SCOPES = {
    "township May": Scope.for_month("2024-05", area_id=T, today=TODAY),
    "whole team May": Scope.for_month("2024-05", today=TODAY),
    "village May": Scope.for_month("2024-05", area_id=V2, today=TODAY),
    "group May": Scope.for_month("2024-05", area_id=G1, today=TODAY),
    "河口村 May": Scope.for_month("2024-05", area_id=V3, today=TODAY),
    "worker May": Scope.for_month("2024-05", worker="李娜", today=TODAY),
    "worker in village": Scope.for_month("2024-05", area_id=V2, worker="王强", today=TODAY),
    "quarter": Scope(date(2024, 4, 1), date(2024, 6, 30), area_id=T, today=TODAY),
    "year": Scope(date(2024, 1, 1), date(2024, 12, 31), today=date(2025, 1, 3)),
    "June (as of today)": Scope.for_month("2024-06", today=TODAY),
}


def plain(value, names: dict[str, str]):
    """``value`` as plain data, every record id replaced by the dataset's key for it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), names) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {plain(k, names): plain(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, names) for v in value]
    if isinstance(value, str):
        for rid, key in names.items():
            value = value.replace(rid, key)
    return value


@pytest.fixture
def both(sqlite_store, pg_store_factory):  # noqa: F811
    pg = pg_store_factory()
    assert (sqlite_store.engine.dialect.name, pg.engine.dialect.name) == ("sqlite", "postgresql")
    lite_ids, pg_ids = build(sqlite_store), build(pg)
    assert lite_ids.keys() == pg_ids.keys()
    return ((sqlite_store, {v: f"<{k}>" for k, v in lite_ids.items()}),
            (pg, {v: f"<{k}>" for k, v in pg_ids.items()}))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_indicator_and_the_households_behind_it_agree(both, lang):
    (lite, lite_names), (pg, pg_names) = both
    compared = 0
    for label, scope in SCOPES.items():
        on_lite = compute_indicators(lite, scope, lang=lang)
        on_pg = compute_indicators(pg, scope, lang=lang)
        assert plain(on_lite, lite_names) == plain(on_pg, pg_names), label
        assert (summary.written_summary(on_lite, lang, label) == summary.written_summary(on_pg, lang, label)), label
        assert plain(summary.report_json(on_lite), lite_names) == plain(summary.report_json(on_pg), pg_names), label
        for tally in on_lite.tallies():
            behind_lite = plain(households_behind(lite, tally.key, scope), lite_names)
            behind_pg = plain(households_behind(pg, _key_on(tally.key, lite_names, pg_names), scope), pg_names)
            assert behind_lite == behind_pg, (label, tally.key)
            assert len(behind_lite) == tally.households, (label, tally.key)
            compared += 1
    assert compared > 300   # really every number of every scope


def _key_on(key: str, lite_names: dict[str, str], pg_names: dict[str, str]) -> str:
    """An indicator key that names a record (``referrals.provider.<id>``) with the other store's id."""
    by_key = {k: rid for rid, k in pg_names.items()}
    for rid, k in lite_names.items():
        if rid in key:
            return key.replace(rid, by_key[k])
    return key


def test_exports_letters_and_register_agree(both):
    (lite, lite_names), (pg, pg_names) = both
    for redact in (False, True):
        options = exports.ExportOptions(today=TODAY, redact=redact, include_archived=redact)
        sheets_lite = {s.entity: (s.columns, sorted(map(repr, plain([list(r) for r in s.rows], lite_names))))
                       for s in exports.export_sheets(lite, options)}
        sheets_pg = {s.entity: (s.columns, sorted(map(repr, plain([list(r) for r in s.rows], pg_names))))
                     for s in exports.export_sheets(pg, options)}
        assert sheets_lite == sheets_pg
    for village in ("东坪村", "石门村"):
        assert (plain(letter_sources.visit_register_data(lite, village, 2024, 5), lite_names)
                == plain(letter_sources.visit_register_data(pg, village, 2024, 5), pg_names))
    keys = ["<r1>", "<r2>", "<r3>", "<r4>", "<r5>"]   # not cancelled (r6), archived (r7) or draft (r8)
    ids_lite = [{k: rid for rid, k in lite_names.items()}[k] for k in keys]
    ids_pg = [{k: rid for rid, k in pg_names.items()}[k] for k in keys]
    assert (plain(letter_sources.letters_for(lite, ids_lite), lite_names)
            == plain(letter_sources.letters_for(pg, ids_pg), pg_names))


def test_lists_keep_code_point_order_on_a_server_with_a_chinese_collation(sqlite_store, pg_store_factory):  # noqa: F811
    """A county server's databases may sort Chinese by pinyin (ICU ``zh``: 李 li before 张 zhang); a
    laptop sorts by code point (张 U+5F20 before 李 U+674E). Click-through lists and exports follow the
    laptop on any server (text columns collate "C": migrations.binary_collation; ORDER BY of codes
    in reports says COLLATE "C" as well: queries.in_code_order)."""
    from outreach.services import households
    from outreach.storage.tables import Household

    from .dataset import V1, noon

    try:
        pg = pg_store_factory(options="LOCALE_PROVIDER icu ICU_LOCALE 'zh' LOCALE 'C.UTF-8'")
    except Exception as exc:   # a server built without ICU
        pytest.skip(f"no ICU collation on this server: {exc}")
    with pg.connect() as conn:   # the server really sorts the other way
        assert conn.exec_driver_sql("SELECT '李' < '张'").scalar() is True
    order = {}
    for s in (sqlite_store, pg):
        build(s)
        with s.transaction(worker="李娜") as w:
            for code in ("张家-0001", "李家-0001", "Anna-0001"):
                w.insert(Household, {"code": code, "village_id": V1, "created_at": noon("2024-06-01")})
        scope = Scope.for_month("2024-06", today=TODAY)
        codes = dict((h.id, h.code) for h in households.query_households(s, households.HouseholdQuery(), limit=100))
        order[s.engine.dialect.name] = (
            [codes[i] for i in households_behind(s, "households.total", scope) if i in codes],
            [row[1] for sheet in exports.export_sheets(s, exports.ExportOptions(today=TODAY))
             if sheet.entity == "households" for row in sheet.rows])
    assert order["sqlite"] == order["postgresql"]
    assert order["sqlite"][0].index("张家-0001") < order["sqlite"][0].index("李家-0001")
