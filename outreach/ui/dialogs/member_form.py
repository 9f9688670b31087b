"""Add or edit a household member. The resident ID is checked as it is typed (GB 11643: length,
characters, birth date, check digit); a valid ID fills in the birth date and sex. A wrong ID is never
saved: the form says what is wrong at once and offers to save the member without an ID instead.

The relation defaults to the head (本人/户主) only for a household's first member; later members start
blank and must be given one. The birth date is typed (any usual form) or picked from a calendar that
opens at the birth year an entered ID implies."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from outreach.domain import idnumber
from outreach.domain.dates import picker_start
from outreach.domain.enums import DisabilityType, PersonStatus, Relation, Sex, Vulnerability
from outreach.domain.errors import FieldError
from outreach.i18n import tr
from outreach.services import people as people_svc
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.undo import ServiceCommand
from outreach.ui.widgets import DateField, EnumCombo

FLAG_COLUMNS = 3


def load_person(store, person_id: str | None):
    return people_svc.get_person(store, person_id) if person_id else None


def has_members(store, household_id: str) -> bool:
    return bool(people_svc.list_members(store, household_id))


class MemberForm(FormDialog):
    changes = ("person", "household")
    draft_kind = "member"

    def __init__(self, ctx, parent: QWidget | None = None, *, household_id: str,
                 person_id: str | None = None) -> None:
        super().__init__(ctx, parent)
        self.household_id = household_id
        self.person_id = person_id
        self.title_key = "ui.member_form.title_edit" if person_id else "ui.member_form.title_new"
        self.draft_params = {"household_id": household_id, "person_id": person_id}
        self.original: dict[str, Any] = {}
        self.name = self.add_field("name", "ui.field.person_name", QLineEdit(self))
        self.relation = self.add_field("relation", "field.relation",
                                       EnumCombo(Relation, none_key="forms.choice.pick", parent=self))
        id_box = QWidget(self)
        id_row = QHBoxLayout(id_box)
        id_row.setContentsMargins(0, 0, 0, 0)
        self.id_number = QLineEdit(id_box)
        self.id_number.setMaxLength(20)
        self.without_id = QPushButton(id_box)
        policy = self.without_id.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the ID field keeps its width when the button comes and goes
        self.without_id.setSizePolicy(policy)
        self.without_id.hide()
        self.without_id.clicked.connect(self.save_without_id)
        id_row.addWidget(self.id_number, 1)
        id_row.addWidget(self.without_id)
        self.add_field("id_number", "field.id_number", id_box)
        self.watch(self.id_number)
        self.id_hint = QLabel(self)
        self.id_hint.setStyleSheet("color: #1b6e2a;")
        self.id_hint.hide()
        self.fields["id_number"].error.parentWidget().layout().addWidget(self.id_hint)
        self.sex = self.add_field("sex", "field.sex", EnumCombo(Sex, none_key="ui.choice.none", parent=self))
        self.birth_date = self.add_field("birth_date", "field.birth_date", DateField(
            self, allow_future=False, start=lambda: picker_start(id_number=self.id_number.text())))
        self.phone = self.add_field("phone", "field.phone", QLineEdit(self))
        self.status = self.add_field("status", "field.status", EnumCombo(PersonStatus, parent=self))
        flags_box = QWidget(self)
        grid = QGridLayout(flags_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.flag_boxes: dict[str, QCheckBox] = {}
        for i, flag in enumerate(Vulnerability):
            box = QCheckBox(flags_box)
            self.flag_boxes[flag.value] = box
            grid.addWidget(box, i // FLAG_COLUMNS, i % FLAG_COLUMNS)
            self.watch(box)
        self.add_field("flags", "ui.field.flags", flags_box)
        self.disability_type = self.add_field(
            "disability_type", "field.disability_type", EnumCombo(DisabilityType, none_key="ui.choice.none", parent=self))
        self.disability_grade = QComboBox(self)
        self.add_field("disability_grade", "field.disability_grade", self.disability_grade)
        self.notes = self.add_field("notes", "ui.field.notes", QPlainTextEdit(self))
        self.notes.setFixedHeight(60)
        self.notes.setTabChangesFocus(True)
        self.id_number.textChanged.connect(self.check_id)
        self.id_number.editingFinished.connect(lambda: self.check_id(self.id_number.text(), finished=True))
        self.flag_boxes[Vulnerability.DISABILITY.value].toggled.connect(self._disability_toggled)
        self._disability_toggled(False)
        self.resize(600, 0)
        self.finish_layout()
        self.name.setFocus()
        if person_id:
            self.load(load_person, person_id, on_done=self._loaded)
        else:
            self.load(has_members, household_id, on_done=self._first_member)

    def _first_member(self, others: bool) -> None:
        """The first member of a household is its head; later ones get their relation chosen."""
        if not others and not self.relation.value():  # unless the worker chose already
            with self.loading():
                self.relation.set_value(Relation.SELF.value)

    # ----------------------------------------------------------------- loading
    def _loaded(self, person) -> None:
        self.original = {
            "name": person.name, "relation": person.relation, "id_number": person.id_number or "",
            "sex": person.sex, "birth_date": person.birth_date, "phone": person.phone, "status": person.status,
            "flags": tuple(sorted(person.flags)), "disability_type": person.disability_type,
            "disability_grade": person.disability_grade, "notes": person.notes,
        }
        with self.loading():
            self.name.setText(person.name)
            self.relation.set_value(person.relation)
            self.id_number.setText(person.id_number or "")
            self.sex.set_value(person.sex)
            self.birth_date.set_value(person.birth_date)
            self.phone.setText(person.phone)
            self.status.set_value(person.status)
            for flag, box in self.flag_boxes.items():
                box.setChecked(flag in person.flags)
            self.disability_type.set_value(person.disability_type)
            self.disability_grade.setCurrentIndex(max(self.disability_grade.findData(person.disability_grade or 0), 0))
            self.notes.setPlainText(person.notes)

    # ----------------------------------------------------------------- the resident ID, live
    def check_id(self, text: str, *, finished: bool = False) -> None:
        number = idnumber.normalize(text)
        error = self.fields["id_number"].error
        self.id_hint.hide()
        if not number:
            error.show_message("")
            self.without_id.hide()
            return
        if len(number) < 18 and not finished:
            error.show_message("")
            self.without_id.hide()
            return
        found = idnumber.problems(number)
        if found:
            error.show_message(tr("ui.punct.error_sep").join(tr(p.key, **p.params) for p in found))
            self.without_id.show()
            return
        error.show_message("")
        self.without_id.hide()
        info = idnumber.parse(number)
        if info is None:
            return
        filled = []
        if self.birth_date.value() != info.birth_date:
            self.birth_date.set_value(info.birth_date)
            filled.append("birth_date")
        if self.sex.value() != info.sex.value:
            self.sex.set_value(info.sex.value)
            filled.append("sex")
        self.id_hint.setText(tr("ui.member_form.id_ok", date=info.birth_date.isoformat(), sex=info.sex.label()))
        self.id_hint.show()

    def save_without_id(self) -> None:
        """The scenario's way out: keep the work going, leave the ID empty rather than wrong."""
        self.id_number.clear()
        self.accept()

    def _disability_toggled(self, on: bool) -> None:
        self.disability_type.setEnabled(on)
        self.disability_grade.setEnabled(on)

    def retranslate(self) -> None:
        super().retranslate()
        for combo in (self.relation, self.sex, self.status, self.disability_type):
            combo.retranslate()
        for flag, box in self.flag_boxes.items():
            box.setText(Vulnerability(flag).label())
        current = self.disability_grade.currentData()
        self.disability_grade.clear()
        self.disability_grade.addItem(tr("ui.choice.none"), 0)
        for grade in (1, 2, 3, 4):
            self.disability_grade.addItem(tr("ui.member_form.grade", n=grade), grade)
        self.disability_grade.setCurrentIndex(max(self.disability_grade.findData(current or 0), 0))
        self.without_id.setText(tr("ui.member_form.save_without_id"))
        self.without_id.setToolTip(tr("ui.member_form.save_without_id_tip"))
        self.without_id.ensurePolished()  # its reserved room is its shown size, styled, in this language
        self.without_id.updateGeometry()
        self.id_number.setPlaceholderText(tr("ui.member_form.id_placeholder"))
        if self.id_number.text():
            self.check_id(self.id_number.text())

    # ----------------------------------------------------------------- saving
    def values(self) -> dict[str, Any]:
        disabled = self.flag_boxes[Vulnerability.DISABILITY.value].isChecked()
        return {
            "name": self.name.text().strip(),
            "relation": self.relation.value(),
            "id_number": idnumber.normalize(self.id_number.text()),
            "sex": self.sex.value(),
            "birth_date": self.birth_date.value(),
            "phone": self.phone.text().strip(),
            "status": self.status.value(),
            "flags": tuple(sorted(f for f, box in self.flag_boxes.items() if box.isChecked())),
            "disability_type": self.disability_type.value() if disabled else "",
            "disability_grade": (self.disability_grade.currentData() or None) if disabled else None,
            "notes": self.notes.toPlainText(),
        }

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        errors = [FieldError("name", "error.required")] if not values["name"] else []
        if not values["relation"]:
            errors.append(FieldError("relation", "error.required"))
        return errors

    def draft_summary(self) -> str:
        name = self.name.text().strip()
        return tr("ui.punct.gap").join(t for t in (super().draft_summary(), name) if t)

    def submit(self, store, values: dict[str, Any]):
        if self.person_id is None:
            return people_svc.add_person(store, household_id=self.household_id, **values)
        changed = _diff(self.original, values)
        if changed:   # what someone else changed since the form opened is not overwritten (issue 15)
            people_svc.update_person(store, self.person_id,
                                     expected={k: self.original.get(k) for k in changed}, **changed)
        return self.person_id

    def after_save(self, result) -> None:
        pid = result
        if self.person_id is None:
            def apply(store):
                return people_svc.archive_person(store, pid, False)

            def revert(store):
                return people_svc.archive_person(store, pid, True)

            name = self.name.text().strip()

            def text() -> str:
                return tr("ui.undo.new_member", name=name)
        else:
            new = _diff(self.original, self.values())
            if not new:
                return
            old = {k: self.original.get(k) for k in new}
            old = {k: (v if v != "" or k != "id_number" else None) for k, v in old.items()}

            def apply(store):
                return people_svc.update_person(store, pid, **new)

            def revert(store):
                return people_svc.update_person(store, pid, **old)

            name = self.name.text().strip()

            def text() -> str:
                return tr("ui.undo.edit_member", name=name)
        self.ctx.undo.push(ServiceCommand(self.ctx.runner, text, apply=apply, revert=revert, changes=self.changes))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}
