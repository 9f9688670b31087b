"""The Sync screen on a real team (lead + one worker, or a lead under a county hub), opened the way
the window-only tests of that screen need it: shown in a language, its state loaded, unlocked."""

from __future__ import annotations

import pytest

from outreach.i18n import set_language
from outreach.ui.views.sync_view import SyncView
from tests.unit.sync.transport_kit import DONGPING, PASS, create_lead, join


@pytest.fixture
def team(tmp_path):
    """A lead and 王强's laptop, enrolled for 东坪村; the language back to Chinese afterwards."""
    lead = create_lead(tmp_path)
    wang = join(tmp_path, lead, "wang", "王强", [DONGPING])
    yield lead, wang
    for laptop in (lead, wang):
        laptop.close()
    set_language("zh_CN")


def open_sync_view(qtbot, store, *, devices: int | None = None, unlock: bool = False) -> SyncView:
    """The screen once its state (and, with ``devices``, that many laptops) has loaded; ``unlock``
    enters the team passphrase as the lead does."""
    view = SyncView(store)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: bool(view.state) and (devices is None or view.model.rowCount() == devices),
                    timeout=10000)
    if unlock:
        view.passphrase.setText(PASS)
        view.unlock()
        qtbot.waitUntil(lambda: view.ring is not None, timeout=10000)
    return view
