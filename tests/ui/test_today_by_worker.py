"""Today on the lead's laptop: who is overdue. Each visit due and reply overdue names its worker, the
"By worker" table counts them, and the worker filter (or a click in that table) shows one worker's."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from outreach.services import households, referrals, visits

from .conftest import on_db, wait_idle


def _week(store, county) -> None:
    """On top of the seed (李娜: 石门-0022 due yesterday): 王强 promised two visits, one a week late, one
    for today; 李娜's referral of 王秀英 to the clinic waits for its reply since last week."""
    store.set_setting("worker_name", "王强")
    for n, late in ((1, 7), (2, 0)):
        hid = households.create_household(store, village_id="530101100202", code=f"石门-01{n:02d}",
                                          address=f"石门村 1{n:02d} 号")
        visits.record_visit(store, household_id=hid, visit_date=date.today() - timedelta(days=30),
                            outcome="nobody_home", next_due=date.today() - timedelta(days=late))
    store.set_setting("worker_name", "李娜")
    referrals.create_referral(store, person_id=county["p_wang"], provider_id=county["clinic"], reason="降压药",
                              consent_given=True, consent_by="王秀英", consent_on=date.today() - timedelta(days=14),
                              consent_method="verbal", issue_on=date.today() - timedelta(days=14),
                              expected_reply_on=date.today() - timedelta(days=7))


def _open_today(qtbot, window, ctx):
    window.resize(1280, 720)
    window.show_view("today")
    today = window.today
    today.reload()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: today.workers.rowCount() == 2, timeout=5000)
    return today


def _cells(model, column: int) -> list[str]:
    return [model.data(model.index(r, column), Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())]


def test_the_lead_sees_who_is_overdue_and_narrows_to_one(qtbot, window, ctx, county):
    on_db(qtbot, ctx, _week, county)
    today = _open_today(qtbot, window, ctx)
    rows = [[today.workers.data(today.workers.index(r, c), Qt.ItemDataRole.DisplayRole) for c in range(4)]
            for r in range(today.workers.rowCount())]
    assert rows == [["李娜", "1", "0", "1"], ["王强", "1", "1", "0"]]
    assert today.due.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "社工"
    assert sorted(_cells(today.due, 1)) == ["李娜", "王强", "王强"]
    assert "谁约定的下次走访" in today.worker_box.toolTip() and today.worker_filter.toolTip()
    assert today.worker_filter.itemText(0) == "全部社工"
    window.grab().save("/tmp/today-by-worker-zh.png")

    # A click on 王强's line: only his two visits, no referral; the box titles count his.
    table = today.worker_table
    rect = table.visualRect(today.workers.index(1, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert today.selected_worker() == "王强" and today.worker_filter.currentText() == "王强"
    assert sorted(_cells(today.due, 0)) == ["石门-0101", "石门-0102"]
    assert today.referrals.rowCount() == 0
    assert today.boxes[0][0].title().endswith("(2)") or "2" in today.boxes[0][0].title()

    # A reload (new data arrives) keeps the filter on 王强.
    today.reload()
    wait_idle(qtbot, ctx)
    assert today.selected_worker() == "王强" and today.due.rowCount() == 2

    # Back to everyone from the filter.
    today.worker_filter.setCurrentIndex(0)
    assert today.selected_worker() is None and today.due.rowCount() == 3 and today.referrals.rowCount() == 1


def test_by_worker_in_english(qtbot, window, ctx, county):
    on_db(qtbot, ctx, _week, county)
    today = _open_today(qtbot, window, ctx)
    window.set_language("en")
    wait_idle(qtbot, ctx)
    assert today.worker_box.title() == "By worker"
    assert today.workers.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Visits late"
    assert today.worker_filter.itemText(0) == "All workers"
    assert "Whose it is" in today.worker_table.toolTip()
    window.grab().save("/tmp/today-by-worker-en.png")
