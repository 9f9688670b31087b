"""Reference cycles made on the database thread are freed on the GUI thread while a window context
lives (a Qt object freed on the database thread can crash the app), and collection comes back after."""

from __future__ import annotations

import gc
import threading

from tests.ui.conftest import on_db


class _Cycle:
    freed_on: list[int] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.get_ident())


def _make_garbage(_store, cycles: int = 50, churn: int = 20_000) -> list:
    for _ in range(cycles):
        _Cycle()
    return [[i] for i in range(churn)]   # enough new live containers that Python would collect now


def test_cycles_made_on_the_database_thread_are_freed_on_the_gui_thread(qtbot, ctx):
    _Cycle.freed_on.clear()
    assert not gc.isenabled()
    kept = on_db(qtbot, ctx, _make_garbage)
    qtbot.waitUntil(lambda: len(_Cycle.freed_on) >= 50, timeout=20_000)   # the GUI thread's timer collects
    assert set(_Cycle.freed_on) == {threading.get_ident()}
    assert len(kept) == 20_000


def test_collection_is_back_on_when_the_context_closes(qapp, store):
    from outreach.ui.app import build_context
    from outreach.ui.gc_thread import GuiThreadCollector

    was = gc.isenabled()
    context = build_context(store, qapp)
    other = GuiThreadCollector()         # a second window's (two staff in one test): both must close first
    assert not gc.isenabled()
    context.close()
    context.language.apply("zh_CN")
    assert not gc.isenabled()
    other.close()
    assert gc.isenabled() == was
