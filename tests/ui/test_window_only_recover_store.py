"""Window only: the data file was damaged by a crash. The window used to say "run outreach backup
recover"; now it says what happened and one button puts the newest sound backup back and replays the
changes made since — the worker never needs a terminal."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.services import backups
from outreach.storage.store import Store
from outreach.storage.tables import Household
from tests.unit.security.helpers import demo_store


@pytest.fixture
def damaged(tmp_path):
    """A laptop's data: a backup, a change after it, then the person table's root page overwritten."""
    data = tmp_path / "data"
    store = demo_store(data, households=20)
    backups.create(store)
    with store.connect() as conn:
        hid = conn.execute(text("SELECT id FROM household ORDER BY code LIMIT 1")).scalar_one()
        root = conn.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'person'")).scalar_one()
    with store.transaction() as w:
        w.update(Household, hid, {"notes": "屋顶漏雨，已报村委"})
    store.close()
    db = data / "outreach.sqlite3"
    raw = bytearray(db.read_bytes())
    at = (root - 1) * 4096 + 1000
    raw[at:at + 64] = os.urandom(64)
    db.write_bytes(bytes(raw))
    (data / "outreach.sqlite3-wal").write_bytes(b"")        # not closed cleanly
    with pytest.raises(OutreachError) as exc:
        Store.open(data)
    return data, hid, exc.value


def _press(text_of_button: str, seen: list[str]) -> None:
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    seen.append(box.text())
    next(b for b in box.buttons() if b.text() == text_of_button).click()


def test_one_button_recovers_the_damaged_data(qtbot, damaged, monkeypatch):
    from outreach.ui.dialogs.recover_store_dialog import offer_store_recovery

    data, hid, exc = damaged
    assert exc.key == "sec.error.corrupt"
    told, seen = [], []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, t, *a, **k: told.append(t)))
    QTimer.singleShot(100, lambda: _press(tr("wo.recover_store.button"), seen))
    assert offer_store_recovery(data, exc) is True
    assert "outreach backup recover" not in seen[0] and "outreach-" in seen[0]   # words, and the backup named
    assert told and "1" in told[0]
    store = Store.open(data)
    try:
        assert store.integrity_ok()
        with store.connect() as conn:
            assert conn.execute(text("SELECT notes FROM household WHERE id = :i"), {"i": hid}).scalar_one() \
                == "屋顶漏雨，已报村委"
    finally:
        store.close()


def test_quit_leaves_everything_as_it_was(qtbot, damaged):
    from outreach.ui.dialogs.recover_store_dialog import offer_store_recovery

    data, _hid, exc = damaged
    before = (data / "outreach.sqlite3").read_bytes()
    seen: list[str] = []
    QTimer.singleShot(100, lambda: _press(tr("sec.lock.quit"), seen))
    assert offer_store_recovery(data, exc) is False
    assert (data / "outreach.sqlite3").read_bytes() == before and seen


def test_other_open_errors_are_not_offered_a_recovery(qtbot, tmp_path):
    from outreach.ui.dialogs.recover_store_dialog import offer_store_recovery

    assert offer_store_recovery(tmp_path, OutreachError("sec.error.keyfile_missing", path="x")) is False
