"""What every screen gets: the store (for its identity and settings only — data goes through the
runner), the database runner, the undo stack, the language switcher and the remembered window state.

At start-up (issue 14) the window and its first page come before the store: ``store`` is None until the
runner has opened it on the database thread (``runner.sig_ready``), and ``settings`` are the ones read
with the first page. Nothing here imports SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoStack

from outreach.ui.gc_thread import GuiThreadCollector
from outreach.ui.lang import LanguageSwitcher
from outreach.ui.ui_settings import UiSettings
from outreach.ui.workers import DbRunner

if TYPE_CHECKING:
    from outreach.storage.store import Store
    from outreach.ui.ops import WorkerSettings


@dataclass
class AppContext:
    store: Store | None
    runner: DbRunner
    undo: QUndoStack
    language: LanguageSwitcher
    ui_settings: UiSettings
    settings: WorkerSettings  # the worker's settings, read at start-up, updated when saved
    collector: GuiThreadCollector = field(default_factory=GuiThreadCollector)  # cycles freed on this thread

    def close(self) -> None:
        self.runner.shutdown()
        self.collector.close()
        self.ui_settings.sync()
        self.language.uninstall()
        self.language.deleteLater()
