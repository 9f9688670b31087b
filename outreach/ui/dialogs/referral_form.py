"""Start a referral: who, to which provider (searched in the directory), for which needs, how urgent,
and the person's consent — recorded before the referral can be issued (no consent, no referral)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import ConsentMethod, NeedDomain, Priority, ProviderCategory, Urgency
from outreach.domain.errors import FieldError
from outreach.i18n import tr
from outreach.services import followups
from outreach.services import people as people_svc
from outreach.services import providers as providers_svc
from outreach.services import referrals as referrals_svc
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.text import bracketed
from outreach.ui.widgets import DateField, EnumCombo, SearchBox

REPLY_DAYS = referrals_svc.DEFAULT_REPLY_DAYS


def household_needs(store, household_id: str) -> list:
    """The household's open needs (``referrals.list_needs`` when the service offers it; until then
    the urgent ones the Today panel knows)."""
    list_needs = getattr(referrals_svc, "list_needs", None)
    if list_needs is not None:
        return list(list_needs(store, household_id=household_id, status="open"))
    return [n for n in followups.urgent_needs_without_referral(store) if n.household_id == household_id]


def load_referral_form(store, household_id: str):
    """The household's members and open needs, and the reply period the team lead set in the team
    profile (read here, on the database thread, like everything the form shows)."""
    from outreach.services.team_profile import get_team_profile

    return (people_svc.list_members(store, household_id), household_needs(store, household_id),
            get_team_profile(store).reply_days)


class ReferralForm(FormDialog):
    title_key = "ui.referral_form.title"
    changes = ("referral", "need")
    draft_kind = "referral"

    def __init__(self, ctx, parent: QWidget | None = None, *, household_id: str) -> None:
        super().__init__(ctx, parent)
        self.household_id = household_id
        self.draft_params = {"household_id": household_id}
        self.person = self.add_field("person_id", "ui.col.person", QComboBox(self))
        provider_box = QWidget(self)
        col = QVBoxLayout(provider_box)
        col.setContentsMargins(0, 0, 0, 0)
        self.provider_search = SearchBox(provider_box, delay_ms=200)
        self.provider_list = QListWidget(provider_box)
        self.provider_list.setMaximumHeight(120)
        col.addWidget(self.provider_search)
        col.addWidget(self.provider_list)
        self.add_field("provider_id", "ui.col.provider", provider_box)
        self.provider_list.currentItemChanged.connect(self.mark_dirty)
        self.watch(self.provider_list)
        self.provider_search.sig_search.connect(self.search_providers)
        self.needs = QListWidget(self)
        self.needs.setMaximumHeight(90)
        self.add_field("need_ids", "field.need_ids", self.needs)
        self.reason = self.add_field("reason", "field.reason", QPlainTextEdit(self))
        self.reason.setFixedHeight(60)
        self.reason.setTabChangesFocus(True)
        self.urgency = self.add_field("urgency", "field.urgency", EnumCombo(Urgency, parent=self))
        self.expected = self.add_field("expected_reply_on", "ui.col.expected_reply", DateField(self))
        self.expected.set_value(date.today() + timedelta(days=REPLY_DAYS))   # the team's period once loaded
        self.consent = self.add_field("consent_given", "field.consent_given", QCheckBox(self))
        self.consent_by = self.add_field("consent_by", "field.consent_by", QLineEdit(self))
        self.consent_on = self.add_field("consent_on", "field.consent_on", DateField(self, allow_future=False))
        self.consent_method = self.add_field("consent_method", "field.consent_method",
                                             EnumCombo(ConsentMethod, none_key="ui.choice.none", parent=self))
        self.consent_witness = self.add_field("consent_witness", "ui.field.consent_witness", QLineEdit(self))
        self.issue = self.add_field("issue", "ui.referral_form.issue", QCheckBox(self))
        self.issue.setChecked(True)
        self.consent_note = QLabel(self)
        self.consent_note.setStyleSheet("color: #c25e00;")
        self.consent_note.setWordWrap(True)
        policy = self.consent_note.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # its space stays: the buttons do not jump when it goes
        self.consent_note.setSizePolicy(policy)
        self.body.insertWidget(self.body.count() - 1 if self._buttons_added else self.body.count(), self.consent_note)
        self.consent.toggled.connect(self._consent_toggled)
        self.issue.toggled.connect(self._consent_toggled)
        self.person.currentIndexChanged.connect(self._person_changed)
        self._consent_toggled()
        self.resize(640, 0)
        self.finish_layout()
        self.provider_search.setFocus()
        self.load(load_referral_form, household_id, on_done=self._loaded)
        self.load(providers_svc.list_providers, text="", on_done=self._providers_loaded)

    def _loaded(self, result) -> None:
        members, needs, reply_days = result
        with self.loading():
            if "expected" not in self.changed_inputs():   # the worker's own date stays
                self.expected.set_value(date.today() + timedelta(days=reply_days))
            self.person.clear()
            for m in members:
                if m.status != "deceased":
                    self.person.addItem(m.name, m.id)
            self.needs.clear()
            for need in needs:
                text = f"{NeedDomain.label_of(need.domain)}"
                priority = getattr(need, "priority", "urgent")
                text = bracketed(text, Priority.label_of(priority))
                if getattr(need, "person_name", ""):
                    text += f" · {need.person_name}"
                if need.description:
                    text += f" — {need.description}"
                item = QListWidgetItem(text, self.needs)
                item.setData(Qt.ItemDataRole.UserRole, getattr(need, "need_id", None) or need.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            self._person_changed()
        if self.person.count() == 0:   # nobody to refer yet: say how to get one, not only "Required" on Save
            self.fields["person_id"].error.show_message(_no_members())

    def search_providers(self, text: str) -> None:
        self.ctx.runner.query(providers_svc.list_providers, text=text, key=f"providers-{id(self)}", owner=self,
                              on_done=self._providers_loaded)

    def _providers_loaded(self, providers: list) -> None:
        current = self.provider_id()
        with self.loading():
            self.provider_list.clear()
            for p in providers:
                item = QListWidgetItem(f"{p.name} · {ProviderCategory.label_of(p.category)}"
                                       + (f" · {p.phone}" if p.phone else ""), self.provider_list)
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                item.setToolTip(p.services)
                if p.id == current:
                    self.provider_list.setCurrentItem(item)
            if self.provider_list.currentItem() is None and self.provider_list.count() == 1:
                self.provider_list.setCurrentRow(0)
        if not self.provider_search.text().strip():  # an empty directory: offer to add (or suggest) one
            from outreach.ui.dialogs.missing_data import offer_providers

            offer_providers(self, lambda: self.search_providers(""), present=bool(providers))

    def provider_id(self) -> str:
        item = self.provider_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def _person_changed(self, *_args) -> None:
        if not self.consent_by.text() or not self.consent_by.isModified():
            self.consent_by.setText(self.person.currentText())

    def _consent_toggled(self, *_args) -> None:
        on = self.consent.isChecked()
        for w in (self.consent_by, self.consent_on, self.consent_method, self.consent_witness):
            w.setEnabled(on)
        if on and self.consent_on.value() is None:
            self.consent_on.set_value(date.today())
        self.consent_note.setVisible(self.issue.isChecked() and not on)

    def retranslate(self) -> None:
        super().retranslate()
        for combo in (self.urgency, self.consent_method):
            combo.retranslate()
        self.provider_search.setPlaceholderText(tr("ui.referral_form.provider_search"))
        self.consent_note.setText(tr("ui.referral_form.consent_needed"))
        self.consent.setText(tr("ui.referral_form.consent_text"))

    def values(self) -> dict[str, Any]:
        consent = self.consent.isChecked()
        need_ids = [self.needs.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.needs.count())
                    if self.needs.item(i).checkState() == Qt.CheckState.Checked]
        return {
            "person_id": self.person.currentData() or "",
            "provider_id": self.provider_id(),
            "need_ids": need_ids,
            "reason": self.reason.toPlainText(),
            "urgency": self.urgency.value(),
            "expected_reply_on": self.expected.value(),
            "consent_given": consent,
            "consent_by": self.consent_by.text() if consent else "",
            "consent_on": self.consent_on.value() if consent else None,
            "consent_method": self.consent_method.value() if consent else "",
            "consent_witness": self.consent_witness.text() if consent else "",
            "issue_on": date.today() if self.issue.isChecked() else None,
        }

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        errors = []
        if not values["person_id"]:
            errors.append(FieldError("person_id", "ui.referral_form.no_members", {"add_member": tr("ui.household.add_member")})
                          if self.person.count() == 0 else FieldError("person_id", "error.required"))
        if not values["provider_id"]:
            errors.append(FieldError("provider_id", "ui.referral_form.pick_provider"))
        return errors

    def submit(self, store, values: dict[str, Any]):
        return referrals_svc.create_referral(store, **values)


def _no_members() -> str:
    return tr("ui.referral_form.no_members", add_member=tr("ui.household.add_member"))
