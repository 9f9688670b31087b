"""Temporary files: owner-only while written, removed on failure, and those left by a killed job
removed by the next write into the same folder or, in the data folder, at the next start."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outreach.domain.errors import OutreachError
from outreach.safefiles import TEMP_SUFFIX, atomic_folder, atomic_output, leftover, sweep, write_atomic

_WRITER = textwrap.dedent("""
    import sys
    from outreach.safefiles import atomic_output
    with atomic_output(sys.argv[1]) as fh:
        fh.write(b"id_number\\n522731194405010229\\n")
        fh.flush()
        print("writing", flush=True)
        sys.stdin.readline()          # killed here
""")


def _killed_writer(target: Path) -> Path:
    """Run a writer in another process, SIGKILL it mid-write, return the temporary file it left."""
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    left = [p for p in target.parent.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert len(left) == 1
    return left[0]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_killed_export_leaves_an_owner_only_temp_that_the_next_write_removes(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    left = _killed_writer(out / "people.csv")
    assert _mode(left) == 0o600  # never readable by others, even while a kill leaves it behind
    assert not (out / "people.csv").exists()
    assert leftover(left)

    write_atomic(out / "other.csv", b"x")
    assert sorted(p.name for p in out.iterdir()) == ["other.csv"]


def test_the_cli_sweeps_the_data_folder_at_start(tmp_path):
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    left = _killed_writer(data / "keys" / "device.key")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env |= {"LC_ALL": "C.UTF-8", "OUTREACH_PASSPHRASE": "县社工站2026春"}
    run = subprocess.run([sys.executable, "-m", "outreach", "--data-dir", str(data), "validate-id", "11010519491231002X"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert not left.exists()


def test_a_temp_file_of_a_running_writer_is_left_alone(tmp_path):
    with atomic_output(tmp_path / "a.pdf") as fh:
        fh.write(b"%PDF")
        temp = Path(fh.name)
        assert _mode(temp) == 0o600
        assert sweep(tmp_path) == [] and temp.exists()
    assert not temp.exists() and (tmp_path / "a.pdf").read_bytes() == b"%PDF"


def test_the_final_file_is_owner_only_or_gets_requested_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "letter.pdf", b"x")
        write_atomic(tmp_path / "device.key", b"k", mode=0o600)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "letter.pdf") == 0o600   # personal data: owner-only (issue 13)
    assert _mode(tmp_path / "device.key") == 0o600


def test_a_failed_write_removes_its_temp_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write(b"half")
        raise RuntimeError("renderer failed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_a_full_disk_is_one_translated_error_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "export.csv"

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("outreach.safefiles._fsync", full)
    with pytest.raises(OutreachError) as exc:
        write_atomic(target, b"data")
    assert exc.value.key == "error.file.unwritable"
    assert list(tmp_path.iterdir()) == []


def test_an_export_folder_is_private_until_complete_then_lands(tmp_path):
    target = tmp_path / "export"
    with atomic_folder(target) as tmp:
        assert _mode(tmp) == 0o700
        (tmp / "people.csv").write_text("x")
    assert (target / "people.csv").read_text() == "x"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_a_legacy_part_file_is_removed_only_when_old(tmp_path):
    fresh = tmp_path / ".people.csv.ab12cd34.part"
    fresh.write_text("x")
    assert not leftover(fresh)
    assert leftover(fresh, now=fresh.stat().st_mtime + 7200)
