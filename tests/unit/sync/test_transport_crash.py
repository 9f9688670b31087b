"""Power loss during an import: SIGKILL the importing process mid-transaction on a large bundle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from outreach.storage.store import Store
from outreach.storage.sync_tables import SyncBundle
from outreach.storage.tables import Household
from outreach.sync import transport
from tests.unit.sync.transport_kit import DONGPING, PASS, create_lead, downlink, join, receive, uplink

CHILD = """
import sys
from pathlib import Path
from outreach.storage.store import Store
from outreach.sync import team, transport
store = Store.open(sys.argv[1])
ring = team.unlock(store, sys.argv[3])
def stage(name):
    print(name, flush=True)
r = transport.import_file(store, ring, Path(sys.argv[2]), on_stage=stage)
print("result", r.status, flush=True)
"""

N = 10_000


def count(store, table) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_import_leaves_all_or_nothing_and_reimport_completes(tmp_path):
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    receive(li, downlink(lead, li))
    with li.store.transaction() as w:
        w.insert_many(Household, [{"code": f"东坪-{i:05d}", "village_id": DONGPING, "notes": "独居老人" * 20}
                                  for i in range(N)])
    bundle = uplink(li).path
    lead.close()

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(lead.dir), str(bundle), PASS],
                             stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "apply":
            break
    time.sleep(1.0)                      # well inside the multi-second transaction
    alive = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert alive and child.returncode == -signal.SIGKILL, "the import finished before it could be killed"

    store = Store.open(lead.dir)
    assert store.integrity_ok()
    assert count(store, Household.__table__) == 0            # nothing of the bundle …
    assert count(store, SyncBundle.__table__) == 1           # … not even its record (only the downlink sent)
    ring = transport.T.unlock(store, PASS)
    [result] = transport.import_bundles(store, ring, [bundle])
    assert result.status == "imported" and result.report.new == N
    assert count(store, Household.__table__) == N
    store.close()
    li.close()
