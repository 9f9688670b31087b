"""Window only: writing a team invite (Sync screen) or a hub invite (County hub screen) to a USB stick
that was pulled out meanwhile said "A program error stopped the import (NotADirectoryError: [Errno 20]
…)" — an import it was not, in raw English inside the Chinese window. Now it is the app's own line:
the file could not be written, why, and that no half-written file was left."""

from __future__ import annotations

import pytest

from outreach.i18n import set_language, tr
from outreach.ui.views.sync_view import SyncView
from tests.unit.sync.transport_kit import PASS, create_lead


@pytest.fixture
def lead(tmp_path):
    laptop = create_lead(tmp_path)
    yield laptop
    laptop.close()
    set_language("zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_invite_to_a_folder_that_is_gone_says_so_in_words(qtbot, lead, tmp_path, lang):
    set_language(lang)
    view = SyncView(lead.store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: bool(view.state), timeout=10000)
    view.passphrase.setText(PASS)
    view.unlock()
    qtbot.waitUntil(lambda: view.ring is not None, timeout=10000)
    gone = tmp_path / "usb-stick-pulled-out" / "team-invite.json"
    before = view.log.count()
    view.write_invite(str(gone))
    qtbot.waitUntil(lambda: view.log.count() > before, timeout=10000)
    line = view.log_lines()[0]
    assert "Errno" not in line and "Error" not in line, line
    assert line.startswith(tr("error.file.unwritable", path=str(gone), reason="")[:6]), line
    assert not gone.parent.exists()


def test_the_hub_invite_job_says_so_in_words(tmp_path):
    from outreach.domain.errors import OutreachError
    from outreach.ui.views.hub_view import invite_job
    from tests.unit.hub.hub_kit import create_hub

    hub = create_hub(tmp_path)
    try:
        with pytest.raises(OutreachError) as caught:
            invite_job(hub.store, hub.ring, str(tmp_path / "gone" / "hub-invite.json"))
        assert caught.value.key == "error.file.unwritable"
    finally:
        hub.close()
