"""What a form-like dialog does when its save, run by ``ctx.runner.op``, comes back: on success it keeps
the result, emits ``sig_saved`` and closes; on a user error it shows the message beside the buttons and
lets the worker try again. (Scale and imported-form dialogs; the core forms have ``form_base``.)

Closing such a dialog (Cancel, Esc, the window's ×, or quitting the app) with answers not yet saved
asks first — Save / Discard / Keep editing — as the core forms do: a PHQ-9 asked at a kitchen table
is not lost to a stray Esc."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from outreach.domain.errors import OutreachError, ValidationError
from outreach.i18n import tr
from outreach.ui.widgets import ErrorLabel, fit_to_screen


def ask_save_discard(parent, text: str, *, name: str = "") -> QMessageBox.StandardButton:
    """Save / Discard / Keep editing about answers not saved (``text`` names them); Save is the default.
    Every form's ``ask_unsaved`` asks this way."""
    box = QMessageBox(QMessageBox.Icon.Question, tr("ui.form.unsaved_title"), text,
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    if name:
        box.setObjectName(name)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.button(QMessageBox.StandardButton.Save).setText(tr("ui.action.save"))
    box.button(QMessageBox.StandardButton.Discard).setText(tr("forms.unsaved.discard"))
    box.button(QMessageBox.StandardButton.Cancel).setText(tr("forms.unsaved.keep_editing"))
    return QMessageBox.StandardButton(box.exec())


class SaveOutcome:
    """Mixin for a QDialog with ``sig_saved``, ``buttons``, ``save()`` and an error label
    (``save_error_label``). Put it before QDialog in the bases. A dialog that can hold answers
    overrides ``unsaved_count()`` (how many answers would be lost)."""

    def save_error_label(self) -> ErrorLabel:
        return self.error  # type: ignore[attr-defined]

    def _saved(self, result: Any) -> None:
        self.result_value = result
        self.sig_saved.emit(result)  # type: ignore[attr-defined]
        self.accept()  # type: ignore[attr-defined]

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)  # type: ignore[attr-defined]
        if isinstance(exc, ValidationError):
            self.save_error_label().show_message("; ".join(e.message() for e in exc.errors))
        elif isinstance(exc, OutreachError):
            self.save_error_label().show_message(exc.message())
        else:
            raise exc

    # ------------------------------------------------------------------ unsaved answers
    def unsaved_count(self) -> int:
        return 0

    def has_unsaved(self) -> bool:
        """Answers on screen that closing now would lose (not while a save is on its way)."""
        return (self.isVisible() and self.buttons.isEnabled()  # type: ignore[attr-defined]
                and self.unsaved_count() > 0)

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Save / Discard / Keep editing. Tests replace this method to answer without a modal box."""
        return ask_save_discard(self, tr("wo.unsaved.answers", count=self.unsaved_count()), name="UnsavedAnswers")

    def reject(self) -> None:
        if self.has_unsaved():
            answer = self.ask_unsaved()
            if answer == QMessageBox.StandardButton.Save:
                self.save()  # type: ignore[attr-defined]  # closes itself once saved; stays open on an error
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()  # type: ignore[misc]

    _fitted = False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[misc]
        if not self._fitted:  # a PHQ-9 is 680 px tall: on a 1280×720 laptop Save sat under the task bar
            self._fitted = True
            fit_to_screen(self)  # type: ignore[arg-type]

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.has_unsaved():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)  # type: ignore[misc]
