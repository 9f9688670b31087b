"""What the two review queues share (conflicts: ``conflict_queue_view``; possible duplicates:
``duplicate_queue_view``): the database thread (the app's, or the screen's own when it stands alone:
closing the screen ends it), the title line, reloading when what the queue shows changed, and an error
said in the message line in the user's language (an unexpected one named, never a traceback).

    class ConflictQueueView(QueueScreen, QWidget):
        reload_on = frozenset(SYNCED_TABLES) | {"sync", "merge_conflict"}
        def __init__(self, store, runner=None, parent=None):
            super().__init__(parent)
            self._start(store, runner)          # self.store, self.runner, self.loaded, self.title
"""

from __future__ import annotations

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.ui.views.screen_runner import ScreenRunner
from outreach.ui.workers import DbRunner


class QueueScreen(ScreenRunner):
    """Mixed into a QWidget before it; the screen has ``self.message`` (a QLabel) and ``refresh()``."""

    reload_on: frozenset[str] = frozenset()

    def _start(self, store, runner: DbRunner | None) -> None:
        super()._start(store, runner)
        self.loaded = False

    def _data_changed(self, changes) -> None:
        if self.reload_on & set(changes):
            self.refresh()

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, OutreachError):
            self.message.setText(exc.message())
        else:
            self.message.setText(tr("merge.ui.error", error=f"{type(exc).__name__}: {exc}"))
