"""Fill an imported XLSForm for a household: the questions its skip logic shows appear and disappear
as it is answered, constraints are checked as each answer is given (with the form's own message),
repeats follow their repeat_count or have add/remove buttons, notes show calculated values. Saving
goes through ``services.forms.record_form`` on the database thread (nothing written if refused).

Drafts, as the core forms and scales have them (``services.drafts``, kind "xlsform"): the answers, and
text typed into a question but not yet taken in, are written to the form's draft shortly after each
change (debounced like the core forms), one row per household × person × form, local, never synced.
A half-filled form survives the idle lock's "Quit", a crash or the process being killed. Opening the
same form for the same household again offers the draft back (restore / discard); on start the list
of unsaved forms has it too (``FormLauncher.open_draft`` puts it back at once). Saving the form, or
closing it and choosing Discard, removes the draft. The bar and the draft's lookup, writing and dropping
are the core forms' (``draft_offer.DraftOffer``)."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from outreach.forms.engine import Field, FormSession, is_answered
from outreach.forms.xlsform import walk
from outreach.i18n import current_language, tr
from outreach.services import drafts as drafts_svc
from outreach.services import forms as forms_svc
from outreach.ui.dialogs.draft_offer import DraftOffer
from outreach.ui.dialogs.form_base import DRAFT_DEBOUNCE_MS
from outreach.ui.dialogs.save_outcome import SaveOutcome
from outreach.ui.widgets import ErrorLabel, WheelGuarded

CHANGES = ("assessment", "need", "household")
DRAFT_KIND = "xlsform"


def save_form_draft(store: Any, *, key: str, params: dict[str, Any], state: dict[str, Any], title: str) -> None:
    """The form's answers as its draft, named "家庭需求调查 · 东坪-0150" in the list of unsaved forms."""
    summary = " · ".join(t for t in (title, drafts_svc.household_label(store, params.get("household_id"))) if t)
    drafts_svc.save_draft(store, key=key, kind=DRAFT_KIND, params=params, state=state, summary=summary)


def _load(store: Any, key: str, household_id: str) -> tuple[tuple[str, int, dict[str, Any]], list[dict[str, Any]]]:
    """The form and the household's members (for a repeat marked to be filled from them)."""
    from outreach.domain.ages import age_on
    from outreach.services.people import list_members

    today = date.today()
    members = [{"name": m.name, "sex": m.sex, "relation": m.relation,
                "age": age_on(m.birth_date, today) if m.birth_date else None}
               for m in list_members(store, household_id)]
    return forms_svc.load_form(store, key), members


class _Row:
    """The widgets of one question (kept while it is hidden, so its focus and text survive)."""

    def __init__(self, dialog: FormFillDialog, field: Field) -> None:
        self.key = field.key
        self.node = field.node
        self.label = QLabel(dialog)
        self.label.setWordWrap(True)
        self.error = ErrorLabel(dialog)
        self.hint = QLabel(dialog)
        self.hint.setStyleSheet("color: #666;")
        self.hint.setWordWrap(True)
        self.box = QWidget(dialog)
        lay = QVBoxLayout(self.box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.checks: list[QCheckBox] = []
        t = field.type
        if t == "select_one":
            self.widget: QWidget = QComboBox(dialog)
            self.widget.currentIndexChanged.connect(lambda _i: dialog.changed(self))
        elif t == "select_multiple":
            self.widget = QWidget(dialog)
            QVBoxLayout(self.widget).setContentsMargins(0, 0, 0, 0)
        elif t == "acknowledge":
            self.widget = QCheckBox(tr("xlsform.ui.ok"), dialog)
            self.widget.toggled.connect(lambda _b: dialog.changed(self))
        elif t == "note":
            self.widget = QLabel(dialog)
            self.widget.setWordWrap(True)
        else:
            self.widget = QLineEdit(dialog)
            if t == "date":
                self.widget.setPlaceholderText(tr("xlsform.ui.date_placeholder"))
            elif t == "geopoint":
                self.widget.setPlaceholderText(tr("xlsform.ui.geopoint_placeholder"))
            self.widget.editingFinished.connect(lambda: dialog.changed(self))
            self.widget.textEdited.connect(lambda _t: dialog.typed())   # kept in the draft as it is typed
        self.widget.setObjectName("answer_" + "_".join(str(k) for k in self.key))
        lay.addWidget(self.widget)
        lay.addWidget(self.hint)
        lay.addWidget(self.error)
        self.choice_names: list[str] = []

    def set_choices(self, dialog: FormFillDialog, choices: list[dict[str, Any]], value: Any) -> None:
        names = [c["name"] for c in choices]
        lang = current_language()
        if names == self.choice_names:
            return
        self.choice_names = names
        if isinstance(self.widget, QComboBox):
            self.widget.blockSignals(True)
            self.widget.clear()
            self.widget.addItem("", None)
            for c in choices:
                self.widget.addItem(c["label"][lang] or c["name"], c["name"])
            index = self.widget.findData(value) if value else 0
            self.widget.setCurrentIndex(max(index, 0))
            self.widget.blockSignals(False)
        else:
            lay = self.widget.layout()
            for box in self.checks:
                lay.removeWidget(box)
                box.deleteLater()
            self.checks = []
            for c in choices:
                box = QCheckBox(c["label"][lang] or c["name"], self.widget)
                box.setProperty("choice", c["name"])
                box.setChecked(isinstance(value, list) and c["name"] in value)
                box.toggled.connect(lambda _b: dialog.changed(self))
                lay.addWidget(box)
                self.checks.append(box)

    def value(self) -> Any:
        if isinstance(self.widget, QComboBox):
            return self.widget.currentData()
        if self.node["type"] == "select_multiple":
            return [b.property("choice") for b in self.checks if b.isChecked()]
        if isinstance(self.widget, QCheckBox):
            return "OK" if self.widget.isChecked() else None
        if isinstance(self.widget, QLineEdit):
            return FormSession.coerce(self.node, self.widget.text())
        return None


def _flatten(value: Any, prefix: tuple = ()) -> dict[tuple, Any]:
    """Nested answers (groups, repeats) as {path: value} so two states can be compared answer by answer."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, (*prefix, key)).items()}
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, (*prefix, i)).items()}
    return {prefix: tuple(value) if isinstance(value, list) else value}


class FormFillDialog(WheelGuarded, DraftOffer, SaveOutcome, QDialog):
    sig_saved = Signal(object)
    sig_draft_saved = Signal(str)     # the draft's key, once it is on disk (or gone, when nothing is left)
    sig_ready = Signal()              # the form loaded and its draft was looked for (and put back if asked)
    draft_kind = DRAFT_KIND

    def __init__(self, ctx, household_id: str, key: str, *, person_id: str | None = None,
                 parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.person_id = person_id
        self.key = key
        self.today = today
        self.rows: dict[tuple, _Row] = {}
        self.repeat_bars: dict[tuple, QWidget] = {}
        self.headers: dict[str, QLabel] = {}
        self.nodes_by_path: dict[str, dict[str, Any]] = {}
        self.session: FormSession | None = None
        self._baseline: dict[Any, Any] = {}
        self.version: int | None = None
        self.result_value: Any = None
        self.definition: dict[str, Any] | None = None
        self.draft_params = {"household_id": household_id, "person_id": person_id, "form": key}
        self._draft_ready = False            # the old draft was looked for: writing may start
        self._closed = False
        self._draft_soon = QTimer(self)
        self._draft_soon.setSingleShot(True)
        self._draft_soon.setInterval(DRAFT_DEBOUNCE_MS)
        self._draft_soon.timeout.connect(self.write_draft)
        self.setObjectName("xlsformFillDialog")
        outer = QVBoxLayout(self)
        outer.addWidget(self._make_draft_bar())
        self.general_error = ErrorLabel(self)
        outer.addWidget(self.general_error)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(self.scroll)
        # Each question above its answer, full width, as ODK shows them (a form layout squeezes
        # long wrapped questions into a narrow column).
        self.form = QVBoxLayout(inner)
        self.form.setSpacing(4)
        self.stretch = QWidget(inner)
        self.scroll.setWidget(inner)
        outer.addWidget(self.scroll, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.resize(640, 720)
        ctx.runner.query(_load, key, household_id, on_done=self._loaded, owner=self)

    # ------------------------------------------------------------------ building
    def _loaded(self, found: tuple[tuple[str, int, dict[str, Any]], list[dict[str, Any]]]) -> None:
        (_template_id, self.version, definition), members = found
        self.definition = definition
        self.setWindowTitle(tr("xlsform.ui.fill_title", title=definition["title"][current_language()],
                               version=self.version))
        self.session = FormSession(definition, {})
        self.nodes_by_path = {n["path"]: n for n in walk(definition)}
        self.session.prefill_members(members)  # a repeat over household members starts filled
        self.render()
        self._baseline = self._snapshot()  # what closing may drop without asking (prefilled, defaults)
        self._look_for_draft()

    def render(self) -> None:
        """Lay out the questions the answers so far call for (widgets of hidden ones are kept)."""
        assert self.session is not None
        while self.form.count():
            taken = self.form.takeAt(0)
            if taken.widget() is not None:
                taken.widget().hide()
        lang = current_language()
        bars = {k: (node, count) for k, node, count in self.session.repeats()}
        placed: set[tuple] = set()
        previous_header = ""
        for field in self.session.fields():
            header = self._header(field, lang)
            if header and header != previous_header:
                self.form.addWidget(self._header_label(header))
            previous_header = header
            self._place_repeat_bars(field.key, bars, placed)
            row = self.rows.get(field.key)
            if row is None:
                row = self.rows[field.key] = _Row(self, field)
                self._fill(row, self.session.get(field.key))
            if field.type in ("select_one", "select_multiple"):
                row.set_choices(self, self.session.choices(field), self.session.get(field.key))
            text = field.label(self.session, lang) or field.node["name"]
            if field.node["required"]:
                text += " *"
            row.label.setText(("　" * field.depth) + text)
            row.hint.setText(self.session.interpolate(field.node["hint"][lang], field.elem))
            row.hint.setVisible(bool(row.hint.text()))
            self.form.addWidget(row.label)
            self.form.addWidget(row.box)
            row.label.show()
            row.box.show()
        for key in bars:
            self._place_repeat_bars(key + ("~",), bars, placed)
        self.form.addWidget(self.stretch, 1)
        self.stretch.show()
        shown = {f.key for f in self.session.fields()}
        for key in [k for k in self.rows if k not in shown and any(isinstance(p, int) for p in k)]:
            row = self.rows.pop(key)  # a removed repeat instance: a new one starts empty
            row.label.deleteLater()
            row.box.deleteLater()

    def _header(self, field: Field, lang: str) -> str:
        """The groups and repeat instances a question is in, e.g. "家庭成员 2 › 健康"."""
        assert self.session is not None
        parts, path, index = [], "/data", iter(k for k in field.key if isinstance(k, int))
        for step in field.node["path"].split("/")[2:-1]:
            path += "/" + step
            node = self.nodes_by_path.get(path)
            if node is None:
                continue
            title = node["label"][lang] or node["name"]
            if node["type"] == "repeat":
                title += f" {next(index, 0) + 1}"
            parts.append(title)
        return " › ".join(parts)

    def _header_label(self, text: str) -> QLabel:
        label = self.headers.get(text)
        if label is None:
            label = self.headers[text] = QLabel(text, self)
            label.setStyleSheet("font-weight: bold; margin-top: 8px;")
        label.show()
        return label

    def _place_repeat_bars(self, key: tuple, bars: dict, placed: set) -> None:
        # A repeat without repeat_count gets "add" / "remove last" buttons before its first question
        # (or at its place when it has no instance yet).
        for rkey, (node, count) in bars.items():
            if rkey in placed or node["repeat_count"]:
                continue
            if key[:len(rkey)] == rkey or key == rkey + ("~",):
                placed.add(rkey)
                bar = self.repeat_bars.get(rkey)
                if bar is None:
                    bar = self.repeat_bars[rkey] = self._repeat_bar(rkey, node)
                bar.findChild(QPushButton, "remove").setEnabled(count > 0)
                self.form.addWidget(bar)
                bar.show()

    def _repeat_bar(self, rkey: tuple, node: dict[str, Any]) -> QWidget:
        bar = QWidget(self)
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(0, 0, 0, 0)
        title = node["label"][current_language()] or node["name"]
        add = QPushButton(tr("xlsform.ui.add_repeat", title=title), bar)
        add.setObjectName("add")
        remove = QPushButton(tr("xlsform.ui.remove_repeat", title=title), bar)
        remove.setObjectName("remove")
        add.clicked.connect(lambda: self._add_repeat(rkey))
        remove.clicked.connect(lambda: self._remove_repeat(rkey))
        lay.addWidget(add)
        lay.addWidget(remove)
        lay.addStretch(1)
        return bar

    def _add_repeat(self, rkey: tuple) -> None:
        assert self.session is not None
        self.session.add_repeat(rkey)
        self.render()
        self._draft_soon.start()

    def _remove_repeat(self, rkey: tuple) -> None:
        assert self.session is not None
        items = self.session.get(rkey) or []
        if items:
            self.session.remove_repeat(rkey, len(items) - 1)
            for key in [k for k in self.rows if k[:len(rkey) + 1] == (*rkey, len(items) - 1)]:
                self.rows.pop(key).box.deleteLater()
        self.render()
        self._draft_soon.start()

    @staticmethod
    def _fill(row: _Row, value: Any) -> None:
        if isinstance(row.widget, QLineEdit) and is_answered(value):
            row.widget.setText(str(value))
        elif isinstance(row.widget, QCheckBox):
            row.widget.setChecked(value == "OK")

    # ------------------------------------------------------------------ answering
    def changed(self, row: _Row) -> None:
        if self.session is None:
            return
        self.session.set(row.key, row.value())
        if isinstance(row.widget, QLineEdit):
            row.widget.setModified(False)  # taken in: counted among the answers from now on
        problems = {p.key: p for p in self.session.validate() if p.code != "required"}
        for key, r in self.rows.items():
            r.error.show_message(problems[key].message() if key in problems else "")
        self.render()
        self._draft_soon.start()

    def typed(self) -> None:
        """Text typed into a question (not yet taken in): the draft keeps it, shortly."""
        self._draft_soon.start()

    def answer(self, key: tuple, value: Any) -> None:
        """Answer a question as a person would (tests, scripts): set the widget, then react."""
        row = self.rows[key]
        if isinstance(row.widget, QComboBox):
            row.widget.setCurrentIndex(row.widget.findData(value))
        elif row.node["type"] == "select_multiple":
            for box in row.checks:
                box.setChecked(box.property("choice") in value)
        elif isinstance(row.widget, QCheckBox):
            row.widget.setChecked(value == "OK")
        else:
            row.widget.setText("" if value is None else str(value))
            self.changed(row)

    def _snapshot(self) -> dict[Any, Any]:
        return {k: v for k, v in _flatten(self.session.answers if self.session else {}).items() if is_answered(v)}

    def unsaved_count(self) -> int:
        """Answers changed since the form opened, plus text typed but not yet taken in."""
        now = self._snapshot()
        changed = {k for k in set(now) | set(self._baseline) if now.get(k) != self._baseline.get(k)}
        typing = sum(1 for r in self.rows.values() if isinstance(r.widget, QLineEdit) and r.widget.isModified())
        return len(changed) + typing

    def visible_keys(self) -> list[tuple]:
        return [k for k, r in self.rows.items() if r.box.isVisibleTo(self)]

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        if self.session is None:
            return
        problems = self.session.validate()
        for key, r in self.rows.items():
            msg = next((p.message() for p in problems if p.key == key), "")
            r.error.show_message(msg)
        if problems:
            self.general_error.show_message(tr("xlsform.ui.fix_errors", count=len(problems)))
            return
        self.buttons.setEnabled(False)
        self.ctx.runner.op(forms_svc.record_form, household_id=self.household_id, key=self.key,
                           version=self.version, answers=self.session.clean_answers(),
                           assessed_on=date.today(), person_id=self.person_id, today=self.today,
                           changes=CHANGES, on_done=self._saved, on_error=self._failed, owner=self)

    def save_error_label(self) -> ErrorLabel:
        return self.general_error

    # ------------------------------------------------------------------ drafts
    def draft_state(self) -> dict[str, Any]:
        """The answers taken in, and text typed but not yet taken in ({question path: text})."""
        typing = {json.dumps(list(k), ensure_ascii=False): r.widget.text() for k, r in self.rows.items()
                  if isinstance(r.widget, QLineEdit) and r.widget.isModified()}
        answers = copy.deepcopy(self.session.answers) if self.session is not None else {}
        return {"version": self.version, "answers": answers, "typing": typing}

    def write_draft(self) -> None:
        """Keep the form as its draft now (nothing unsaved: no draft), once the old one was looked for."""
        if (not self._draft_ready or self._closed or self.session is None or not self.buttons.isEnabled()
                or not self.isVisible()):   # a form nobody sees (closing, or never shown) keeps no draft
            return
        if self.unsaved_count() == 0:
            if self._draft_written is not None:
                self._draft_written = None
                self._write_draft_with(drafts_svc.discard_draft)
            return
        state = self.draft_state()
        if state == self._draft_written:
            return
        self._draft_written = state
        self._write_draft_with(save_form_draft, params=dict(self.draft_params), state=state, title=self._title())

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._draft_soon.stop()   # no draft written after the form went away
        super().hideEvent(event)

    def _title(self) -> str:
        """The form's title in the interface's language, else in the other, else its id."""
        titles = (self.definition or {}).get("title") or {}
        return titles.get(current_language()) or next((t for t in titles.values() if t), "") or self.key

    def _draft_found(self, draft: drafts_svc.Draft | None) -> None:
        self._draft_ready = True
        if draft is not None and isinstance(draft.state.get("answers"), dict):
            self._offer_draft(draft)
        self.sig_ready.emit()

    def restore_draft(self) -> None:
        """Put the draft's answers and typed text back (unsaved until saved, and kept as the draft)."""
        self.draft_bar.hide()
        draft = self.found_draft
        if draft is None or self.definition is None:
            return
        for row in self.rows.values():   # the questions start again from the draft's answers
            row.label.deleteLater()
            row.box.deleteLater()
        self.rows.clear()
        self.session = FormSession(self.definition, copy.deepcopy(draft.state["answers"]))
        self.render()
        for path, text in (draft.state.get("typing") or {}).items():
            row = self.rows.get(tuple(json.loads(path)))
            if row is not None and isinstance(row.widget, QLineEdit):
                row.widget.setText(text)
                row.widget.setModified(True)
        self.write_draft()

    def discard_draft(self) -> None:
        self._draft_soon.stop()   # a pending write would bring the draft back
        super().discard_draft()

    def done(self, result: int) -> None:
        """Saved, or closed with nothing unsaved / the answers discarded: the draft goes too. (Quitting
        the app, e.g. from the idle lock, never gets here: the draft stays for next time.)"""
        self.discard_draft()
        self._closed = True
        super().done(result)
