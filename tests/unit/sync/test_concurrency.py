"""Two imports, exports or demos at the same time on one store (issue 11, items 1 and 4).

Every interleaving is forced with test hooks (``outreach.testhooks``): one thread is stopped at a named
point inside (or just before) its transaction while the other runs up to a point of its own; no sleeps.
Each thread opens its own ``Store`` (its own connections), as two processes would.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from outreach import testhooks
from outreach.storage import store as store_module
from outreach.storage.store import Store, StoreBusy
from outreach.storage.tables import Household
from outreach.sync import transport
from tests.unit.sync.transport_kit import (
    DONGPING,
    add_household,
    change,
    create_lead,
    downlink,
    forged_uplink,
    join,
    receive,
    uplink,
)

WAIT = 60  # seconds; only ever reached when something is broken (a hook never hit), never a timing guess
LOCK = "store:begin_immediate"   # a writer is about to ask for the write lock


class Race:
    """Jobs in named threads. ``stop(job, point)``: the job waits at that hook point until ``go``;
    ``mark(job, point)``: ``reached(job, point)`` returns once the job got there (it does not wait)."""

    def __init__(self) -> None:
        self.stops: dict[tuple[str, str], tuple[threading.Event, threading.Event]] = {}
        self.marks: dict[tuple[str, str], threading.Event] = {}
        self.threads: dict[str, threading.Thread] = {}
        self.results: dict[str, Any] = {}
        self.errors: dict[str, BaseException] = {}
        self._hooks = contextlib.ExitStack()
        self._points: set[str] = set()

    def _watch(self, point: str) -> None:
        if point not in self._points:
            self._points.add(point)
            self._hooks.enter_context(testhooks.hooked(point, self._at))

    def _at(self, point: str) -> None:
        key = (threading.current_thread().name, point)
        if key in self.marks:
            self.marks[key].set()
        if key in self.stops:
            arrived, release = self.stops[key]
            if not arrived.is_set():         # stops once
                arrived.set()
                assert release.wait(WAIT), f"{key} was never released"

    def stop(self, job: str, point: str) -> None:
        self.stops[(job, point)] = (threading.Event(), threading.Event())
        self._watch(point)

    def mark(self, job: str, point: str) -> None:
        self.marks[(job, point)] = threading.Event()
        self._watch(point)

    def start(self, job: str, fn: Callable[[], Any]) -> None:
        def run() -> None:
            try:
                self.results[job] = fn()
            except BaseException as exc:  # re-raised by finish()
                self.errors[job] = exc

        self.threads[job] = threading.Thread(target=run, name=job, daemon=True)
        self.threads[job].start()

    def stopped(self, job: str, point: str) -> None:
        assert self.stops[(job, point)][0].wait(WAIT), f"{job} never reached {point}: {self.errors.get(job)!r}"

    def reached(self, job: str, point: str) -> None:
        assert self.marks[(job, point)].wait(WAIT), f"{job} never reached {point}: {self.errors.get(job)!r}"

    def go(self, job: str, point: str) -> None:
        self.stops[(job, point)][1].set()

    def finish(self, job: str) -> Any:
        self.threads[job].join(WAIT)
        assert not self.threads[job].is_alive(), f"{job} did not finish"
        if job in self.errors:
            raise self.errors[job]
        return self.results[job]

    def close(self) -> None:
        for _job, release in self.stops.values():
            release.set()
        self._hooks.close()


@pytest.fixture
def race():
    r = Race()
    yield r
    r.close()


def importing(data_dir: Path, ring, path: Path) -> Callable[[], transport.ImportResult]:
    def run() -> transport.ImportResult:
        store = Store.open(data_dir)
        try:
            return transport.import_file(store, ring, path)
        finally:
            store.close()
    return run


def notes(store: Store, household_id: str) -> str:
    h = Household.__table__
    with store.connect() as conn:
        return conn.execute(select(h.c.notes).where(h.c.id == household_id)).scalar_one()


@pytest.fixture
def two_edits(tmp_path):
    """The lead holds household X (from 李娜); bundle A (李娜) sets its notes to "A-older" at HLC T,
    bundle B (王强, same village) to "B-newer" at T+1000 — the two imports of issue 11, item 1."""
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    wang = join(tmp_path, lead, "wang", "王强", [DONGPING])
    receive(li, downlink(lead, li))
    x = add_household(li, "东坪-0001", DONGPING, notes="原始")
    [r] = receive(lead, uplink(li))
    assert r.status == transport.IMPORTED
    t = max(li.store.clock.last, lead.store.clock.last) + 1000
    a = forged_uplink(li, lead, [change("household", x, "notes", "A-older", t, li.id)], seq=2, name="a.age")
    b = forged_uplink(wang, lead, [change("household", x, "notes", "B-newer", t + 1000, wang.id, "王强")],
                      seq=1, name="b.age")
    yield lead, x, {"A": a, "B": b}
    for laptop in (lead, li, wang):
        laptop.close()


def test_either_order_one_after_the_other_keeps_the_newer_value(two_edits, tmp_path):
    lead, x, paths = two_edits
    results = receive(lead, paths["A"], paths["B"])
    assert [r.status for r in results] == ["imported", "imported"]
    assert notes(lead.store, x) == "B-newer"


INSIDE = ["import:before_first_write", "import:mid_apply", "import:before_commit"]


@pytest.mark.parametrize("first", ["A", "B"])
@pytest.mark.parametrize("point", INSIDE)
def test_second_import_waits_for_the_first_and_the_newer_value_wins(two_edits, race, first, point):
    """The first import is stopped inside its transaction; the second asks for the write lock (and so
    waits: it read nothing yet); then the first goes on. Every order ends with "B-newer"."""
    lead, x, paths = two_edits
    second = "B" if first == "A" else "A"
    race.stop(first, point)
    race.mark(second, LOCK)
    race.start(first, importing(lead.dir, lead.ring, paths[first]))
    race.stopped(first, point)
    race.start(second, importing(lead.dir, lead.ring, paths[second]))
    race.reached(second, LOCK)
    race.go(first, point)
    assert race.finish(first).status == transport.IMPORTED
    assert race.finish(second).status == transport.IMPORTED, race.results[second].text("en")
    assert notes(lead.store, x) == "B-newer"


@pytest.mark.parametrize("first", ["A", "B"])
def test_import_verified_before_the_other_applies_still_ends_newer(two_edits, race, first):
    """One import has verified its bundle (read the registry) but not begun to apply when the other
    runs from start to end: it applies on what is there by then."""
    lead, x, paths = two_edits
    second = "B" if first == "A" else "A"
    race.stop(first, "import:before_begin")
    race.start(first, importing(lead.dir, lead.ring, paths[first]))
    race.stopped(first, "import:before_begin")
    race.start(second, importing(lead.dir, lead.ring, paths[second]))
    assert race.finish(second).status == transport.IMPORTED
    race.go(first, "import:before_begin")
    assert race.finish(first).status == transport.IMPORTED
    assert notes(lead.store, x) == "B-newer"


def test_the_write_lock_is_held_from_the_first_read(two_edits, race, monkeypatch):
    """While import A is between its first read and its first write, import B cannot write anything
    (before the fix it committed "B-newer" here and A then wrote "A-older" over it). With a short
    wait it is refused in one line; reading (team status, opening the store) is not blocked."""
    lead, x, paths = two_edits
    race.stop("A", "import:before_first_write")
    race.start("A", importing(lead.dir, lead.ring, paths["A"]))
    race.stopped("A", "import:before_first_write")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    other = Store.open(lead.dir)
    try:
        assert transport.status_report(other)["team"] is not None        # reading is never blocked
        result = transport.import_file(other, lead.ring, paths["B"])
    finally:
        other.close()
    assert result.status == transport.REFUSED and result.message.key == "harden.store_busy"
    for lang in ("zh_CN", "en"):
        assert "locked" not in result.text(lang) and "harden." not in result.text(lang)
    race.go("A", "import:before_first_write")
    assert race.finish("A").status == transport.IMPORTED
    [again] = receive(lead, paths["B"])                                   # B tried again: fine
    assert again.status == transport.IMPORTED
    assert notes(lead.store, x) == "B-newer"


# --------------------------------------------------------------------------- same bundle, one laptop
@pytest.mark.parametrize("point", ["import:before_first_write", "import:before_begin"])
def test_same_bundle_imported_twice_at_once_is_imported_once(two_edits, race, point):
    lead, x, paths = two_edits
    race.stop("one", point)
    race.start("one", importing(lead.dir, lead.ring, paths["B"]))
    race.stopped("one", point)
    race.start("two", importing(lead.dir, lead.ring, paths["B"]))
    if point == "import:before_begin":
        assert race.finish("two").status == transport.IMPORTED
    race.go("one", point)
    results = [race.finish("one"), race.finish("two")]
    assert sorted(r.status for r in results) == [transport.ALREADY, transport.IMPORTED]
    already = next(r for r in results if r.status == transport.ALREADY)
    assert already.message.key == "sync.import.already"
    assert notes(lead.store, x) == "B-newer"


def test_two_bundles_of_one_laptop_at_once_both_apply(tmp_path, race):
    """The second uplink re-sends the first one's edits (not acknowledged yet), with their bases: the
    two imports must not both insert them (the change_base failure of issue 11)."""
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    receive(li, downlink(lead, li))
    x = add_household(li, "东坪-0001", DONGPING, notes="一")
    receive(lead, uplink(li))
    receive(li, downlink(lead, li))
    with li.store.transaction() as w:
        w.update(Household, x, {"notes": "二"})
    first = uplink(li).path
    with li.store.transaction() as w:
        w.update(Household, x, {"notes": "三"})
    second = uplink(li).path
    race.stop("u1", "import:mid_apply")
    race.mark("u2", LOCK)
    race.start("u1", importing(lead.dir, lead.ring, first))
    race.stopped("u1", "import:mid_apply")
    race.start("u2", importing(lead.dir, lead.ring, second))
    race.reached("u2", LOCK)
    race.go("u1", "import:mid_apply")
    assert race.finish("u1").status == transport.IMPORTED
    r2 = race.finish("u2")
    assert r2.status == transport.IMPORTED, r2.text("en")
    assert notes(lead.store, x) == "三"
    for laptop in (lead, li):
        laptop.close()


# --------------------------------------------------------------------------- exports
def test_two_exports_at_once_get_distinct_sequence_numbers(tmp_path, race):
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    receive(li, downlink(lead, li))
    add_household(li, "东坪-0001", DONGPING)

    def exporting(out: Path) -> Callable[[], transport.ExportResult]:
        def run() -> transport.ExportResult:
            store = Store.open(li.dir)
            try:
                return transport.export_bundle(store, li.ring, out=out)
            finally:
                store.close()
        return run

    out1, out2 = tmp_path / "out1", tmp_path / "out2"
    out1.mkdir()
    out2.mkdir()
    race.stop("e1", "export:seq_read")
    race.mark("e2", LOCK)
    race.start("e1", exporting(out1))
    race.stopped("e1", "export:seq_read")
    race.start("e2", exporting(out2))
    race.reached("e2", LOCK)
    race.go("e1", "export:seq_read")
    r1, r2 = race.finish("e1"), race.finish("e2")
    assert sorted([r1.seq, r2.seq]) == [1, 2]
    assert r1.path.exists() and r2.path.exists() and r1.bundle_id != r2.bundle_id
    results = receive(lead, r1.path, r2.path)
    assert [r.status for r in results] == ["imported", "imported"]
    assert not any(r.gaps for r in results)
    for laptop in (lead, li):
        laptop.close()


# --------------------------------------------------------------------------- demo
def test_second_demo_at_once_is_refused_in_one_line(tmp_path, race):
    from outreach.services import demo

    data = tmp_path / "demo"
    Store.open(data).close()

    def building() -> Any:
        store = Store.open(data)
        try:
            return demo.build_demo(store, households=30, seed=1)
        finally:
            store.close()

    race.stop("d1", "store:exclusive:demo")
    race.start("d1", building)
    race.stopped("d1", "store:exclusive:demo")
    other = Store.open(data)
    try:
        with pytest.raises(StoreBusy) as exc:
            demo.build_demo(other, households=30, seed=1)
    finally:
        other.close()
    assert exc.value.key == "harden.job_running.demo"
    where = other.url if other.on_server else str(data)   # PostgreSQL: the database is what is busy
    assert "demo" in exc.value.message("zh_CN") and where in exc.value.message("en")
    race.go("d1", "store:exclusive:demo")
    assert race.finish("d1").households == 30
