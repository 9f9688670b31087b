"""The database thread: results come back on the GUI thread, newer queries supersede older ones, a
closed widget's callbacks are dropped, errors reach the error handler, long jobs can be cancelled."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel, QProgressDialog, QPushButton

from outreach.domain.errors import OutreachError
from outreach.ui.workers import JobCancelled
from tests.ui.conftest import wait_idle


def test_results_arrive_on_the_gui_thread(qtbot, ctx):
    seen = {}
    ctx.runner.query(lambda store: threading.current_thread().name,
                     on_done=lambda r: seen.update(worker=r, gui=threading.current_thread().name))
    wait_idle(qtbot, ctx)
    assert seen["worker"] != seen["gui"] and seen["gui"] == threading.main_thread().name


def test_newer_query_with_the_same_key_supersedes_queued_ones(qtbot, ctx):
    gate = threading.Event()
    ran, shown = [], []
    ctx.runner.query(lambda store: gate.wait(60))  # keeps the thread busy while we queue (until set)
    for i in range(5):
        ctx.runner.query(lambda store, i=i: ran.append(i) or i, key="search", on_done=shown.append)
    gate.set()
    wait_idle(qtbot, ctx)
    assert ran == [4] and shown == [4]


def test_callbacks_of_a_closed_widget_are_dropped(qtbot, ctx):
    label = QLabel()
    calls = []
    gate = threading.Event()
    ctx.runner.query(lambda store: gate.wait(60) and "late", owner=label, on_done=calls.append)   # until set
    label.deleteLater()
    qtbot.waitUntil(lambda: calls == [] and not _alive(label), timeout=10000)
    gate.set()
    wait_idle(qtbot, ctx)
    assert calls == []


def _alive(obj) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_errors_reach_the_error_handler_and_writes_announce_changes(qtbot, ctx):
    errors, changed = [], []
    ctx.runner.sig_changed.connect(changed.append)

    def fail(store):
        raise OutreachError("ui.job.cancelled")

    ctx.runner.op(fail, changes={"household"}, on_error=errors.append)
    ctx.runner.op(lambda store: 1, changes={"visit"})
    wait_idle(qtbot, ctx)
    assert [e.key for e in errors] == ["ui.job.cancelled"]
    assert changed == [frozenset({"visit"})]  # a failed write announces nothing


def test_long_job_reports_progress_and_can_be_cancelled(qtbot, ctx):
    steps, outcome = [], {}
    pressed = threading.Event()

    def long_job(store, *, progress):
        for i in range(200):
            progress(i, 200)  # the services' Callable[[int, int], None] protocol; raises once cancelled
            steps.append(i)
            if i == 5:    # holds here until Cancel was pressed: it cannot finish first on a slow machine
                pressed.wait(60)
        return "finished"

    job = ctx.runner.run_with_progress(long_job, title="…", parent=None, on_done=outcome.setdefault,
                                       on_error=lambda e: outcome.setdefault("error", e))
    dialog: QProgressDialog = job.extra["dialog"]
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=10000)
    qtbot.waitUntil(lambda: dialog.maximum() == 200, timeout=10000)
    cancel = dialog.findChild(QPushButton)
    assert cancel.text() == "取消"
    cancel.click()
    pressed.set()
    wait_idle(qtbot, ctx)
    assert isinstance(outcome.get("error"), JobCancelled)
    assert len(steps) < 200


def test_the_test_thread_using_the_in_memory_store_while_the_database_thread_runs_fails_the_test(
        qtbot, ctx, _database_thread_only):
    """The guard of tests/ui/conftest.py: the in-memory store's one connection is shared with the
    database thread, so a statement from the test thread (busy database thread or not) is refused at
    once, and the test fails at its end even if the error was swallowed; the same read through the
    database thread, or once it stopped, is fine."""
    import pytest

    from tests.ui.conftest import WrongThread, on_db

    with pytest.raises(WrongThread, match="database thread"):
        ctx.store.get_setting("worker_name")
    [guard] = _database_thread_only
    assert len(guard.seen) == 1 and "test_workers.py" in guard.seen[0]   # says where it came from
    guard.seen.clear()   # reported: this test passes
    assert on_db(qtbot, ctx, lambda store: store.get_setting("worker_name")) == "李娜"
    ctx.close()
    assert ctx.store.get_setting("worker_name") == "李娜" and guard.seen == []
