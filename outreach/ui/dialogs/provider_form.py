"""Add or edit a provider of the service directory (the lead), or suggest one (a worker: the suggestion
reaches the lead with the next bundle, to accept or dismiss)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from outreach.domain.enums import ProviderCategory
from outreach.domain.errors import FieldError
from outreach.i18n import tr
from outreach.services.providers import FIELDS, validate_provider
from outreach.ui import reference_ops as ops
from outreach.ui.dialogs.area_form import show_live_errors
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.widgets import EnumCombo

MODES = ("new", "edit", "suggest")


class ProviderForm(FormDialog):
    changes = ("provider",)

    def __init__(self, ctx, parent: QWidget | None = None, *, mode: str = "new", provider=None) -> None:
        super().__init__(ctx, parent)
        assert mode in MODES
        self.mode = mode
        self.provider = provider
        self.title_key = f"ui.dayone.provider_form.title_{mode}"
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.body.insertWidget(0, self.intro)
        self.intro.setVisible(mode == "suggest")
        self.name = self.add_field("name", "letters.csv.col.name", QLineEdit(self))
        self.category = self.add_field("category", "letters.csv.col.category",
                                       EnumCombo(ProviderCategory, none_key="ui.dayone.choose", parent=self))
        self.services = self.add_field("services", "letters.csv.col.services", QLineEdit(self))
        self.contact_person = self.add_field("contact_person", "letters.csv.col.contact_person", QLineEdit(self))
        self.phone = self.add_field("phone", "letters.csv.col.phone", QLineEdit(self))
        self.address = self.add_field("address", "letters.csv.col.address", QLineEdit(self))
        self.areas_served = self.add_field("areas_served", "letters.csv.col.areas_served", QLineEdit(self))
        self.hours = self.add_field("hours", "letters.csv.col.hours", QLineEdit(self))
        self.notes = self.add_field("notes", "letters.csv.col.notes", QPlainTextEdit(self))
        self.notes.setFixedHeight(60)
        self.notes.setTabChangesFocus(True)
        self._touched: set[str] = set()
        self.name.textEdited.connect(lambda _t: self._live("name"))
        self.category.activated.connect(lambda _i: self._live("category"))
        if provider is not None:
            with self.loading():
                for field in FIELDS:
                    self.set_field(field, getattr(provider, field, "") or "")
        self.resize(520, 0)
        self.finish_layout()
        self.name.setFocus()

    def set_field(self, name: str, value: str) -> None:
        widget = getattr(self, name)
        if isinstance(widget, EnumCombo):
            widget.set_value(value)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            widget.setText(value)

    def retranslate(self) -> None:
        super().retranslate()
        self.category.retranslate()
        self.intro.setText(tr("ui.dayone.provider_form.suggest_intro"))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in FIELDS:
            widget = getattr(self, field)
            if isinstance(widget, EnumCombo):
                out[field] = widget.value()
            elif isinstance(widget, QPlainTextEdit):
                out[field] = widget.toPlainText().strip()
            else:
                out[field] = widget.text().strip()
        return out

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        return validate_provider(values, creating=True)

    def _live(self, field: str) -> None:
        self._touched.add(field)
        show_live_errors(self, self.local_errors(self.values()), self._touched)

    def submit(self, store, values: dict[str, Any]):
        if self.mode == "suggest":
            return ops.suggest_provider(store, values)
        if self.mode == "edit":
            changed = {k: v for k, v in values.items() if v != (getattr(self.provider, k, "") or "")}
            if changed:
                ops.save_provider(store, self.provider.id, changed)
            return self.provider.id
        return ops.save_provider(store, None, values)
