"""A demo killed mid-way leaves no process behind, and the next `demo` finishes the job."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

PASS = "县社工站2026春"  # stores may be encrypted at rest with the team passphrase
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")


def _outreach(data: Path, *args: str, env_extra: dict | None = None, **kw) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env |= {"LC_ALL": "C.UTF-8", "PYTHONUNBUFFERED": "1", "OUTREACH_PASSPHRASE": PASS, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "outreach", "--data-dir", str(data), "--lang", "en", *args],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a dead child nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid: int, timeout: float = 20.0) -> bool:
    """Poll /proc until the kernel has ended the process (the death signal is asynchronous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


def _run(data: Path, *args: str) -> subprocess.CompletedProcess:
    proc = _outreach(data, *args)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (read from /proc; psutil is not needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended while we looked
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def test_killed_demo_leaves_no_worker_and_rerun_completes(tmp_path):
    data = tmp_path / "data"
    proc = _outreach(data, "demo", "--households", "300",
                     env_extra={"OUTREACH_TEST_PAUSE_AT": "demo:batch_written", "OUTREACH_TEST_DEMO_BATCH": "100"})
    line = proc.stdout.readline().split()
    assert line == ["outreach-test-paused", "demo:batch_written"], (line, proc.stderr.read())
    workers = _children(proc.pid)
    assert workers, "the demo should have a worker process generating the next batch"

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for w in workers:
        assert _wait_gone(w), f"demo worker {w} outlived its killed parent"

    # One batch of 100 was committed before the kill; the rerun resumes and ends with all 300.
    rerun = _run(data, "demo", "--households", "300")
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    stats = _run(data, "stats", "--json")
    assert json.loads(stats.stdout)["households"] == 300


def test_a_killed_export_leaves_nothing_after_the_next_start(tmp_path):
    """Killed while the unredacted people.csv is complete but not yet moved into place: the hidden
    temporary folder is the owner's only, and the next start of any command removes it."""
    data, usb = tmp_path / "data", tmp_path / "usb"
    usb.mkdir()
    assert _run(data, "demo", "--households", "30").returncode == 0
    proc = _outreach(data, "export", "--format", "csv", "-o", usb / "team",
                     env_extra={"OUTREACH_TEST_PAUSE_AT": "safefiles:folder_filled"})
    assert proc.stdout.readline().split() == ["outreach-test-paused", "safefiles:folder_filled"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    left = list(usb.iterdir())
    assert len(left) == 1 and left[0].name.startswith(".team.") and (left[0] / "people.csv").exists()
    assert stat.S_IMODE(left[0].stat().st_mode) == 0o700

    assert _run(data, "stats").returncode == 0  # the next start, of any command
    assert list(usb.iterdir()) == []


def test_demo_after_areas_import_reuses_the_areas(tmp_path):
    data = tmp_path / "data"
    csv = tmp_path / "areas.csv"
    csv.write_text("code,name,level,parent_code\n520000,贵州省,province,\n522700,黔南州,city,520000\n",
                   encoding="utf-8")
    assert _run(data, "areas", "import", str(csv)).returncode == 0
    demo = _run(data, "demo", "--households", "60")
    assert demo.returncode == 0, demo.stderr
    assert "UNIQUE" not in demo.stderr
    assert json.loads(_run(data, "stats", "--json").stdout)["households"] == 60
