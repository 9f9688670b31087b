"""The team profile (团队信息): the organisation printed at the head of every letter, register and report,
where reply slips go back, and how many days a provider has to answer. Team data: the lead edits it;
on a worker's laptop the form is read-only and says who keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from outreach.domain.errors import FieldError
from outreach.domain.validation import check_mobile
from outreach.i18n import tr
from outreach.ui import reference_ops as ops
from outreach.ui.dialogs.area_form import show_live_errors
from outreach.ui.dialogs.form_base import FormDialog

TEXT_FIELDS = ("org_name", "org_address", "org_phone", "reply_to")


class TeamProfileForm(FormDialog):
    title_key = "ui.dayone.profile.title"
    changes = ("team_profile", "settings")

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.body.insertWidget(0, self.note)
        self.org_name = self.add_field("org_name", "ui.dayone.profile.org_name", QLineEdit(self))
        self.org_address = self.add_field("org_address", "ui.dayone.profile.org_address", QLineEdit(self))
        self.org_phone = self.add_field("org_phone", "ui.dayone.profile.org_phone", QLineEdit(self))
        self.reply_to = self.add_field("reply_to", "ui.dayone.profile.reply_to", QLineEdit(self))
        self.reply_days = self.add_field("reply_days", "ui.dayone.profile.reply_days", QSpinBox(self))
        from outreach.services import team_profile

        self.reply_days.setRange(*getattr(team_profile, "REPLY_DAYS_RANGE", (1, 90)))
        self.reply_days.setSuffix(tr("ui.dayone.profile.days_suffix"))
        logo_box = QWidget(self)
        row = QHBoxLayout(logo_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.logo_path = QLineEdit(logo_box)
        self.logo_button = QPushButton(logo_box)
        self.logo_button.clicked.connect(self._choose_logo)
        row.addWidget(self.logo_path, 1)
        row.addWidget(self.logo_button)
        self.add_field("logo_path", "ui.dayone.profile.logo", logo_box)
        self.watch(self.logo_path)
        self.logo_path.textEdited.connect(lambda _t: self._live("logo_path"))
        self.original: dict[str, Any] = {}
        self.role: ops.Role | None = None
        self._touched: set[str] = set()
        for name in TEXT_FIELDS:
            getattr(self, name).textEdited.connect(lambda _t, n=name: self._live(n))
        self.resize(600, 300)
        self.finish_layout()
        self.org_name.setFocus()
        ctx.runner.query(ops.load_profile, on_done=self._loaded, owner=self)

    loaded = False

    def _loaded(self, result) -> None:
        self.role, profile = result
        self.original = {name: getattr(profile, name) for name in (*TEXT_FIELDS, "reply_days", "logo_path")}
        with self.loading():
            for name in (*TEXT_FIELDS, "logo_path"):
                getattr(self, name).setText(self.original[name])
            self.reply_days.setValue(int(self.original["reply_days"]))
        read_only = not self.role.can_edit
        for name in (*TEXT_FIELDS, "logo_path"):
            getattr(self, name).setReadOnly(read_only)
        self.logo_button.setVisible(not read_only)
        self.reply_days.setReadOnly(read_only)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if save is not None:
            save.setVisible(not read_only)
        self.loaded = True
        self._show_note()

    def _show_note(self) -> None:
        if self.role is None:
            return
        if self.role.can_edit:
            self.note.setText(tr("ui.dayone.profile.note"))
        else:
            self.note.setText(tr("ui.dayone.readonly_note", lead=self.role.maintainer or tr("ui.dayone.the_lead")))

    def retranslate(self) -> None:
        super().retranslate()
        self.reply_days.setSuffix(tr("ui.dayone.profile.days_suffix"))
        self.logo_button.setText(tr("ui.dayone.browse"))
        self.logo_path.setPlaceholderText(tr("ui.dayone.profile.logo_hint"))
        self._show_note()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name).text().strip() for name in TEXT_FIELDS}
        out["reply_days"] = self.reply_days.value()
        out["logo_path"] = self.logo_path.text().strip()
        return out

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        from outreach.services import team_profile

        logo = values.get("logo_path", "")
        errors = [] if not logo or Path(logo).is_file() else [FieldError("logo_path", "ui.dayone.profile.no_logo",
                                                                         {"path": logo})]
        synced = {k: v for k, v in values.items() if k != "logo_path"}
        validate = getattr(team_profile, "validate_team_profile", None)
        if validate is not None:  # the service's own checks, as the user types
            return errors + list(validate(synced))
        return errors + check_mobile("org_phone", values["org_phone"])

    def _choose_logo(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, tr("ui.dayone.profile.logo"), "", tr("ui.dayone.profile.logo_filter"))
        if path:
            self.logo_path.setText(path)
            self.mark_dirty()
            self._live("logo_path")

    def _live(self, field: str) -> None:
        self._touched.add(field)
        show_live_errors(self, self.local_errors(self.values()), self._touched)

    def accept(self) -> None:
        if self.role is not None and not self.role.can_edit:
            return
        super().accept()

    def submit(self, store, values: dict[str, Any]):
        changes = {k: v for k, v in values.items() if v != self.original.get(k)}
        if not changes:
            return ops.load_profile(store)[1]
        return ops.save_profile(store, changes)
