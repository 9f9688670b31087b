"""County-wide indicators on PostgreSQL and on SQLite in the same run (issue 15).

The same demo county (``services.demo.build_demo``: same seed, same day, so the very same records and
ids) is built into a SQLite store and into a PostgreSQL store. Then, on each engine:

- ``compute_indicators`` for last month, county-wide and for one township (best of ``--repeat`` runs
  after one warm-up), next to a raw SQL baseline on the same engine: the plain ``count(*)`` queries
  that touch what the county figures touch (households, people, the month's visits with their
  distinct households, needs, referrals) — ratio = indicators ÷ baseline;
- the people search, one query per query class (median of ``--repeat``), next to nothing: the point is
  the milliseconds, and that both engines return the same ids;
- the dashboard as it opens (this month, the whole county: its first six cards, ``first_figures``)
  next to the same counts in hand-written SQL (``dashboard_bench.RAW_FIRST``) on the same engine,
  warm, and on SQLite also cold (the file dropped from the page cache, a new store opened);
- parity: the indicators of both engines are compared field by field (ids included).

    .venv/bin/python benchmarks/bench_county.py [--households 300000] [--repeat 3] [--json]
    .venv/bin/python benchmarks/bench_county.py --households 5000      # what fits a shared laptop
    .venv/bin/python benchmarks/bench_county.py --database-url URL      # an empty database on a real server

    .venv/bin/python benchmarks/bench_county.py --sqlite-dir DIR      # an existing SQLite demo store only

Without ``--database-url`` a throwaway local cluster is started (tests/pg_cluster.py) with fsync and
synchronous commit on. After the build both engines ANALYZE; PostgreSQL also gets the VACUUM that
autovacuum would run after a bulk load (GIN pending lists merged, visibility map set). Build times are printed too (both engines write through ``Writer.insert_many``;
PostgreSQL also runs its search-index triggers per person row).
``--json``: the last line is {engine: {figure: seconds, ...}, "parity": bool, "households": N}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

import dashboard_bench  # noqa: E402
import rawdb  # noqa: E402
from sqlalchemy import text  # noqa: E402

from outreach.domain.searchkeys import name_keys  # noqa: E402
from outreach.reports.indicators import compute_indicators, report_choices  # noqa: E402
from outreach.reports.scope import Scope  # noqa: E402
from outreach.services import demo, search  # noqa: E402
from outreach.storage.store import Store  # noqa: E402

TODAY = date(2026, 11, 20)
MONTH = "2026-10"
# one query per class: 1 character, 2 characters, full name, pinyin, initials, ID prefix, phone, code
SEARCHES = ["李", "秀英", "王秀英", "zhangwei", "zw", "5223", "8888", "-0001"]

RAW_COUNTS = [
    "SELECT count(*) FROM household WHERE NOT archived",
    "SELECT count(*) FROM person WHERE NOT archived AND merged_into IS NULL",
    "SELECT count(*), count(DISTINCT household_id) FROM visit WHERE NOT archived "
    "AND visit_date >= :lo AND visit_date <= :hi",
    "SELECT count(*) FROM need WHERE NOT archived",
    "SELECT count(*) FROM referral WHERE NOT archived AND issued_on >= :lo AND issued_on <= :hi",
]


def best(fn, repeat: int) -> float:
    fn()   # warm-up: caches, compiled statements, the planner's first look
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def raw_counts(store: Store, scope: Scope) -> list:
    with store.connect() as conn:
        return [tuple(conn.execute(text(sql), {"lo": scope.start, "hi": scope.end}).one()) for sql in RAW_COUNTS]


def dashboard(open_store, repeat: int, today: date, data_dir: Path | None) -> dict[str, Any]:
    m = dashboard_bench.measure(open_store, dashboard_bench.this_month(today), repeat=repeat, data_dir=data_dir)
    print("  " + dashboard_bench.describe("county", m), flush=True)
    return {f"dashboard_{k}": v for k, v in m.items()}


def measure(store: Store, repeat: int, month: str = MONTH, today: date = TODAY) -> tuple[dict[str, Any], dict[str, Any]]:
    county = Scope.for_month(month, today=today)
    choices, _workers = report_choices(store)
    township = next(c.id for c in choices if c.level == "township")
    town = Scope.for_month(month, area_id=township, today=today)
    out: dict[str, Any] = {}
    out["indicators_county_s"] = best(lambda: compute_indicators(store, county), repeat)
    out["raw_counts_county_s"] = best(lambda: raw_counts(store, county), repeat)
    out["ratio_county"] = out["indicators_county_s"] / out["raw_counts_county_s"]
    out["indicators_township_s"] = best(lambda: compute_indicators(store, town), repeat)
    for q in SEARCHES:
        times = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            search.search_people(store, q)
            times.append(time.perf_counter() - t0)
        out[f"search_ms[{q}]"] = statistics.median(times[1:]) * 1000
    answers = {"county": compute_indicators(store, county), "township": compute_indicators(store, town),
               "raw": raw_counts(store, county),
               "search": {q: [h.id for h in search.search_people(store, q)] for q in SEARCHES}}
    return out, answers


def plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def vacuum(url: str) -> None:
    """What autovacuum does on a server soon after a bulk load: merge the GIN pending lists of the
    search index and set the visibility map (index-only scans), so the timings are the steady state."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def build(store: Store, households: int) -> float:
    t0 = time.perf_counter()
    demo.build_demo(store, households=households, seed=15, today=TODAY)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", help="an empty PostgreSQL database (else a throwaway local cluster)")
    ap.add_argument("--sqlite-dir", type=Path, help="measure an existing SQLite demo store only (no build, "
                    "no PostgreSQL): the dashboard this month, last month's indicators, the searches")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rawdb.setup_env()
    os.environ.setdefault("OUTREACH_TEST_FAST_KDF", "1")
    name_keys("王")   # the pinyin dictionary, loaded before timing
    if args.sqlite_dir:
        sqlite_only(args)
        return

    cluster = None
    if args.database_url:
        url = args.database_url
    else:
        from tests.pg_cluster import Cluster, find_bindir

        bindir = find_bindir()
        if bindir is None:
            sys.exit("no PostgreSQL server binaries (initdb, pg_ctl): install postgresql or give --database-url")
        cluster = Cluster(bindir, durable=True)
        cluster.start()
        url = cluster.new_database()
    figures: dict[str, Any] = {"households": args.households}
    answers: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for engine in ("postgresql", "sqlite"):
                folder = Path(tmp) / engine
                store = Store.open(folder, database_url=url) if engine == "postgresql" else Store.open(folder)
                try:
                    built = build(store, args.households)
                    store.refresh_statistics()   # ANALYZE on both
                    if engine == "postgresql":
                        vacuum(url)
                    figures[engine], answers[engine] = measure(store, args.repeat)
                    figures[engine]["build_s"] = built
                    figures[engine].update(dashboard(
                        lambda f=folder, e=engine: Store.open(f, database_url=url if e == "postgresql" else None),
                        args.repeat, TODAY, folder if engine == "sqlite" else None))
                finally:
                    store.close()
    finally:
        if cluster is not None:
            cluster.stop()
    pg, lite = answers["postgresql"], answers["sqlite"]
    figures["parity"] = all(plain(pg[k]) == plain(lite[k]) for k in ("county", "township", "raw", "search"))
    figures["parity_detail"] = {k: plain(pg[k]) == plain(lite[k]) for k in ("county", "township", "raw", "search")}
    print(f"county of {args.households:,} households, {MONTH} as of {TODAY} (best of {args.repeat})")
    for key in figures["postgresql"]:
        p, s = figures["postgresql"][key], figures["sqlite"][key]
        print(f"  {key:28s} PostgreSQL {p:10.4f}   SQLite {s:10.4f}   PG/SQLite {p / s if s else float('nan'):6.2f}")
    print(f"  same indicators, counts and search ids on both engines: {figures['parity']} "
          f"{figures['parity_detail']}")
    people = pg["raw"][1][0]
    print(f"  ({people:,} people; {pg['raw'][2][0]:,} visits in {MONTH})")
    if args.json:   # figure -> {value, unit, baseline, ratio} (ratio = our time / the baseline's), as every bench
        out = {}
        for engine in ("postgresql", "sqlite"):
            f = figures[engine]
            out[f"indicators_county_{engine}"] = {"value": round(f["indicators_county_s"], 5), "unit": "s",
                                                  "baseline": round(f["raw_counts_county_s"], 5),
                                                  "ratio": round(f["ratio_county"], 2)}
        for key in figures["postgresql"]:
            if key.startswith(("indicators_township", "search_ms")):
                p, q = figures["postgresql"][key], figures["sqlite"][key]   # PostgreSQL against SQLite
                out[f"{key}_pg_vs_sqlite"] = {"value": round(p, 5), "unit": "ms" if "ms" in key else "s",
                                              "baseline": round(q, 5), "ratio": round(p / q, 2) if q else None}
        for engine in ("postgresql", "sqlite"):
            m = {k.removeprefix("dashboard_"): v for k, v in figures[engine].items() if k.startswith("dashboard_")}
            out.update(dashboard_bench.figures(f"dashboard_first_{engine}", m))
        out["parity"] = {"value": int(figures["parity"]), "unit": "bool", "baseline": 1,
                         "ratio": 1.0 if figures["parity"] else None}
        print(json.dumps(out, ensure_ascii=False))
    if not figures["parity"]:
        sys.exit(1)


def sqlite_only(args) -> None:
    """An existing SQLite demo store (e.g. the 200,000-household county built once by bench_core
    ``--data-dir``): the dashboard this month (cold and warm) and last month's indicators next to raw SQL."""
    today = date.today()
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    store = Store.open(args.sqlite_dir)
    try:
        store.refresh_statistics(only_if_missing=True)
        households = raw_counts(store, Scope.for_month(last, today=today))[0][0]
    finally:
        store.close()
    print(f"SQLite store {args.sqlite_dir}: {households:,} households")
    figures = dashboard(lambda: Store.open(args.sqlite_dir), args.repeat, today, args.sqlite_dir)
    store = Store.open(args.sqlite_dir)
    try:
        more, _answers = measure(store, args.repeat, last, today)
    finally:
        store.close()
    figures.update(more)
    print(f"  indicators {last}, whole store: {more['indicators_county_s']:.2f} s vs raw counts "
          f"{more['raw_counts_county_s']:.2f} s = {more['ratio_county']:.2f}x; one township "
          f"{more['indicators_township_s']:.2f} s")
    print("  search ms: " + ", ".join(f"{k[10:-1]} {v:.1f}" for k, v in more.items() if k.startswith("search_ms")))
    if args.json:
        out = dashboard_bench.figures("dashboard_first", {k.removeprefix("dashboard_"): v for k, v in figures.items()
                                                          if k.startswith("dashboard_")})
        out["indicators_county"] = {"value": round(more["indicators_county_s"], 4), "unit": "s",
                                    "baseline": round(more["raw_counts_county_s"], 4),
                                    "ratio": round(more["ratio_county"], 2)}
        out["households"] = {"value": households, "unit": "households", "baseline": None, "ratio": None}
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
