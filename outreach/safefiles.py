"""Writing files so that a failure never leaves a half-written one behind.

Everything is written to a temporary name in the target's own folder, flushed to disk, and moved into
place with ``os.replace`` (atomic on one file system) only when complete; on any failure the temporary
file is removed and the target is left as it was. Temporary files are owner-only while written and
named recognisably, so those left by a killed job are removed by the next write into the same folder
and, in the data folder, at the next start (``sweep``). Problems with the target (missing folder, no
permission, read-only medium, full disk, a folder where a file should go) become one ``OutreachError``
line in the user's language. Letters, reports, exports, bundles and key files all write through here.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.i18n import tr

log = logging.getLogger(__name__)

_REASONS = {
    errno.ENOENT: "error.file.reason.no_folder",
    errno.ENOTDIR: "error.file.reason.no_folder",
    errno.EACCES: "error.file.reason.denied",
    errno.EPERM: "error.file.reason.denied",
    errno.EROFS: "error.file.reason.read_only",
    errno.ENOSPC: "error.file.reason.disk_full",
    errno.EDQUOT: "error.file.reason.disk_full",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be written, in the user's words where the cause is known."""
    key = _REASONS.get(exc.errno or 0)
    return tr(key) if key else (exc.strerror or str(exc))


_READ_REASONS = {
    errno.ENOENT: "error.file.reason.no_file",
    errno.ENOTDIR: "error.file.reason.no_file",
    errno.EISDIR: "error.file.reason.is_folder",
    errno.EACCES: "error.file.reason.denied",
    errno.EPERM: "error.file.reason.denied",
}


def read_reason(exc: OSError) -> str:
    """Why a file could not be read, in the user's words where the cause is known."""
    key = _READ_REASONS.get(exc.errno or 0)
    return tr(key) if key else (exc.strerror or str(exc))


def unwritable(target: Path, exc: OSError) -> OutreachError:
    return OutreachError("error.file.unwritable", path=str(target), reason=os_reason(exc))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: str | Path, *, folder: bool = False) -> Path:
    """Fail early, before minutes of work, when the output cannot be written."""
    target = Path(path).expanduser()
    if folder and target.exists() and not target.is_dir():
        raise OutreachError("error.file.not_a_folder", path=str(target))
    if not folder and target.is_dir():
        raise OutreachError("error.file.is_directory", path=str(target))
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutreachError("error.file.unwritable", path=str(target), reason=tr("error.file.reason.no_folder"))
    if not os.access(parent, os.W_OK):
        raise OutreachError("error.file.unwritable", path=str(target), reason=tr("error.file.reason.denied"))
    return target


# Temporary names: ".<target name>.<pid>.<random>.outreach.part" — recognisable, so the leftovers of a
# killed job (perhaps an unredacted people.csv) can be found and removed later, and carrying the pid of
# the writer, so a sweep never removes a file another running program is still writing.
TEMP_SUFFIX = ".outreach.part"
_TEMP = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")
_LEGACY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")  # before the pid was in the name
_LEGACY_AGE = 3600.0


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def leftover(path: Path, *, now: float | None = None) -> bool:
    """Is ``path`` a temporary file or folder left behind by a writer that is no longer running?"""
    m = _TEMP.match(path.name)
    if m:
        return not _writer_alive(int(m.group(1)))
    if _LEGACY.match(path.name):
        try:
            age = (now if now is not None else time.time()) - path.lstat().st_mtime
        except OSError:
            return False
        return age > _LEGACY_AGE
    return False


def sweep(folder: str | Path, *, depth: int = 0) -> list[Path]:
    """Remove the leftovers of killed jobs in ``folder`` (and ``depth`` levels of sub-folders below).
    Returns what was removed. Folders that cannot be read are passed over: the sweep is a courtesy."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        path = Path(entry.path)
        if leftover(path):
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError as exc:
                log.warning("could not remove leftover %s: %s", path, exc)
                continue
            removed.append(path)
        elif depth > 0 and entry.is_dir(follow_symlinks=False):
            removed += sweep(path, depth=depth - 1)
    if removed:
        log.info("removed %d leftover temporary file(s) in %s", len(removed), folder)
    return removed


# Folders this program writes temporary files into are noted in a journal in the data folder, so the
# next start can sweep an export folder a killed job left a temporary file in (any -o folder).
_journal: Path | None = None
_noted: set[str] = set()


def keep_journal(path: str | Path | None) -> None:
    """Note the folders of temporary files in ``path`` (None: keep no journal)."""
    global _journal
    _journal = Path(path) if path is not None else None
    _noted.clear()


def _note(folder: Path) -> None:
    if _journal is None:
        return
    where = os.path.abspath(folder)
    if where in _noted:
        return
    try:
        with open(_journal, "ab") as fh:
            fh.write(b"%d\t%s\n" % (os.getpid(), os.fsencode(where)))
    except OSError as exc:  # the journal is a courtesy: the next write into that folder sweeps it too
        log.warning("could not note %s in %s: %s", where, _journal, exc)
        return
    _noted.add(where)


def sweep_journal() -> list[Path]:
    """At start: sweep the folders of writers that are no longer running; keep the others' entries."""
    if _journal is None or not _journal.is_file():
        return []
    removed: list[Path] = []
    keep: list[bytes] = []
    try:
        lines = _journal.read_bytes().splitlines()
    except OSError:
        return removed
    for line in lines:
        pid, _, folder = line.partition(b"\t")
        if not pid.isdigit() or not folder:
            continue
        if _writer_alive(int(pid)):
            keep.append(line)
        else:
            removed += sweep(os.fsdecode(folder))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".journal.", dir=_journal.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(b"".join(line + b"\n" for line in dict.fromkeys(keep)))
        os.replace(tmp, _journal)
    except OSError as exc:
        log.warning("could not rewrite %s: %s", _journal, exc)
    return removed


@contextlib.contextmanager
def atomic_path(path: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path to write into; it becomes ``path`` only if the block finishes.
    The temporary file is readable by the owner only while it is written (it may hold a whole
    unredacted list); ``mode`` is applied when it takes the target's place and defaults to owner-only
    (``0o600``: what the app writes holds personal data, issue 13)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise OutreachError("error.file.is_directory", path=str(target))
    folder = target.parent if str(target.parent) else Path(".")
    sweep(folder)
    _note(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=TEMP_SUFFIX, dir=folder)
        os.close(fd)
    except OSError as exc:
        raise unwritable(target, exc) from exc
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o600)
        yield tmp
        testhooks.point("safefiles:file_written")
        _fsync(tmp)
        os.chmod(tmp, mode if mode is not None else 0o600)   # owner-only: exports, letters, reports (issue 13)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise unwritable(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_output(path: str | Path, *, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file handle to write into; the file becomes ``path`` only if the block finishes."""
    with atomic_path(path, mode=mode) as tmp, tmp.open("wb") as fh:
        yield fh


def write_atomic(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    with atomic_output(path, mode=mode) as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """A temporary folder to fill; its files land in ``path`` only if the block finishes.

    A new ``path`` is created by renaming the whole temporary folder; into an existing folder each
    file is moved with ``os.replace`` (other files there are left alone). The temporary folder is
    the owner's only until it is complete."""
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise OutreachError("error.file.not_a_folder", path=str(target))
    sweep(target.parent)
    if target.is_dir():
        sweep(target)
    _note(target.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=TEMP_SUFFIX, dir=target.parent))
    except OSError as exc:
        raise unwritable(target, exc) from exc
    try:
        os.chmod(tmp, 0o700)
        yield tmp
        testhooks.point("safefiles:folder_filled")
        for child in tmp.iterdir():
            os.chmod(child, 0o600)
            _fsync(child)
        for child in tmp.iterdir():
            os.chmod(child, 0o600)   # owner-only, like every file with personal data (issue 13)
        if target.is_dir():
            for child in sorted(tmp.iterdir()):
                os.replace(child, target / child.name)
            tmp.rmdir()
        else:
            os.chmod(tmp, 0o700)
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise unwritable(target, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def fsync_file(path: Path) -> None:
    """Wait until a finished file is on the disk. Opened for writing: Windows refuses to flush a
    read-only handle."""
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


_fsync = fsync_file   # the name this module's steps call (tests replace it to fill the disk)
