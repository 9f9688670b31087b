"""What every screen gets: the store (for its identity and settings only — data goes through the
runner), the database runner, the undo stack, the language switcher and the remembered window state."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QUndoStack

from outreach.storage.store import Store
from outreach.ui.gc_thread import GuiThreadCollector
from outreach.ui.lang import LanguageSwitcher
from outreach.ui.ops import WorkerSettings
from outreach.ui.ui_settings import UiSettings
from outreach.ui.workers import DbRunner


@dataclass
class AppContext:
    store: Store
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
