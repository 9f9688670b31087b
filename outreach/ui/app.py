"""Wires the GUI once: QApplication, fonts, Qt translations, the store, first-run setup, the window.

``outreach gui`` calls ``run_gui(data_dir, demo=...)``.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from outreach.domain.errors import OutreachError
from outreach.i18n import current_language, normalize_language, tr

APP_NAME = "Outreach"
ORG_NAME = "Outreach"
# The README's install line (Debian, Ubuntu, 统信UOS, 银河麒麟): what Qt needs from the system.
SYSTEM_PACKAGES = ("libglib2.0-0", "libgl1", "libegl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1",
                   "libdbus-1-3", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
                   "libxcb-render-util0", "libxcb-shape0")
_PACKAGE_OF = {"libglib-2.0.so": "libglib2.0-0", "libgthread-2.0.so": "libglib2.0-0",
               "libgobject-2.0.so": "libglib2.0-0"}
_LIBRARY = re.compile(r"(lib[A-Za-z0-9_+.-]*?\.so(?:\.[0-9]+)*)")

log = logging.getLogger(__name__)


def debian_package(library: str) -> str:
    """The Debian package that ships a library: libxcb-icccm.so.4 → libxcb-icccm4, libGL.so.1 → libgl1,
    libxkbcommon-x11.so.0 → libxkbcommon-x11-0 (Debian's naming rule, with the exceptions it has)."""
    stem, _, version = library.partition(".so")
    if stem + ".so" in _PACKAGE_OF:
        return _PACKAGE_OF[stem + ".so"]
    version = version.lstrip(".").split(".")[0]
    name = stem.lower()
    return f"{name}-{version}" if version and name[-1].isdigit() else name + version


def install_command(extra: tuple[str, ...] = (), *, root: bool | None = None) -> str:
    """The README's install line, plus any package it lacks for what is missing; sudo only when not root."""
    root = (os.geteuid() == 0) if root is None and hasattr(os, "geteuid") else bool(root)
    packages = list(SYSTEM_PACKAGES) + [p for p in extra if p not in SYSTEM_PACKAGES]
    return ("" if root else "sudo ") + "apt-get install " + " ".join(packages)


def qt_start_error(exc: BaseException, missing: list[str] | None = None) -> OutreachError:
    """One line for 'Qt cannot start': which system libraries are missing and the line that installs
    them, with the log's path (the full error is written there)."""
    from outreach.logs import log_path

    log.error("Qt cannot start", exc_info=exc)
    found = _LIBRARY.search(str(exc))
    libraries = list(dict.fromkeys(([found.group(1)] if found else []) + (missing or [])))
    command = install_command(tuple(dict.fromkeys(debian_package(lib) for lib in libraries)))
    path = log_path()
    return OutreachError("hard.qt.missing_library", library=", ".join(libraries) or str(exc), command=command,
                         count=max(1, len(libraries)),
                         log=" " + tr("hard.see_log", path=str(path)) if path else "")


def _not_found_by_ldd(path: str) -> list[str]:
    """Every library ``path`` needs that is missing (ldd lists them all; the loader stops at the
    first), or [] when ldd is not there."""
    import subprocess

    try:
        out = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]


def uses_xcb(env: dict[str, str]) -> bool:
    """Will Qt pick its X11 (xcb) platform plugin?"""
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    wayland = env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def check_platform_plugin(env: dict[str, str] | None = None, platform: str | None = None, loader=None,
                          lister=None) -> None:
    """Qt aborts the whole process ("could not load the Qt platform plugin xcb") when a library its X11
    plugin needs is missing (libxcb-cursor0, libxcb-icccm4 …): load the plugin first ourselves, so the
    missing library can be named in one line instead."""
    env = dict(os.environ) if env is None else env
    if not (platform or sys.platform).startswith("linux") or not uses_xcb(env):
        return
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("PySide6")
    folders = list(spec.submodule_search_locations or []) if spec else []
    plugins = [Path(f) / "Qt" / "plugins" / "platforms" / "libqxcb.so" for f in folders]
    plugin = next((p for p in plugins if p.exists()), None)
    if plugin is None:
        return
    if loader is None:
        import ctypes

        def loader(path: str):
            return ctypes.CDLL(path, mode=os.RTLD_LAZY)
    try:
        loader(str(plugin))
    except OSError as exc:
        raise qt_start_error(exc, (lister or _not_found_by_ldd)(str(plugin))) from exc


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
    lighten_import_check()
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


def _context(app, store, runner, settings, ui_settings):
    from outreach.ui.context import AppContext
    from outreach.ui.lang import LanguageSwitcher
    from outreach.ui.undo import make_stack

    switcher = LanguageSwitcher(app)
    switcher.apply(normalize_language(settings.language) or current_language())
    return AppContext(store=store, runner=runner, undo=make_stack(), language=switcher, ui_settings=ui_settings,
                      settings=settings)


def lighten_import_check() -> None:
    """Once PySide6 is loaded, every module imported for the first time is checked for the word
    "PySide6" (``shibokensupport.feature._mod_uses_pyside``) through ``inspect.getsource``, which also
    walks every loaded module to find the file (issue 14: a quarter of the time of importing the
    services after the first window). The same test on the file's bytes for a module read from a
    ``.py`` file; anything else goes to PySide's own check. Nothing happens if PySide changed it."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "outreach_lighter", False):
        return

    def mod_uses_pyside(module) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as fh:
                    return b"PySide6" in fh.read()
            except OSError:
                pass
        return original(module)

    mod_uses_pyside.outreach_lighter = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mod_uses_pyside


def build_context(store, app):
    """Everything a screen needs, for a store that is already open."""
    from outreach.ui.ops import load_worker_settings
    from outreach.ui.ui_settings import UiSettings
    from outreach.ui.workers import DbRunner

    settings = load_worker_settings(store)  # before the database thread starts: the last GUI-thread read
    return _context(app, store, DbRunner(store), settings, UiSettings.for_store(store))


def open_store_for_window(directory) -> object:
    """On the database thread of a window shown before its store (``start_window``): the services'
    modules, then the store (its key is unlocked already)."""
    import_core()
    from outreach.storage.store import Store

    return Store.open(directory)


class StartedWindow:
    """A main window shown with its first page before its store is open (``start_window``)."""

    def __init__(self, window, ctx) -> None:
        self.window, self.ctx = window, ctx

    def start_after_paint(self) -> None:
        """Start the database thread (services, store) once the household list has painted: not
        competing with the first paint; a window never painted (minimised) starts it soon anyway."""
        from PySide6.QtCore import QEvent, QObject, QTimer

        runner = self.ctx.runner
        viewport = self.window.households.table.viewport()

        class AfterPaint(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt override
                if event.type() == QEvent.Type.Paint:
                    obj.removeEventFilter(self)
                    QTimer.singleShot(0, runner.start)
                return False

        self._filter = AfterPaint(self.window)
        viewport.installEventFilter(self._filter)
        QTimer.singleShot(500, runner.start)


def start_window(directory, app, wait_key=None) -> StartedWindow | None:
    """The window and its household list's first page before the store is opened (issue 14). The
    window is built while the key is derived (``wait_key()`` blocks until it is: ``EarlyUnlock.wait``),
    then the page is read with the raw driver (``ui.first_page``, read-only, closed before the database
    thread starts) together with the worker's settings, and the database thread loads the services and
    opens the store once the page is painted (``StartedWindow.start_after_paint``). None when the store
    must be opened first (``first_page`` says when; the first run, whose questions need the store; a
    window reopening on another screen); what ``wait_key`` raises is raised."""
    from pathlib import Path

    from outreach.ui import first_page
    from outreach.ui.ui_settings import UiSettings

    directory = Path(directory)
    ui_settings = UiSettings(directory / "ui.ini")
    if str(ui_settings.value("main/last_view", "households") or "households") != "households":
        return None
    if not first_page.may_come_first(directory):
        return None
    from functools import partial

    from outreach.ui.main_window import MainWindow
    from outreach.ui.workers import DbRunner

    runner = DbRunner.opening(partial(open_store_for_window, directory))
    guess = first_page.FirstSettings("", "", current_language(), ())   # the stored ones once the key is there
    ctx = _context(app, None, runner, guess, ui_settings)
    window = MainWindow(ctx)
    page = None
    try:
        if wait_key is not None:
            wait_key()
        page = first_page.open_first_page(directory)
        settings = page.settings() if page is not None else None
        if settings is None or not settings.worker_name:
            raise LookupError("the store comes first")
        ctx.settings = settings
        language = normalize_language(settings.language) or current_language()
        if language != current_language():
            ctx.language.apply(language)   # the window follows (as a switch from the menu)
        window.show_worker()   # the worker's name in the status bar
        runner.answer_before_start(page.answer)   # the list's first page, from the raw read
    except BaseException as exc:
        window.deleteLater()
        ctx.close()
        if isinstance(exc, LookupError):
            return None
        raise
    finally:
        if page is not None:
            page.close()
    return StartedWindow(window, ctx)


# The non-Qt modules the main window needs once its store is open (the services, SQLAlchemy): loaded
# on the database thread after the first page is painted (``start_window``), or before the store is
# opened when the window cannot come first. Once PySide6 is loaded, every module imported for the first
# time is read again by PySide's feature check (see ``lighten_import_check``). Only what the window
# uses: Today (followups), referrals and the dashboard (reports.scope) are built when first opened,
# and their modules are imported then.
CORE_FOR_WINDOW = ("outreach.storage.store", "outreach.services.households", "outreach.services.people",
                   "outreach.services.forms", "outreach.services.drafts", "outreach.services.areas",
                   "outreach.services.providers", "outreach.services.backups", "outreach.services.assessments",
                   "outreach.sync.team", "outreach.domain.scales", "outreach.domain.dates")


# The non-Qt modules the first window needs (none loads SQLAlchemy), imported before PySide6.
FIRST_WINDOW = ("outreach.storage.crypto_store", "outreach.storage.server", "outreach.storage.paths",
                "outreach.services.household_rows", "outreach.domain.enums", "outreach.domain.dates")


def import_first() -> None:
    """Import ``FIRST_WINDOW`` (before PySide6: no feature check for them)."""
    import importlib

    for name in FIRST_WINDOW:
        importlib.import_module(name)


def import_core() -> None:
    """Import ``CORE_FOR_WINDOW`` (later calls cost nothing)."""
    import importlib

    for name in CORE_FOR_WINDOW:
        importlib.import_module(name)


class EarlyUnlock:
    """The store's key derived from ``OUTREACH_PASSPHRASE`` in a thread while the main thread imports
    Qt and builds the window (issue 14: Argon2id is ~0.2–0.3 s of start-up and releases the GIL, so it
    costs nothing when it overlaps). Only a passphrase given in the environment is used (typed ones go
    through the lock dialog), through the same ``crypto_store.unlock`` as ``Store.open``: a wrong one is
    counted once, a running delay is respected. ``wait()`` raises in the main thread whatever unlocking
    raised, so it is reported exactly as ``Store.open`` would have."""

    def __init__(self, data_dir: str | None) -> None:
        import threading

        from outreach.storage import crypto_store
        from outreach.storage.paths import data_dir as resolve_data_dir

        self.directory = resolve_data_dir(data_dir)
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        passphrase = os.environ.get(crypto_store.PASSPHRASE_ENV)
        if passphrase and crypto_store.has_keyfile(self.directory) and crypto_store.cached_key(self.directory) is None:
            self._thread = threading.Thread(target=self._unlock, args=(crypto_store, passphrase),
                                            name="outreach-unlock", daemon=True)
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def _unlock(self, crypto_store, passphrase: str) -> None:
        try:
            crypto_store.unlock(self.directory, passphrase)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by wait()
            self.error = exc

    def wait(self) -> None:
        """Block until the key is derived (``Store.open`` then finds it cached); raise what failed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class BackgroundBackup:
    """The daily encrypted backup at start (issue 13) in a thread of its own, started once the window
    is shown: copying a county's store takes seconds to tens of seconds (issue 14: 21 s for 50k
    households on a busy machine, all before the window appeared). The copy is SQLite's online
    backup on its own connections, so it is a consistent snapshot while the worker goes on; the app
    waits for it before closing the store, so quitting never leaves a half-written backup."""

    def __init__(self, store, run) -> None:
        self._store, self._run_backup = store, run
        self._thread = None

    def _run(self, tell) -> None:
        try:
            problem = self._run_backup(self._store)   # lock_dialog.start_backup: None, or why there is none
        except Exception as exc:  # noqa: BLE001 - whatever stopped it, the worker is told and the app goes on
            log.exception("the backup at start failed")
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            tell(tr("sec.backup.failed_at_start", reason=problem))

    def start(self, tell) -> None:
        """Start the backup; ``tell(text)`` (callable from this thread) says why none could be made."""
        import threading

        self._thread = threading.Thread(target=self._run, args=(tell,), name="outreach-backup")
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()


def _gui_thread_call(parent, slot):
    """A callable any thread may call: ``slot(text)`` then runs in the GUI thread (a queued signal)."""
    from PySide6.QtCore import QObject, Signal

    class Relay(QObject):
        said = Signal(str)

    relay = Relay(parent)
    relay.said.connect(slot)
    return relay.said.emit


def run_gui(data_dir: str | None, *, demo: bool = False) -> int:
    """Open the desktop app on ``data_dir`` (default: the user's data folder). Returns the exit code."""
    from outreach.logs import log_path, setup_logging, sweep_data_folder

    if log_path() is None:  # the CLI has set it up already when it started us
        setup_logging(data_dir)
        sweep_data_folder(data_dir)
    check_display()
    early = EarlyUnlock(data_dir)   # the key is derived while Qt and the window's modules load
    import_first()                  # before PySide6 (see FIRST_WINDOW)
    try:
        from PySide6.QtWidgets import QDialog
    except ImportError as exc:  # libGL.so.1, libEGL.so.1, libxkbcommon.so.0 … not installed
        raise qt_start_error(exc) from exc
    check_platform_plugin()
    _log_uncaught_exceptions()

    app = create_application()
    from outreach.domain.errors import OutreachError
    from outreach.storage.paths import data_dir as resolve_data_dir
    from outreach.ui.dialogs.lock_dialog import (
        IdleLock,
        ask_at_start,
        idle_minutes,
        show_open_error,
        start_backup,
    )

    if not ask_at_start(resolve_data_dir(data_dir), demo=demo):  # the app lock (issue 13)
        return 1
    started = None if demo else _start_first(early, resolve_data_dir(data_dir), app)
    if started is not None:
        code = _run_started(app, started, resolve_data_dir(data_dir))
        if code is not None:
            return code
    # The store first (a new folder, the first run, a store to upgrade or check …), then the window.
    import_core()
    from outreach.storage.store import Store
    from outreach.ui.main_window import MainWindow

    try:
        early.wait()
        store = Store.open(data_dir)
    except OutreachError as exc:   # a damaged store, a missing key file …: said in the window too
        from outreach.ui.dialogs.recover_store_dialog import offer_store_recovery

        if not offer_store_recovery(resolve_data_dir(data_dir), exc):   # damaged: backup + replay, once
            show_open_error(exc)
            raise
        store = Store.open(data_dir)
    minutes = idle_minutes(store)
    backup = BackgroundBackup(store, start_backup)   # the daily encrypted backup, once the window is up
    ctx = build_context(store, app)
    try:
        if demo:
            _ensure_demo_data(ctx)
        if not ctx.settings.worker_name:   # the first run only: its module is not imported otherwise
            from outreach.ui.dialogs.setup_wizard import SetupWizard

            wizard = SetupWizard(ctx)
            if wizard.exec() != QDialog.DialogCode.Accepted:
                return 1
            ctx.settings = wizard.result_value
        window = MainWindow(ctx)
        window.idle_lock = IdleLock(resolve_data_dir(data_dir), minutes, window)
        ctx.runner.error_parent = window
        window.show()
        backup.start(_gui_thread_call(window, lambda text: window.statusBar().showMessage(text)))
        return int(app.exec())
    finally:
        backup.join()
        ctx.close()
        store.close()


def _start_first(early: EarlyUnlock, directory, app) -> StartedWindow | None:
    """``start_window`` once the key is there; None (the usual path) when unlocking failed, which that
    path then reports as ``Store.open`` would."""
    try:
        return start_window(directory, app, early.wait)
    except BaseException as exc:  # noqa: BLE001 - raised again by the usual path's early.wait()
        early.error = exc
        return None


def _run_started(app, started: StartedWindow, directory) -> int | None:
    """Run a window shown before its store (``start_window``). None when the store could not be opened
    on the database thread: the window is closed and the usual path opens it again, reporting the
    error (or offering the recovery) as it always has."""
    from outreach.ui.dialogs.lock_dialog import IdleLock, idle_minutes, start_backup

    window, ctx = started.window, started.ctx
    window.idle_lock = IdleLock(directory, idle_minutes(ctx.settings), window)  # read with the first page
    ctx.runner.error_parent = window
    state: dict[str, object] = {}

    def ready() -> None:
        backup = state["backup"] = BackgroundBackup(ctx.runner.store, start_backup)   # the daily backup
        backup.start(_gui_thread_call(window, lambda text: window.statusBar().showMessage(text)))

    def failed() -> None:
        state["failed"] = True
        app.exit(0)

    ctx.runner.sig_ready.connect(ready)
    ctx.runner.sig_open_failed.connect(failed)
    window.show()
    started.start_after_paint()
    try:
        code = int(app.exec())
        if state.get("failed"):
            window.close()
        elif "backup" not in state:   # closed before the store was open: the daily backup all the same
            try:
                ctx.runner.wait_ready()
            except BaseException:  # noqa: BLE001 - it could not be opened: the usual path says why
                state["failed"] = True
            else:
                ready()
    finally:
        backup = state.get("backup")
        if isinstance(backup, BackgroundBackup):
            backup.join()
        ctx.close()
        store = ctx.runner.opened_store()
        if store is not None:
            store.close()
    return None if state.get("failed") else code


def _log_uncaught_exceptions() -> None:
    """An exception escaping a Qt slot goes to the log (masked) as well as to the console."""
    previous = sys.excepthook
    if getattr(previous, "outreach_logs", False):
        return

    def hook(kind, value, tb):
        log.error("uncaught exception in the app window", exc_info=(kind, value, tb))
        previous(kind, value, tb)

    hook.outreach_logs = True  # type: ignore[attr-defined]
    sys.excepthook = hook


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
