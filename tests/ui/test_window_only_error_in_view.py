"""Window only: a save refused because of the last field of a form (the household's consent method,
below the others) shows its red reason inside the form's visible part, under that field — not cut off
at the bottom edge where the worker cannot read it (the field scrolled into view, its new error line
not)."""

from __future__ import annotations

from PySide6.QtCore import QRect

from .conftest import wait_idle


def _inside_viewport(form, label) -> bool:
    viewport = form.scroll_area.viewport()
    top_left = label.mapTo(viewport, label.rect().topLeft())
    shown = QRect(top_left, label.size())
    return viewport.rect().contains(shown)


def test_the_reason_under_the_last_field_is_scrolled_into_view(qtbot, window, ctx, county):
    from outreach.ui.dialogs.household_form import HouseholdForm

    form = window.forms.edit_household(county["h1"])
    assert isinstance(form, HouseholdForm)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: form.isVisible())
    form.resize(form.width(), form.sizeHint().height())   # all fields fit until an error line comes
    qtbot.wait(0)
    form.consent.setChecked(True)
    form.consent_by.setText("张三")
    form.consent_method.set_value("")                     # consent given, but how is not said
    form.accept()                                         # the service refuses it
    wait_idle(qtbot, ctx)
    error = form.fields["consent_method"].error
    assert error.text(), "the form should refuse the save and say why"
    assert form.isVisible()
    qtbot.wait(0)
    assert _inside_viewport(form, error), "the reason is cut off below the visible part of the form"
    assert _inside_viewport(form, form.consent_method)
