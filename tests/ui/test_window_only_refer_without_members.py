"""Window only: Refer on a household registered a moment ago, with no member yet. The person list was
empty and Save said only "Required" under it — with no way to fill it from the form. Now the form
says at once, and again on Save, that a member must be added first (with Add member on the household
page)."""

from __future__ import annotations

import pytest

from outreach.i18n import set_language, tr
from outreach.services import households

from .conftest import on_db, wait_idle


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_refer_on_a_household_without_members_says_what_to_do(qtbot, window, ctx, county, lang):
    hid = on_db(qtbot, ctx, households.create_household, village_id="530101100202", code="石门-0107",
                address="石门村 107 号")
    set_language(lang)
    try:
        form = window.forms.refer(hid)
        wait_idle(qtbot, ctx)
        assert form.person.count() == 0
        hint = form.fields["person_id"].error
        add_member = tr("ui.household.add_member")
        assert add_member in hint.text(), hint.text()
        form.reason.setPlainText("屋顶塌了，需要临时住处")
        form.accept()
        wait_idle(qtbot, ctx)
        assert form.isVisible()
        assert add_member in hint.text(), hint.text()
    finally:
        set_language("zh_CN")
