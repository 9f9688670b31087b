"""The log file: ``<data folder>/logs/outreach.log``, rotating (a few MB × a few files), owner-only.

Configured once at start by the CLI and the GUI (``setup_logging(data_dir)``). Every record passes
through ``MaskingFilter`` first, so resident ID numbers and phone numbers never reach the disk, not
even inside a traceback. ``log_path()`` is the file in use, or None when no log could be opened: a
message saying "details are in the log" is only shown when there is a log to read.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

LOG_FOLDER = "logs"
LOG_NAME = "outreach.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
JOURNAL_NAME = ".outreach-temp-folders"
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

# Digits not glued to other digits: an ID number inside a longer digit run is not an ID number.
_ID = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(\(?0\d{2,3}\)?[- ]?)\d{7,8}(?![0-9])")


def mask_text(text: str) -> str:
    """IDs keep area code and the last four (522731********0129), mobiles their first three and last
    four (138****5678), landlines only their area code (0871-*******)."""
    text = _ID.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "*******", text)


class MaskingFilter(logging.Filter):
    """Masks personal identifiers in the message, its arguments and any traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Opened on the first record (a command that logs nothing leaves no file), each file created
    readable by the owner only. A log that cannot be written is given up quietly: the user's message
    then simply does not point to it."""

    failed = False

    def _open(self):  # type: ignore[override]
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.failed = True


def resolve_data_dir(explicit: str | os.PathLike | None) -> Path:
    """The data folder as ``outreach.storage.paths.data_dir`` finds it (--data-dir, OUTREACH_DATA_DIR,
    the platform's folder), without importing the storage package (its tables take a second to load,
    and every command starts here)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("OUTREACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Outreach", appauthor=False))


_current: Path | None = None
_handler: logging.Handler | None = None


def log_path() -> Path | None:
    """The log file, once something has been written to it; None when there is nothing to read."""
    if _current is None or getattr(_handler, "failed", False) or not _current.is_file():
        return None
    return _current


def setup_logging(data_dir: str | os.PathLike | None, *, level: int = logging.INFO) -> Path | None:
    """Send the ``outreach`` loggers to the rotating file in the data folder's ``logs/``. Nothing is
    created until the first record; a folder that cannot be written never stops the app from saying
    what is wrong. Returns the path the log will have."""
    global _current, _handler
    shutdown_logging()
    folder = resolve_data_dir(data_dir) / LOG_FOLDER
    root = logging.getLogger("outreach")
    handler = _PrivateRotatingHandler(folder / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                      encoding="utf-8", errors="backslashreplace", delay=True)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    _handler, _current = handler, folder / LOG_NAME
    return _current


def shutdown_logging() -> None:
    """Close the file (tests open several data folders in one process)."""
    global _current, _handler
    if _handler is not None:
        logging.getLogger("outreach").removeHandler(_handler)
        _handler.close()
    _handler, _current = None, None


def sweep_data_folder(data_dir: str | os.PathLike | None) -> None:
    """At start: remove what killed jobs left in the data folder (temporary key files, bundles …)."""
    from outreach.safefiles import keep_journal, sweep, sweep_journal
    folder = resolve_data_dir(data_dir)
    if folder.is_dir():
        sweep(folder, depth=2)
        keep_journal(folder / JOURNAL_NAME)
        sweep_journal()  # the export folders of jobs that were killed
    else:
        keep_journal(None)


# ----------------------------------------------------------------- what went wrong, in the user's words
def _chain(exc: BaseException):
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]


def _is_sqlite_driver_error(exc: BaseException) -> bool:
    """An error of an SQLite driver other than the standard library's (SQLCipher's sqlcipher3 for a
    store encrypted at rest) — the same messages and error names."""
    module = type(exc).__module__.split(".")[0]
    return "sqlcipher" in module or (module.startswith("pysqlite") and type(exc).__name__.endswith("Error"))


def _read_only(folder: str) -> bool:
    """Is ``folder`` (or its nearest existing parent) on a read-only medium or not writable for us?"""
    path = Path(folder) if folder else None
    while path is not None and not path.exists() and path != path.parent:
        path = path.parent
    if path is None:
        return False
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    except (OSError, AttributeError):  # no statvfs on Windows: the access check below decides
        return not os.access(path, os.W_OK)
    return not os.access(path, os.W_OK)


_SQLITE_KINDS = {"SQLITE_FULL": "hard.disk_full", "SQLITE_READONLY": "hard.read_only",
                 "SQLITE_BUSY": "hard.busy", "SQLITE_LOCKED": "hard.busy", "SQLITE_IOERR": "hard.io_error",
                 "SQLITE_CANTOPEN": "hard.read_only", "SQLITE_PERM": "hard.denied"}
_SQLITE_TEXTS = (("disk is full", "hard.disk_full"), ("readonly database", "hard.read_only"),
                 ("database is locked", "hard.busy"), ("disk i/o error", "hard.io_error"),
                 ("unable to open database", "hard.read_only"))


def explain(exc: BaseException, *, where: str | os.PathLike | None = None):
    """An ``OutreachError`` for a failure the user can meet without a bug being involved (a full disk,
    a read-only folder, the store held by another program, not enough memory …), or None.
    ``where`` names the data folder when the failure does not carry a file name itself."""
    import errno
    import sqlite3

    from outreach.domain.errors import OutreachError

    place = str(where) if where is not None else ""
    os_keys = {errno.ENOSPC: "hard.disk_full", errno.EDQUOT: "hard.disk_full", errno.EROFS: "hard.read_only",
               errno.EACCES: "hard.denied", errno.EPERM: "hard.denied", errno.EIO: "hard.io_error"}
    for e in _chain(exc):
        if isinstance(e, OutreachError):
            return e
        if isinstance(e, sqlite3.Error) or _is_sqlite_driver_error(e):
            name = (getattr(e, "sqlite_errorname", "") or "").split("_")[:2]
            key = _SQLITE_KINDS.get("_".join(name))
            text = str(e).lower()
            key = key or next((k for t, k in _SQLITE_TEXTS if t in text), None)
            if key == "hard.read_only" and "readonly" not in text and not _read_only(place):
                key = None  # "unable to open database file" in a writable folder: something else
            if key:
                return OutreachError(key, path=place)
        if isinstance(e, OSError) and e.errno in os_keys:
            return OutreachError(os_keys[e.errno], path=os.fsdecode(e.filename) if e.filename else place)
        if isinstance(e, MemoryError):
            return OutreachError("hard.memory")
    return None
