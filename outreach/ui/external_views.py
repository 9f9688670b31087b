"""Screens other parts of the app build as standalone widgets, wired into the main window here.

Each entry gives the navigation name, the title key, the shortcut, and a factory ``build(ctx, parent)``.
A screen whose module has not landed in the repository yet has ``build=None``: the main window shows a
clearly marked placeholder page for it (``PendingView``) instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ExternalView:
    name: str
    title_key: str
    shortcut: str
    build: Callable[[object, QWidget], QWidget] | None  # None: not landed yet (placeholder page)
    owner: str  # who builds it, for the placeholder's tooltip and the report


EXTERNAL_VIEWS: list[ExternalView] = [
    ExternalView("referrals", "ui.nav.referrals", "Ctrl+3", None, "letters"),
    ExternalView("sync", "ui.nav.sync", "Ctrl+4", None, "sync"),
    ExternalView("conflicts", "ui.nav.conflicts", "Ctrl+5", None, "merge"),
    ExternalView("duplicates", "ui.nav.duplicates", "Ctrl+6", None, "merge"),
    ExternalView("dashboard", "ui.nav.dashboard", "Ctrl+7", None, "reports"),
]
