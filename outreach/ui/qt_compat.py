"""Containment for a PySide6 6.12.0 reference-counting bug.

In PySide6 6.12.0 every ``Signal.emit()`` called from Python drops one reference to the ``True`` /
``False`` it returns, and static functions returning nothing (``QCoreApplication.processEvents()``,
``sendPostedEvents()`` …) drop one reference to ``None`` (measured: −1 per call; 6.11.3 is clean). On
Python 3.11 these singletons are ordinary objects, so after some thousands of signals the interpreter
aborts with "Fatal Python error: bool_dealloc / none_dealloc" — in the middle of a worker's day, or at
exit. Python 3.12 made these singletons immortal; this does the same for 3.11 by giving them a
reference count no session can exhaust. The real fix is to avoid 6.12.0 (see pyproject.toml).
"""

from __future__ import annotations

import ctypes
import sys

import PySide6

AFFECTED = ("6.12.0",)
_HEADROOM = 1 << 40


def guard_refcount_bug() -> bool:
    """Make None/True/False effectively immortal when running on an affected PySide6 (idempotent).
    Returns True if the guard is in place."""
    if PySide6.__version__ not in AFFECTED or sys.version_info >= (3, 12):
        return False
    if getattr(guard_refcount_bug, "applied", False):
        return True
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    guard_refcount_bug.applied = True  # type: ignore[attr-defined]
    return True
