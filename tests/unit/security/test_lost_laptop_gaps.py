"""Issue 13's "Tests and proof" items the other security tests did not cover yet:

- SIGKILL in the middle of a *schema* migration (not only of the plain → encrypted export) leaves an
  encrypted store that opens, upgraded, with every row, and no file in the folder shows a name;
- the handover wipe also empties a backup folder kept outside the data folder (a USB stick).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outreach.services import backups
from outreach.storage import migrations
from outreach.storage.store import Store

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"

# The child opens the old store; the chosen migration step runs, then the process is killed before
# that step's transaction commits (a real crash: no exception handler, no clean-up runs).
CHILD = textwrap.dedent("""
    import os, signal, sys
    from outreach.storage import migrations as M
    real, index = M.migrations, int(sys.argv[2])

    def patched():
        found = real()
        step = found[index]

        def upgrade_then_die(conn, up=step.upgrade):
            up(conn)
            print("dying", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        found[index] = M.Migration(step.version, step.name, upgrade_then_die)
        return found

    M.migrations = patched
    from outreach.storage.store import Store
    Store.open(sys.argv[1])
    print("finished", flush=True)
""")


def old_store(folder: Path) -> Path:
    folder.mkdir()
    with sqlite3.connect(folder / "outreach.sqlite3") as c:
        c.executescript((FIXTURES / "schema_v1.sql").read_text(encoding="utf-8"))
    return folder


@pytest.mark.sqlite_only
@pytest.mark.parametrize("index", [1, migrations.latest_version() - 1])
def test_sigkill_during_a_schema_migration_leaves_an_encrypted_store_that_opens(tmp_path, index):
    from outreach.services import households

    folder = old_store(tmp_path / "old")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(index)], env=env,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "dying"
    store = Store.open(folder)
    try:
        with store.connect() as conn:
            assert migrations.applied(conn)[-1] == migrations.latest_version()
        [hh] = households.query_households(store, households.HouseholdQuery())
        assert hh.head_name == "王秀英"
    finally:
        store.close()
    for f in folder.rglob("*"):
        if f.is_file():
            assert "王秀英".encode() not in f.read_bytes(), f.name
            if f.suffix in (".sqlite3", ".bak"):
                with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(f) as c:
                    c.execute("SELECT count(*) FROM sqlite_master").fetchone()


@pytest.mark.sqlite_only   # file backups are the SQLite store's (pg_dump is the server's job)
def test_the_handover_wipe_empties_a_backup_folder_on_a_usb_stick(tmp_path):
    from outreach.sync import handover, transport
    from tests.unit.sync.transport_kit import DONGPING, add_household, create_lead, downlink, join, receive

    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    try:
        receive(li, downlink(lead, li))
        add_household(li, "东坪-0901", DONGPING, phone="13700001111", notes="低保户赵桂兰")
        usb = tmp_path / "usb" / "outreach-backups"
        li.store.set_setting(backups.BACKUP_DIR_SETTING, str(usb))
        made = backups.create(li.store, reason="manual")
        assert made.parent == usb
        result = handover.start(li.store, li.ring, li.outbox)
        [r] = receive(lead, result)
        assert r.status == transport.IMPORTED, r.text("en")
        receipt = handover.confirm(li.store, li.ring, downlink(lead, li).path)
        assert [p for p in li.dir.rglob("*") if p.is_file()] == [receipt]
        assert [p for p in usb.rglob("*") if p.is_file()] == []
    finally:
        lead.close()
        li.close()
