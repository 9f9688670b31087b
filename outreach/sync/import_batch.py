"""Many bundles in ONE write transaction, a savepoint per bundle (issue 14).

    run(store, items, step=…, refuse=…, alone=…, keep=…, weight=…, progress=…, on_result=…)

A lead imports the uplinks of a whole team at once. Committing after each bundle made SQLite write the
same index pages again at every commit (thousands of random pages of the encrypted file per bundle);
one transaction writes each page once. Every bundle keeps its own all-or-nothing:

* each item runs between ``SAVEPOINT`` and ``RELEASE``; an item that raises (a bad bundle, a merge
  refusal, a bug) is rolled back to its savepoint — nothing of it stays, not even the clock readings it
  made — and ``refuse`` turns the error into its result; the other items go on;
* the batch commits once, at its end (or once it holds ``BATCH_CHANGES`` changes: a new batch starts);
  a batch in which nothing is kept is rolled back instead (it writes nothing, as before);
* ``progress(done, total)`` is called between items and may raise to cancel: the items finished before
  it are committed (each whole: no item is half-applied), nothing after it is started, and the error
  is raised again; ``on_result`` is called for each item only once its batch has committed, so what it
  has seen is exactly what the store holds;
* anything else that stops the batch midway — an interrupt inside an item, a process killed — leaves
  the store as before the batch (the transaction is rolled back; SQLite / PostgreSQL atomicity);
* a failure of the batch itself (the write lock not to be had, the disk full at commit: a database,
  file-system or refusal error, ``BATCH_FAILURES``) is not blamed on any item: the batch's items are
  done again one by one with ``alone`` (each in its own transaction), so every item still gets its own
  result; any other exception (a programming error) rolls the batch back and propagates.

Savepoints exist on SQLite (the store drives BEGIN itself, see ``Store``) and on PostgreSQL alike.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from outreach import testhooks
from outreach.domain.errors import OutreachError

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741 - an item
R = TypeVar("R")  # its result

BATCH_CHANGES = 250_000   # changes per transaction: bounds the WAL and how long the write lock is held

# What can fail a batch as a whole, no item's fault: the database (BEGIN, a savepoint, the commit: lock
# not to be had, disk full, I/O error — SQLAlchemyError), the write lock refused in time (StoreBusy) or
# an item's refusal that could not be built (OutreachError), the file system (OSError). Anything else is
# a programming error: it propagates (the batch is rolled back) instead of being retried file by file.
BATCH_FAILURES: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError, OutreachError)


class _NothingKept(Exception):
    """Raised inside a batch none of whose items is kept: its transaction is rolled back."""


def run(store: Any, items: Sequence[I], *, step: Callable[[Any, I], R],
        refuse: Callable[[I, BaseException, Any], R], alone: Callable[[I], R],
        keep: Callable[[R], bool], weight: Callable[[R], int],
        progress: Callable[[int, int], None] | None = None,
        on_result: Callable[[R], None] | None = None, budget: int | None = None) -> list[R]:
    """Run ``step(writer, item)`` for every item, in batches (see the module doc). ``refuse(item, exc,
    conn)`` is the result of an item that raised; ``keep(result)``: did it write something worth
    committing; ``weight(result)``: its size toward the batch budget (changes)."""
    with checkpoints_deferred(store, WAL_PAGES):
        return _run(store, items, step, refuse, alone, keep, weight, progress, on_result,
                    BATCH_CHANGES if budget is None else budget)


def _run(store: Any, items: Sequence[I], step: Callable[[Any, I], R], refuse: Callable[[I, BaseException, Any], R],
         alone: Callable[[I], R], keep: Callable[[R], bool], weight: Callable[[R], int],
         progress: Callable[[int, int], None] | None, on_result: Callable[[R], None] | None,
         budget: int) -> list[R]:
    results: list[R] = []
    total, i = len(items), 0
    while i < total:
        start, batch, cancel, current = i, [], None, None
        try:
            with store.transaction() as w:
                load = 0
                while i < total and (not batch or load < budget):
                    if progress is not None:
                        try:
                            progress(i, total)
                        except BaseException as exc:   # a cancel: keep what is finished, start nothing
                            cancel = exc
                            break
                    current = i
                    batch.append(_savepointed(store, w, items[i], step, refuse))
                    current = None
                    load += weight(batch[-1])
                    i += 1
                testhooks.point("import:batch_before_commit")
                if not any(keep(r) for r in batch):
                    raise _NothingKept
        except _NothingKept:
            pass
        except BATCH_FAILURES:
            if cancel is not None:
                raise
            end = max(i if current is None else current + 1, start + 1)
            log.warning("a batch of %d imports failed as a whole; importing them one by one", end - start,
                        exc_info=True)
            batch = [alone(item) for item in items[start:end]]
            i = end
        for r in batch:
            results.append(r)
            if on_result is not None:
                on_result(r)
        if cancel is not None:
            raise cancel
    if progress is not None:
        progress(total, total)
    return results


def _savepointed(store: Any, w: Any, item: I, step: Callable[[Any, I], R],
                 refuse: Callable[[I, BaseException, Any], R]) -> R:
    """One item between SAVEPOINT and RELEASE; rolled back to the savepoint if it raises. A failure of
    the savepoint itself propagates (the batch is then done again item by item)."""
    clock = store.clock.last
    savepoint = w.conn.begin_nested()
    try:
        result = step(w, item)
    except Exception as exc:
        savepoint.rollback()
        store.clock.last = clock    # stamps seen in a refused bundle do not move this laptop's clock
        return refuse(item, exc, w.conn)
    savepoint.commit()
    return result


WAL_AUTOCHECKPOINT = 1000   # SQLite's default, restored after a merge if the pragma cannot be read
WAL_PAGES: int | None = None   # see checkpoints_deferred


@contextlib.contextmanager
def checkpoints_deferred(store: Any, pages: int | None) -> Iterator[None]:
    """``pages`` set: SQLite's automatic WAL checkpoint threshold raised to that many pages on the store's
    write connection for the whole merge (every commit in it), restored afterwards; PostgreSQL and
    ``None``: nothing changes. Not used by imports (``WAL_PAGES`` is None): with one transaction per
    batch there is one commit, so one checkpoint whatever the threshold — measured with
    ``benchmarks/bench_merge.py --wal-pages N`` (and ``--per-bundle`` for the old commit-per-bundle)."""
    if pages is None or getattr(store, "on_server", False) or store.engine.dialect.name != "sqlite":
        yield
        return
    with store.engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() or WAL_AUTOCHECKPOINT
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")
    try:
        yield
    finally:
        with store.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(before)}")
