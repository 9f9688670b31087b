"""A validated scale (PHQ-9, GAD-7, Barthel, K10, WG-SS) filled in the window: its score and band show
as it is answered, a safety flag shows at once in red, its source is cited under the questions.
Saving goes through ``services.forms.record_scale`` (a flag opens an urgent need for Today).

Drafts, as the core forms have them (``services.drafts``, kind "scale"): every answer is written to the
form's draft at once (one row per household × person × scale, local, never synced), so a half-answered
PHQ-9 survives the idle lock's "Quit", a crash or a power cut. Opening the same scale for the same
person again offers the draft back (restore / discard); on start the list of unsaved forms has it too
(``FormLauncher.open_draft`` puts it back at once). Saving the scale, or closing it and choosing
Discard, removes the draft. The bar and the draft's lookup, writing and dropping are the core forms'
(``draft_offer.DraftOffer``)."""

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
from outreach.services import drafts as drafts_svc
from outreach.services import forms as forms_svc
from outreach.ui.dialogs.draft_offer import DraftOffer
from outreach.ui.dialogs.save_outcome import SaveOutcome
from outreach.ui.widgets import ErrorLabel, WheelGuarded

CHANGES = ("assessment", "need", "household")
DRAFT_KIND = "scale"


def save_scale_draft(store, *, key: str, params: dict, answers: list, title: str) -> None:
    """The scale's answers as its draft, named "PHQ-9 · 东坪-0150" in the list of unsaved forms."""
    summary = " · ".join(t for t in (title, drafts_svc.household_label(store, params.get("household_id"))) if t)
    drafts_svc.save_draft(store, key=key, kind=DRAFT_KIND, params=params, state={"answers": answers},
                          summary=summary)


class ScaleFormDialog(WheelGuarded, DraftOffer, SaveOutcome, QDialog):
    sig_saved = Signal(object)
    sig_draft_saved = Signal(str)     # the draft's key, once it is on disk
    sig_ready = Signal()              # the draft was looked for (and put back if asked)
    draft_kind = DRAFT_KIND

    def __init__(self, ctx, household_id: str, scale: str, *, person_id: str | None = None,
                 parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.person_id = person_id
        self.today = today
        self.scale = load_scale(scale)
        self.result_value: Any = None
        self.draft_params = {"household_id": household_id, "person_id": person_id, "scale": scale}
        self._ready = False
        lang = current_language()
        self.setObjectName("scaleFormDialog")
        self.setWindowTitle(self.scale.title[lang])
        outer = QVBoxLayout(self)
        outer.addWidget(self._make_draft_bar())
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
            combo.currentIndexChanged.connect(self.write_draft)
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
        self._look_for_draft()

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

    # ------------------------------------------------------------------ drafts
    def write_draft(self, *_args) -> None:
        """Keep the answers as the draft now (none answered: no draft), once the old one was looked for."""
        if not self._ready or not self.buttons.isEnabled():
            return
        answers = self.answers()
        if answers == self._draft_written:
            return
        self._draft_written = answers
        if not any(a is not None for a in answers):
            self._write_draft_with(drafts_svc.discard_draft)
            return
        self._write_draft_with(save_scale_draft, params=dict(self.draft_params), answers=answers,
                               title=self.scale.title[current_language()])

    def _draft_found(self, draft: drafts_svc.Draft | None) -> None:
        self._ready = True
        answers = (draft.state.get("answers") if draft is not None else None) or []
        if len(answers) == len(self.combos):
            self._offer_draft(draft)
        self.sig_ready.emit()

    def restore_draft(self) -> None:
        """Put the draft's answers back (and keep them as the draft)."""
        self.draft_bar.hide()
        if self.found_draft is not None:
            self._ready = False   # one draft write for the whole set, not one per answer
            self.set_answers([a if isinstance(a, int) else None for a in self.found_draft.state["answers"]])
            self._ready = True
            self.write_draft()

    def done(self, result: int) -> None:
        """Saved, or closed with nothing unsaved / the answers discarded: the draft goes too. (Quitting
        the app, e.g. from the idle lock, never gets here: the draft stays for next time.)"""
        self.discard_draft()
        super().done(result)
