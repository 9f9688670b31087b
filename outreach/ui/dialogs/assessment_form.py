"""The needs assessment, rendered from its template (``resources/assessments/``). Skip logic is live:
questions appear and disappear as answers change; the score, each domain's priority and any urgent
trigger are shown as the worker answers. Saving records the assessment and opens the needs."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from outreach.domain.assessment import (
    Question,
    Template,
    answer_field,
    load_template,
    score,
    validate_answers,
    visible_questions,
)
from outreach.domain.enums import Priority
from outreach.domain.errors import FieldError
from outreach.i18n import current_language, tr
from outreach.services import assessments as assessments_svc
from outreach.services import people as people_svc
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.models.household_table_model import PRIORITY_COLOURS
from outreach.ui.text import join_clauses, spaced

MULTI_COLUMNS = 3


def load_assessment_form(store, household_id: str):
    return load_template("needs"), people_svc.list_members(store, household_id)


class QuestionWidget(QWidget):
    """One question's answer widget; ``value()`` gives the answer in the template's JSON shape."""

    def __init__(self, question: Question, on_change, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.q = question
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 0, 0, 0)
        self.combo: QComboBox | None = None
        self.checks: list[tuple[QCheckBox, Any]] = []
        self.line: QLineEdit | None = None
        if question.type in ("yesno", "single", "scale"):
            self.combo = QComboBox(self)
            self.combo.currentIndexChanged.connect(on_change)
            row.addWidget(self.combo, 1)
        elif question.type == "multi":
            grid = QGridLayout()
            for i, option in enumerate(question.options):
                box = QCheckBox(self)
                box.toggled.connect(on_change)
                self.checks.append((box, option.value))
                grid.addWidget(box, i // MULTI_COLUMNS, i % MULTI_COLUMNS)
            row.addLayout(grid, 1)
        else:
            self.line = QLineEdit(self)
            if question.type == "number":
                self.line.setValidator(QIntValidator(question.min or 0, question.max or 10**9, self.line))
            else:
                self.line.setMaxLength(question.max_length)
            self.line.textChanged.connect(on_change)
            row.addWidget(self.line, 1)
        self.retranslate()

    def retranslate(self) -> None:
        lang = current_language()
        q = self.q
        if self.combo is not None:
            current = self.combo.currentIndex()
            self.combo.blockSignals(True)
            self.combo.clear()
            self.combo.addItem(tr("ui.assessment.unanswered"), None)
            if q.type == "yesno":
                self.combo.addItem(tr("ui.yes"), True)
                self.combo.addItem(tr("ui.no"), False)
            elif q.type == "single":
                for option in q.options:
                    self.combo.addItem(option.label_in(lang), option.value)
            else:
                for n in range(q.min or 0, (q.max if q.max is not None else 5) + 1):
                    self.combo.addItem(str(n), n)
            self.combo.setCurrentIndex(max(current, 0))
            self.combo.blockSignals(False)
        for box, value in self.checks:
            option = q.option(value)
            box.setText(option.label_in(lang) if option else str(value))
        if self.line is not None and q.unit:
            self.line.setPlaceholderText(q.unit[lang])
        help_text = q.help[lang] if q.help else ""
        self.setToolTip(help_text)

    def value(self) -> Any:
        if self.combo is not None:
            return self.combo.currentData()
        if self.checks:
            return [v for box, v in self.checks if box.isChecked()]
        text = self.line.text().strip() if self.line is not None else ""
        if self.q.type == "number":
            return int(text) if text else None
        return text

    def set_value(self, value: Any) -> None:
        if self.combo is not None:
            for i in range(self.combo.count()):
                data = self.combo.itemData(i)
                if type(data) is type(value) and data == value:
                    self.combo.setCurrentIndex(i)
                    return
        elif self.checks:
            for box, v in self.checks:
                box.setChecked(v in (value or []))
        elif self.line is not None:
            self.line.setText("" if value is None else str(value))


class AssessmentForm(FormDialog):
    title_key = "ui.assessment.title"
    changes = ("assessment", "need", "household")

    def __init__(self, ctx, parent: QWidget | None = None, *, household_id: str) -> None:
        super().__init__(ctx, parent, scroll=True)
        self.form.setRowWrapPolicy(self.form.RowWrapPolicy.WrapAllRows)  # long questions above their answer
        self.household_id = household_id
        self.template: Template | None = None
        self.questions: dict[str, QuestionWidget] = {}
        self.section_labels: list[tuple[QLabel, Any]] = []
        self.person = self.add_field("person_id", "ui.assessment.person", QComboBox(self))
        self.result = QLabel(self)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setWordWrap(True)
        self.body.insertWidget(1, self.result)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        self.resize(760, 680)
        self.finish_layout()
        ctx.runner.query(load_assessment_form, household_id, on_done=self._loaded, owner=self)

    def _loaded(self, result) -> None:
        self.template, members = result
        with self.loading():
            self.person.clear()
            self.person.addItem(tr("ui.assessment.whole_household"), None)
            for m in members:
                if m.status not in ("moved", "deceased"):
                    self.person.addItem(m.name, m.id)
            for section in self.template.sections:
                title = QLabel(self)
                self.section_labels.append((title, section))
                self.form.addRow(title)
                for q in section.questions:
                    widget = QuestionWidget(q, self._answers_changed, self)
                    self.questions[q.id] = widget
                    self.add_field(answer_field(q.id), self._question_text(q), widget)
            self.add_field("notes", "ui.field.notes", self.notes)
        self.retranslate()
        self._refresh()

    @staticmethod
    def _question_text(q: Question):
        def text() -> str:
            mark = " *" if q.required else ""
            return q.text_in(current_language()) + mark
        return text

    # ----------------------------------------------------------------- live skip logic and score
    def answers(self) -> dict[str, Any]:
        return {qid: w.value() for qid, w in self.questions.items()}

    def _answers_changed(self, *_args) -> None:
        self.mark_dirty()
        self._refresh()

    def _refresh(self) -> None:
        if self.template is None:
            return
        answers = self.answers()
        visible = {q.id for q in visible_questions(self.template, answers)}
        for qid in self.questions:
            self.set_question_visible(qid, qid in visible)
        self._show_score(answers)

    def set_question_visible(self, qid: str, visible: bool) -> None:
        field = self.fields.get(answer_field(qid))
        if field is not None:
            self.form.setRowVisible(field.label, visible)

    def is_question_visible(self, qid: str) -> bool:
        return self.template is not None and qid in {q.id for q in visible_questions(self.template, self.answers())}

    def current_score(self):
        return score(self.template, self.answers(), lang=current_language()) if self.template else None

    def _show_score(self, answers: dict[str, Any]) -> None:
        result = score(self.template, answers, lang=current_language())
        colour = PRIORITY_COLOURS.get(result.priority.value, "#1b6e2a")
        parts = [f"<b>{escape(tr('ui.assessment.score', score=result.total))}</b>",
                 f"<b style='color:{colour}'>{escape(tr('ui.assessment.priority', priority=result.priority.label()))}"
                 "</b>"]
        domains = [f"{escape(r.domain.label())}: {escape(r.priority.label())}" for r in result.domains.values()
                   if r.priority.rank >= Priority.MEDIUM.rank]
        if domains:
            parts.append(escape(tr("ui.assessment.domains")) + " " + join_clauses(domains))
        if result.triggers:
            parts.append("<span style='color:#b3261e'>" + escape(tr("ui.assessment.triggers")) + " "
                         + escape(join_clauses(t.label for t in result.triggers)) + "</span>")
        self.result.setText(spaced(parts))

    def retranslate(self) -> None:
        super().retranslate()
        lang = current_language()
        for label, section in self.section_labels:
            label.setText(f"<b>{escape(section.title[lang])}</b>")
        for widget in self.questions.values():
            widget.retranslate()
        if self.person.count():
            self.person.setItemText(0, tr("ui.assessment.whole_household"))
        if self.template is not None:
            self.setWindowTitle(f"{tr(self.title_key)} — {self.template.title[lang]}")
            self._show_score(self.answers())

    # ----------------------------------------------------------------- saving
    def values(self) -> dict[str, Any]:
        return {"person_id": self.person.currentData(), "answers": self.answers(),
                "notes": self.notes.toPlainText()}

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        if self.template is None:
            return [FieldError("answers", "ui.loading")]
        return validate_answers(self.template, values["answers"])

    def submit(self, store, values: dict[str, Any]):
        return assessments_svc.record_assessment(
            store, household_id=self.household_id, person_id=values["person_id"], assessed_on=date.today(),
            answers=values["answers"], notes=values["notes"], lang=current_language())
