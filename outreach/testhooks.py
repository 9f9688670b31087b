"""Named points in long operations where a test can stop the program, deterministically.

    from outreach import testhooks
    testhooks.point("import:before_first_write")        # in the code: inert unless a test asks

Two ways for a test to use a point (nothing happens otherwise: one dict lookup and one ``is None``):

* **In the same process** (threads): ``with testhooks.hooked("import:before_first_write", fn): ...`` —
  ``fn(name)`` is called at the point, in the thread that reaches it (it may wait on an Event/Barrier).
* **In a child process** (SIGKILL tests, two CLI runs): set ``OUTREACH_TEST_PAUSE_AT`` to one or more
  point names separated by ``|`` (``import:mid_apply|import:before_commit``). At such a point the child
  writes ``outreach-test-paused <name>`` to standard output (flushed) and then blocks reading one line
  from standard input; the parent waits for that line and then kills it, or writes a line to let it go
  on. End of input (parent gone) also lets it go on.

The environment variable is read once, at the first point reached, never at import.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ENV = "OUTREACH_TEST_PAUSE_AT"
PAUSED = "outreach-test-paused"

_callbacks: dict[str, list[Callable[[str], None]]] = {}
_env_points: frozenset[str] | None = None
_lock = threading.Lock()


def point(name: str) -> None:
    """A place a test may stop at. Costs nothing measurable when no test asked for it."""
    if _callbacks:
        for fn in list(_callbacks.get(name, ())):
            fn(name)
    points = _env_points
    if points is None:
        points = _read_env()
    if points and name in points:
        _pause(name)


def _read_env() -> frozenset[str]:
    global _env_points
    raw = os.environ.get(ENV, "")
    _env_points = frozenset(p.strip() for p in raw.split("|") if p.strip())
    return _env_points


def _pause(name: str) -> None:
    sys.stdout.write(f"{PAUSED} {name}\n")
    sys.stdout.flush()
    sys.stdin.readline()


@contextmanager
def hooked(name: str, fn: Callable[[str], None]) -> Iterator[None]:
    """Call ``fn(name)`` whenever any thread of this process reaches ``point(name)``, while in the block."""
    with _lock:
        _callbacks.setdefault(name, []).append(fn)
    try:
        yield
    finally:
        with _lock:
            _callbacks[name].remove(fn)
            if not _callbacks[name]:
                del _callbacks[name]
