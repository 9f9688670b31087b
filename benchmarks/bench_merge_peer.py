"""``bench_merge.py --peer-data DIR``: the merge on the peerbench data set (../shared/peerbench, copied
somewhere writable and ``gen_data.py`` run there), in the peers' units, so that Outreach, cr-sqlite and
PouchDB can be run side by side in one sitting.

The peers' scenario: 100,000 household-member records held by every replica; replica A changes
(phone, visit_count, last_visit) of 20,000 of them, replica C (status, visit_count, last_visit) of
20,000, 5,000 records on both; B merges A's and C's changes. Here B is the lead's store: the
records arrive first as creations from a third laptop (not timed), then A's changes and C's changes
as two bundles, merged as ``outreach sync import`` of two files does: one transaction, a savepoint per
bundle (timed together).

Mapping onto Outreach's ``person``: dob → birth_date; phone, sex, relation, status, notes as they
are; household_id → a household per id (village → an area); ``visit_count`` and ``last_visit`` have
no person column in Outreach, so they travel in two person columns of the same types,
``disability_grade`` (integer) and ``disability_type`` (text). Every edit names as its base the
creation it changed, so on the 5,000 overlapping records the two colliding columns are true conflicts
and are queued for review (cr-sqlite records none; PouchDB keeps 5,000 conflicted documents).

Units as the peers print them: field changes/s (each changed column of each record is one change:
120,000 here; cr-sqlite counted 115,983 column changes in its run) and rows/s (40,000 changed
records). Baseline in the same run: plain sqlite3 executemany upsert of the same 40,000 full records
(A's then C's) into the peers' table, as ``bench_raw_sqlite.py`` does for its "A+C merge equivalent".
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from outreach.domain.hlc import pack, wall_ms
from outreach.domain.searchkeys import name_keys
from outreach.storage import codec
from outreach.storage.store import Store
from outreach.storage.tables import Household, Person
from outreach.sync.merge import apply_changes, settable

COLS = ["id", "household_id", "name", "sex", "dob", "phone", "village", "relation", "visit_count",
        "last_visit", "status", "notes"]
FIELD = {"phone": "phone", "status": "status", "visit_count": "disability_grade", "last_visit": "disability_type"}


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    with open(folder / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _template(model, **required: Any) -> dict[str, Any]:
    row = model(**required).model_dump()
    return {k: codec.to_json_value(v) for k, v in row.items() if k in settable(model)}


class Feed:
    """Changes of one laptop, stamped in order."""

    def __init__(self, n: int, start_ms: int, worker: str) -> None:
        self.device = f"{n:032x}"
        self.worker = worker
        self.ms = start_ms
        self.changes: list[dict[str, Any]] = []

    def add(self, entity: str, row_id: str, field: str, value: Any, base: list | None = None) -> int:
        self.ms += 1
        hlc = pack(self.ms, 0)
        self.changes.append({"entity": entity, "row_id": row_id, "field": field, "value": value, "hlc": hlc,
                             "device_id": self.device, "worker": self.worker, "base": base})
        return hlc


def build_feeds(folder: Path) -> tuple[list[dict], list[dict], list[dict], dict[str, str], int]:
    persons = _load(folder, "persons.jsonl")
    upd_a, upd_c = _load(folder, "upd_a.jsonl"), _load(folder, "upd_c.jsonl")
    start = wall_ms() - 3 * 3_600_000
    origin, a, c = Feed(1, start, "录入员"), Feed(2, start + 3_600_000, "社工A"), Feed(3, start + 7_200_000, "社工C")
    villages = {v: f"v{i:05d}" for i, v in enumerate(sorted({p["village"] for p in persons}))}
    areas = [{"id": code, "name": name[:64], "level": "village"} for name, code in villages.items()]
    hh_tpl = _template(Household, code="x", village_id="x")
    p_tpl = _template(Person, household_id="x", name="x")
    created: dict[str, int] = {}
    seen_hh: set[str] = set()
    for p in persons:
        if p["household_id"] not in seen_hh:
            seen_hh.add(p["household_id"])
            origin.add("household", p["household_id"], "*",
                       {**hh_tpl, "code": p["household_id"], "village_id": villages[p["village"]]})
        created[p["id"]] = origin.add("person", p["id"], "*", {
            **p_tpl, "household_id": p["household_id"], "name": p["name"], "sex": p["sex"], "birth_date": p["dob"],
            "phone": p["phone"], "relation": p["relation"], "status": p["status"], "notes": p["notes"],
            "disability_grade": p["visit_count"], "disability_type": p["last_visit"]})
    for feed, updates in ((a, upd_a), (c, upd_c)):
        for u in updates:
            base = [created[u["id"]], origin.device]
            for key, value in u.items():
                if key != "id":
                    feed.add("person", u["id"], FIELD[key], value, base)
    rows = {p["id"]: p for p in persons}
    full = [tuple({**rows[u["id"]], **u}[k] for k in COLS) for u in [*upd_a, *upd_c]]
    return areas, origin.changes, [a.changes, c.changes], full, len(upd_a) + len(upd_c)


def raw_upsert(full_rows: list[tuple], persons: int) -> float:
    """The peers' raw floor, in this run: executemany upsert of the changed records into their table."""
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(os.path.join(tmp, "raw.db"), isolation_level=None)
        con.execute("pragma journal_mode=wal")
        con.execute("pragma synchronous=normal")
        con.execute("create table person (id text primary key not null, household_id text, name text, sex text,"
                    " dob text, phone text, village text, relation text, visit_count integer, last_visit text,"
                    " status text, notes text)")
        ph = ",".join("?" * len(COLS))
        con.execute("begin")
        con.executemany(f"insert into person values ({ph})", [(f"p{i:07d}",) + ("",) * 7 + (0, "", "", "")
                                                             for i in range(persons)])
        con.execute("commit")
        upsert = (f"insert into person ({','.join(COLS)}) values ({ph}) on conflict(id) do update set "
                  + ", ".join(f"{c}=excluded.{c}" for c in COLS[1:]))
        t0 = time.perf_counter()
        con.execute("begin")
        con.executemany(upsert, full_rows)
        con.execute("commit")
        elapsed = time.perf_counter() - t0
        con.close()
    return elapsed


def run_peer(folder: Path, _raw_copy: Any = None) -> dict[str, Any]:
    folder = Path(folder)
    if (folder / "data" / "persons.jsonl").exists():
        folder = folder / "data"
    areas, creations, feeds, full_rows, n_updates = build_feeds(folder)
    persons = sum(1 for ch in creations if ch["entity"] == "person")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "lead")
        from outreach.storage.tables import Area

        with store.transaction() as w:
            w.insert_many(Area, areas)
        t0 = time.perf_counter()
        for i in range(0, len(creations), 25_000):   # the records every replica holds (not timed)
            with store.transaction() as w:
                apply_changes(w, creations[i:i + 25_000], source="setup")
        setup_s = time.perf_counter() - t0
        name_keys("王")
        from outreach.sync import import_batch

        def fail(_item, exc, _conn):
            raise exc

        def alone(_item):
            raise RuntimeError("the batch failed")

        c0 = time.process_time()
        t0 = time.perf_counter()
        # as ``outreach sync import A C`` does: one transaction, a savepoint per bundle
        reports = import_batch.run(store, list(zip(("A", "C"), feeds, strict=True)),
                                   step=lambda w, nf: apply_changes(w, nf[1], source=nf[0]), refuse=fail,
                                   alone=alone, keep=lambda r: r.new > 0, weight=lambda r: r.received)
        merge_s = time.perf_counter() - t0
        merge_cpu = time.process_time() - c0
        store.close()
    raw_s = raw_upsert(full_rows, persons)
    changes = sum(len(f) for f in feeds)
    conflicts = sum(r.conflicts for r in reports)
    print(f"peer data set: {persons:,} records (set up as {len(creations):,} creations in {setup_s:.1f} s), "
          f"merge of A + C: {n_updates:,} changed rows, {changes:,} field changes; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"outreach merge: {n_updates / merge_s:,.0f} rows/s = {changes / merge_s:,.0f} changes/s ({merge_s:.2f} s); "
          f"{conflicts:,} true conflicts queued, {sum(r.rows_updated for r in reports):,} row updates")
    print(f"raw sqlite upsert of the same {len(full_rows):,} rows: {len(full_rows) / raw_s:,.0f} rows/s ({raw_s:.3f} s); "
          f"ratio {merge_s / raw_s:.1f}×; merge CPU {merge_cpu:.2f} s (A and C in one transaction, a savepoint each)")
    return {
        "merge": {"value": round(changes / merge_s), "unit": "changes/s", "baseline": round(changes / raw_s),
                  "ratio": round(merge_s / raw_s, 2)},
        "merge_rows": {"value": round(n_updates / merge_s), "unit": "rows/s", "baseline": round(len(full_rows) / raw_s),
                       "ratio": round(merge_s / raw_s, 2)},
    }
