"""The draft an open form is kept as (``services.drafts``: local, never synced), as every form dialog has
it: the yellow bar that offers a found draft back ("Restore draft" / "Discard draft"), looking the draft
up, writing it and letting it go. The core forms (``form_base.FormDialog``) and the scale form share it.

    class ScaleFormDialog(DraftOffer, SaveOutcome, QDialog):
        draft_kind = "scale"                # with self.draft_params: what opens the same form again
        sig_draft_saved = Signal(str)       # the draft's key, once it is on disk
        def restore_draft(self): ...        # put self.found_draft's state back
        def _draft_found(self, draft): ...  # the lookup's answer: self._offer_draft(draft) …

The dialog has ``self.ctx`` (its runner) and builds the bar with ``_make_draft_bar()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from outreach.i18n import tr
from outreach.services import drafts as drafts_svc


class DraftOffer:
    """Mixin for a QDialog (put it before QDialog in the bases)."""

    draft_kind: str | None = None
    draft_params: dict[str, Any]
    restore_draft_on_open = False      # set by FormLauncher.open_draft before the lookup answers
    found_draft: drafts_svc.Draft | None = None
    _draft_written: Any = None         # what the draft on disk holds (None: no draft written)

    def draft_key(self) -> str:
        return drafts_svc.draft_key(self.draft_kind, **self.draft_params)

    def _look_for_draft(self) -> None:
        self.ctx.runner.query(drafts_svc.get_draft, self.draft_key(), owner=self, on_done=self._draft_found)

    def _draft_found(self, draft: drafts_svc.Draft | None) -> None:
        raise NotImplementedError

    def restore_draft(self) -> None:
        raise NotImplementedError

    def _offer_draft(self, draft: drafts_svc.Draft | None) -> None:
        """A draft found on opening: put back at once (the list of unsaved forms opened it), or offered."""
        self.found_draft = draft
        if draft is None:
            return
        if self.restore_draft_on_open:
            self.restore_draft()
        else:
            when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
            self.draft_text.setText(tr("forms.draft.found", time=when))
            self.draft_bar.show()

    def _write_draft_with(self, fn: Callable[..., Any], **kwargs: Any) -> None:
        """``fn(store, key=…, **kwargs)`` on the database thread, then ``sig_draft_saved(key)``."""
        key = self.draft_key()
        self.ctx.runner.op(fn, key=key, **kwargs, changes=(), owner=self,
                           on_done=lambda _r: self.sig_draft_saved.emit(key))

    def discard_draft(self) -> None:
        """The draft goes (the form was saved, or its answers discarded)."""
        self._draft_written = None
        self.ctx.runner.op(drafts_svc.discard_draft, self.draft_key(), changes=())

    def _drop_found_draft(self) -> None:
        self.draft_bar.hide()
        self.found_draft = None
        self.discard_draft()

    def _make_draft_bar(self) -> QFrame:
        bar = self.draft_bar = QFrame(self)
        bar.setObjectName("draftBar")
        bar.setStyleSheet("#draftBar { background: #fff4d6; border: 1px solid #e3c878; border-radius: 4px; }")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 4)
        self.draft_text = QLabel(bar)
        self.draft_text.setWordWrap(True)
        self.draft_restore = QPushButton(bar)
        self.draft_restore.setAutoDefault(False)
        self.draft_restore.clicked.connect(self.restore_draft)
        self.draft_discard = QPushButton(bar)
        self.draft_discard.setAutoDefault(False)
        self.draft_discard.clicked.connect(self._drop_found_draft)
        row.addWidget(self.draft_text, 1)
        row.addWidget(self.draft_restore)
        row.addWidget(self.draft_discard)
        self._retranslate_draft_bar()
        bar.hide()
        return bar

    def _retranslate_draft_bar(self) -> None:
        self.draft_restore.setText(tr("forms.draft.restore"))
        self.draft_discard.setText(tr("forms.draft.discard"))
