"""The shape every form shares: labelled fields with an error line under each, Save/Cancel, saving on
the database thread through a service (which validates; nothing is written unless valid), errors shown
beside their field in the user's language, and a question before unsaved changes are thrown away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import FieldError, OutreachError, ValidationError
from outreach.i18n import tr
from outreach.ui.widgets import ErrorLabel


@dataclass
class FormField:
    name: str
    label_key: str | Callable[[], str]  # a catalog key, or a function giving the text (template questions)
    label: QLabel
    widget: QWidget
    error: ErrorLabel


class FormDialog(QDialog):
    """Subclasses build their fields with ``add_field``, and implement ``values()`` and
    ``submit(store, values)`` (runs on the database thread; raise ValidationError to refuse)."""

    sig_saved = Signal(object)

    title_key = "ui.form.title"
    changes: Iterable[str] = ()

    def __init__(self, ctx, parent: QWidget | None = None, *, scroll: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fields: dict[str, FormField] = {}
        self._aliases: dict[str, str] = {}
        self._dirty = False
        self._loading = False
        self.saving = False
        self.result_value: Any = None
        outer = QVBoxLayout(self)
        self.general_error = ErrorLabel(self)
        outer.addWidget(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        if scroll:
            area = QScrollArea(self)
            area.setWidgetResizable(True)
            inner = QWidget(area)
            inner.setLayout(self.form)
            area.setWidget(inner)
            outer.addWidget(area, 1)
        else:
            outer.addLayout(self.form)
        self.body = outer
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)  # Ctrl+S saves from any field
        save.activated.connect(self.accept)
        self._buttons_added = False

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
        """Any edit in ``widget`` makes the form dirty (asks before closing)."""
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(self.mark_dirty)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(self.mark_dirty)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(self.mark_dirty)
        elif isinstance(widget, QDateEdit):
            widget.dateChanged.connect(self.mark_dirty)
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(self.mark_dirty)
        elif isinstance(widget, QCheckBox | QAbstractButton):
            widget.toggled.connect(self.mark_dirty)

    def finish_layout(self) -> None:
        """Call at the end of a subclass's __init__: adds the buttons and the title."""
        if not self._buttons_added:
            self.body.addWidget(self.buttons)
            self._buttons_added = True
        with self.loading():
            self.retranslate()

    def mark_dirty(self, *_args) -> None:
        if not self._loading:
            self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def loading(self):
        """``with self.loading():`` while filling fields from a record (does not make the form dirty)."""
        form = self

        class _Loading:
            def __enter__(self):
                form._loading = True

            def __exit__(self, *exc):
                form._loading = False

        return _Loading()

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
                general.append(f"{tr('field.' + e.field)}: {e.message()}")
        first: QWidget | None = None
        for name, messages in per_field.items():
            self.fields[name].error.show_message(tr("ui.punct.error_sep").join(messages))
            if first is None:
                first = self.fields[name].widget
        if general:
            self.general_error.show_message("\n".join(general))
        if first is not None:
            first.setFocus()

    def error_text(self, name: str) -> str:
        f = self.fields[name]
        return f.error.text() if f.error.isVisible() or f.error.text() else ""

    # ----------------------------------------------------------------- saving
    def accept(self) -> None:
        if self.saving:
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
        self.after_save(result)
        self.sig_saved.emit(result)
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
    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Save / Discard / Cancel. Tests replace this method to answer without a modal box."""
        return QMessageBox.question(
            self, tr("ui.form.unsaved_title"), tr("ui.form.unsaved_text"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)

    def reject(self) -> None:
        if self._dirty and not self.saving:
            answer = self.ask_unsaved()
            if answer == QMessageBox.StandardButton.Save:
                self.accept()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        self._dirty = False
        super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._dirty and not self.saving:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)


def _label_text(label_key: str | Callable[[], str]) -> str:
    return label_key() if callable(label_key) else tr(label_key)
