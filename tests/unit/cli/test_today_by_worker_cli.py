"""``outreach today --by-worker [--json]`` and ``--worker``: the lead's "who is overdue" in a terminal, with
the existing keys of ``today --json`` kept."""

from __future__ import annotations

import json
from datetime import date, timedelta

from outreach.cli.main import main
from outreach.services import areas, households, visits
from outreach.storage.store import Store

TODAY = date(2026, 12, 3)


def _store(tmp_path):
    data = tmp_path / "data"
    store = Store.open(data)
    areas.add_area(store, code="522731", name="青山县", level="county")
    areas.add_area(store, code="522731100", name="青山镇", level="township", parent_id="522731")
    areas.add_area(store, code="522731100200", name="东坪村", level="village", parent_id="522731100")
    for worker, address, late in (("李娜", "东坪村1组3号", 4), ("李娜", "东坪村1组4号", 9), ("王强", "东坪村2组1号", 2),
                                  ("王强", "东坪村2组2号", 0)):
        store.set_setting("worker_name", worker)
        hid = households.create_household(store, village_id="522731100200", address=address)
        visits.record_visit(store, household_id=hid, visit_date=TODAY - timedelta(days=20), outcome="nobody_home",
                            next_due=TODAY - timedelta(days=late), today=TODAY)
    store.close()
    return data


def test_by_worker_lines_and_json(tmp_path, capsys):
    data = _store(tmp_path)
    assert main(["--data-dir", str(data), "--lang", "zh_CN", "today", "--date", TODAY.isoformat(), "--by-worker"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == ["李娜  走访逾期 2 户 · 今日到期 0 户 · 转介逾期未回复 0 条",
                       "王强  走访逾期 1 户 · 今日到期 1 户 · 转介逾期未回复 0 条"]

    assert main(["--data-dir", str(data), "today", "--date", TODAY.isoformat(), "--by-worker", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"as_of", "visits_due", "replies_overdue", "urgent_needs"} <= set(doc)      # the old keys stay
    assert doc["by_worker"] == [
        {"worker": "李娜", "visits_overdue": 2, "visits_due_today": 0, "replies_overdue": 0},
        {"worker": "王强", "visits_overdue": 1, "visits_due_today": 1, "replies_overdue": 0}]
    assert sorted(v["worker"] for v in doc["visits_due"]) == ["李娜", "李娜", "王强", "王强"]

    assert main(["--data-dir", str(data), "today", "--date", TODAY.isoformat(), "--worker", "王强", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(v["household_code"] for v in doc["visits_due"]) and {v["worker"] for v in doc["visits_due"]} == {"王强"}
    assert len(doc["visits_due"]) == 2 and "by_worker" not in doc


def test_by_worker_in_english_and_when_nothing_is_late(tmp_path, capsys):
    data = _store(tmp_path)
    early = (TODAY - timedelta(days=30)).isoformat()
    assert main(["--data-dir", str(data), "--lang", "en", "today", "--date", early, "--by-worker"]) == 0
    assert capsys.readouterr().out.strip() == f"As of {early}, no visit or reply is overdue."
    assert main(["--data-dir", str(data), "--lang", "en", "today", "--date", TODAY.isoformat(), "--by-worker"]) == 0
    assert "王强  visits overdue: 1 · due today: 1 · replies overdue: 0" in capsys.readouterr().out
