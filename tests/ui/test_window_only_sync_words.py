"""Window only: the sync screen of a laptop with no team does not speak of locked keys (there is no
passphrase field to unlock them with: a worker would look for one); once in a team it does."""

from __future__ import annotations

from outreach.i18n import tr
from outreach.storage.store import Store
from outreach.ui.views.sync_view import SyncView
from tests.unit.sync.transport_kit import create_lead


def _view(qtbot, store):
    view = SyncView(store)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: bool(view.state), timeout=10000)
    return view


def test_no_team_no_word_about_locked_keys(qtbot, tmp_path):
    store = Store.open(tmp_path / "alone")
    try:
        view = _view(qtbot, store)
        shown = [w.text() for w in view.findChildren(type(view.key_state)) if w.isVisible()]
        assert tr("sync.ui.locked") not in shown
        assert not view.create_button.isHidden() and view.passphrase.isHidden()
        view.close()
    finally:
        store.close()


def test_in_a_team_the_locked_keys_and_the_field_show_together(qtbot, tmp_path):
    lead = create_lead(tmp_path)
    try:
        view = _view(qtbot, lead.store)
        assert view.key_state.isVisible() and view.key_state.text() == tr("sync.ui.locked")
        assert view.passphrase.isVisible()
        view.close()
    finally:
        lead.close()
