"""Register a household or edit one: village and group, address, phone, benefit status, tags, notes and
the household's consent to be recorded (who, when, how)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from outreach.domain.enums import AreaLevel, BenefitStatus, ConsentMethod
from outreach.i18n import tr
from outreach.services import areas as areas_svc
from outreach.services import households as households_svc
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.text import bracketed
from outreach.ui.undo import ServiceCommand
from outreach.ui.widgets import DateField, EnumCombo


def load_form_data(store, household_id: str | None):
    detail = households_svc.get_household(store, household_id) if household_id else None
    return areas_svc.all_areas(store), detail


class HouseholdForm(FormDialog):
    changes = ("household",)
    draft_kind = "household"

    def __init__(self, ctx, parent: QWidget | None = None, *, household_id: str | None = None,
                 village_id: str = "") -> None:
        super().__init__(ctx, parent)
        self.household_id = household_id
        self.title_key = "ui.household_form.title_edit" if household_id else "ui.household_form.title_new"
        self._initial_village = village_id
        self.draft_params = {"household_id": household_id}
        self._areas: list = []
        self.original: dict[str, Any] = {}
        self.village = self.add_field("village_id", "field.village", QComboBox(self), aliases=("village",))
        self.group = self.add_field("group_id", "ui.field.group", QComboBox(self))
        self.address = self.add_field("address", "field.address", QLineEdit(self))
        self.phone = self.add_field("phone", "field.phone", QLineEdit(self))
        self.benefit = self.add_field("benefit_status", "field.benefit_status", EnumCombo(BenefitStatus, parent=self))
        self.tags = self.add_field("tags", "ui.field.tags", QLineEdit(self))
        self.notes = self.add_field("notes", "ui.field.notes", QPlainTextEdit(self))
        self.notes.setFixedHeight(70)
        self.notes.setTabChangesFocus(True)
        self.consent = self.add_field("consent_given", "field.consent_given", QCheckBox(self))
        self.consent_by = self.add_field("consent_by", "field.consent_by", QLineEdit(self))
        self.consent_on = self.add_field("consent_on", "field.consent_on", DateField(self, allow_future=False))
        self.consent_method = self.add_field("consent_method", "field.consent_method",
                                             EnumCombo(ConsentMethod, none_key="ui.choice.none", parent=self))
        self.village.currentIndexChanged.connect(self._fill_groups)
        self.consent.toggled.connect(self._consent_toggled)
        self._consent_toggled(False)
        self.resize(520, 0)
        self.finish_layout()
        self.village.setFocus()
        self.load(load_form_data, household_id, on_done=self._loaded)

    def _loaded(self, result) -> None:
        self._areas, detail = result
        with self.loading():
            self.village.clear()
            by_id = {a.id: a for a in self._areas}
            for a in self._areas:
                if a.level == AreaLevel.VILLAGE.value:
                    parent = by_id.get(a.parent_id)
                    self.village.addItem(bracketed(a.name, parent.name) if parent else a.name, a.id)
            if detail is not None:
                row = detail.row
                self.original = {
                    "village_id": row.village_id, "group_id": detail.group_id, "address": row.address,
                    "phone": row.phone, "benefit_status": row.benefit_status, "tags": detail.tags,
                    "notes": detail.notes, "consent_given": detail.consent_given, "consent_by": detail.consent_by,
                    "consent_on": detail.consent_on, "consent_method": detail.consent_method,
                }
                self._set_values(self.original)
            else:
                index = self.village.findData(self._initial_village)
                self.village.setCurrentIndex(max(index, 0))
                self._fill_groups()
        # no villages yet: say where they come from and offer the way to get them
        from outreach.ui.dialogs.missing_data import offer_villages

        offer_villages(self, lambda: self.ctx.runner.query(load_form_data, self.household_id, owner=self,
                                                           on_done=self._loaded), present=self.village.count() > 0)

    def _set_values(self, v: dict[str, Any]) -> None:
        self.village.setCurrentIndex(max(self.village.findData(v["village_id"]), 0))
        self._fill_groups()
        self.group.setCurrentIndex(max(self.group.findData(v["group_id"] or ""), 0))
        self.address.setText(v["address"])
        self.phone.setText(v["phone"])
        self.benefit.set_value(v["benefit_status"])
        self.tags.setText(v["tags"])
        self.notes.setPlainText(v["notes"])
        self.consent.setChecked(bool(v["consent_given"]))
        self.consent_by.setText(v["consent_by"])
        self.consent_on.set_value(v["consent_on"])
        self.consent_method.set_value(v["consent_method"])

    def _fill_groups(self, *_args) -> None:
        village = self.village.currentData()
        current = self.group.currentData()
        self.group.clear()
        self.group.addItem(tr("ui.choice.none"), "")
        for a in self._areas:
            if a.level == AreaLevel.GROUP.value and a.parent_id == village:
                self.group.addItem(a.name, a.id)
        self.group.setCurrentIndex(max(self.group.findData(current or ""), 0))

    def _consent_toggled(self, on: bool) -> None:
        for w in (self.consent_by, self.consent_on, self.consent_method):
            w.setEnabled(on)
        if on and self.consent_on.value() is None:
            self.consent_on.set_value(date.today())

    def retranslate(self) -> None:
        super().retranslate()
        self.benefit.retranslate()
        self.consent_method.retranslate()
        if self.group.count():
            self.group.setItemText(0, tr("ui.choice.none"))

    def values(self) -> dict[str, Any]:
        consent = self.consent.isChecked()
        return {
            "village_id": self.village.currentData() or "",
            "group_id": self.group.currentData() or None,
            "address": self.address.text(),
            "phone": self.phone.text(),
            "benefit_status": self.benefit.value(),
            "tags": self.tags.text(),
            "notes": self.notes.toPlainText(),
            "consent_given": consent,
            "consent_by": self.consent_by.text() if consent else "",
            "consent_on": self.consent_on.value() if consent else None,
            "consent_method": self.consent_method.value() if consent else "",
        }

    def submit(self, store, values: dict[str, Any]):
        if self.household_id is None:
            fields = {k: v for k, v in values.items() if k != "village_id"}
            return households_svc.create_household(store, village_id=values["village_id"], **fields)
        changed = {k: v for k, v in values.items() if self.original.get(k) != v}
        if changed:   # what someone else changed since the form opened is not overwritten (issue 15)
            households_svc.update_household(store, self.household_id,
                                            expected={k: self.original.get(k) for k in changed}, **changed)
        return self.household_id

    def after_save(self, result) -> None:
        hid = result
        if self.household_id is None:
            def apply(store):
                return households_svc.archive_household(store, hid, False)

            def revert(store):
                return households_svc.archive_household(store, hid, True)

            def text() -> str:
                return tr("ui.undo.new_household")
        else:
            after = self.values()
            changed = [k for k in after if self.original.get(k) != after[k]]
            if not changed:
                return
            old = {k: self.original.get(k) for k in changed}
            new = {k: after[k] for k in changed}

            def apply(store):
                return households_svc.update_household(store, hid, **new)

            def revert(store):
                return households_svc.update_household(store, hid, **old)

            def text() -> str:
                return tr("ui.undo.edit_household")
        self.ctx.undo.push(ServiceCommand(self.ctx.runner, text, apply=apply, revert=revert,
                                          changes=self.changes))
