"""Add a village, a group or a township under an area of the tree: name, level and code (left blank, the
next free code under the parent is given; the lead may type the official one from 统计用区划代码)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from outreach.domain.enums import AreaLevel
from outreach.domain.errors import FieldError
from outreach.i18n import tr
from outreach.ui import reference_ops as ops
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.widgets import EnumCombo

CHILD_LEVEL = {"province": "city", "city": "county", "county": "township", "township": "village",
               "village": "group", "": "county"}


def show_live_errors(form: FormDialog, errors: list[FieldError], fields: set[str]) -> None:
    """Errors under the given fields as the user types, without moving the focus (Save still checks all)."""
    by_field: dict[str, list[str]] = {}
    for e in errors:
        by_field.setdefault(e.field, []).append(e.message())
    for name in fields:
        if name in form.fields:
            form.fields[name].error.show_message(tr("ui.punct.error_sep").join(by_field.get(name, [])))


class AreaForm(FormDialog):
    title_key = "ui.dayone.area_form.title"
    changes = ("area",)

    def __init__(self, ctx, parent: QWidget | None = None, *, areas: list, parent_area=None) -> None:
        super().__init__(ctx, parent)
        self.areas = areas
        self.parent_area = parent_area
        self.parent_label = self.add_field("parent_id", "ui.dayone.area_form.parent", QLabel(self),
                                           aliases=("parent",))
        self.level = self.add_field("level", "field.level", EnumCombo(AreaLevel, parent=self))
        self.name = self.add_field("name", "ui.dayone.area_form.name", QLineEdit(self))
        self.code = self.add_field("code", "ui.dayone.area_form.code", QLineEdit(self), aliases=("id",))
        self._touched: set[str] = set()
        self.name.textEdited.connect(lambda _text: self._live_check("name"))
        self.code.textEdited.connect(lambda _text: self._live_check("code"))
        with self.loading():
            self.level.set_value(CHILD_LEVEL.get(parent_area.level if parent_area else "", "village"))
        self.resize(440, 0)
        self.finish_layout()
        self.name.setFocus()

    def retranslate(self) -> None:
        super().retranslate()
        self.level.retranslate()
        self.parent_label.setText(self.parent_area.name if self.parent_area else tr("ui.dayone.area_form.top"))
        # at the top nothing can be numbered for the lead: say which code is meant (the county's 6 digits)
        self.code.setPlaceholderText(tr("ui.dayone.area_form.code_auto" if self.parent_area
                                        else "ui.dayone.area_form.code_top"))

    def values(self) -> dict[str, Any]:
        return {"name": self.name.text().strip(), "code": self.code.text().strip(), "level": self.level.value(),
                "parent_id": self.parent_area.id if self.parent_area else None}

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        errors = []
        if not values["name"]:
            errors.append(FieldError("name", "error.required"))
        if not values["code"]:
            if not values["parent_id"]:  # under a parent the next free code is given automatically
                errors.append(FieldError("code", "error.required"))
        elif not values["code"].isdigit():
            errors.append(FieldError("code", "error.area.code_digits", {"code": values["code"]}))
        elif any(a.id == values["code"] for a in self.areas):
            errors.append(FieldError("code", "error.area.duplicate", {"code": values["code"]}))
        return errors

    def _live_check(self, field: str) -> None:
        """Say what is wrong while typing (only about fields the user has touched)."""
        self._touched.add(field)
        show_live_errors(self, self.local_errors(self.values()), self._touched)

    def submit(self, store, values: dict[str, Any]) -> str:
        return ops.add_area(store, **values)
