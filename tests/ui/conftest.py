"""GUI test fixtures: a small county in an in-memory store, and the app context around it.

Data is seeded before the database thread starts; afterwards every database call goes through the
runner, as in the app. The rule, and why: the in-memory store (``Store.in_memory``, a StaticPool) has
ONE connection, shared by every thread. While a ``DbRunner`` runs, a statement from the test thread
shares that connection with the database thread: when either returns the connection to the pool, the
pool rolls it back — the other thread's uncommitted work with it (CI saw 2 drafts saved of 3). So once
a ctx/window exists, tests read and write through ``on_db(qtbot, ctx, fn, ...)`` (``fn(store, ...)``
on the database thread), and so does the app (the GUI thread never touches the store). ``wait_idle``
before a direct read is not enough: a timer (draft autosave, search delay) may queue work meanwhile.

``_database_thread_only`` (autouse) enforces the rule without depending on timing: every statement on
an in-memory store is checked while a ``DbRunner`` over it runs, and one from another thread fails the
test (raised where it happens and reported again at teardown, should the app's code swallow it). File
and PostgreSQL stores have a connection per thread and are not checked."""

from __future__ import annotations

import threading
import traceback
from datetime import date, timedelta

import pytest
import shiboken6

from outreach.domain import idnumber
from outreach.ui.qt_compat import guard_refcount_bug

# PySide6 6.12.0 drops references to None/True/False on every signal emit (see qt_compat): without
# this the test process aborts at exit once enough signals were sent.
guard_refcount_bug()


def seed_county(store) -> dict[str, str]:
    """东坪村 (two groups) and 石门村 in 石门镇, 山县; three households, six people, one old visit."""
    from outreach.services import areas, households, people, providers, visits

    areas.add_area(store, code="530101", name="山县", level="county")
    areas.add_area(store, code="530101100", name="石门镇", level="township", parent_id="530101")
    areas.add_area(store, code="530101100201", name="东坪村", level="village", parent_id="530101100")
    areas.add_area(store, code="530101100202", name="石门村", level="village", parent_id="530101100")
    areas.add_area(store, code="530101100201001", name="一组", level="group", parent_id="530101100201")
    areas.add_area(store, code="530101100201002", name="二组", level="group", parent_id="530101100201")
    ids: dict[str, str] = {}
    ids["h1"] = households.create_household(store, village_id="530101100201", code="东坪-0143",
                                            address="东坪村一组 12 号", phone="13812345678",
                                            group_id="530101100201001")
    ids["h2"] = households.create_household(store, village_id="530101100201", code="东坪-0150",
                                            address="东坪村二组 3 号", benefit_status="dibao",
                                            group_id="530101100201002")
    ids["h3"] = households.create_household(store, village_id="530101100202", code="石门-0022",
                                            address="石门村 22 号", phone="13900001111")
    ids["p_wang"] = people.add_person(store, household_id=ids["h2"], name="王秀英", relation="self",
                                      id_number=idnumber.make("530101", date(1943, 5, 2), 22),
                                      flags=["elder_alone"])
    ids["p_zhang"] = people.add_person(store, household_id=ids["h1"], name="张三", relation="self",
                                       phone="13812345678")
    ids["p_liu"] = people.add_person(store, household_id=ids["h3"], name="刘建国", relation="self",
                                     id_number=idnumber.make("530101", date(1961, 3, 9), 31))
    visits.record_visit(store, household_id=ids["h3"], visit_date=date.today() - timedelta(days=10),
                        outcome="met", next_due=date.today() - timedelta(days=1))
    ids["clinic"] = providers.create_provider(store, name="青山镇卫生院", category="clinic", services="看病、开药",
                                              phone="0871-6123001")
    ids["committee"] = providers.create_provider(store, name="东坪村村委会", category="village_committee",
                                                 services="志愿者探访")
    return ids


class WrongThread(AssertionError):
    """A statement on the in-memory store from a thread other than the running database thread."""


class DatabaseThreadGuard:
    """Checks every statement on an in-memory store while ``thread`` (a ``DbThread``) runs."""

    def __init__(self, store, thread) -> None:
        from sqlalchemy import event

        self.engine, self.thread, self.seen = store.engine, thread, []
        event.listen(self.engine, "before_cursor_execute", self.check)

    def check(self, _conn, _cursor, statement, *_rest) -> None:
        if not shiboken6.isValid(self.thread) or not self.thread.isRunning() or self.thread.isCurrentThread():
            return
        where = "".join(traceback.format_stack(limit=14)[:-3])
        text = (f"{' '.join(statement.split())[:90]!r} ran on thread {threading.current_thread().name!r} while "
                f"the database thread runs (use on_db, see tests/ui/conftest.py):\n{where}")
        self.seen.append(text)
        raise WrongThread(text)

    def remove(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self.check)


@pytest.fixture(autouse=True)
def _database_thread_only(monkeypatch):
    from sqlalchemy.pool import StaticPool

    from outreach.ui import workers

    guards: list[DatabaseThreadGuard] = []
    start = workers.DbRunner.__init__

    def guarded_init(runner, store, *args, **kwargs):
        start(runner, store, *args, **kwargs)
        if isinstance(store.engine.pool, StaticPool):
            guards.append(DatabaseThreadGuard(store, runner._thread))

    monkeypatch.setattr(workers.DbRunner, "__init__", guarded_init)
    yield guards
    for guard in guards:
        guard.remove()
    seen = [text for guard in guards for text in guard.seen]
    if seen:
        pytest.fail(f"{len(seen)} statement(s) on the in-memory store outside the database thread; the first: "
                    f"{seen[0]}", pytrace=False)


@pytest.fixture
def county(store):
    return seed_county(store)


@pytest.fixture
def ctx(qapp, store, county):
    from outreach.ui.app import build_context

    context = build_context(store, qapp)
    yield context
    context.close()
    context.language.apply("zh_CN")


@pytest.fixture
def window(qtbot, ctx):
    from PySide6.QtWidgets import QMessageBox

    from outreach.ui.main_window import MainWindow

    w = MainWindow(ctx)
    w.show()
    wait_idle(qtbot, ctx)
    yield w
    form = w.forms.current
    if form is not None and shiboken6.isValid(form):
        form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        form.reject()
    w.close()
    wait_idle(qtbot, ctx)
    w.deleteLater()


def wait_idle(qtbot, ctx, timeout: int = 20000) -> None:
    """Until the database thread has answered everything (and callbacks ran). The timeout only bounds
    a failing test (it returns as soon as the thread is idle): generous, for a loaded CI machine."""
    qtbot.waitUntil(ctx.runner.is_idle, timeout=timeout)


def on_db(qtbot, ctx, fn, *args, **kwargs):
    """``fn(store, *args, **kwargs)`` on the database thread, its result once done (its error raised
    here). Tests read and write this way once the window runs: the in-memory store has one connection,
    shared with that thread. ``ctx`` is the app context, or a screen with a runner of its own."""
    done: list = []
    failed: list[BaseException] = []
    ctx.runner.op(fn, *args, changes=(), on_done=done.append, on_error=failed.append, **kwargs)
    wait_idle(qtbot, ctx)
    if failed:
        raise failed[0]
    assert done, f"{getattr(fn, '__name__', fn)} did not finish"
    return done[0]


def type_text(widget, text: str) -> None:
    """Type text as an input method does (pinyin IME commits Chinese): QTest can only type ASCII."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
