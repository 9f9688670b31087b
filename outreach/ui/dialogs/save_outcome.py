"""What a form-like dialog does when its save, run by ``ctx.runner.op``, comes back: on success it keeps
the result, emits ``sig_saved`` and closes; on a user error it shows the message beside the buttons and
lets the worker try again. (Scale and imported-form dialogs; the core forms have ``form_base``.)"""

from __future__ import annotations

from typing import Any

from outreach.domain.errors import OutreachError, ValidationError
from outreach.ui.widgets import ErrorLabel


class SaveOutcome:
    """Mixin for a QDialog with ``sig_saved``, ``buttons`` and an error label (``save_error_label``)."""

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
