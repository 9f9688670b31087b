"""Window only: the dialogs test_dialog_fit.py does not cover — a scale, an imported form, the print and
export tasks, the team screens, backups, the passphrase and recovery dialogs — fit a 1280×720 and a
1366×768 screen (task bar off, frame on) with their buttons inside, in Chinese and in English."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QMessageBox

import outreach.ui.widgets as widgets_mod
from outreach.i18n import set_language
from outreach.services.forms import import_form_file
from tests.unit.forms.xlsforms import needs_form

from .conftest import on_db, wait_idle

SCREENS = [(1280, 720), (1366, 768)]


@pytest.fixture(autouse=True)
def _app_font(qapp):
    from outreach.ui.app import create_application

    create_application()


def _open(qtbot, name, window, ctx, county, tmp_path):
    from outreach.ui.dialogs.backups_dialog import BackupsDialog, ChangePassphraseDialog
    from outreach.ui.dialogs.recovery_unlock_dialog import RecoveryUnlockDialog
    from outreach.ui.dialogs.scale_form import ScaleFormDialog
    from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

    if name == "scale_phq9":
        return ScaleFormDialog(ctx, county["h2"], "phq9", person_id=county["p_wang"], parent=window)
    if name == "scale_barthel":
        return ScaleFormDialog(ctx, county["h2"], "barthel", person_id=county["p_wang"], parent=window)
    if name == "xlsform_fill":
        assert on_db(qtbot, ctx, import_form_file, needs_form(tmp_path)).saved
        return FormFillDialog(ctx, county["h2"], "hh_needs", today=date.today(), parent=window)
    if name == "backups":
        return BackupsDialog(ctx, window)
    if name == "passphrase":
        return ChangePassphraseDialog(tmp_path, window)
    if name == "recovery_unlock":
        return RecoveryUnlockDialog(tmp_path, window)
    return window.dayone.run(name)


DIALOGS = ["scale_phq9", "scale_barthel", "xlsform_fill", "backups", "passphrase", "recovery_unlock",
           "register", "blank", "letters", "report", "export", "areas", "directory", "profile", "create_team",
           "join_team"]


def _buttons(dialog: QDialog) -> list[QAbstractButton]:
    return [b for box in dialog.findChildren(QDialogButtonBox) for b in box.buttons() if b.isVisibleTo(dialog)] \
        or [b for b in dialog.findChildren(QAbstractButton) if b.isVisibleTo(dialog) and b.text()]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", DIALOGS)
def test_the_dialog_fits_with_its_buttons_inside(qtbot, window, ctx, county, monkeypatch, tmp_path,
                                                  name, screen, lang):
    width, height = screen
    avail = QRect(0, 0, width, height)
    monkeypatch.setattr(widgets_mod, "available_geometry", lambda _w: avail)
    set_language(lang)
    try:
        dialog = _open(qtbot, name, window, ctx, county, tmp_path)
        dialog.show()
        wait_idle(qtbot, ctx)
        frame = widgets_mod.FRAME_ALLOWANCE
        assert dialog.width() + frame.width() <= width and dialog.height() + frame.height() <= height, \
            (name, dialog.size())
        inside = dialog.rect()
        for b in _buttons(dialog):
            rect = QRect(b.mapTo(dialog, b.rect().topLeft()), b.size())
            assert inside.contains(rect), (name, b.text(), rect, inside)
        if hasattr(dialog, "ask_unsaved"):
            dialog.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        dialog.reject()
        dialog.deleteLater()
        wait_idle(qtbot, ctx)
    finally:
        set_language("zh_CN")
