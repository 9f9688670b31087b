"""Window only: writing a team invite (Sync screen) or a hub invite (County hub screen) to a USB stick
that was pulled out meanwhile said "A program error stopped the import (NotADirectoryError: [Errno 20]
…)" — an import it was not, in raw English inside the Chinese window. Now it is the app's own line:
the file could not be written, why, and that no half-written file was left."""

from __future__ import annotations

import pytest

from outreach.i18n import set_language, tr
from tests.ui.sync_screen_kit import open_sync_view
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
    view = open_sync_view(qtbot, lead.store, unlock=True)
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


def test_a_join_request_to_a_folder_that_is_gone_joins_nothing(tmp_path, lead):
    """The join wizard's job: the request cannot be written, so the laptop has not joined either (it
    used to be left joined with no request to hand over) and the same invite is used again."""
    from outreach.domain.errors import OutreachError
    from outreach.sync import team as T
    from outreach.ui.dialogs.team_wizard import join_team_job
    from tests.unit.sync.transport_kit import Laptop

    invite = tmp_path / "team-invite.json"
    invite.write_bytes(T.make_invite(lead.store))
    worker = Laptop(tmp_path, "zhao", "赵敏")
    try:
        gone = tmp_path / "usb-stick-pulled-out" / "join-request.json"
        with pytest.raises(OutreachError) as caught:
            join_team_job(worker.store, str(invite), str(gone), PASS)
        assert caught.value.key == "error.file.unwritable"
        with worker.store.connect() as conn:
            assert T.get_team(conn) is None
        fingerprint, _villages = join_team_job(worker.store, str(invite), str(tmp_path / "join-request.json"), PASS)
        assert T.read_request(lead.store, (tmp_path / "join-request.json").read_bytes()).fingerprint == fingerprint
    finally:
        worker.close()
