"""The dashboard's first six cards (``reports.first_figures``) next to the same counts in hand-written
SQL on the same store and engine, for bench_core (SQLite) and bench_county (SQLite and PostgreSQL).

The raw counts are what the cards show: households on the register by the period end and those new in
it, those never visited, the period's visits and the households visited, and the households visited /
reached (someone met) in the 30 and 90 days up to ``as_of`` — plain SQL over the same tables and
indexes, nothing computed in Python. ``cold``: on SQLite the database file's pages are dropped from the
operating system's cache first (``posix_fadvise(DONTNEED)``, this file only) and a new store is
opened, as when the dashboard is the first thing opened after a restart.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from outreach.reports.first_figures import first_figures
from outreach.reports.scope import Scope, local_midnight_utc
from outreach.storage.store import Store
from outreach.storage.types import UTCDateTime

_HH = ("FROM household h WHERE NOT h.archived AND (h.created_at < :end_dt OR EXISTS (SELECT 1 FROM visit v "
       "WHERE v.household_id = h.id AND NOT v.archived AND v.visit_date <= :end))")
RAW_FIRST = [
    f"SELECT count(*), count(CASE WHEN h.created_at >= :start_dt THEN 1 END) {_HH}",
    f"SELECT count(*) {_HH} AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id "
    "AND NOT v.archived AND v.visit_date <= :end)",
    "SELECT count(*), count(DISTINCT v.household_id) FROM visit v JOIN household h ON h.id = v.household_id "
    "WHERE NOT v.archived AND NOT h.archived AND v.visit_date >= :start AND v.visit_date <= :end",
    "SELECT count(DISTINCT CASE WHEN v.visit_date >= :lo30 THEN v.household_id END), count(DISTINCT v.household_id), "
    "count(DISTINCT CASE WHEN v.visit_date >= :lo30 AND v.outcome = 'met' THEN v.household_id END), "
    "count(DISTINCT CASE WHEN v.outcome = 'met' THEN v.household_id END) FROM visit v JOIN household h "
    "ON h.id = v.household_id WHERE NOT v.archived AND NOT h.archived AND v.visit_date >= :lo90 "
    "AND v.visit_date <= :as_of",
]


def this_month(today: date | None = None) -> Scope:
    """The dashboard as it opens: this month, the whole store."""
    today = today or date.today()
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Scope(start, end, today=today)


def raw_first(store: Store, scope: Scope) -> list[tuple]:
    p = {"start": scope.start, "end": scope.end, "as_of": scope.as_of, "lo30": scope.window(30)[0],
         "lo90": scope.window(90)[0], "start_dt": local_midnight_utc(scope.start),
         "end_dt": local_midnight_utc(scope.end + timedelta(days=1))}
    out = []
    with store.connect() as conn:
        for sql in RAW_FIRST:
            stmt = sa.text(sql)
            typed = [sa.bindparam(k, type_=UTCDateTime()) for k in ("start_dt", "end_dt") if f":{k}" in sql]
            stmt = stmt.bindparams(*typed) if typed else stmt
            out.append(tuple(conn.execute(stmt, {k: v for k, v in p.items() if f":{k}" in sql}).one()))
    return out


def drop_cache(data_dir: Path) -> bool:
    """Drop the SQLite files' pages from the OS page cache (False where that cannot be done)."""
    if not hasattr(os, "posix_fadvise"):
        return False
    done = False
    for name in ("outreach.sqlite3", "outreach.sqlite3-wal"):
        path = Path(data_dir) / name
        if path.exists():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                done = True
            finally:
                os.close(fd)
    return done


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def measure(open_store: Callable[[], Store], scope: Scope, *, repeat: int = 3,
            data_dir: Path | None = None) -> dict[str, float]:
    """Warm (best of ``repeat`` on one store, after one run) and, given the SQLite ``data_dir``, cold
    (a new store after dropping the file from the page cache): ours and raw, wall and CPU seconds."""
    out: dict[str, float] = {}
    if data_dir is not None:
        for name, fn in (("first", first_figures), ("raw", raw_first)):
            drop_cache(data_dir)
            store = open_store()
            try:
                out[f"{name}_cold_s"], out[f"{name}_cold_cpu_s"] = _timed(lambda f=fn, s=store: f(s, scope))
            finally:
                store.close()
    store = open_store()
    try:
        for name, fn in (("first", first_figures), ("raw", raw_first)):
            fn(store, scope)
            runs = [_timed(lambda f=fn: f(store, scope)) for _ in range(repeat)]
            out[f"{name}_warm_s"], out[f"{name}_warm_cpu_s"] = min(runs)
        ours, raw = first_figures(store, scope), raw_first(store, scope)
    finally:
        store.close()
    hh, cov = ours.households, ours.coverage
    same = (raw[0] == (hh.total.count, hh.new.count) and raw[1][0] == hh.never_visited.count
            and raw[2] == (ours.visits.total.count, hh.visited.count)
            and raw[3] == tuple(t.count for t in (cov.visited_30, cov.visited_90, cov.reached_30, cov.reached_90)))
    out["same_counts"] = float(same)
    return out


def figures(prefix: str, m: dict[str, float]) -> dict[str, dict]:
    """The benchmarks' JSON shape: figure -> value, unit, baseline, ratio (ours / raw)."""
    out = {}
    for kind in ("warm", "cold"):
        if f"first_{kind}_s" in m:
            ours, raw = m[f"first_{kind}_s"], m[f"raw_{kind}_s"]
            out[f"{prefix}_{kind}" if kind == "cold" else prefix] = {
                "value": round(ours, 4), "unit": "s", "baseline": round(raw, 4), "ratio": round(ours / raw, 2),
                "cpu": round(m[f"first_{kind}_cpu_s"], 4), "baseline_cpu": round(m[f"raw_{kind}_cpu_s"], 4)}
    return out


def describe(label: str, m: dict[str, float]) -> str:
    parts = []
    for kind in ("cold", "warm"):
        if f"first_{kind}_s" in m:
            parts.append(f"{kind} {m[f'first_{kind}_s']:.3f} s (CPU {m[f'first_{kind}_cpu_s']:.3f}) vs raw SQL "
                         f"{m[f'raw_{kind}_s']:.3f} s (CPU {m[f'raw_{kind}_cpu_s']:.3f}) = "
                         f"{m[f'first_{kind}_s'] / m[f'raw_{kind}_s']:.2f}x")
    return (f"{label}: dashboard first six cards " + "; ".join(parts)
            + f"; same counts: {'yes' if m['same_counts'] else 'NO'} (goal ≤ 1 s on 50k households)")
