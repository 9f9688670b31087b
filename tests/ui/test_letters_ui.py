"""The referrals screen and the letter preview as a worker uses them (offscreen Qt)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog

from outreach.services import referrals
from tests.ui.conftest import on_db, wait_idle


def _referrals(store, county) -> dict[str, str]:
    today = date.today()     # when the test runs (not when the module was collected: a suite may pass midnight)
    consent = dict(consent_given=True, consent_by="王秀英", consent_on=today - timedelta(days=20),
                   consent_method="verbal_witnessed", consent_witness="邻居")
    old = referrals.create_referral(store, person_id=county["p_wang"], provider_id=county["committee"],
                                    reason="每周探访志愿者", issue_on=today - timedelta(days=20), **consent)
    new = referrals.create_referral(store, person_id=county["p_wang"], provider_id=county["clinic"],
                                    reason="降压药即将用完，需要上门评估。", urgency="soon", issue_on=today, **consent)
    draft = referrals.create_referral(store, person_id=county["p_zhang"], provider_id=county["clinic"],
                                      reason="草稿")
    return {"old": old.reference, "new": new.reference, "draft": draft.reference}


@pytest.fixture
def view(qtbot, store, county):
    from outreach.ui.views.referrals_view import ReferralsView

    refs = _referrals(store, county)
    w = ReferralsView(store)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    w.refs = refs
    return w


def _row(view, reference: str) -> int:
    return [r.reference for r in view.model.rows].index(reference)


def _select(view, reference: str) -> None:
    view.table.selectRow(_row(view, reference))


def test_overdue_replies_are_highlighted_and_can_be_listed_alone(view):
    from outreach.ui.views.referrals_view import OVERDUE_BG

    model = view.model
    old, new = _row(view, view.refs["old"]), _row(view, view.refs["new"])
    status_col = model.COLUMNS.index("status")
    assert "逾期 6 天" in model.index(old, status_col).data()
    assert model.index(old, 0).data(Qt.ItemDataRole.BackgroundRole).color() == OVERDUE_BG
    assert model.index(new, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(new, status_col).data() == "已开具"
    assert "1" in view.summary.text() and "逾期 1 份" in view.summary.text()
    view.status_filter.setCurrentIndex(view.status_filter.findData("overdue"))
    assert [r.reference for r in model.rows] == [view.refs["old"]]
    view.status_filter.setCurrentIndex(0)
    view.text_filter.setText("卫生院")
    assert [r.reference for r in model.rows] == [view.refs["new"], view.refs["draft"]]


def test_recording_a_returned_reply_slip_by_its_reference(view, store, qtbot):
    recorded = []
    view.sig_reply_recorded.connect(recorded.append)
    view.reply_reference.setText(view.refs["new"].lower())  # typed from the paper slip
    qtbot.keyClick(view.reply_reference, Qt.Key.Key_Return)
    assert "王秀英" in view.reply_found.text() and "青山镇卫生院" in view.reply_found.text()
    served = [b for b in view.reply_result.buttons() if b.property("status") == "served"][0]
    served.setChecked(True)
    view.reply_services.setText("上门评估，开具降压药")
    qtbot.mouseClick(view.reply_button, Qt.MouseButton.LeftButton)
    assert recorded == [view.refs["new"]]
    info = referrals.get_referral(store, view.refs["new"])
    assert info.status == "served" and info.services_provided == "上门评估，开具降压药"
    assert view.model.index(_row(view, view.refs["new"]), view.model.COLUMNS.index("status")).data() == "已服务"
    assert view.reply_reference.text() == "" and view.reply_result.checkedButton() is None
    assert view.reply_error.text() == ""


def test_reply_slip_mistakes_are_explained_inline(view, store):
    view.record_reply()
    assert view.reply_error.text() == "请输入回执上的编号"
    view.reply_reference.setText(view.refs["new"])
    view.record_reply()
    assert view.reply_error.text() == "请选择回执上勾选的结果"
    accepted = [b for b in view.reply_result.buttons() if b.property("status") == "accepted"][0]
    accepted.setChecked(True)
    view.reply_reference.setText("ZJ-NOPE-000001")
    view.record_reply()
    assert "找不到转介单" in view.reply_error.text()
    view.reply_reference.setText(view.refs["draft"])
    view.record_reply()
    assert "尚未开具" in view.reply_error.text()
    assert referrals.get_referral(store, view.refs["draft"]).status == "draft"


def test_preview_shows_the_letter_and_saves_it(view, qtbot, tmp_path, monkeypatch):
    from outreach.ui.dialogs import letter_preview_dialog
    from outreach.ui.views import referrals_view

    _select(view, view.refs["new"])
    assert view.reply_reference.text() == view.refs["new"]  # selecting a row fills the reply desk
    view.preview_selected()
    dialog = view.preview_dialog  # a child of the view, deleted when closed
    assert dialog.page_count() == 1
    assert dialog.windowTitle() == f"转介函 {view.refs['new']}"
    shots = Path(os.environ.get("OUTREACH_SHOTS") or tmp_path)  # set it to keep screenshots to look at
    shots.mkdir(parents=True, exist_ok=True)
    dialog.resize(900, 1000)
    assert dialog.grab().save(str(shots / "letter_preview.png"))
    assert view.grab().save(str(shots / "referrals_view.png"))

    target = tmp_path / "保存的转介函"
    monkeypatch.setattr(letter_preview_dialog.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    assert dialog.save_dialog() == str(target) + ".pdf"
    reader = PdfReader(str(target) + ".pdf")
    assert view.refs["new"] in reader.pages[0].extract_text()
    dialog.close()

    # the same from the list, in English, without opening the preview
    view.letter_lang.setCurrentIndex(view.letter_lang.findData("en"))
    direct = tmp_path / "direct.pdf"
    monkeypatch.setattr(referrals_view.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(direct), "")))
    view.save_selected()
    assert "Referral Letter" in PdfReader(str(direct)).pages[0].extract_text()
    assert str(direct) in view.message.text()


def test_a_draft_has_no_letter_to_preview(view):
    _select(view, view.refs["draft"])
    view.preview_selected()
    assert "尚未开具" in view.message.text()


def test_preview_by_reference_after_issuing(view):
    view.preview_references([view.refs["old"], view.refs["new"]])
    dialog = view.preview_dialog
    assert dialog.page_count() == 2 and dialog.windowTitle() == "转介函（2 份）"
    dialog.close()


def test_printing_goes_through_the_print_dialog(view, tmp_path, monkeypatch):
    from outreach.ui.dialogs import letter_preview_dialog

    out = tmp_path / "printed.pdf"

    def pdf_printer(title, pages):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setFromTo(1, pages)
        return printer

    shown = []
    monkeypatch.setattr(letter_preview_dialog, "make_printer", pdf_printer)
    monkeypatch.setattr(letter_preview_dialog.QPrintDialog, "exec",
                        lambda self: shown.append(self) or QDialog.DialogCode.Accepted)
    view.table.selectAll()
    view.print_selected()
    assert len(shown) == 1
    assert "1 份未开具或已取消" in view.message.text()  # the draft
    assert "已发送 2 页到打印机" in view.message.text()
    pages = PdfReader(str(out)).pages
    assert len(pages) == 2
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert abs(width - 595) < 2 and abs(height - 842) < 2


def test_cancelled_print_dialog_prints_nothing(view, monkeypatch):
    from outreach.ui.dialogs import letter_preview_dialog

    monkeypatch.setattr(letter_preview_dialog.QPrintDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    _select(view, view.refs["new"])
    view.print_selected()
    assert view.message.text() == ""


def test_print_pdf_keeps_landscape_registers_landscape(qapp, tmp_path):
    import io

    from outreach.letters.data import Organisation, VisitRegisterData
    from outreach.letters.registers import render_visit_register
    from outreach.ui.dialogs.letter_preview_dialog import print_pdf

    buf = io.BytesIO()
    render_visit_register(VisitRegisterData(Organisation("站"), "东坪村", "1", 2025, 3), buf)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "reg.pdf"
    printer.setOutputFileName(str(out))
    assert print_pdf(buf.getvalue(), printer) == 1
    page = PdfReader(str(out)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)


def test_with_the_database_thread(qtbot, ctx, county):
    from outreach.ui.views.referrals_view import ReferralsView

    refs = on_db(qtbot, ctx, _referrals, county)
    w = ReferralsView(ctx.store, runner=ctx.runner)
    qtbot.addWidget(w)
    wait_idle(qtbot, ctx)
    assert {r.reference for r in w.model.rows} == set(refs.values())
    w.reply_reference.setText(refs["old"])
    [b for b in w.reply_result.buttons() if b.property("status") == "declined"][0].setChecked(True)
    w.record_reply()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: any(r.reference == refs["old"] and r.status == "declined" for r in w.model.rows))


def test_switching_language_retranslates_the_screen(view):
    from outreach.i18n import set_language

    try:
        set_language("en")
        view.retranslate()
        assert view.preview_button.text() == "Preview letter"
        assert view.reply_box.title() == "Record a reply slip"
        assert view.status_filter.itemText(1) == "Overdue replies"
        assert view.model.headerData(0, Qt.Orientation.Horizontal) == "Reference"
        status = view.model.index(_row(view, view.refs["old"]), view.model.COLUMNS.index("status")).data()
        assert status == "Issued (overdue 6 d)"
        assert [b.text() for b in view.reply_result.buttons()] == ["Accepted", "Declined", "Served", "No-show"]
    finally:
        set_language("zh_CN")
    view.retranslate()
    assert view.preview_button.text() == "预览转介函"
