"""Every dialog fits a 1280×720 and a 1366×768 screen with its buttons visible; Qt's own dialogs and
the undo entries follow the interface language.

Set OUTREACH_SHOTS=/some/folder to also save each dialog on a screen-sized canvas (zh_CN) to look at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QRect
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QFileDialog, QLabel, QMessageBox

import outreach.ui.widgets as widgets_mod
from outreach.i18n import tr
from outreach.services import assessments, drafts
from tests.ui.conftest import on_db, type_text, wait_idle

SCREENS = [(1280, 720), (1366, 768)]


@pytest.fixture(autouse=True)
def _app_font(qapp):
    """Measure with the font the app really uses (the shipped CJK font, as ``run_gui`` sets it)."""
    from outreach.ui.app import create_application

    create_application()


def _pdf(pages: int = 2) -> bytes:
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(pages):
        c.drawString(72, 760, f"page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _assessment(qtbot, ctx, hid: str) -> str:
    from outreach.domain.assessment import load_template
    from tests.ui.test_flow import _benign  # one set of harmless answers for the whole template

    t = load_template("needs")

    class W:
        def __init__(self, q):
            self.q = q

    answers = {q.id: _benign(W(q)) for s in t.sections for q in s.questions}
    answers = {k: v for k, v in answers.items() if v not in ("", None)}
    return on_db(qtbot, ctx, assessments.record_assessment, household_id=hid, assessed_on=date.today(),
                 answers=answers).id


@dataclass
class _Query:
    title: str = "户"

    def resolve(self, store) -> list[str]:
        return []


def _open(name: str, window, ctx, county, store, qtbot):
    f = window.forms
    from outreach.ui.dialogs.assessment_detail_dialog import AssessmentDetailDialog
    from outreach.ui.dialogs.letter_preview_dialog import LetterPreviewDialog
    from outreach.ui.dialogs.setup_wizard import SetupWizard
    from outreach.ui.forms import DraftsDialog

    makers = {
        "household_new": lambda: f.new_household(),
        "household_edit": lambda: f.edit_household(county["h1"]),
        "member_new": lambda: f.add_member(county["h1"]),
        "member_edit": lambda: f.edit_member(county["h2"], county["p_wang"]),
        "visit": lambda: f.record_visit(county["h2"]),
        "assessment": lambda: f.assess(county["h2"]),
        "referral": lambda: f.refer(county["h2"]),
        "settings": lambda: SetupWizard(ctx, window, first_run=False),
        "letter_preview": lambda: LetterPreviewDialog(_pdf(), title="转介函", parent=window),
        "assessment_detail": lambda: AssessmentDetailDialog(ctx, _assessment(qtbot, ctx, county["h3"]), window),
        "drafts": lambda: DraftsDialog(_some_drafts(qtbot, ctx), window),
        "household_list": lambda: _household_list(window, ctx),
    }
    return makers[name]()


def _household_list(window, ctx):
    from outreach.ui.dialogs.household_list_dialog import HouseholdListDialog

    return HouseholdListDialog(ctx, _Query(), window)


def _some_drafts(qtbot, ctx):
    for i in range(3):
        on_db(qtbot, ctx, drafts.save_draft, key=f"visit:h{i}", kind="visit", params={"household_id": f"h{i}"},
              state={}, summary=f"记录走访 — 东坪-01{i}")
    return on_db(qtbot, ctx, drafts.list_drafts)


DIALOGS = ["household_new", "household_edit", "member_new", "member_edit", "visit", "assessment", "referral",
           "settings", "letter_preview", "assessment_detail", "drafts", "household_list"]


def _buttons(dialog: QDialog) -> list[QAbstractButton]:
    found = [b for box in dialog.findChildren(QDialogButtonBox) for b in box.buttons() if b.isVisibleTo(dialog)]
    if not found:
        found = [b for b in dialog.findChildren(QAbstractButton) if b.isVisibleTo(dialog) and b.text()]
    return found


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", DIALOGS)
def test_every_dialog_fits_the_screen_with_its_buttons_visible(qtbot, window, ctx, county, store, monkeypatch,
                                                                name, screen):
    width, height = screen
    avail = QRect(0, 0, width, height)
    monkeypatch.setattr(widgets_mod, "available_geometry", lambda _w: avail)
    dialog = _open(name, window, ctx, county, store, qtbot)
    dialog.show()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: getattr(dialog, "ready", True))
    if hasattr(dialog, "questions"):
        qtbot.waitUntil(lambda: bool(dialog.questions))
    frame = widgets_mod.FRAME_ALLOWANCE
    assert dialog.width() + frame.width() <= width and dialog.height() + frame.height() <= height, \
        (name, dialog.size())
    buttons = _buttons(dialog)
    assert buttons, name
    inside = dialog.rect()
    for b in buttons:
        rect = QRect(b.mapTo(dialog, b.rect().topLeft()), b.size())
        assert inside.contains(rect), (name, b.text(), rect, inside)
        assert b.width() >= b.fontMetrics().horizontalAdvance(b.text().replace("&", "")), (name, b.text())
    for label in dialog.findChildren(QLabel):  # no label cut short (English checked in the test below)
        if label.isVisibleTo(dialog) and not label.wordWrap() and label.text() and "<" not in label.text():
            assert label.width() >= label.minimumSizeHint().width() - 1, (name, label.text())
    if "x".join(map(str, screen)) == "1280x720":
        _shoot(dialog, name, avail)
    _close(dialog)
    wait_idle(qtbot, ctx)


@pytest.mark.parametrize("name", ["household_new", "member_new", "visit", "assessment", "referral", "settings"])
def test_english_forms_fit_and_no_label_is_clipped(qtbot, window, ctx, county, store, monkeypatch, name):
    window.set_language("en")
    avail = QRect(0, 0, 1280, 720)
    monkeypatch.setattr(widgets_mod, "available_geometry", lambda _w: avail)
    dialog = _open(name, window, ctx, county, store, qtbot)
    dialog.show()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: getattr(dialog, "ready", True))
    assert dialog.height() + widgets_mod.FRAME_ALLOWANCE.height() <= 720
    area = getattr(dialog, "scroll_area", None)
    if area is not None:  # long English texts do not push the form sideways (no horizontal scrolling)
        assert area.widget().minimumSizeHint().width() <= area.viewport().width(), name
    for field in getattr(dialog, "fields", {}).values():
        if field.label.isVisibleTo(dialog):
            assert field.label.width() >= field.label.sizeHint().width() - 1, field.label.text()
    for combo in dialog.findChildren(widgets_mod.EnumCombo):
        longest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
        assert combo.width() >= longest, combo.currentText()
    _shoot(dialog, f"{name}_en", avail)
    _close(dialog)
    wait_idle(qtbot, ctx)


def _close(dialog: QDialog) -> None:
    if hasattr(dialog, "ask_unsaved"):
        dialog.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    dialog.reject()
    dialog.deleteLater()


def _shoot(dialog: QDialog, name: str, avail: QRect) -> None:
    folder = os.environ.get("OUTREACH_SHOTS")
    if not folder:
        return
    canvas = QPixmap(avail.size())
    canvas.fill(QColor("#5b6470"))
    painter = QPainter(canvas)
    x = max(0, (avail.width() - dialog.width()) // 2)
    y = max(0, (avail.height() - dialog.height() - 32) // 2) + 32  # room for a title bar
    painter.fillRect(x, y - 32, dialog.width(), 32, QColor("#d8dde3"))
    painter.drawText(x + 8, y - 10, dialog.windowTitle())
    painter.drawPixmap(x, y, dialog.grab())
    painter.end()
    Path(folder).mkdir(parents=True, exist_ok=True)
    canvas.save(str(Path(folder) / f"{name}.png"))


# ---------------------------------------------------------------------------- the language of Qt's own texts
def test_qt_file_dialog_and_message_boxes_speak_chinese(qtbot, ctx):
    dialog = QFileDialog()
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels, labels
    box = QMessageBox(QMessageBox.Icon.Question, "t", "x",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel)
    assert {b.text() for b in box.buttons()} == {"保存", "取消"}
    assert ctx.language.qt_translation_installed
    ctx.language.apply("en")
    assert not ctx.language.qt_translation_installed  # English: Qt's own source texts
    dialog.deleteLater()
    box.deleteLater()


def _dont_use_native():
    from PySide6.QtCore import Qt

    return Qt.ApplicationAttribute.AA_DontUseNativeDialogs


def test_app_uses_qt_dialogs_not_native_ones(qapp):
    from outreach.ui.app import create_application

    create_application()
    assert QCoreApplication.testAttribute(_dont_use_native())


def test_undo_entry_follows_a_language_switch(qtbot, window, ctx, county):
    form = window.forms.record_visit(county["h1"])
    qtbot.waitUntil(lambda: form.ready)
    form.accept()
    wait_idle(qtbot, ctx)
    undo = window.actions_by_name["undo"]
    assert tr("ui.undo.new_visit", outcome=_outcome_en()) in undo.text()  # in Chinese while Chinese
    window.set_language("en")
    assert ctx.undo.undoText() == tr("ui.undo.new_visit", "en", outcome=_outcome_en())
    assert all(ord(ch) < 0x3000 for ch in undo.text()), undo.text()


def _outcome_en() -> str:  # the outcome's label in the current language
    from outreach.domain.enums import VisitOutcome

    return VisitOutcome.MET.label()


def test_plural_forms_in_english(qtbot, window, ctx, store):
    from outreach.ui.forms import DraftsDialog

    window.set_language("en")
    one = DraftsDialog(_some_drafts(qtbot, ctx)[:1], window)
    assert one.intro.text().startswith("1 form was left unsaved")
    three = DraftsDialog(on_db(qtbot, ctx, drafts.list_drafts), window)
    assert three.intro.text().startswith("3 forms were left unsaved")
    three.list.setCurrentRow(0)
    three.discard()
    assert three.intro.text().startswith("2 forms were left unsaved")
    one.deleteLater()
    three.deleteLater()
    assert tr("ui.households.count", n=1) == "1 household" and tr("ui.households.count", n=2) == "2 households"
    assert tr("ui.today.days_overdue", n=1) == "1 day overdue"


def test_typed_date_field_keeps_chinese_text_for_ime(qtbot, ctx):
    field = widgets_mod.DateField()
    type_text(field.edit, "2016年3月8日")
    assert field.commit() and field.value() == date(2016, 3, 8) and field.text() == "2016-03-08"
    field.deleteLater()
