"""Importing many bundles in one transaction with a savepoint per bundle (issue 14, ``sync.import_batch``):
the same result as importing them one by one in any order, each bundle still all-or-nothing, a cancel or
a killed process leaves nothing of the unfinished batch, and the CLI imports its files in one batch."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import func, select

from outreach import testhooks
from outreach.storage.merge_tables import MergeConflict
from outreach.storage.store import Store
from outreach.storage.sync_tables import SyncBundle
from outreach.storage.tables import Household
from outreach.storage.writer import CHANGE_LOG
from outreach.sync import import_batch, transport
from outreach.sync import team as T
from tests.conftest import copy_data_folder
from tests.unit.sync.transport_kit import (
    HEKOU,
    PASS,
    SHIMEN,
    add_household,
    change,
    db_hash,
    downlink,
    forged_uplink,
    kill_at_point,
    lead_and_two_workers,
    receive,
    state_diff,
    synced_state,
    uplink,
)


def count(store, table, *where) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def notes(store, household_id: str) -> str:
    h = Household.__table__
    with store.connect() as conn:
        return conn.execute(select(h.c.notes).where(h.c.id == household_id)).scalar_one()


class Team:
    """The lead's data folder (closed, copied before each use) and four uplinks: 李娜's two (the second
    re-sends the first's changes), 王强's one, and a bundle that edits 王强's household concurrently."""

    def __init__(self, root) -> None:
        self.root = root
        self.copies = 0
        with lead_and_two_workers(root) as (lead, li, wang):
            self.shared = add_household(lead, "石门-0001", SHIMEN, notes="原始")
            for laptop in (li, wang):
                assert receive(laptop, downlink(lead, laptop))[0].status == transport.IMPORTED
            for i in range(3):
                add_household(li, f"石门-1{i:03d}", SHIMEN, notes="李娜建")
            with li.store.transaction() as w:
                w.update(Household, self.shared, {"notes": "李娜改"})
            self.li1 = uplink(li).path
            for i in range(3, 6):
                add_household(li, f"石门-1{i:03d}", SHIMEN, notes="李娜建")
            self.li2 = uplink(li).path
            self.wang_hh = add_household(wang, "河口-2000", HEKOU, phone="13800000000")
            with wang.store.transaction() as w:
                w.update(Household, self.shared, {"notes": "王强改"})   # concurrent with 李娜's edit
            self.wang1 = uplink(wang).path
            # a bundle stamped an hour ahead of every clock here (a laptop whose clock runs fast)
            self.late_hlc = max(lead.store.clock.last, li.store.clock.last, wang.store.clock.last) + (3_600_000 << 16)
            hid = "f" * 32
            self.late = forged_uplink(li, lead, [change("household", hid, "*", {
                "id": hid, "code": "石门-9999", "village_id": SHIMEN}, self.late_hlc, li.id)], seq=3, name="late.age")
            self.li_id, self.wang_id = li.id, wang.id
            self.dir = lead.dir

    def lead(self) -> tuple[Store, object]:
        """A fresh copy of the lead's store (as it was before any uplink), open, with its keys."""
        self.copies += 1
        target = self.root / f"lead-copy-{self.copies}"
        copy_data_folder(self.dir, target)
        store = Store.open(target)
        return store, T.unlock(store, PASS)

    @property
    def all(self) -> list:
        return [self.li1, self.li2, self.wang1]


@pytest.fixture
def team(tmp_path):
    return Team(tmp_path)


def conflicts(store) -> list[tuple]:
    c = MergeConflict.__table__.c
    with store.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(c.entity, c.row_id, c.field, c.a_device, c.b_device)))


# --------------------------------------------------------------------------- same result
def test_one_batch_equals_one_by_one_in_any_order(team):
    batch, ring = team.lead()
    single, ring2 = team.lead()
    try:
        seen: list = []
        results = transport.import_bundles(batch, ring, team.all, on_result=seen.append)
        assert [r.status for r in results] == ["imported"] * 3
        assert seen == results                                     # a report per bundle, once committed
        assert results[0].report.new > 0 and results[1].report.already_had > 0   # li2 re-sends li1
        for path in reversed(team.all):                            # one file, one transaction each
            [r] = transport.import_bundles(single, ring2, [path])
            assert r.status == "imported"
        assert state_diff(synced_state(batch), synced_state(single)) == []
        assert synced_state(batch) == synced_state(single)
        assert conflicts(batch) == conflicts(single) != []         # the two notes edits: a true conflict
        assert count(batch, CHANGE_LOG) == count(single, CHANGE_LOG)
        assert count(batch, Household.__table__) == 1 + 6 + 1
        again = transport.import_bundles(batch, ring, team.all)   # idempotent: nothing changes
        assert [r.status for r in again] == ["already"] * 3
    finally:
        batch.close()
        single.close()


def test_already_imported_batch_writes_nothing(team):
    store, ring = team.lead()
    try:
        transport.import_bundles(store, ring, team.all)
        before = db_hash(store)
        reached = []
        with testhooks.hooked("import:batch_before_commit", reached.append):
            results = transport.import_bundles(store, ring, [*team.all, team.li1])
        assert [r.status for r in results] == ["already"] * 4
        assert reached == ["import:batch_before_commit"]           # one batch for the four files
        assert db_hash(store) == before
    finally:
        store.close()


# --------------------------------------------------------------------------- a bad bundle in a batch
def test_a_bundle_failing_mid_apply_is_rolled_back_alone(team):
    """The second of three files fails after its change log was written: only its savepoint is rolled
    back; the other two commit together, and it imports fine later."""
    store, ring = team.lead()
    calls = []

    def fail_second(_point):
        calls.append(1)
        if len(calls) == 2:
            raise MemoryError("injected")

    try:
        with testhooks.hooked("import:mid_apply", fail_second):
            results = transport.import_bundles(store, ring, [team.li1, team.wang1, team.li2])
        assert [r.status for r in results] == ["imported", "refused", "imported"]
        assert results[1].message.key == "sync.refused.internal"
        assert count(store, CHANGE_LOG, CHANGE_LOG.c.device_id == team.wang_id) == 0   # nothing of it
        assert count(store, SyncBundle.__table__, SyncBundle.__table__.c.sender == team.wang_id) == 0
        assert count(store, Household.__table__, Household.__table__.c.id == team.wang_hh) == 0
        assert notes(store, team.shared) == "李娜改"
        assert count(store, CHANGE_LOG, CHANGE_LOG.c.device_id == team.li_id) > 0        # the others are in
        [again] = transport.import_bundles(store, ring, [team.wang1])
        assert again.status == "imported"
        reference, ring2 = team.lead()
        try:
            transport.import_bundles(reference, ring2, team.all)
            assert synced_state(store) == synced_state(reference)
        finally:
            reference.close()
    finally:
        store.close()


def test_a_refused_file_between_good_ones_is_reported_and_changes_nothing(team, tmp_path):
    store, ring = team.lead()
    junk = tmp_path / "not-a-bundle.age"
    junk.write_bytes(b"age-encryption.org/v1\n-> X25519 garbage\n")
    try:
        results = transport.import_bundles(store, ring, [team.li1, junk, team.wang1])
        assert [r.status for r in results] == ["imported", "refused", "imported"]
        assert results[1].path == str(junk) and results[1].text("zh_CN") != results[1].text("en")
        assert count(store, SyncBundle.__table__, SyncBundle.__table__.c.direction == "in") == 2
    finally:
        store.close()


def test_a_refused_bundles_stamps_do_not_move_the_clock(team):
    """A bundle rolled back to its savepoint leaves the laptop's clock where it was (the old
    transaction-per-file import restored it too)."""
    store, ring = team.lead()

    def fail(_point):
        raise MemoryError("injected")

    try:
        transport.import_bundles(store, ring, [team.li1])
        clock = store.clock.last
        assert clock < team.late_hlc
        with testhooks.hooked("import:before_commit", fail):
            [r] = transport.import_bundles(store, ring, [team.late])
        assert r.status == "refused"
        assert store.clock.last < team.late_hlc
        [r] = transport.import_bundles(store, ring, [team.late])   # the same bundle, applied: it moves
        assert r.status == "imported" and store.clock.last >= team.late_hlc
    finally:
        store.close()


# --------------------------------------------------------------------------- cancel, failure, kill
def test_cancel_between_files_commits_the_finished_ones_and_starts_no_other(team):
    """The GUI's Cancel (progress raising between files): the files finished are committed, each whole,
    reported, and no later file is started."""
    store, ring = team.lead()
    seen: list = []

    class Cancelled(Exception):
        pass

    def progress(done, _total):
        if done == 2:
            raise Cancelled

    try:
        with pytest.raises(Cancelled):
            transport.import_bundles(store, ring, team.all, progress=progress, on_result=seen.append)
        assert [(r.path, r.status) for r in seen] == [(str(team.li1), "imported"), (str(team.li2), "imported")]
        assert count(store, SyncBundle.__table__, SyncBundle.__table__.c.direction == "in") == 2
        assert count(store, CHANGE_LOG, CHANGE_LOG.c.device_id == team.wang_id) == 0
        assert [r.status for r in transport.import_bundles(store, ring, team.all)] == ["already", "already",
                                                                                      "imported"]
    finally:
        store.close()


def test_an_interrupt_inside_a_file_keeps_nothing_of_the_batch(team):
    """Ctrl-C while the second file is being applied: the first file, applied in the same transaction,
    is not kept either, and nothing is reported as imported."""
    store, ring = team.lead()
    before = db_hash(store)
    seen: list = []
    calls = []

    def interrupt_second(_point):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    try:
        with testhooks.hooked("import:mid_apply", interrupt_second), pytest.raises(KeyboardInterrupt):
            transport.import_bundles(store, ring, team.all, on_result=seen.append)
        assert seen == []
        assert db_hash(store) == before
    finally:
        store.close()


def test_batches_of_limited_size_commit_one_after_the_other(team, monkeypatch):
    """At most BATCH_CHANGES changes per transaction: an interrupt inside the third file keeps the two
    batches committed before it, which is exactly what ``on_result`` reported."""
    monkeypatch.setattr(import_batch, "BATCH_CHANGES", 1)     # every file its own batch
    store, ring = team.lead()
    seen: list = []
    calls = []

    def interrupt_third(_point):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    try:
        with testhooks.hooked("import:mid_apply", interrupt_third), pytest.raises(KeyboardInterrupt):
            transport.import_bundles(store, ring, team.all, on_result=seen.append)
        assert [r.path for r in seen] == [str(team.li1), str(team.li2)]
        assert count(store, SyncBundle.__table__, SyncBundle.__table__.c.direction == "in") == 2
        assert count(store, CHANGE_LOG, CHANGE_LOG.c.device_id == team.wang_id) == 0
    finally:
        store.close()


def test_a_batch_failing_as_a_whole_is_imported_file_by_file(team):
    """A failure that is no file's fault (here: at the batch's commit) rolls the batch back and imports
    each file in its own transaction, so every file still gets its own result."""
    store, ring = team.lead()
    calls = []

    def fail_once(_point):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full (injected)")

    try:
        with testhooks.hooked("import:batch_before_commit", fail_once):
            results = transport.import_bundles(store, ring, team.all)
        assert [r.status for r in results] == ["imported", "imported", "imported"]
        assert count(store, SyncBundle.__table__, SyncBundle.__table__.c.direction == "in") == 3
    finally:
        store.close()


CHILD = """
import sys
from pathlib import Path
from outreach.storage.store import Store
from outreach.sync import team, transport
store = Store.open(sys.argv[1])
ring = team.unlock(store, sys.argv[2])
rs = transport.import_bundles(store, ring, [Path(p) for p in sys.argv[3:]])
print("result", [r.status for r in rs], flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("stop", [("import:mid_apply", 2), ("import:batch_before_commit", 1)])
def test_sigkill_mid_batch_leaves_the_store_as_before_the_batch(team, stop):
    """Killed while the second file is being applied (the first is applied, not committed), or with
    every file applied just before the commit: nothing of the batch is in the store."""
    point, nth = stop
    store, _ring = team.lead()
    data_dir = store.path.parent
    before = db_hash(store)
    store.close()
    kill_at_point(CHILD, data_dir, [PASS, *team.all], point, nth)
    store = Store.open(data_dir)
    try:
        assert store.integrity_ok()
        assert db_hash(store) == before
        results = transport.import_bundles(store, T.unlock(store, PASS), team.all)
        assert [r.status for r in results] == ["imported"] * 3
    finally:
        store.close()


# --------------------------------------------------------------------------- the CLI
def test_cli_sync_import_of_several_files_is_one_batch(team, capsys, monkeypatch):
    from outreach.cli.main import main

    monkeypatch.setenv("OUTREACH_PASSPHRASE", PASS)
    store, _ring = team.lead()
    data_dir = store.path.parent
    store.close()
    reached = []
    with testhooks.hooked("import:batch_before_commit", reached.append):
        code = main(["--lang", "en", "--data-dir", str(data_dir), "sync", "import", *map(str, team.all)])
    out, _err = capsys.readouterr()
    assert code == 0 and len(out.strip().splitlines()) == 3
    assert reached == ["import:batch_before_commit"]      # three files, one transaction
    store = Store.open(data_dir)
    try:
        assert count(store, SyncBundle.__table__, SyncBundle.__table__.c.direction == "in") == 3
    finally:
        store.close()
