"""Screens other parts of the app build as standalone widgets, wired into the main window here:
referrals and letters, sync, the conflict and duplicate queues, and the dashboard.

Each entry gives the navigation name, the title key, the shortcut and a factory ``build(ctx, parent)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget


def _referrals(ctx, parent: QWidget) -> QWidget:
    from outreach.ui.views.referrals_view import ReferralsView

    return ReferralsView(ctx.store, parent, runner=ctx.runner)


def _sync(ctx, parent: QWidget) -> QWidget:
    from outreach.ui.views.sync_view import SyncView

    return SyncView(ctx.store, ctx.runner, parent)


def _conflicts(ctx, parent: QWidget) -> QWidget:
    from outreach.ui.views.conflict_queue_view import ConflictQueueView

    return ConflictQueueView(ctx.store, ctx.runner, parent)


def _duplicates(ctx, parent: QWidget) -> QWidget:
    from outreach.ui.views.duplicate_queue_view import DuplicateQueueView

    return DuplicateQueueView(ctx.store, ctx.runner, parent)


def _dashboard(ctx, parent: QWidget) -> QWidget:
    from outreach.ui.views.dashboard_view import build_dashboard

    return build_dashboard(ctx, parent)


@dataclass(frozen=True)
class ExternalView:
    name: str
    title_key: str
    shortcut: str
    build: Callable[[object, QWidget], QWidget]
    owner: str  # who builds it


EXTERNAL_VIEWS: list[ExternalView] = [
    ExternalView("referrals", "ui.nav.referrals", "Ctrl+3", _referrals, "letters"),
    ExternalView("sync", "ui.nav.sync", "Ctrl+4", _sync, "sync"),
    ExternalView("conflicts", "ui.nav.conflicts", "Ctrl+5", _conflicts, "merge"),
    ExternalView("duplicates", "ui.nav.duplicates", "Ctrl+6", _duplicates, "merge"),
    ExternalView("dashboard", "ui.nav.dashboard", "Ctrl+7", _dashboard, "reports"),
]
