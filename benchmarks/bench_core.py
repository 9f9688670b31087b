"""Core benchmark: build a demo store and search it, each next to the raw sqlite3 equivalent measured
in the same run.

    .venv/bin/python benchmarks/bench_core.py [--households 5000] [--data-dir DIR] [--repeats 40] [--json]

- insert: our demo build (stamping, change log, search keys, the search index's triggers) vs raw
  sqlite3 executemany of the very same rows into an identical empty schema (triggers on), and the
  same without the search index's triggers (what the index costs a bulk insert).
- search: ``search_people`` (first page of 50, SQLAlchemy, two steps, masking) for each query class,
  p95 over ``--repeats`` runs, vs the best raw-SQL plan for the same result (hand-written sqlite3 over
  the same indexes, including the search index). The hits are checked to be the same people.

A ``--data-dir`` holding a demo store is reused (no insert figures then); an empty one gets the demo
built there (and kept, for bench_gui / bench_reports). With ``--json`` the last
line is one JSON object: figure name → {"value", "unit", "baseline", "ratio"} (ratio = ours ÷
baseline, lower is better): ``search_p95`` (the worst class), ``search_p95_<class>``, ``demo_build``,
``dashboard_first`` and ``dashboard_first_cold`` (s: the dashboard's first six cards, this month, the
whole store, warm and with the file dropped from the page cache, vs the same counts in raw SQL).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import dashboard_bench  # benchmarks/dashboard_bench.py: the dashboard's first cards vs raw SQL
import rawdb  # benchmarks/rawdb.py: plain or encrypted store

from outreach.services import demo, search
from outreach.storage import search_index
from outreach.storage.store import Store
from outreach.storage.tables import SYNCED_TABLES

# query class → text typed
QUERIES = {
    "char": "李",               # one Chinese character (a common surname)
    "name": "王秀英",           # a full name
    "name_part": "秀英",        # two characters from inside names
    "name_absent": "欧阳修",    # a name nobody has: nothing found, nothing to stop a scan early
    "pinyin": "zhangjianguo",
    "initials": "wxy",
    "id": "5227311",            # ID number, from the start
    "phone": "8888",            # phone fragment, anywhere
    "code": "东坪-00",          # household code
}
PAGE, CAP = 50, 200


def _count_rows(data_dir: Path) -> tuple[int, int]:
    con = rawdb.connect(data_dir)
    data = sum(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in SYNCED_TABLES)
    log = con.execute("SELECT COUNT(*) FROM change_log").fetchone()[0]
    con.close()
    return data, log


def _raw_insert(src, target: Path, *, triggers: bool) -> float:
    Store.open(target).close()
    dst = rawdb.connect(target)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    if not triggers:
        for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%search%'").fetchall():
            dst.execute(f"DROP TRIGGER {name}")
    tables = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in SYNCED_TABLES}
    t0 = time.perf_counter()
    dst.execute("BEGIN")
    for t, rows in tables.items():
        if rows:
            marks = ",".join("?" * len(rows[0]))
            dst.execute("DELETE FROM " + t)
            dst.executemany(f"INSERT INTO {t} VALUES ({marks})", rows)
    dst.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    dst.close()
    return elapsed


def bench_insert(households: int, workdir: Path, figures: dict, ours: Path | None = None, *,
                 baseline: bool = True) -> Path:
    ours = ours or workdir / "ours"
    store = Store.open(ours)
    t0 = time.perf_counter()
    demo.build_demo(store, households=households, seed=1)
    elapsed = time.perf_counter() - t0
    store.close()
    data_rows, log_rows = _count_rows(ours)
    print(f"households                : {households:,}")
    print(f"rows (data + change log)  : {data_rows:,} + {log_rows:,}")
    print(f"outreach demo build       : {elapsed:6.1f} s  {data_rows / elapsed:9,.0f} data rows/s (plus the change log)")
    if not baseline:
        figures["demo_build"] = {"value": round(elapsed, 2), "unit": "s", "baseline": None, "ratio": None}
        return ours
    src = rawdb.connect(ours)
    raw = _raw_insert(src, workdir / "raw", triggers=True)
    bare = _raw_insert(src, workdir / "bare", triggers=False)
    src.close()
    print(f"raw sqlite3 executemany   : {raw:6.1f} s  {data_rows / raw:9,.0f} rows/s (same rows, no log, index triggers on)")
    print(f"  without index triggers  : {bare:6.1f} s  {data_rows / bare:9,.0f} rows/s (the search index costs {raw - bare:.1f} s)")
    print(f"ratio ours/raw (time)     : {elapsed / raw:6.1f}x  (ours also generates the data, computes pinyin keys and writes the log)")
    figures["demo_build"] = {"value": round(elapsed, 2), "unit": "s", "baseline": round(raw, 2),
                             "ratio": round(elapsed / raw, 2)}
    figures["index_triggers_bulk_insert"] = {"value": round(raw, 2), "unit": "s", "baseline": round(bare, 2),
                                             "ratio": round(raw / bare, 2)}
    return ours


RAW_DETAILS = """
SELECT p.id, p.name, p.household_id, h.code, a.name, p.id_number, p.birth_date, p.phone, p.status
FROM person p JOIN household h ON h.id = p.household_id JOIN area a ON a.id = h.village_id
WHERE h.archived = 0 AND p.id IN ({marks})
"""
OWN = "p.archived = 0 AND p.merged_into IS NULL"
FTS_IDS = ("SELECT p.id FROM person_search_fts f JOIN person_search_key k ON k.rid = f.rowid "
           f"JOIN person p ON p.id = k.person_id WHERE person_search_fts MATCH ? AND {OWN} LIMIT ?")
GRAM_IDS = ("SELECT p.id FROM person_search_gram g JOIN person_search_key k ON k.rid = g.rid "
            f"JOIN person p ON p.id = k.person_id WHERE g.gram = ? AND {OWN} LIMIT ?")


def raw_search(con, text: str) -> list:
    """The best plan by hand: each kind of match through its index, then the details of the hits."""
    q = "".join(text.split()).lower()
    plans: list[tuple[str, tuple]] = []
    if q.isascii() and q.isalpha():
        plans.append((f"SELECT p.id FROM person p WHERE ((p.search_pinyin >= ? AND p.search_pinyin < ?) OR "
                      f"(p.search_initials >= ? AND p.search_initials < ?)) AND {OWN} LIMIT ?",
                      (q, q + "\x7f", q, q + "\x7f")))
    else:
        digits = q.isascii() and any(c.isdigit() for c in q)
        if digits:
            plans.append((f"SELECT p.id FROM person p WHERE p.id_number >= ? AND p.id_number < ? AND {OWN} LIMIT ?",
                          (q.upper(), q.upper() + "\x7f")))
        if len(q) >= 3:
            cols = "phone code" if digits else "name code"
            plans.append((FTS_IDS, ("{" + cols + '} : "' + q.replace('"', '""') + '"',)))
        else:
            plans.append((f"SELECT p.id FROM person p WHERE p.phone LIKE ? AND {OWN} LIMIT ?", (f"%{q}%",))
                         if digits else (GRAM_IDS, (q,)))
            plans.append(("SELECT p.id FROM household h JOIN person p ON p.household_id = h.id "
                          f"WHERE h.code >= ? AND h.code < ? AND {OWN} LIMIT ?", (q, q + "\U0010ffff")))
    ids: dict[str, None] = {}
    for sql, params in plans:
        ids.update(dict.fromkeys(r[0] for r in con.execute(sql, (*params, CAP - len(ids)))))
        if len(ids) >= CAP:
            break
    if not ids:
        return []
    rows = con.execute(RAW_DETAILS.format(marks=",".join("?" * len(ids))), list(ids)).fetchall()
    return sorted(rows, key=lambda r: (r[1], r[3]))[:PAGE]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] * 1000


def bench_search(ours: Path, figures: dict, repeats: int) -> None:
    store = Store.open(ours)
    store.refresh_statistics(only_if_missing=True)
    con = rawdb.connect(ours)
    people = con.execute("SELECT count(*) FROM person").fetchone()[0]
    print(f"\nsearch on {people:,} people, first page of {PAGE}, p95 of {repeats} runs "
          f"(SQLite {rawdb.sqlite_version(con)}, index: FTS5 trigram ≥ {search_index.MIN_TRIGRAM} characters)")
    print(f"{'class':<12}{'query':<14}{'hits':>6}{'outreach ms':>13}{'raw sql ms':>12}{'ratio':>8}  same"
          f"{'median ours/raw ms':>22}")
    worst = None
    for cls, q in QUERIES.items():
        ours_t, raw_t, ours_c, raw_c = [], [], [], []
        hits: list = []
        raw_rows: list = []
        search.search_people(store, q)  # warm the page cache for both
        raw_search(con, q)
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            hits = search.search_people(store, q)
            ours_t.append(time.perf_counter() - t0)
            ours_c.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            raw_rows = raw_search(con, q)
            raw_t.append(time.perf_counter() - t0)
            raw_c.append(time.process_time() - c0)
        o, r = p95(ours_t), p95(raw_t)
        same = [h.id for h in hits] == [row[0] for row in raw_rows]
        om, rm = statistics.median(ours_t) * 1000, statistics.median(raw_t) * 1000
        print(f"{cls:<12}{q:<14}{len(hits):>6}{o:>13.1f}{r:>12.1f}{o / r:>7.1f}x  {'yes' if same else 'NO ':<3}"
              f"{om:>14.1f} / {rm:.1f}")
        figures[f"search_p95_{cls}"] = {"value": round(o, 2), "unit": "ms", "baseline": round(r, 2),
                                        "ratio": round(o / r, 2), "median": round(om, 2), "baseline_median": round(rm, 2),
                                        "cpu_p95": round(p95(ours_c), 2), "baseline_cpu_p95": round(p95(raw_c), 2)}
        if worst is None or o > figures[f"search_p95_{worst}"]["value"]:
            worst = cls
    figures["search_p95"] = dict(figures[f"search_p95_{worst}"], worst_class=worst)
    print(f"worst class: {worst}, p95 {figures['search_p95']['value']:.1f} ms (goal ≤ 50 ms, ≤ 2× raw); "
          f"CPU p95 of each class: " + ", ".join(f"{c} {figures[f'search_p95_{c}']['cpu_p95']:.1f}" for c in QUERIES))
    con.close()
    store.close()


def bench_dashboard(ours: Path, figures: dict, repeats: int) -> None:
    m = dashboard_bench.measure(lambda: Store.open(ours), dashboard_bench.this_month(), repeat=min(repeats, 5),
                                data_dir=ours)
    print("\n" + dashboard_bench.describe("whole store, this month", m))
    figures.update(dashboard_bench.figures("dashboard_first", m))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument("--data-dir", type=Path, help="reuse this demo store, or build it there if missing")
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object, last")
    parser.add_argument("--no-insert-baseline", action="store_true",
                        help="time the demo build alone (no raw executemany copies: county scale)")
    args = parser.parse_args()
    rawdb.setup_env()
    figures: dict = {}
    if args.data_dir and (args.data_dir / "outreach.sqlite3").exists():
        bench_search(args.data_dir, figures, args.repeats)
        bench_dashboard(args.data_dir, figures, args.repeats)
    else:
        with tempfile.TemporaryDirectory() as tmp:  # a --data-dir without a store: built there, kept
            ours = bench_insert(args.households, Path(tmp), figures, args.data_dir,
                                baseline=not args.no_insert_baseline)
            bench_search(ours, figures, args.repeats)
            bench_dashboard(ours, figures, args.repeats)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
