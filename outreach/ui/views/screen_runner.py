"""A screen's database thread, one way for every screen that can also stand alone (Sync, County hub,
the review queues): the app's ``DbRunner`` when given, else its own, which closing the screen ends;
and the screen's title line.

    class QueueScreen(ScreenRunner): ...      # then, in __init__: self._start(store, runner)
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from outreach.ui.workers import DbRunner


class ScreenRunner:
    """Mixed into a QWidget before it."""

    def _start(self, store, runner: DbRunner | None) -> None:
        self.store = store
        self._own_runner = runner is None
        self.runner = runner or DbRunner(store, self)
        self.title = QLabel(self)
        self.title.setWordWrap(True)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._own_runner:
            self.runner.shutdown()
        super().closeEvent(event)
