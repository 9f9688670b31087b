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
    QDialogButtonBox,
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
from outreach.services.prefill import prefill_answers
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.models.household_table_model import PRIORITY_COLOURS
from outreach.ui.text import join_clauses, labelled, spaced
from outreach.ui.widgets import SegmentedChoice

MULTI_COLUMNS = 3
MULTI_WIDE_LABEL = 24        # labels longer than this (in any language) take two columns, not three
SEGMENT_MAX_OPTIONS = 6      # up to this many options are buttons (wrapping onto rows), more a drop-down


def load_assessment_form(store, household_id: str):
    """The template, the members (for the person list and the prefill) and an assessment saved
    half-done to carry on with (with the template version it was started on)."""
    incomplete = assessments_svc.open_incomplete(store, household_id)
    template = load_template(incomplete.template_key, incomplete.template_version) if incomplete \
        else load_template("needs")
    return template, people_svc.list_members(store, household_id), incomplete


def _segmentable(options: list[tuple[str, Any]]) -> bool:
    return len(options) <= SEGMENT_MAX_OPTIONS  # the same widget in every language


class QuestionWidget(QWidget):
    """One question's answer widget; ``value()`` gives the answer in the template's JSON shape.

    Yes/no, scales and short option lists are buttons in a row (tap again to clear); longer lists a
    drop-down that the mouse wheel only turns when it has the focus. An answer prefilled from the
    household's members is marked as such until the worker changes it."""

    def __init__(self, question: Question, on_change, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.q = question
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 0, 0, 0)
        self.combo: QComboBox | None = None
        self.segments: SegmentedChoice | None = None
        self.checks: list[tuple[QCheckBox, Any]] = []
        self.line: QLineEdit | None = None
        self.prefilled: Any = None
        self.prefill_reason = ""
        if question.type in ("yesno", "single", "scale"):
            options = self._options(current_language())
            if _segmentable(options):
                self.segments = SegmentedChoice(options, self)
                self.segments.sig_changed.connect(self._changed)
                self.segments.sig_changed.connect(on_change)
                row.addWidget(self.segments, 1)
            else:
                self.combo = QComboBox(self)
                self.combo.currentIndexChanged.connect(self._changed)
                self.combo.currentIndexChanged.connect(on_change)
                row.addWidget(self.combo, 1)
        elif question.type == "multi":
            grid = QGridLayout()
            longest = max((len(o.label_in(lang)) for o in question.options for lang in ("zh_CN", "en")), default=0)
            columns = MULTI_COLUMNS if longest <= MULTI_WIDE_LABEL else MULTI_COLUMNS - 1  # no wider than the form
            for i, option in enumerate(question.options):
                box = QCheckBox(self)
                box.toggled.connect(on_change)
                self.checks.append((box, option.value))
                grid.addWidget(box, i // columns, i % columns)
            row.addLayout(grid, 1)
        else:
            self.line = QLineEdit(self)
            if question.type == "number":
                self.line.setValidator(QIntValidator(question.min or 0, question.max or 10**9, self.line))
            else:
                self.line.setMaxLength(question.max_length)
            self.line.textChanged.connect(on_change)
            row.addWidget(self.line, 1)
        self.prefill_mark = QLabel(self)
        self.prefill_mark.setObjectName("prefillMark")
        self.prefill_mark.setStyleSheet("color: #1f5fa8; font-style: italic;")
        policy = self.prefill_mark.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the answer buttons never move when the mark goes
        self.prefill_mark.setSizePolicy(policy)
        self.prefill_mark.hide()
        row.addWidget(self.prefill_mark)
        self.retranslate()

    def _options(self, lang: str) -> list[tuple[str, Any]]:
        q = self.q
        if q.type == "yesno":
            return [(tr("ui.yes"), True), (tr("ui.no"), False)]
        if q.type == "single":
            return [(option.label_in(lang), option.value) for option in q.options]
        return [(str(n), n) for n in range(q.min or 0, (q.max if q.max is not None else 5) + 1)]

    def retranslate(self) -> None:
        lang = current_language()
        q = self.q
        if self.segments is not None:
            self.segments.set_options(self._options(lang))
        if self.combo is not None:
            current = self.combo.currentIndex()
            self.combo.blockSignals(True)
            self.combo.clear()
            self.combo.addItem(tr("ui.assessment.unanswered"), None)
            for label, value in self._options(lang):
                self.combo.addItem(label, value)
            self.combo.setCurrentIndex(max(current, 0))
            self.combo.blockSignals(False)
        for box, value in self.checks:
            option = q.option(value)
            box.setText(option.label_in(lang) if option else str(value))
        if self.line is not None and q.unit:
            self.line.setPlaceholderText(q.unit[lang])
        help_text = q.help[lang] if q.help else ""
        self.setToolTip(help_text)
        self.prefill_mark.setText(tr("forms.prefill.mark"))
        if self.prefill_reason:
            self.prefill_mark.setToolTip(tr("forms.prefill.tip", reason=tr(self.prefill_reason)))

    def value(self) -> Any:
        if self.segments is not None:
            return self.segments.value()
        if self.combo is not None:
            return self.combo.currentData()
        if self.checks:
            return [v for box, v in self.checks if box.isChecked()]
        text = self.line.text().strip() if self.line is not None else ""
        if self.q.type == "number":
            return int(text) if text else None
        return text

    def set_value(self, value: Any) -> None:
        if self.segments is not None:
            self.segments.set_value(value)
        elif self.combo is not None:
            for i in range(self.combo.count()):
                data = self.combo.itemData(i)
                if type(data) is type(value) and data == value:
                    self.combo.setCurrentIndex(i)
                    return
            self.combo.setCurrentIndex(0)
        elif self.checks:
            for box, v in self.checks:
                box.setChecked(v in (value or []))
        elif self.line is not None:
            self.line.setText("" if value is None else str(value))

    # drafts keep and restore the answer as it is
    def draft_value(self) -> Any:
        return self.value()

    def restore_value(self, value: Any) -> None:
        self.set_value(value)

    def prefill(self, value: Any, reason: str) -> None:
        """Answer from what the household's members say, marked "prefilled from household"."""
        self.prefilled, self.prefill_reason = value, reason
        self.set_value(value)
        self.retranslate()
        self.prefill_mark.setVisible(True)

    def is_prefilled(self) -> bool:
        return self.prefill_mark.isVisible()

    def _changed(self, *_args) -> None:
        if self.prefill_mark.isVisible() and self.value() != self.prefilled:
            self.prefill_mark.hide()


class AssessmentForm(FormDialog):
    """Also: "Save as incomplete" keeps a long assessment half-done (it counts nowhere until it is
    finished); opening the form again on that household carries on with it."""

    title_key = "ui.assessment.title"
    changes = ("assessment", "need", "household")
    draft_kind = "assessment"

    def __init__(self, ctx, parent: QWidget | None = None, *, household_id: str) -> None:
        super().__init__(ctx, parent, scroll=True)
        self.form.setRowWrapPolicy(self.form.RowWrapPolicy.WrapAllRows)  # long questions above their answer
        self.household_id = household_id
        self.draft_params = {"household_id": household_id}
        self.template: Template | None = None
        self.members: list = []
        self.resume_id: str | None = None
        self.complete_on_save = True
        self.questions: dict[str, QuestionWidget] = {}
        self.section_labels: list[tuple[QLabel, Any]] = []
        self.person = self.add_field("person_id", "ui.assessment.person", QComboBox(self))
        self.result = QLabel(self)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setWordWrap(True)
        self.body.insertWidget(1, self.result)
        self.resume_label = QLabel(self)
        self.resume_label.setStyleSheet("color: #1f5fa8;")
        self.resume_label.setWordWrap(True)
        self.resume_label.hide()
        self.body.insertWidget(1, self.resume_label)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        self.save_incomplete_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_incomplete_button.setAutoDefault(False)
        self.save_incomplete_button.clicked.connect(self.save_incomplete)
        self.person.currentIndexChanged.connect(self._person_changed)
        self.resize(760, 680)
        self.finish_layout()
        self.load(load_assessment_form, household_id, on_done=self._loaded)

    def _loaded(self, result) -> None:
        self.template, members, incomplete = result
        self.members = members
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
            if incomplete is not None:
                self.resume_id = incomplete.id
                self.person.setCurrentIndex(max(self.person.findData(incomplete.person_id), 0))
                for qid, value in incomplete.answers.items():
                    if qid in self.questions:
                        self.questions[qid].set_value(value)
                self.notes.setPlainText(incomplete.notes)
                self._resumed_on = incomplete.assessed_on.isoformat()
            self._prefill()
        self.retranslate()
        self._refresh()

    # ----------------------------------------------------------------- prefill from the household
    def _prefill(self) -> None:
        """Unanswered questions that follow from the members are answered and marked; answers the
        worker gave are never touched."""
        found = prefill_answers(self.members, person_id=self.person.currentData())
        for qid, widget in self.questions.items():
            p = found.get(qid)
            if widget.is_prefilled() and (p is None or p.value != widget.prefilled):
                widget.prefill_mark.hide()
                widget.set_value(None)
            if p is not None and not widget.is_prefilled() and widget.value() in (None, "", []):
                widget.prefill(p.value, p.reason)

    def _person_changed(self, *_args) -> None:
        if self.template is not None:
            self._prefill()

    def prefilled_questions(self) -> list[str]:
        return [qid for qid, w in self.questions.items() if w.is_prefilled()]

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
        domains = [escape(labelled(r.domain.label(), r.priority.label())) for r in result.domains.values()
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
        self.save_incomplete_button.setText(tr("forms.assessment.save_incomplete"))
        self.save_incomplete_button.setToolTip(tr("forms.assessment.save_incomplete_tip"))
        if self.template is not None:
            self.setWindowTitle(f"{tr(self.title_key)} — {self.template.title[lang]}")
            self._show_score(self.answers())
        if self.resume_id:
            self.resume_label.setText(tr("forms.assessment.resumed", date=self._resumed_on))
            self.resume_label.show()

    # ----------------------------------------------------------------- saving
    def values(self) -> dict[str, Any]:
        return {"person_id": self.person.currentData(), "answers": self.answers(),
                "notes": self.notes.toPlainText()}

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        if self.template is None:
            return [FieldError("answers", "ui.loading")]
        errors = validate_answers(self.template, values["answers"])
        if not self.complete_on_save:
            errors = [e for e in errors if e.key != "assessment.answer.required"]
        return errors

    def save_incomplete(self) -> None:
        """Keep it half-done: required questions may stay unanswered; it counts nowhere yet."""
        self.complete_on_save = False
        self.accept()
        if not self.saving:
            self.complete_on_save = True

    def _failed(self, exc: BaseException) -> None:
        self.complete_on_save = True
        super()._failed(exc)

    def submit(self, store, values: dict[str, Any]):
        common = {"person_id": values["person_id"], "assessed_on": date.today(), "answers": values["answers"],
                  "notes": values["notes"], "lang": current_language(), "complete": self.complete_on_save}
        if self.resume_id:
            return assessments_svc.finish_assessment(store, self.resume_id, **common)
        return assessments_svc.record_assessment(store, household_id=self.household_id, **common)
