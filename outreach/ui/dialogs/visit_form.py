"""Record a visit, keyboard first. The outcome has number keys — 1 met, 2 nobody home, 3 refused — and
Enter saves, so "nobody home" is three keystrokes from the household page: Ctrl+R, 2, Enter.
Next-visit presets (+3 days, next week, +2 weeks, next month) are one click or Alt+letter away."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from outreach.domain.enums import VisitOutcome, VisitType
from outreach.i18n import tr
from outreach.services import people as people_svc
from outreach.services import visits as visits_svc
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.undo import ServiceCommand
from outreach.ui.widgets import DateField, EnumCombo

OUTCOME_KEYS = {Qt.Key.Key_1: VisitOutcome.MET, Qt.Key.Key_2: VisitOutcome.NOBODY_HOME,
                Qt.Key.Key_3: VisitOutcome.REFUSED}
NEXT_DUE_PRESETS = [("ui.visit_form.in_3_days", 3), ("ui.visit_form.in_1_week", 7),
                    ("ui.visit_form.in_2_weeks", 14), ("ui.visit_form.in_1_month", 30)]


class VisitForm(FormDialog):
    title_key = "ui.visit_form.title"
    changes = ("visit", "household")
    draft_kind = "visit"

    def __init__(self, ctx, parent: QWidget | None = None, *, household_id: str) -> None:
        super().__init__(ctx, parent)
        self.household_id = household_id
        self.draft_params = {"household_id": household_id}
        self.visit_date = self.add_field("visit_date", "field.visit_date", DateField(self, allow_future=False))
        self.visit_date.set_value(date.today())
        self.visit_type = self.add_field("visit_type", "field.visit_type", EnumCombo(VisitType, parent=self))
        outcome_box = QWidget(self)
        row = QHBoxLayout(outcome_box)
        row.setContentsMargins(0, 0, 0, 0)
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        for i, outcome in enumerate(VisitOutcome):
            button = QRadioButton(outcome_box)
            self.outcome_group.addButton(button, i)
            self.outcome_buttons[outcome.value] = button
            row.addWidget(button)
            self.watch(button)
        row.addStretch(1)
        self.outcome_buttons[VisitOutcome.MET.value].setChecked(True)
        self.add_field("outcome", "field.outcome", outcome_box)
        self.people = QListWidget(self)
        self.people.setMaximumHeight(96)
        self.add_field("people_met", "field.people_met", self.people)
        self.notes = self.add_field("notes", "ui.field.notes", QPlainTextEdit(self))
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(90)
        due_box = QWidget(self)
        due_row = QHBoxLayout(due_box)
        due_row.setContentsMargins(0, 0, 0, 0)
        self.next_due = DateField(due_box)
        due_row.addWidget(self.next_due)
        self.preset_buttons: list[tuple[QPushButton, str, int]] = []
        for key, days in NEXT_DUE_PRESETS:
            button = QPushButton(due_box)
            button.setAutoDefault(False)
            button.clicked.connect(partial(self.set_next_due_in, days))
            due_row.addWidget(button)
            self.preset_buttons.append((button, key, days))
        self.add_field("next_due", "field.next_due", due_box)
        self.watch(self.next_due)
        self.outcome_group.idToggled.connect(self._outcome_changed)
        self.resize(620, 0)
        self.finish_layout()
        self.outcome_buttons[VisitOutcome.MET.value].setFocus()
        self.load(people_svc.list_members, household_id, on_done=self._members_loaded)

    def _members_loaded(self, members: list) -> None:
        with self.loading():
            self.people.clear()
            for person in members:
                if person.status in ("moved", "deceased"):
                    continue
                item = QListWidgetItem(person.name, self.people)
                item.setData(Qt.ItemDataRole.UserRole, person.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
        self._outcome_changed()

    # ----------------------------------------------------------------- keyboard
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        focus = self.focusWidget()
        typing = isinstance(focus, QPlainTextEdit) or (focus is not None and focus.inherits("QLineEdit")) \
            or isinstance(focus, DateField) or (focus is not None and focus.inherits("QAbstractSpinBox"))
        outcome = OUTCOME_KEYS.get(Qt.Key(event.key()))
        if outcome is not None and not typing and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.set_outcome(outcome)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.accept()
            return
        super().keyPressEvent(event)

    def set_outcome(self, outcome: VisitOutcome) -> None:
        self.outcome_buttons[outcome.value].setChecked(True)
        self.outcome_buttons[outcome.value].setFocus()

    def outcome(self) -> str:
        return next((v for v, b in self.outcome_buttons.items() if b.isChecked()), VisitOutcome.MET.value)

    def set_next_due_in(self, days: int, *_checked) -> None:
        base = self.visit_date.value() or date.today()
        self.next_due.set_value(base + timedelta(days=days))

    def _outcome_changed(self, *_args) -> None:
        met = self.outcome() == VisitOutcome.MET.value
        self.people.setEnabled(met)
        if not met:
            for i in range(self.people.count()):
                self.people.item(i).setCheckState(Qt.CheckState.Unchecked)

    def retranslate(self) -> None:
        super().retranslate()
        self.visit_type.retranslate()
        for i, (value, button) in enumerate(self.outcome_buttons.items()):
            button.setText(f"&{i + 1} {VisitOutcome(value).label()}")
        for button, key, _days in self.preset_buttons:
            button.setText(tr(key))

    # ----------------------------------------------------------------- saving
    def values(self) -> dict[str, Any]:
        people = [self.people.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.people.count())
                  if self.people.item(i).checkState() == Qt.CheckState.Checked]
        return {
            "visit_date": self.visit_date.value(),
            "visit_type": self.visit_type.value(),
            "outcome": self.outcome(),
            "people_met": people,
            "notes": self.notes.toPlainText(),
            "next_due": self.next_due.value(),
        }

    def submit(self, store, values: dict[str, Any]) -> str:
        return visits_svc.record_visit(store, household_id=self.household_id, **values)

    def after_save(self, visit_id: str) -> None:
        """A visit recorded by mistake can be undone: undo archives it (nothing is deleted), redo
        brings it back; both are ordinary logged changes, so they sync too."""
        def apply(store):
            return visits_svc.archive_visit(store, visit_id, archived=False)

        def revert(store):
            return visits_svc.archive_visit(store, visit_id, archived=True)

        outcome = VisitOutcome(self.outcome())

        def text() -> str:
            return tr("ui.undo.new_visit", outcome=outcome.label())
        self.ctx.undo.push(ServiceCommand(self.ctx.runner, text, apply=apply, revert=revert, changes=self.changes))
