"""Window only: a lead on day one adds the first area (the county) in Villages and groups. Its code is
required there (nothing above it to number from) but the field was blank with no hint of which code
is meant; now it says: the official area code, e.g. the county's 6 digits. Under a parent it still
says it may be left blank."""

from __future__ import annotations

import pytest

from outreach.i18n import set_language, tr

from .conftest import wait_idle


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_top_areas_code_says_which_code(qtbot, window, ctx, lang):
    from outreach.ui.dialogs.area_form import AreaForm

    set_language(lang)
    try:
        top = AreaForm(ctx, window, areas=[], parent_area=None)
        qtbot.addWidget(top)
        wait_idle(qtbot, ctx)
        assert "530102" in top.code.placeholderText()
        top.accept()                                   # nothing typed: still refused, beside the field
        assert top.fields["code"].error.text() == tr("error.required")
        top.reject()
    finally:
        set_language("zh_CN")
