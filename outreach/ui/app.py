"""Wires the GUI once: QApplication, fonts, Qt translations, the store, first-run setup, the window.

``outreach gui`` calls ``run_gui(data_dir, demo=...)``.
"""

from __future__ import annotations

import os
import sys

from outreach.domain.errors import OutreachError
from outreach.i18n import current_language, normalize_language

APP_NAME = "Outreach"
ORG_NAME = "Outreach"


def check_display(env: dict[str, str] | None = None, platform: str | None = None) -> None:
    """On Linux with no X11/Wayland display and no QT_QPA_PLATFORM, Qt would abort the process;
    say clearly what to do instead."""
    env = dict(os.environ) if env is None else env
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        return
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return
    raise OutreachError("ui.error.no_display")


def create_application(argv: list[str] | None = None):
    """The QApplication (reused if one exists, e.g. under pytest-qt), with our font registered."""
    from PySide6.QtWidgets import QApplication

    from outreach.ui.lang import register_fonts
    from outreach.ui.qt_compat import guard_refcount_bug

    guard_refcount_bug()
    from PySide6.QtCore import QCoreApplication, Qt

    # Qt's own file/print dialogs speak the interface language; native ones follow the OS (issue 10).
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName("社工入户走访助手 Outreach")
    if not app.property("outreach_fonts"):
        register_fonts(app)
        app.setProperty("outreach_fonts", True)
    return app


def build_context(store, app):
    """Everything a screen needs, for a store that is already open."""
    from outreach.ui.context import AppContext
    from outreach.ui.lang import LanguageSwitcher
    from outreach.ui.ops import load_worker_settings
    from outreach.ui.ui_settings import UiSettings
    from outreach.ui.undo import make_stack
    from outreach.ui.workers import DbRunner

    settings = load_worker_settings(store)  # before the database thread starts: the last GUI-thread read
    switcher = LanguageSwitcher(app)
    switcher.apply(normalize_language(settings.language) or current_language())
    runner = DbRunner(store)
    return AppContext(store=store, runner=runner, undo=make_stack(), language=switcher,
                      ui_settings=UiSettings.for_store(store), settings=settings)


def run_gui(data_dir: str | None, *, demo: bool = False) -> int:
    """Open the desktop app on ``data_dir`` (default: the user's data folder). Returns the exit code."""
    check_display()
    from PySide6.QtWidgets import QDialog

    from outreach.storage.store import Store
    from outreach.ui.dialogs.setup_wizard import SetupWizard
    from outreach.ui.main_window import MainWindow

    app = create_application()
    store = Store.open(data_dir)
    ctx = build_context(store, app)
    try:
        if demo:
            _ensure_demo_data(ctx)
        if not ctx.settings.worker_name:
            wizard = SetupWizard(ctx)
            if wizard.exec() != QDialog.DialogCode.Accepted:
                return 1
            ctx.settings = wizard.result_value
        window = MainWindow(ctx)
        ctx.runner.error_parent = window
        window.show()
        return int(app.exec())
    finally:
        ctx.close()
        store.close()


def _ensure_demo_data(ctx) -> None:
    """``outreach gui --demo``: fill an empty data folder with the demo county (with progress)."""
    from PySide6.QtCore import QEventLoop

    from outreach.i18n import tr
    from outreach.ui.ops import build_demo, count_households

    loop = QEventLoop()
    state: dict[str, int] = {}
    ctx.runner.query(count_households, on_done=lambda n: (state.update(n=n), loop.quit()),
                     on_error=lambda e: (ctx.runner.show_error(e), loop.quit()))
    loop.exec()
    if state.get("n", 0) > 0:
        return
    ctx.runner.run_with_progress(build_demo, title=tr("ui.demo.building"), parent=None,
                                 changes={"household"},
                                 on_done=lambda settings: (setattr(ctx, "settings", settings), loop.quit()),
                                 on_error=lambda e: (_show_unless_cancelled(ctx, e), loop.quit()))
    loop.exec()


def _show_unless_cancelled(ctx, exc: BaseException) -> None:
    from outreach.ui.workers import JobCancelled

    if not isinstance(exc, JobCancelled):
        ctx.runner.show_error(exc)
