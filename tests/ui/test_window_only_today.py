"""Window only: on a 1280×720 laptop the Today screen gives its height to the list that has the rows —
Monday's long list of visits due is not squeezed into five lines above two near-empty lists."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QTableView

from outreach.services import households, visits

from .conftest import on_db, wait_idle


def _fourteen_late(store) -> None:
    for i in range(14):   # fourteen households whose next visit was due last week
        hid = households.create_household(store, village_id="530101100201", code=f"东坪-{200 + i:04d}",
                                          address=f"东坪村一组 {i} 号")
        visits.record_visit(store, household_id=hid, visit_date=date.today() - timedelta(days=30),
                            outcome="met", next_due=date.today() - timedelta(days=7))


def test_the_long_list_gets_the_room(qtbot, window, ctx, county):
    window.resize(1280, 720)
    on_db(qtbot, ctx, _fourteen_late)
    window.show_view("today")
    today = window.today
    today.reload()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: today.due.rowCount() >= 14, timeout=5000)
    (due_box, _, _due), (ref_box, _, refs), (need_box, _, needs) = today.boxes
    assert refs.rowCount() <= 1 and needs.rowCount() <= 1
    qtbot.waitUntil(lambda: due_box.height() > 2 * max(ref_box.height(), need_box.height()), timeout=10000)
    table = due_box.findChild(QTableView)
    last_seen = table.rowAt(table.viewport().height() - 2)
    assert last_seen == -1 or last_seen >= 9          # at least ten rows show (or all of them)
    window.grab().save("/tmp/wo/today-1280.png")
