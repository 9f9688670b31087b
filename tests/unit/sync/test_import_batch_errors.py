"""Which failures of a whole batch (``sync.import_batch``) make it import its items one by one, and which
propagate: a database, file-system or refusal error is no item's fault (retried item by item); any
other exception is a programming error and must not be swallowed by that fallback."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from outreach import testhooks
from outreach.storage.store import Store, StoreBusy
from outreach.sync import import_batch


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path)   # a file store: Store drives BEGIN, so savepoints nest in the batch
    yield s
    s.close()


def _run(store, items, alone_calls):
    def step(w, item):
        Store._put(w.conn, f"batch-test-{item}", "kept")
        return item

    def alone(item):
        alone_calls.append(item)
        with store.transaction() as w:
            step(w, item)
        return item

    return import_batch.run(store, items, step=step, refuse=lambda item, exc, conn: None, alone=alone,
                            keep=lambda r: r is not None, weight=lambda r: 1)


def _kept(store, items):
    with store.connect() as conn:
        return [Store._get(conn, f"batch-test-{i}") for i in items]


@pytest.mark.parametrize("error", [
    OperationalError("COMMIT", {}, Exception("database or disk is full")),
    OSError("disk full (injected)"),
    StoreBusy("harden.store_busy", path="x"),
])
def test_a_database_or_disk_failure_of_the_batch_imports_item_by_item(store, error):
    alone_calls: list[int] = []
    raised = []

    def fail_once(_point):
        if not raised:
            raised.append(1)
            raise error

    with testhooks.hooked("import:batch_before_commit", fail_once):
        assert _run(store, [1, 2, 3], alone_calls) == [1, 2, 3]
    assert alone_calls == [1, 2, 3]
    assert _kept(store, [1, 2, 3]) == ["kept"] * 3


@pytest.mark.parametrize("error", [TypeError("a bug"), KeyError("a bug"), AttributeError("a bug")])
def test_a_programming_error_of_the_batch_propagates_and_keeps_nothing(store, error):
    alone_calls: list[int] = []

    def fail(_point):
        raise error

    with testhooks.hooked("import:batch_before_commit", fail), pytest.raises(type(error)):
        _run(store, [1, 2, 3], alone_calls)
    assert alone_calls == []                       # not retried one by one: the bug is not hidden
    assert _kept(store, [1, 2, 3]) == [None] * 3   # the batch was rolled back
