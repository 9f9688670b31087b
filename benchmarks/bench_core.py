"""Core benchmark: build a demo store (default 50k households, ~165k people) and search it, each next
to the raw sqlite3 equivalent measured in the same run.

    .venv/bin/python benchmarks/bench_core.py [--households 50000]

- insert: our demo build (stamping, change log, search keys) vs raw sqlite3 executemany of the very same
  rows into an identical empty schema (no change log, no stamping): rows/s and the ratio.
- search: `search_people` (SQLAlchemy, joins, masking) vs the same SQL run with sqlite3: median ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from outreach.services import demo, search
from outreach.storage.store import Store
from outreach.storage.tables import SYNCED_TABLES

QUERIES = ["zs", "wxy", "zhangjianguo", "王秀", "李", "5227311", "8888", "东坪-00"]


def _count_rows(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as con:
        data = sum(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in SYNCED_TABLES)
        log = con.execute("SELECT COUNT(*) FROM change_log").fetchone()[0]
    return data, log


def bench_insert(households: int, workdir: Path) -> Path:
    ours = workdir / "ours"
    store = Store.open(ours)
    t0 = time.perf_counter()
    demo.build_demo(store, households=households, seed=1)
    elapsed = time.perf_counter() - t0
    store.close()
    data_rows, log_rows = _count_rows(ours / "outreach.sqlite3")

    # Raw baseline: the same rows, executemany into an identical empty schema, one transaction per table.
    raw_dir = workdir / "raw"
    Store.open(raw_dir).close()
    src = sqlite3.connect(ours / "outreach.sqlite3")
    dst = sqlite3.connect(raw_dir / "outreach.sqlite3")
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    tables = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in SYNCED_TABLES}
    t0 = time.perf_counter()
    for t, rows in tables.items():
        if rows:
            marks = ",".join("?" * len(rows[0]))
            dst.execute("DELETE FROM " + t)
            dst.executemany(f"INSERT INTO {t} VALUES ({marks})", rows)
    dst.commit()
    raw_elapsed = time.perf_counter() - t0
    src.close()
    dst.close()
    print(f"households                : {households:,}")
    print(f"rows (data + change log)  : {data_rows:,} + {log_rows:,}")
    print(f"outreach demo build       : {elapsed:6.1f} s  {data_rows / elapsed:9,.0f} data rows/s (plus the change log)")
    print(f"raw sqlite3 executemany   : {raw_elapsed:6.1f} s  {data_rows / raw_elapsed:9,.0f} rows/s (same rows, no log)")
    print(f"ratio ours/raw (time)     : {elapsed / raw_elapsed:6.1f}x  (ours also generates the data, computes pinyin keys and writes the log)")
    return ours


RAW_DETAILS = """
SELECT p.id, p.name, p.household_id, h.code, a.name, p.id_number, p.birth_date, p.phone, p.status
FROM person p JOIN household h ON h.id = p.household_id JOIN area a ON a.id = h.village_id
WHERE h.archived = 0 AND p.id IN ({marks})
"""


def raw_search(con: sqlite3.Connection, text: str) -> list:
    """The same two-step plan as search_people, by hand: match people alone, then join the hits."""
    q = "".join(text.split()).lower()
    if q.isascii() and q.isalpha():
        cond = "(search_pinyin >= :q AND search_pinyin < :q || char(127)) OR " \
               "(search_initials >= :q AND search_initials < :q || char(127))"
    elif q.isascii() and any(c.isdigit() for c in q):
        cond = "(id_number >= upper(:q) AND id_number < upper(:q) || char(127)) OR phone LIKE '%' || :q || '%'"
    else:
        cond = "name LIKE '%' || :q || '%'"
    own = "archived = 0 AND merged_into IS NULL"
    ids = [r[0] for r in con.execute(f"SELECT id FROM person WHERE {own} AND ({cond}) LIMIT 200", {"q": q})]
    if not (q.isascii() and q.isalpha()):
        ids += [r[0] for r in con.execute(
            "SELECT p.id FROM person p JOIN household h ON h.id = p.household_id "
            f"WHERE p.{own.replace(' AND ', ' AND p.')} AND h.code LIKE '%' || :q || '%' LIMIT 200", {"q": q})]
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    rows = con.execute(RAW_DETAILS.format(marks=",".join("?" * len(ids))), ids).fetchall()
    return sorted(rows, key=lambda r: (r[1], r[3]))[:50]


def bench_search(ours: Path, repeats: int = 15) -> None:
    store = Store.open(ours)
    con = sqlite3.connect(ours / "outreach.sqlite3")
    print(f"\n{'query':<14}{'hits':>6}{'outreach ms':>14}{'raw sql ms':>12}{'ratio':>8}")
    ratios = []
    for q in QUERIES:
        ours_t, raw_t = [], []
        hits = 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            hits = len(search.search_people(store, q))
            ours_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            raw_search(con, q)
            raw_t.append(time.perf_counter() - t0)
        o, r = statistics.median(ours_t) * 1000, statistics.median(raw_t) * 1000
        ratios.append(o / r)
        print(f"{q:<14}{hits:>6}{o:>14.1f}{r:>12.1f}{o / r:>7.1f}x")
    print(f"median ratio outreach/raw: {statistics.median(ratios):.2f}x")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours = bench_insert(args.households, Path(tmp))
        bench_search(ours)


if __name__ == "__main__":
    main()
