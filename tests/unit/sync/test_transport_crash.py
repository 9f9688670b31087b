"""Power loss during an import: SIGKILL the importing process at points it is known to be inside its
transaction (issue 12). The child stops at a named test hook (``OUTREACH_TEST_PAUSE_AT``), says so on its
standard output and waits on its standard input; the parent kills it only after reading that line — no
sleep, no guess about how long an import takes."""

from __future__ import annotations

import signal
import sys

import pytest
from sqlalchemy import func, select

from outreach import testhooks
from outreach.storage.store import Store
from outreach.storage.sync_tables import SyncBundle
from outreach.storage.tables import Household
from outreach.sync import transport
from tests.unit.sync.transport_kit import (
    DONGPING,
    PASS,
    create_lead,
    db_hash,
    downlink,
    join,
    kill_at_point,
    receive,
    uplink,
)

CHILD = """
import sys
from pathlib import Path
from outreach.storage.store import Store
from outreach.sync import team, transport
store = Store.open(sys.argv[1])
ring = team.unlock(store, sys.argv[3])
r = transport.import_file(store, ring, Path(sys.argv[2]))
print("result", r.status, r.text("en"), flush=True)   # the reason, if it ever ends here
"""

N = 3_000
POINTS = ["import:before_first_write", "import:mid_apply", "import:before_commit"]


def count(store, table) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def sent(tmp_path):
    """The lead's data folder (closed), 李娜's uplink with N new households, and the lead's row hash."""
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    receive(li, downlink(lead, li))
    with li.store.transaction() as w:
        w.insert_many(Household, [{"code": f"东坪-{i:05d}", "village_id": DONGPING, "notes": "独居老人" * 20}
                                  for i in range(N)])
    bundle = uplink(li).path
    before = db_hash(lead.store)
    lead.close()
    li.close()
    return lead.dir, bundle, before


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("point", POINTS)
def test_sigkill_during_import_leaves_all_or_nothing_and_reimport_completes(sent, point):
    data_dir, bundle, before = sent
    kill_at_point(CHILD, data_dir, [bundle, PASS], point)

    store = Store.open(data_dir)
    try:
        assert store.integrity_ok()
        assert db_hash(store) == before                          # nothing of the bundle, not even its record
        assert count(store, Household.__table__) == 0
        assert count(store, SyncBundle.__table__) == 1           # only the downlink the lead sent
        ring = transport.T.unlock(store, PASS)
        [result] = transport.import_bundles(store, ring, [bundle])
        assert result.status == "imported" and result.report.new == N
        assert count(store, Household.__table__) == N
    finally:
        store.close()


def test_the_pause_hook_is_inert_without_the_variable(monkeypatch):
    """No variable: a point returns at once (the import is not slowed, nothing is printed or read)."""
    monkeypatch.delenv(testhooks.ENV, raising=False)
    monkeypatch.setattr(testhooks, "_env_points", None)
    monkeypatch.setattr(sys, "stdin", None)     # reading it would fail loudly
    for _ in range(100_000):
        testhooks.point("import:mid_apply")
    assert testhooks._env_points == frozenset()
