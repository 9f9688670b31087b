"""Writing report files so that a failure never leaves a partial file behind.

Everything is written to a temporary name in the target's own folder and moved into place with
``os.replace`` (atomic on one file system) only when complete. Problems with the target (missing
folder, no permission, a folder where a file should go) are reported before any work is done, as one
``OutreachError`` line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from outreach.domain.errors import OutreachError
from outreach.i18n import tr

_REASONS = {
    errno.ENOENT: "reports.error.reason.no_folder",
    errno.ENOTDIR: "reports.error.reason.no_folder",
    errno.EACCES: "reports.error.reason.denied",
    errno.EPERM: "reports.error.reason.denied",
    errno.EROFS: "reports.error.reason.read_only",
    errno.ENOSPC: "reports.error.reason.disk_full",
}


def os_reason(exc: OSError) -> str:
    key = _REASONS.get(exc.errno or 0)
    return tr(key) if key else (exc.strerror or str(exc))


def _unwritable(target: Path, exc: OSError) -> OutreachError:
    return OutreachError("reports.error.unwritable", path=str(target), reason=os_reason(exc))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """A temporary path to write into; it becomes ``path`` only if the block finishes."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise OutreachError("reports.error.is_directory", path=str(target))
    folder = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file ordinary permissions
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _unwritable(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """A temporary folder to fill; its files land in ``path`` only if the block finishes.

    A new ``path`` is created by renaming the whole temporary folder; into an existing folder each
    file is moved with ``os.replace`` (other files there are left alone)."""
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise OutreachError("reports.error.not_a_folder", path=str(target))
    parent = target.parent
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        for child in tmp.iterdir():
            os.chmod(child, 0o666 & ~_umask())
        if target.is_dir():
            for child in sorted(tmp.iterdir()):
                os.replace(child, target / child.name)
            tmp.rmdir()
        else:
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _unwritable(target, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_target(path: str | Path, *, folder: bool = False) -> None:
    """Fail early, before minutes of work, when the output cannot be written: its folder is missing or
    read-only, or it names a folder where a file should go (or a file where a folder should go)."""
    target = Path(path).expanduser()
    if folder and target.exists() and not target.is_dir():
        raise OutreachError("reports.error.not_a_folder", path=str(target))
    if not folder and target.is_dir():
        raise OutreachError("reports.error.is_directory", path=str(target))
    parent = target.parent
    if not parent.is_dir():
        raise OutreachError("reports.error.unwritable", path=str(target), reason=tr("reports.error.reason.no_folder"))
    if not os.access(parent, os.W_OK):
        raise OutreachError("reports.error.unwritable", path=str(target), reason=tr("reports.error.reason.denied"))
