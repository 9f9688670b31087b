"""A validated scale (PHQ-9, GAD-7, Barthel, K10, WG-SS) filled in the window: its score and band show
as it is answered, a safety flag shows at once in red, its source is cited under the questions.
Saving goes through ``services.forms.record_scale`` (a flag opens an urgent need for Today)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.scales import ScaleError, load_scale, score_scale
from outreach.i18n import current_language, tr
from outreach.services import forms as forms_svc
from outreach.ui.dialogs.save_outcome import SaveOutcome
from outreach.ui.widgets import ErrorLabel, WheelGuarded

CHANGES = ("assessment", "need", "household")


class ScaleFormDialog(WheelGuarded, SaveOutcome, QDialog):
    sig_saved = Signal(object)

    def __init__(self, ctx, household_id: str, scale: str, *, person_id: str | None = None,
                 parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.person_id = person_id
        self.today = today
        self.scale = load_scale(scale)
        self.result_value: Any = None
        lang = current_language()
        self.setObjectName("scaleFormDialog")
        self.setWindowTitle(self.scale.title[lang])
        outer = QVBoxLayout(self)
        intro = QLabel(self.scale.instruction[lang], self)
        intro.setWordWrap(True)
        outer.addWidget(intro)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(scroll)
        form = QVBoxLayout(inner)  # each item above its answer, full width (long items wrap)
        self.combos: list[QComboBox] = []
        for item in self.scale.items:
            combo = QComboBox(inner)
            combo.setObjectName(f"item_{item.id}")
            combo.addItem("", None)
            for option in item.options:
                combo.addItem(f"{option.points} — {option.label[lang]}", option.points)
            combo.currentIndexChanged.connect(self.update_score)
            label = QLabel(f"{item.number}. {item.text[lang]}", inner)
            label.setWordWrap(True)
            form.addWidget(label)
            form.addWidget(combo)
            self.combos.append(combo)
        form.addStretch(1)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)
        self.score_label = QLabel(self)
        self.score_label.setObjectName("scaleScore")
        self.score_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        outer.addWidget(self.score_label)
        self.flag_label = ErrorLabel(self)
        outer.addWidget(self.flag_label)
        source = QLabel(tr("scale.cli.source", source=self.scale.source[lang]), self)
        source.setWordWrap(True)
        source.setStyleSheet("color: #666; font-size: 11px;")
        outer.addWidget(source)
        self.error = ErrorLabel(self)
        outer.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.resize(720, 680)
        self.update_score()

    def answers(self) -> list[int | None]:
        return [c.currentData() for c in self.combos]

    def unsaved_count(self) -> int:
        return sum(1 for a in self.answers() if a is not None)

    def set_answers(self, values: list[int | None]) -> None:
        for combo, value in zip(self.combos, values, strict=True):
            combo.setCurrentIndex(max(combo.findData(value), 0) if value is not None else 0)

    def update_score(self) -> None:
        answers = self.answers()
        answered = sum(1 for a in answers if a is not None)
        flags = [f for f in self.scale.flags
                 if (answers[[i.id for i in self.scale.items].index(f.item)] or 0) > f.above]
        self.flag_label.show_message("\n".join("⚠ " + f.label[current_language()] for f in flags))
        try:
            result = score_scale(self.scale, answers)
        except ScaleError:
            self.score_label.setText(tr("scale.ui.progress", answered=answered, count=len(answers)))
            return
        text = tr("scale.cli.result", title=self.scale.title[current_language()], score=result.score,
                  band=result.band_label())
        if result.prorated:
            text += tr("scale.cli.prorated")
        self.score_label.setText(text)

    def save(self) -> None:
        try:
            score_scale(self.scale, self.answers())
        except ScaleError as exc:
            self.error.show_message(exc.message())
            return
        self.buttons.setEnabled(False)
        self.ctx.runner.op(forms_svc.record_scale, household_id=self.household_id, person_id=self.person_id,
                           scale=self.scale.key, answers=self.answers(), assessed_on=date.today(),
                           today=self.today, changes=CHANGES, on_done=self._saved, on_error=self._failed,
                           owner=self)
