"""GUI at county scale: time to first interactive window and search-as-you-type latency on a
50,000-household database, each next to a bare-Qt / raw-SQL baseline measured in the same run, plus
resident memory and the longest stall of the GUI thread while searching.

    .venv/bin/outreach --data-dir /tmp/bench50k demo --households 50000 --seed 1   # once
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py --data-dir /tmp/bench50k [--json]
    (without --data-dir, or with an empty one, a demo of --households N, default 5,000, is built first)

Each start-up is measured in a fresh subprocess (cold Python, cold Qt) so the numbers are what a
worker sees when opening the app. "Interactive" means: the window is shown, the first page of the
household list is in the table, and the event loop answers a timer.

With ``--json`` the last line is one JSON object: figure → {"value", "unit", "baseline", "ratio"}
(ratio = ours ÷ baseline): ``startup`` (s), ``list_search_<i>`` (ms, the household list's search),
``rss_ready`` (MB), ``gui_max_stall`` (ms, no baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import rawdb  # noqa: E402  (benchmarks/rawdb.py: plain or encrypted store)

rawdb.setup_env()


def _raw_key() -> bytes | None:
    """The bare window gets the raw key from the driver (an encrypted store: no passphrase derivation
    in its timing, as a hand-written app holding the key would)."""
    value = os.environ.get("BENCH_RAW_KEY")
    return bytes.fromhex(value) if value else None

QUERIES = ["王", "李秀", "zhang", "wxy", "lj", "5227", "138", "东坪-00"]
PAGE = 60  # what the household list asks for first: a screenful


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _wait(app, predicate, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not become interactive")
        time.sleep(0.001)


def _loop_answers(app) -> None:
    """The event loop is free: a zero-timer fires."""
    from PySide6.QtCore import QTimer

    fired = []
    QTimer.singleShot(0, lambda: fired.append(1))
    _wait(app, lambda: fired)


# ----------------------------------------------------------------------------- phases (subprocess)
def phase_app(data_dir: str) -> dict:
    t0 = time.perf_counter()
    from outreach.storage.store import Store
    from outreach.ui.app import build_context, create_application
    from outreach.ui.main_window import MainWindow

    app = create_application()
    t_imports = time.perf_counter() - t0
    t_open = time.perf_counter()
    store = Store.open(data_dir)  # an encrypted store: includes unlocking its key (Argon2id)
    t_open = time.perf_counter() - t_open
    ctx = build_context(store, app)
    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show()
    _wait(app, lambda: window.households.model.rowCount() > 0)
    _loop_answers(app)
    ready = time.perf_counter() - t0
    rss_ready = rss_mb()
    result = {"first_interactive_s": ready, "rss_ready_mb": rss_ready, "imports_s": t_imports,
              "store_open_s": t_open, "rows_loaded": window.households.model.rowCount()}
    result.update(_search_gui(app, ctx, window))
    result["rss_after_search_mb"] = rss_mb()
    # scroll to the end of a few pages: memory stays bounded by what was shown
    model = window.households.model
    model.set_text("")
    _wait(app, lambda: model.rowCount() > 0 and not model.is_loading())
    for _ in range(10):
        model.fetchMore()
        _wait(app, lambda: not model.is_loading())
    result["rows_after_10_pages"] = model.rowCount()  # first page (60) + 10 pages of 200
    result["rss_after_scroll_mb"] = rss_mb()
    window.close()
    ctx.close()
    store.close()
    return result


def _append_one(target: list, *_args) -> None:
    target.append(1)


def _search_gui(app, ctx, window) -> dict:
    """Type each query into the search box the way the view does (debounce excluded): time from the
    request to the first page in the table; track the longest GUI-thread stall meanwhile."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    model = window.households.model
    gaps = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    latencies: dict[str, float] = {}
    counts: dict[str, int | None] = {}
    pages: list[int] = []
    model.sig_page_loaded.connect(partial(_append_one, pages))
    for text in QUERIES:
        before = len(pages)
        t = time.perf_counter()
        model.set_text(text)
        _wait(app, lambda b=before: len(pages) > b)
        latencies[text] = (time.perf_counter() - t) * 1000
        _wait(app, lambda: model.total is not None)
        counts[text] = model.total
    timer.stop()
    return {"search_ms": latencies, "search_matches": counts,
            "gui_max_stall_ms": max(gaps) if gaps else 0}


def phase_bare(data_dir: str) -> dict:
    """Bare Qt + raw SQL: a QMainWindow with a QTableView over a QStandardItemModel filled with the
    first page of households read with sqlite3 (no services, no ORM, no worker thread)."""
    t0 = time.perf_counter()
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    app = QApplication.instance() or QApplication([])
    conn = rawdb.connect(data_dir, _raw_key())
    rows = conn.execute(
        "SELECT h.code, a.name, p.name, h.phone, h.benefit_status, h.address FROM household h "
        "JOIN area a ON a.id = h.village_id LEFT JOIN person p ON p.id = h.head_person_id "
        "WHERE h.archived = 0 ORDER BY h.code LIMIT ?", (PAGE,)).fetchall()
    model = QStandardItemModel(len(rows), 6)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            model.setItem(r, c, QStandardItem(str(value or "")))
    window = QMainWindow()
    view = QTableView(window)
    view.setModel(model)
    window.setCentralWidget(view)
    window.resize(1366, 768)
    window.show()
    _loop_answers(app)
    return {"first_interactive_s": time.perf_counter() - t0, "rss_ready_mb": rss_mb(), "rows_loaded": len(rows)}


def raw_search(data_dir: str) -> dict:
    """Raw-SQL baseline for the same searches: one hand-written query per text over the same indexed
    columns (name substring, pinyin / initials / ID prefix, phone substring, household code), first page."""
    conn = rawdb.connect(data_dir)
    out = {}
    for text in QUERIES:
        like = f"%{text}%"
        upper = text + "\x7f"
        t = time.perf_counter()
        conn.execute(
            "SELECT h.id, h.code FROM household h WHERE h.archived = 0 AND (h.code LIKE ? OR h.phone LIKE ? OR h.address LIKE ? "
            "OR h.id IN (SELECT household_id FROM person WHERE merged_into IS NULL AND (name LIKE ? "
            "OR (search_pinyin >= ? AND search_pinyin < ?) OR (search_initials >= ? AND search_initials < ?) "
            "OR (id_number >= ? AND id_number < ?) OR phone LIKE ?))) ORDER BY h.code LIMIT ?",
            (like, like, like, like, text, upper, text, upper, text.upper(), text.upper() + "\x7f", like, PAGE),
        ).fetchall()
        out[text] = (time.perf_counter() - t) * 1000
    return out


# ----------------------------------------------------------------------------- driver
def _run_phase(name: str, data_dir: str) -> dict:
    key = rawdb.database_key(Path(data_dir))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"} | ({"BENCH_RAW_KEY": key.hex()} if key else {})
    proc = subprocess.run([sys.executable, __file__, "--phase", name, "--data-dir", data_dir],
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ensure_store(data_dir: str | None, households: int) -> str:
    """The store to measure: ``data_dir`` if it holds one, else a demo of ``households`` built there
    (or in a temporary folder)."""
    import tempfile

    target = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="bench_gui_"))
    if not (target / "outreach.sqlite3").exists():
        from outreach.services import demo
        from outreach.storage.store import Store

        t = time.perf_counter()
        store = Store.open(target)
        demo.build_demo(store, households=households, seed=1)
        store.close()
        print(f"built a demo of {households:,} households in {time.perf_counter() - t:.0f} s at {target}")
    return str(target)


def _figure(value: float, unit: str, baseline: float) -> dict:
    return {"value": round(value, 4), "unit": unit, "baseline": round(baseline, 4),
            "ratio": round(value / baseline, 2) if baseline else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="GUI benchmark on a large database")
    parser.add_argument("--data-dir", help="a demo store to measure (built there when missing)")
    parser.add_argument("--households", type=int, default=5_000, help="size of the demo built when needed")
    parser.add_argument("--phase", choices=["app", "bare"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object, last")
    args = parser.parse_args(argv)
    if args.phase:
        result = phase_app(args.data_dir) if args.phase == "app" else phase_bare(args.data_dir)
        print(json.dumps(result))
        return 0
    args.data_dir = _ensure_store(args.data_dir, args.households)
    db = rawdb.connect(args.data_dir)
    households = db.execute("SELECT count(*) FROM household").fetchone()[0]
    people = db.execute("SELECT count(*) FROM person").fetchone()[0]
    db.close()
    print(f"database: {households} households, {people} people")
    # alternate the two kinds of start so that a busy machine weighs on both alike
    apps, bares = [], []
    for _ in range(args.runs):
        apps.append(_run_phase("app", args.data_dir))
        bares.append(_run_phase("bare", args.data_dir))
    raw = [raw_search(args.data_dir) for _ in range(args.runs)]
    app_ready = statistics.median(a["first_interactive_s"] for a in apps)
    bare_ready = statistics.median(b["first_interactive_s"] for b in bares)
    print(f"first interactive window: outreach {app_ready:.2f} s | bare Qt + raw SQL {bare_ready:.2f} s "
          f"| ratio {app_ready / bare_ready:.1f}×  (median of {args.runs} cold starts)")
    imports = statistics.median(a["imports_s"] for a in apps)
    opening = statistics.median(a["store_open_s"] for a in apps)
    print(f"  of which: imports and QApplication {imports:.2f} s, opening the store {opening:.2f} s")
    figures = {"startup": _figure(app_ready, "s", bare_ready),
               "startup_imports": {"value": round(imports, 3), "unit": "s", "baseline": None, "ratio": None},
               "startup_store_open": {"value": round(opening, 3), "unit": "s", "baseline": None, "ratio": None}}
    print(f"{'search':>10} {'matches':>8} {'outreach ms':>12} {'raw SQL ms':>11} {'ratio':>6}")
    for i, text in enumerate(QUERIES):
        ours = statistics.median(a["search_ms"][text] for a in apps)
        base = statistics.median(r[text] for r in raw)
        print(f"{text:>10} {apps[0]['search_matches'][text]:>8} {ours:>12.1f} {base:>11.1f} {ours / base:>5.1f}×")
        figures[f"list_search_{i}"] = dict(_figure(ours, "ms", base), query=text)
    stall = max(a["gui_max_stall_ms"] for a in apps)
    print(f"GUI thread longest stall while searching: {stall:.0f} ms")
    figures["gui_max_stall"] = {"value": stall, "unit": "ms", "baseline": None, "ratio": None}
    rss = statistics.median(a["rss_ready_mb"] for a in apps)
    bare_rss = statistics.median(b["rss_ready_mb"] for b in bares)
    print(f"resident memory when ready: outreach {rss:.0f} MB | bare Qt {bare_rss:.0f} MB; after searches "
          f"{statistics.median(a['rss_after_search_mb'] for a in apps):.0f} MB; after scrolling "
          f"{apps[0]['rows_after_10_pages']} rows {statistics.median(a['rss_after_scroll_mb'] for a in apps):.0f} MB")
    figures["rss_ready"] = _figure(rss, "MB", bare_rss)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
