"""Window only: on the Sync screen the lead changes the villages a laptop covers. The line that
confirmed it listed village codes ("王强的笔记本 现在负责：530102001001, 530102001002") where the
enrolment line and the table give names; and in Chinese the lists used an English comma and the lead's
own laptop an ASCII bracket ("vm (组长)"). Now: names, 、 between them, （组长）."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outreach.i18n import set_language
from outreach.ui.views.sync_view import COLUMNS
from tests.ui.sync_screen_kit import open_sync_view, team  # noqa: F401  (the fixture)
from tests.unit.sync.transport_kit import DONGPING, SHIMEN


def _cell(view, row: int, column: str) -> str:
    return view.model.data(view.model.index(row, COLUMNS.index(column)), Qt.ItemDataRole.DisplayRole)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_changed_villages_are_said_by_name(qtbot, team, lang):  # noqa: F811
    lead, wang = team
    set_language(lang)
    view = open_sync_view(qtbot, lead.store, devices=2)
    row = next(i for i, d in enumerate(view.model.devices) if d["device_id"] == wang.id)
    offered: dict = {}

    def pick(device, villages):
        offered.update(villages)
        return [DONGPING, SHIMEN]

    view._ask_villages = pick
    view.table.selectRow(row)
    before = view.log.count()
    view._choose_assign()
    qtbot.waitUntil(lambda: view.log.count() > before, timeout=10000)
    line = view.log_lines()[0]
    names = [offered[DONGPING], offered[SHIMEN]]
    assert DONGPING not in line and SHIMEN not in line, line
    separator = "、" if lang == "zh_CN" else ", "
    assert separator.join(names) in line, line
    qtbot.waitUntil(lambda: len(view.model.devices[row].get("village_names") or []) == 2, timeout=10000)
    assert _cell(view, row, "villages") == separator.join(names)
    lead_row = next(i for i, d in enumerate(view.model.devices) if d["role"] == "lead")
    assert _cell(view, lead_row, "name").endswith("（组长）" if lang == "zh_CN" else " (lead)")
