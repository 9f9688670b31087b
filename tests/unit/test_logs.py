"""The log file: rotating, owner-only, in the data folder's logs/, personal identifiers masked; and the
failures a user can meet (full disk, read-only medium, store in use) named in their words."""

from __future__ import annotations

import errno
import logging
import sqlite3
import stat

import pytest

from outreach.domain import idnumber
from outreach.logs import MAX_BYTES, explain, log_path, mask_text, setup_logging, shutdown_logging

ID = idnumber.make("522731", __import__("datetime").date(1944, 5, 1), 2)  # 522731194405010026
ID_X = "11010519491231002X"


@pytest.mark.parametrize(("text", "masked"), [
    (f"person {ID} not found", "person 522731********0026 not found"),
    (f"id={ID_X}.", "id=110105********002X."),
    ("id=11010519491231002x", "id=110105********002x"),
    ("call 13812345678 now", "call 138****5678 now"),
    ("call 138-1234-5678", "call 138****5678"),
    ("office 0871-6123456", "office 0871-*******"),
    ("office (0854)1234567", "office (0854)*******"),
])
def test_identifiers_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "hlc 1733059200000123456 device 7",        # 19 digits: not an ID number
    "2026-12-01 14:39:49,728 pid 12360",       # timestamps and pids stay readable
    "seq 30000000 changes 15278",
])
def test_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


@pytest.fixture
def logfile(tmp_path):
    path = setup_logging(tmp_path / "data")
    yield path
    shutdown_logging()


def test_records_and_tracebacks_reach_the_file_masked_and_owner_only(logfile):
    log = logging.getLogger("outreach.test")
    assert log_path() is None  # nothing written yet: no file, so no message may point to one
    try:
        raise ValueError(f"duplicate resident {ID} phone 13912345678")
    except ValueError:
        log.exception("import of %s failed", ID_X)
    assert log_path() == logfile
    text = logfile.read_text(encoding="utf-8")
    assert "Traceback" in text and "ValueError" in text
    assert ID not in text and ID_X not in text and "13912345678" not in text
    assert "522731********0026" in text and "139****5678" in text
    assert stat.S_IMODE(logfile.stat().st_mode) == 0o600
    assert stat.S_IMODE(logfile.parent.stat().st_mode) == 0o700


def test_the_log_rotates(logfile):
    log = logging.getLogger("outreach.test")
    line = "x" * 1000
    for _ in range(MAX_BYTES // 1000 + 50):
        log.info(line)
    assert logfile.with_name(logfile.name + ".1").exists()
    assert logfile.stat().st_size < MAX_BYTES


def test_an_unwritable_log_is_given_up_quietly(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "logs").write_text("a file where the folder should be")
    setup_logging(tmp_path / "data")
    try:
        logging.getLogger("outreach.test").error("something")
        assert log_path() is None
        assert "Logging error" not in capsys.readouterr().err
    finally:
        shutdown_logging()


def _sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorname = name
    return exc


@pytest.mark.parametrize(("exc", "key"), [
    (_sqlite_error("database or disk is full", "SQLITE_FULL"), "hard.disk_full"),
    (sqlite3.OperationalError("database or disk is full"), "hard.disk_full"),
    (_sqlite_error("attempt to write a readonly database", "SQLITE_READONLY"), "hard.read_only"),
    (sqlite3.OperationalError("database is locked"), "hard.busy"),
    (OSError(errno.ENOSPC, "No space left on device", "/media/usb/x.age"), "hard.disk_full"),
    (OSError(errno.EROFS, "Read-only file system", "/media/usb/x.age"), "hard.read_only"),
    (OSError(errno.EACCES, "Permission denied", "/srv/x.pdf"), "hard.denied"),
    (MemoryError(), "hard.memory"),
])
def test_known_failures_are_named(exc, key, tmp_path):
    err = explain(exc, where=tmp_path)
    assert err is not None and err.key == key
    assert err.message("zh_CN") != err.message("en")


def test_a_wrapped_failure_is_found_through_its_cause(tmp_path):
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as inner:
            raise RuntimeError("commit failed") from inner
    except RuntimeError as outer:
        assert explain(outer, where=tmp_path).key == "hard.disk_full"


def test_an_unknown_failure_is_not_guessed():
    assert explain(ValueError("bug")) is None
    assert explain(sqlite3.OperationalError("no such table: person")) is None


def test_an_sqlcipher_error_is_named_like_sqlite3s(tmp_path):
    """A store encrypted at rest talks through sqlcipher3: its errors are another class, same text."""
    SqlcipherError = type("OperationalError", (Exception,), {"__module__": "sqlcipher3.dbapi2"})  # noqa: N806
    assert explain(SqlcipherError("database or disk is full"), where=tmp_path).key == "hard.disk_full"
    assert explain(SqlcipherError("no such table: person"), where=tmp_path) is None


def test_an_internal_error_is_one_line_naming_the_log_and_the_traceback_is_only_in_the_log(
        tmp_path, monkeypatch, capsys):
    from outreach.cli.main import main
    from outreach.services import stats

    def broken(_store):
        raise ValueError("boom for 13912345678")

    monkeypatch.setenv("OUTREACH_PASSPHRASE", "县社工站2026春")
    monkeypatch.setattr(stats, "counts", broken)
    try:
        code = main(["--data-dir", str(tmp_path), "--lang", "en", "stats"])
    finally:
        shutdown_logging()
    err = capsys.readouterr().err
    log_file = tmp_path / "logs" / "outreach.log"
    assert code == 3
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error: ValueError" in err and f"Details are in the log: {log_file}" in err
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" in text and "boom for 139****5678" in text and "13912345678" not in text


@pytest.mark.parametrize("explicit", [None, "~/field-laptop"])
def test_the_log_finds_the_data_folder_as_the_store_does(explicit, monkeypatch, tmp_path):
    from outreach.logs import resolve_data_dir
    from outreach.storage.paths import data_dir

    for env in (None, str(tmp_path / "env-data")):
        if env is None:
            monkeypatch.delenv("OUTREACH_DATA_DIR", raising=False)
        else:
            monkeypatch.setenv("OUTREACH_DATA_DIR", env)
        assert resolve_data_dir(explicit) == data_dir(explicit)
