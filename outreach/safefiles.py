"""Writing files so that a failure never leaves a half-written one behind.

Everything is written to a temporary name in the target's own folder, flushed to disk, and moved into
place with ``os.replace`` (atomic on one file system) only when complete; on any failure the temporary
file is removed and the target is left as it was. Problems with the target (missing folder, no
permission, read-only medium, full disk, a folder where a file should go) become one ``OutreachError``
line in the user's language. Letters, reports, exports, bundles and key files all write through here.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from outreach.domain.errors import OutreachError
from outreach.i18n import tr

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


@contextlib.contextmanager
def atomic_path(path: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path to write into; it becomes ``path`` only if the block finishes.
    ``mode`` defaults to ordinary file permissions (``0o600`` for private keys)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise OutreachError("error.file.is_directory", path=str(target))
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise unwritable(target, exc) from exc
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        yield tmp
        _fsync(tmp)
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
    file is moved with ``os.replace`` (other files there are left alone)."""
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise OutreachError("error.file.not_a_folder", path=str(target))
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    except OSError as exc:
        raise unwritable(target, exc) from exc
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        for child in tmp.iterdir():
            os.chmod(child, 0o666 & ~_umask())
            _fsync(child)
        if target.is_dir():
            for child in sorted(tmp.iterdir()):
                os.replace(child, target / child.name)
            tmp.rmdir()
        else:
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise unwritable(target, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())
