"""Window only, Thursday: 李娜 types the reference from the clinic's reply slip, ticks "served" and types
what was provided — then clicks a row in the list to check something. The half-typed slip must stay
on the referral she typed, not jump to the row she clicked (and be recorded against the wrong one)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.services import referrals
from tests.ui.test_letters_ui import _select, view  # noqa: F401  (the fixture)


def test_a_click_in_the_list_does_not_move_a_half_typed_reply(view, store, qtbot):  # noqa: F811
    view.reply_reference.setText(view.refs["new"])
    qtbot.keyClick(view.reply_reference, Qt.Key.Key_Return)
    served = [b for b in view.reply_result.buttons() if b.property("status") == "served"][0]
    served.setChecked(True)
    view.reply_services.setText("开具降压药")
    _select(view, view.refs["old"])                         # a look at the overdue one
    assert view.reply_reference.text() == view.refs["new"]
    assert "青山镇卫生院" in view.reply_found.text()
    qtbot.mouseClick(view.reply_button, Qt.MouseButton.LeftButton)
    assert referrals.get_referral(store, view.refs["new"]).status == "served"
    assert referrals.get_referral(store, view.refs["old"]).status == "issued"


def test_with_nothing_typed_a_click_still_fills_the_reference(view):  # noqa: F811
    _select(view, view.refs["old"])
    assert view.reply_reference.text() == view.refs["old"]
