"""Merge on PostgreSQL and on SQLite in the same run (issue 15): N uplink bundles × M changes (the
generator of bench_merge.py: new households, people and visits, edits of own and others' rows, some
concurrent), merged one transaction per bundle as an import does, into a store on each engine. Next
to each, the raw floor of that engine: the very same resulting rows (records + change log) written
into an identical empty schema in one transaction — PostgreSQL ``COPY … FROM STDIN`` (psycopg 3),
SQLite ``executemany`` (bench_merge.raw_copy).

    .venv/bin/python benchmarks/bench_pg.py [--bundles 200] [--changes 5000] [--json]
    .venv/bin/python benchmarks/bench_pg.py --database-url URL --raw-database-url URL2   # a real server

Without URLs a throwaway local cluster is started (tests/pg_cluster.py) with fsync and synchronous
commit ON (a real server's durability; SQLite runs WAL with synchronous=NORMAL as the app does). With
URLs: two empty databases on your server (the store's, and the raw COPY's), both emptied first.
``--json``: last line {engine: {merge, raw, ratio}}; ratio = merge time ÷ raw time (lower is better).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]

import rawdb  # noqa: E402
from bench_merge import VILLAGES, Generator, raw_copy  # noqa: E402

from outreach.domain.searchkeys import name_keys  # noqa: E402
from outreach.storage.store import Store  # noqa: E402
from outreach.storage.tables import SYNCED_TABLES, Area  # noqa: E402
from outreach.sync.merge import apply_changes  # noqa: E402

TABLES = [*SYNCED_TABLES, "change_log"]


def merge_into(store: Store, bundles: list[list[dict[str, Any]]]) -> tuple[float, dict[str, int]]:
    with store.transaction() as w:
        w.insert_many(Area, [{"id": v, "name": f"村{v[-2:]}", "level": "village"} for v in VILLAGES])
    t0 = time.perf_counter()
    reports = []
    for i, bundle in enumerate(bundles):
        with store.transaction() as w:
            reports.append(apply_changes(w, bundle, source=f"bundle-{i:03d}"))
    seconds = time.perf_counter() - t0
    return seconds, {"inserted": sum(r.rows_inserted for r in reports),
                     "updated": sum(r.rows_updated for r in reports),
                     "conflicts": sum(r.conflicts for r in reports)}


def pg_copy(source_url: str, target_url: str) -> tuple[float, int]:
    """COPY the store's resulting rows of TABLES into the empty raw database (same schema, same
    triggers: the people search index is paid for as the merge pays for it), one transaction."""
    import psycopg

    def dsn(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://", 1)

    with psycopg.connect(dsn(source_url)) as src:
        data = {}
        for t in TABLES:
            cur = src.execute(f"SELECT * FROM {t}")
            data[t] = ([d.name for d in cur.description], cur.fetchall())
    rows_written = sum(len(rows) for _, rows in data.values())
    with psycopg.connect(dsn(target_url)) as dst:
        with dst.transaction():
            for t in reversed(TABLES):
                dst.execute(f"DELETE FROM {t}")
        t0 = time.perf_counter()
        with dst.transaction():
            for t, (cols, rows) in data.items():
                with dst.cursor().copy(f"COPY {t} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        seconds = time.perf_counter() - t0
    return seconds, rows_written


def empty(url: str) -> None:
    """A database given on the command line: drop what an earlier run left (then the store makes it)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundles", type=int, default=200)
    ap.add_argument("--changes", type=int, default=5000)
    ap.add_argument("--database-url", help="an empty PostgreSQL database for the store")
    ap.add_argument("--raw-database-url", help="a second empty database for the raw COPY")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rawdb.setup_env()
    os.environ.setdefault("OUTREACH_TEST_FAST_KDF", "1")
    gen = Generator(args.bundles, args.changes)
    bundles = [gen.bundle(i) for i in range(args.bundles)]
    total = sum(len(b) for b in bundles)
    name_keys("王")   # the pinyin dictionary, loaded before timing

    cluster = None
    if args.database_url and args.raw_database_url:
        url, raw_url = args.database_url, args.raw_database_url
        empty(url)
        empty(raw_url)
    else:
        from tests.pg_cluster import Cluster, find_bindir

        bindir = find_bindir()
        if bindir is None:
            sys.exit("no PostgreSQL server binaries (initdb, pg_ctl): install postgresql or give --database-url")
        cluster = Cluster(bindir, durable=True)
        cluster.start()
        url, raw_url = cluster.new_database(), cluster.new_database()
    figures: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            for engine in ("postgresql", "sqlite"):
                if engine == "postgresql":
                    store = Store.open(workdir / "pg-laptop", database_url=url)
                else:
                    store = Store.open(workdir / "lead")
                merge_s, counts = merge_into(store, bundles)
                store.close()
                if engine == "postgresql":
                    Store.open(workdir / "pg-raw", database_url=raw_url).close()   # the same schema, empty
                    raw_s, rows = pg_copy(url, raw_url)
                    floor = "COPY FROM STDIN"
                else:
                    raw_s, rows = raw_copy(workdir, TABLES)
                    floor = "executemany"
                figures[engine] = {"merge_changes_per_s": round(total / merge_s), "merge_s": round(merge_s, 2),
                                   "raw_rows_per_s": round(rows / raw_s), "raw_s": round(raw_s, 2),
                                   "ratio": round(merge_s / raw_s, 2), **counts}
                print(f"{engine:10} merge {merge_s:7.2f} s {total / merge_s:9,.0f} changes/s | raw {floor}: "
                      f"{raw_s:6.2f} s {rows / raw_s:9,.0f} rows/s ({rows:,} rows) | ratio {merge_s / raw_s:5.1f}× | "
                      f"{counts['inserted']:,} inserted, {counts['updated']:,} updated, {counts['conflicts']:,} conflicts")
    finally:
        if cluster is not None:
            cluster.stop()
    pg, lite = figures["postgresql"], figures["sqlite"]
    print(f"bundles: {args.bundles} × {args.changes} = {total:,} changes; PostgreSQL merge ÷ SQLite merge time: "
          f"{pg['merge_s'] / lite['merge_s']:.2f}×; load average {os.getloadavg()[0]:.1f}")
    if args.json:   # figure -> {value, unit, baseline, ratio} (ratio = our time / the baseline's), as every bench
        out = {f"merge_{engine}": {"value": f["merge_changes_per_s"], "unit": "changes/s",
                                   "baseline": f["raw_rows_per_s"], "ratio": f["ratio"]}
               for engine, f in figures.items()}
        out["merge_pg_vs_sqlite"] = {"value": pg["merge_s"], "unit": "s", "baseline": lite["merge_s"],
                                     "ratio": round(pg["merge_s"] / lite["merge_s"], 2)}
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
