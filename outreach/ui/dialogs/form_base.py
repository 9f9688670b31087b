"""The shape every form shares: labelled fields with an error line under each, Save/Cancel, saving on
the database thread through a service (which validates; nothing is written unless valid), errors shown
beside their field in the user's language, and — so that nothing is lost or changed silently:

- the mouse wheel only changes the answer that has the keyboard focus (``guard_wheel``);
- a typed date that cannot be read stops the save, with the reason beside the field;
- closing asks first and names the fields that are not saved;
- an open form is kept as a draft (every few seconds and after every change) and offered back after a
  crash, a power cut or a closed window;
- the dialog fits the screen (its fields scroll, its buttons stay visible).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import FieldError, OutreachError, ValidationError
from outreach.i18n import tr
from outreach.services import drafts as drafts_svc
from outreach.ui.dialogs.draft_offer import DraftOffer
from outreach.ui.dialogs.save_outcome import ask_save_discard
from outreach.ui.widgets import (
    DateField,
    ErrorLabel,
    FitScrollArea,
    SearchBox,
    SegmentedChoice,
    fit_to_screen,
    guard_wheel,
    input_value,
    is_input,
    set_input_value,
)

DRAFT_DEBOUNCE_MS = 400     # after a change, the draft is written this soon
DRAFT_INTERVAL_MS = 4000    # and at least this often while the form is open and changed


@dataclass
class FormField:
    name: str
    label_key: str | Callable[[], str]  # a catalog key, or a function giving the text (template questions)
    label: QLabel
    widget: QWidget
    error: ErrorLabel


class FormDialog(DraftOffer, QDialog):
    """Subclasses build their fields with ``add_field``, and implement ``values()`` and
    ``submit(store, values)`` (runs on the database thread; raise ValidationError to refuse).

    Drafts: a subclass sets ``draft_kind`` and ``self.draft_params`` (what opens the same form again);
    its loads go through ``self.load(...)`` so the draft is looked for once the fields are filled."""

    sig_saved = Signal(object)
    sig_draft_saved = Signal(str)     # the draft's key, once it is on disk
    sig_ready = Signal()              # every load answered (fields filled, draft looked for)

    title_key = "ui.form.title"
    changes: Iterable[str] = ()

    def __init__(self, ctx, parent: QWidget | None = None, *, scroll: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fields: dict[str, FormField] = {}
        self._aliases: dict[str, str] = {}
        self._dirty = False           # a change outside the tracked inputs (e.g. a tree of check boxes)
        self._loading = False
        self._clean: dict[str, Any] = {}
        self._pending_loads = 0
        self._ready = False
        self.saving = False
        self.result_value: Any = None
        self.draft_params: dict[str, Any] = {}
        self.household_code = ""
        outer = QVBoxLayout(self)
        outer.addWidget(self._make_draft_bar())
        self.general_error = ErrorLabel(self)
        outer.addWidget(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        if scroll:
            self.scroll_area = FitScrollArea(self)
            self.scroll_area.setWidgetResizable(True)
            self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
            # The bar's room is always there: a message appearing under a field never makes the fields
            # narrower (and jump sideways) by bringing the scroll bar in.
            self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
            inner = QWidget(self.scroll_area)
            inner.setLayout(self.form)
            self.scroll_area.setWidget(inner)
            outer.addWidget(self.scroll_area, 1)
        else:
            self.scroll_area = None
            outer.addLayout(self.form)
        self.body = outer
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)  # Ctrl+S saves from any field
        save.activated.connect(self.accept)
        self._buttons_added = False
        self._fitted = False
        self._draft_soon = QTimer(self)
        self._draft_soon.setSingleShot(True)
        self._draft_soon.setInterval(DRAFT_DEBOUNCE_MS)
        self._draft_soon.timeout.connect(self.write_draft)
        self._draft_tick = QTimer(self)
        self._draft_tick.setInterval(DRAFT_INTERVAL_MS)
        self._draft_tick.timeout.connect(self.write_draft)

    # ----------------------------------------------------------------- building
    def add_field(self, name: str, label_key: str | Callable[[], str], widget: QWidget, *,
                  aliases: Iterable[str] = ()) -> QWidget:
        label = QLabel(_label_text(label_key), self)
        label.setWordWrap(False)  # QFormLayout gives wrapped labels too little height: they clip
        label.setBuddy(widget)
        error = ErrorLabel(self)
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(widget)
        col.addWidget(error)
        self.form.addRow(label, box)
        self.fields[name] = FormField(name, label_key, label, widget, error)
        for alias in aliases:
            self._aliases[alias] = name
        self.watch(widget)
        return widget

    def watch(self, widget: QWidget) -> None:
        """Any edit in ``widget`` counts as a change (draft written, asked about before closing)."""
        if isinstance(widget, DateField):
            widget.sig_edited.connect(self.mark_dirty)
            widget.dateChanged.connect(self.mark_dirty)
        elif isinstance(widget, SegmentedChoice):
            widget.sig_changed.connect(self.mark_dirty)
        elif isinstance(widget, QLineEdit):
            widget.textEdited.connect(self.mark_dirty)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(self.mark_dirty)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(self.mark_dirty)
        elif isinstance(widget, QAbstractButton):
            widget.toggled.connect(self.mark_dirty)
        elif isinstance(widget, QListWidget):
            widget.itemChanged.connect(self.mark_dirty)
        elif hasattr(widget, "valueChanged"):
            widget.valueChanged.connect(self.mark_dirty)

    def finish_layout(self) -> None:
        """Call at the end of a subclass's __init__: adds the buttons and the title."""
        if not self._buttons_added:
            self.body.addWidget(self.buttons)
            self._buttons_added = True
        with self.loading():
            self.retranslate()
        guard_wheel(self)
        self._clean = self.input_state()
        if self.draft_kind and self.draft_params.get("household_id"):
            self.load(drafts_svc.household_label, self.draft_params["household_id"],
                      on_done=lambda code: setattr(self, "household_code", code))
        if self._pending_loads == 0:
            QTimer.singleShot(0, self._loads_done)

    def load(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None], **kwargs: Any) -> None:
        """A query that fills the form; the draft is looked for once every such query answered."""
        self._pending_loads += 1

        def done(result: Any) -> None:
            on_done(result)
            self._pending_loads -= 1
            if self._pending_loads == 0:
                self._loads_done()

        self.ctx.runner.query(fn, *args, on_done=done, owner=self, **kwargs)

    def _loads_done(self) -> None:
        if self._ready or self._pending_loads:
            return
        self._ready = True
        guard_wheel(self)
        if self.draft_kind:
            self._look_for_draft()
        else:
            self.sig_ready.emit()

    @property
    def ready(self) -> bool:
        return self._ready

    def mark_dirty(self, *_args) -> None:
        if self._loading:
            return
        sender = self.sender()
        if sender is not None and not (isinstance(sender, QWidget) and self._tracked(sender)):
            self._dirty = True  # e.g. a tree of check boxes: no tracked input to compare
        if self.draft_kind and self._ready:
            self._draft_soon.start()
            if not self._draft_tick.isActive():
                self._draft_tick.start()

    def _tracked(self, widget: QWidget) -> bool:
        inputs = self.inputs().values()
        return any(w is widget or w.isAncestorOf(widget) for w in inputs)

    @property
    def dirty(self) -> bool:
        return self._dirty or bool(self.changed_inputs())

    def loading(self):
        """``with self.loading():`` while filling fields from a record (not an edit: what is filled in
        becomes the state "unsaved" is measured against — except in fields the user already changed)."""
        form = self

        class _Loading:
            def __enter__(self):
                self.before = form.input_state()
                self.was_loading = form._loading
                form._loading = True

            def __exit__(self, *exc):
                form._loading = self.was_loading
                after = form.input_state()
                for key, value in after.items():
                    if key not in form._clean or self.before.get(key) == form._clean.get(key):
                        form._clean[key] = value
                guard_wheel(form)

        return _Loading()

    # ----------------------------------------------------------------- the inputs, their state
    def inputs(self) -> dict[str, QWidget]:
        """Every input of the form by a stable name (its attribute, ``attr.key`` in dicts), in the
        order they were made (the order a draft is put back in)."""
        found: dict[str, QWidget] = {}
        for name, obj in vars(self).items():
            if name.startswith("_") or isinstance(obj, SearchBox):
                continue
            if isinstance(obj, QWidget) and is_input(obj):
                found[name] = obj
            elif isinstance(obj, dict):
                for key, w in obj.items():
                    if isinstance(w, QWidget) and is_input(w):
                        found[f"{name}.{key}"] = w
        return found

    def input_state(self) -> dict[str, Any]:
        return {name: input_value(w) for name, w in self.inputs().items()}

    def set_input_state(self, state: dict[str, Any]) -> None:
        inputs = self.inputs()
        for name, w in inputs.items():
            if name in state:
                set_input_value(w, state[name])

    def changed_inputs(self) -> list[str]:
        now = self.input_state()
        return [k for k, v in now.items() if k in self._clean and self._clean[k] != v]

    def field_of(self, widget: QWidget) -> FormField | None:
        for f in self.fields.values():
            if f.widget is widget or f.widget.isAncestorOf(widget):
                return f
        return None

    def unsaved_fields(self) -> list[str]:
        """The labels of the fields changed since the form was opened (or last saved)."""
        inputs = self.inputs()
        labels: list[str] = []
        for key in self.changed_inputs():
            f = self.field_of(inputs[key])
            text = _label_text(f.label_key).rstrip(" *") if f else key
            if text not in labels:
                labels.append(text)
        return labels

    # ----------------------------------------------------------------- drafts (DraftOffer has the bar)
    def draft_summary(self) -> str:
        """One line naming what the draft is (the list of drafts on start shows it)."""
        return tr("ui.punct.gap").join(t for t in (self.windowTitle(), self.household_code) if t)

    def write_draft(self) -> None:
        """Write the form's state now if it changed since the last draft (on the database thread)."""
        if not self.draft_kind or not self._ready or self.saving:
            return
        if not self.dirty:
            self._draft_tick.stop()
            if self._draft_written is not None:
                super().discard_draft()
            return
        state = self.input_state()
        if state == self._draft_written:
            return
        self._draft_written = state
        self._write_draft_with(drafts_svc.save_draft, kind=self.draft_kind, params=dict(self.draft_params),
                               state=state, summary=self.draft_summary())

    def discard_draft(self) -> None:
        self._draft_soon.stop()
        self._draft_tick.stop()
        if self.draft_kind:
            super().discard_draft()

    def _draft_found(self, draft: drafts_svc.Draft | None) -> None:
        self._offer_draft(draft)
        self.sig_ready.emit()

    def restore_draft(self) -> None:
        """Put the draft's values back (they are unsaved changes again, and are kept as the draft)."""
        draft = self.found_draft
        self.draft_bar.hide()
        if draft is None:
            return
        self.set_input_state(draft.state)
        self._draft_written = self.input_state()
        if self.dirty:
            self._draft_tick.start()

    # ----------------------------------------------------------------- subclass API
    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        """Checks the form can make before asking the service (e.g. a required choice)."""
        return []

    def submit(self, store, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def retranslate(self) -> None:
        self.setWindowTitle(tr(self.title_key))
        for f in self.fields.values():
            f.label.setText(_label_text(f.label_key))
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if save:
            save.setText(tr("ui.action.save"))
        if cancel:
            cancel.setText(tr("ui.action.cancel"))
        self._retranslate_draft_bar()
        for date_field in self.findChildren(DateField):
            date_field.retranslate()
        self.clear_errors()

    # ----------------------------------------------------------------- errors
    def clear_errors(self) -> None:
        self.general_error.show_message("")
        for f in self.fields.values():
            f.error.show_message("")

    def show_errors(self, errors: Iterable[FieldError]) -> None:
        self.clear_errors()
        general: list[str] = []
        per_field: dict[str, list[str]] = {}
        for e in errors:
            name = self._aliases.get(e.field, e.field)
            if name in self.fields:
                per_field.setdefault(name, []).append(e.message())
            else:
                general.append(tr("ui.punct.labelled", label=tr("field." + e.field), value=e.message()))
        first: QWidget | None = None
        for name, messages in per_field.items():
            self.fields[name].error.show_message(tr("ui.punct.error_sep").join(messages))
            if first is None:
                first = self.fields[name].widget
        if general:
            self.general_error.show_message("\n".join(general))
        if first is not None:
            self.focus_field(first)

    def focus_field(self, widget: QWidget) -> None:
        """Focus the field and scroll it into view with the reason just shown under it: the error
        line's room is laid out first, so a refused last field's reason is not cut off below."""
        widget.setFocus()
        if self.scroll_area is not None:
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            field = self.field_of(widget)
            self.scroll_area.ensureWidgetVisible(field.error.parentWidget() if field is not None else widget)

    def error_text(self, name: str) -> str:
        f = self.fields[name]
        return f.error.text() if f.error.isVisible() or f.error.text() else ""

    def date_problems(self) -> list[DateField]:
        """Date fields in use whose text is not a date (each shows why beside itself)."""
        return [d for d in self.findChildren(DateField) if d.isEnabled() and not d.commit()]

    # ----------------------------------------------------------------- saving
    def accept(self) -> None:
        if self.saving:
            return
        bad_dates = self.date_problems()
        if bad_dates:
            self.focus_field(bad_dates[0].edit)
            return
        values = self.values()
        local = self.local_errors(values)
        if local:
            self.show_errors(local)
            return
        self.saving = True
        self.buttons.setEnabled(False)
        self.ctx.runner.op(self.submit, values, changes=self.changes, on_done=self._saved,
                           on_error=self._failed, owner=self)

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        self.result_value = result
        self._dirty = False
        self.discard_draft()
        self.after_save(result)
        self.sig_saved.emit(result)
        self._clean = self.input_state()
        super().accept()

    def after_save(self, result: Any) -> None:
        """Hook: e.g. push an undo command."""

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.show_errors(exc.errors)
        elif isinstance(exc, OutreachError):
            self.clear_errors()
            self.general_error.show_message(exc.message())
        else:
            self.ctx.runner.show_error(exc)

    # ----------------------------------------------------------------- closing
    def unsaved_text(self) -> str:
        fields = self.unsaved_fields()
        if not fields:
            return tr("ui.form.unsaved_text")
        return tr("forms.unsaved.fields", count=len(fields), fields=tr("ui.punct.list_sep").join(fields))

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Save / Discard / Cancel, naming what is unsaved. Tests replace this method to answer
        without a modal box."""
        return ask_save_discard(self, self.unsaved_text())

    def reject(self) -> None:
        if self.dirty and not self.saving:
            answer = self.ask_unsaved()
            if answer == QMessageBox.StandardButton.Save:
                self.accept()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
            self.discard_draft()
        self._dirty = False
        self._draft_soon.stop()
        self._draft_tick.stop()
        self._clean = self.input_state()
        super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.dirty and not self.saving:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        guard_wheel(self)
        if not self._fitted:
            self._fitted = True
            fit_to_screen(self)


def _label_text(label_key: str | Callable[[], str]) -> str:
    return label_key() if callable(label_key) else tr(label_key)
