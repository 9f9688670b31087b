"""Reading files a user hands us (bundles, invites, enrolment requests, CSVs, forms) so that no file can
stall the program: only regular files are opened, and reading stops at a size cap *while* reading.

    data = read_capped(path, 16 * 2**20, what="bundle")        # bytes, or OutreachError
    with open_capped(path, 8 * 2**20, what="csv") as raw:      # a binary stream that refuses to go past
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

Why not ``Path.read_bytes()``: a symlink named ``x.age`` pointing at ``/dev/zero`` is read until memory
runs out, a FIFO blocks the open for ever, and a folder or device gives an error in the OS's words.
Here the file is opened with ``O_NONBLOCK`` (a FIFO without a writer opens at once instead of waiting),
the *opened* descriptor is checked with ``fstat`` (no race between a check and the open), and anything
but a regular file is refused with one translated line.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from outreach.domain.errors import OutreachError
from outreach.safefiles import read_reason

_CHUNK = 1 << 20
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def _size_text(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{max(1, n // 1024)} KB"


def too_large(path: str | Path, max_bytes: int, *, what: str) -> OutreachError:
    """``what`` names the kind of input (bundle, invite, request, csv, form, file) for the message."""
    return OutreachError(f"harden.file.too_large.{what}", path=str(path), limit=_size_text(max_bytes))


def open_regular(path: str | Path) -> BinaryIO:
    """The file at ``path`` opened for binary reading, if (after following symlinks) it is a regular
    file; a folder, FIFO, device or socket is refused without blocking and without reading from it."""
    try:
        fd = os.open(os.fspath(path), _FLAGS)
    except OSError as exc:
        raise OutreachError("error.file.unreadable", path=str(path), reason=read_reason(exc)) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OutreachError(f"harden.file.not_regular.{_kind(mode)}", path=str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)   # a regular file never blocks; reads behave as usual
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


class _Capped(io.RawIOBase):
    """A raw reader over an open regular file that raises as soon as more than ``limit`` bytes come."""

    def __init__(self, raw: BinaryIO, limit: int, path: str, what: str) -> None:
        super().__init__()
        self._raw, self._left, self._limit, self._path, self._what = raw, limit, limit, path, what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._left + 1)   # one byte more than allowed tells "too large"
        if want <= 0:
            want = 1
        n = self._raw.readinto(view[:want]) or 0
        self._left -= n
        if self._left < 0:
            raise too_large(self._path, self._limit, what=self._what)
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def open_capped(path: str | Path, max_bytes: int, *, what: str = "file") -> io.BufferedReader:
    """A buffered binary stream over a regular file that refuses (``OutreachError``) to deliver more than
    ``max_bytes`` — for parsers that read incrementally (csv via ``io.TextIOWrapper``)."""
    raw = open_regular(path)
    try:
        if os.fstat(raw.fileno()).st_size > max_bytes:
            raise too_large(path, max_bytes, what=what)
    except BaseException:
        raw.close()
        raise
    return io.BufferedReader(_Capped(raw, max_bytes, str(path), what))


def read_capped(path: str | Path, max_bytes: int, *, what: str = "file") -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` bytes; otherwise ``OutreachError``
    (never more than ``max_bytes + 1`` bytes are read, whatever the file claims its size is)."""
    with open_regular(path) as fh:
        if os.fstat(fh.fileno()).st_size > max_bytes:
            raise too_large(path, max_bytes, what=what)
        parts: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = fh.read(min(_CHUNK, max_bytes + 1 - total))
            except OSError as exc:
                raise OutreachError("error.file.unreadable", path=str(path), reason=read_reason(exc)) from exc
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise too_large(path, max_bytes, what=what)
            parts.append(chunk)
    return b"".join(parts)
