"""Window only: a person's name is 姓名 in the Chinese window — the member form, the household's
member list and the duplicate queue's cards said 姓名/名称 (name/name-of-an-organisation), the
label the core shares with service providers."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.i18n import set_language, tr

from .conftest import wait_idle


def test_a_persons_name_is_labelled_as_a_persons_name(qtbot, window, ctx, county):
    assert tr("ui.field.person_name", "zh_CN") == "姓名" and tr("ui.field.person_name", "en") == "Name"
    form = window.forms.add_member(county["h1"])
    wait_idle(qtbot, ctx)
    assert form.fields["name"].label.text() == "姓名"
    window.open_household(county["h2"])
    wait_idle(qtbot, ctx)
    page = window.household_page
    assert page.members.headerData(0, Qt.Orientation.Horizontal) == "姓名"
    set_language("en")
    try:
        assert page.members.headerData(0, Qt.Orientation.Horizontal) == "Name"
    finally:
        set_language("zh_CN")


def test_duplicate_cards_label_the_name_as_a_persons():
    from outreach.ui.views import duplicate_queue_view

    assert duplicate_queue_view.ROWS[0][0] == "ui.field.person_name"
    assert tr(duplicate_queue_view.ROWS[0][0], "zh_CN") == "姓名"
