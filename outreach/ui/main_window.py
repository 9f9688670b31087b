"""The main window: menus, the navigation bar, the status bar and a stack of screens. No screen logic
lives here (DESIGN.md: no giant main window) — each screen is a module in ``views/`` and each form a
module in ``dialogs/``; ``forms.FormLauncher`` opens the forms.

At start-up (issue 14) the window can come before its store: built and shown with the household list's
first page (read with the raw driver, ``ui.first_page``) while the database thread loads the services
and opens the store. What needs them — the forms, the Team, Print & reports, Forms and security menus,
the other screens — is added once the store is open (``sig_ready``), or at once, waiting for it, when
something reaches it first (``ensure_started``). Nothing imported here loads SQLAlchemy."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import shiboken6
from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QStackedWidget, QToolBar, QVBoxLayout, QWidget

from outreach.i18n import tr
from outreach.ui.external_views import EXTERNAL_VIEWS, ExternalView
from outreach.ui.undo import retranslate_stack
from outreach.ui.views.households_view import HouseholdsView
from outreach.ui.widgets import guard_wheel

MIN_SIZE = (1024, 640)
DEFAULT_SIZE = (1366, 740)


class LazyPage(QWidget):
    """Holds a screen built by another part of the app, created the first time it is shown, so that
    start-up (and the first search) never waits behind screens the worker has not opened yet."""

    sig_built = Signal(str, QWidget)

    def __init__(self, spec: ExternalView, ctx, parent: QWidget | None = None, before_build=None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.ctx = ctx
        self._before_build = before_build  # the window's ensure_started: screens need the store
        self.inner: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def build(self) -> QWidget:
        if self.inner is None:
            if self._before_build is not None:
                self._before_build()
            self.inner = self.spec.build(self.ctx, self)
            self._layout.addWidget(self.inner)
            self.sig_built.emit(self.spec.name, self.inner)
        return self.inner

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.build()
        super().showEvent(event)

    def retranslate(self) -> None:
        retranslate = getattr(self.inner, "retranslate", None)
        if callable(retranslate):
            retranslate()


class MainWindow(QMainWindow):
    def __init__(self, ctx) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("MainWindow")
        self.setMinimumSize(*MIN_SIZE)
        self.resize(*DEFAULT_SIZE)
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.households = HouseholdsView(ctx, self)
        # The household page and Today are built the first time they are needed (shown, opened by a
        # menu, a shortcut or a double-click, or read as ``self.household_page`` / ``self.today``):
        # the first window waits only for the household list (issue 14).
        self.pages: dict[str, QWidget] = {"households": self.households}
        self._builders = {"household": self._build_household_page, "today": self._build_today}
        for spec in EXTERNAL_VIEWS:
            page = LazyPage(spec, ctx, self, before_build=self.ensure_started)
            page.sig_built.connect(self._connect_external)
            self.pages[spec.name] = page
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.badges: dict[str, int] = {}
        self._connect_screens()
        self._build_actions()
        self._build_menus()
        self.busy = QLabel(self)
        self.who = QLabel(self)
        self.statusBar().addWidget(self.who)
        self.statusBar().addPermanentWidget(self.busy)
        ctx.runner.sig_busy.connect(lambda busy: self.busy.setText(tr("ui.status.working") if busy else ""))
        ctx.language.sig_changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self._started = False
        self._restore_state()
        guard_wheel(self)  # filters and date boxes on the screens change only with the focus (issue 10)
        if ctx.runner.ready:
            self.ensure_started()
        else:   # the store opens on the database thread after the first page is shown (issue 14)
            ctx.runner.sig_ready.connect(self.ensure_started)

    def ensure_started(self) -> None:
        """The parts that need the services and the store: built once the store is open. Called when
        the runner says so, or by whatever needs them first (then it waits for the store here)."""
        if self._started:
            return
        ctx = self.ctx
        store = ctx.runner.wait_ready()
        if self._started:  # built meanwhile (a queued signal delivered while waiting)
            return
        self._started = True
        if ctx.store is None:
            ctx.store = store
        from outreach.ui.ops import WorkerSettings

        if not isinstance(ctx.settings, WorkerSettings):   # read with the first page (ui.first_page)
            ctx.settings = WorkerSettings(**{f: getattr(ctx.settings, f) for f in WorkerSettings.__dataclass_fields__})
        from outreach.ui.forms import FormLauncher

        self._forms = FormLauncher(ctx, self, self.open_household)
        from outreach.ui.menus import DayOneMenus

        self.dayone = DayOneMenus(self)  # Team and Print & reports menus (issue 9)
        from outreach.ui.dialogs.forms_menu import FormsMenu

        self.forms_menu = FormsMenu(self)  # Forms: import an XLSForm, fill a form or a scale (issue 16)
        from outreach.ui.dialogs.backups_dialog import SecurityMenu

        self.security_menu = SecurityMenu(self)  # File: lock now, backups, passphrase (issue 13)
        self._forms.offer_drafts()  # forms left unsaved by a crash or a closed window (issue 10)

    @property
    def started(self) -> bool:
        return self._started

    @property
    def forms(self):
        self.ensure_started()
        return self._forms

    # ----------------------------------------------------------------- wiring
    def _connect_screens(self) -> None:
        hv = self.households
        hv.sig_open_household.connect(self.open_household)
        hv.sig_new_household.connect(lambda village: self.forms.new_household(village))

    def page(self, name: str) -> QWidget:
        """The screen called ``name``, built now if this is its first use (household, today)."""
        widget = self.pages.get(name)
        if widget is None:
            self.ensure_started()
            widget = self._builders[name]()
            self.pages[name] = widget
            self.stack.addWidget(widget)
            guard_wheel(widget)  # built after the window: its drop-downs ignore a passing wheel too
        return widget

    @property
    def household_page(self):
        return self.page("household")

    @property
    def today(self):
        return self.page("today")

    def _build_today(self) -> QWidget:
        from outreach.ui.views.today_view import TodayView

        today = TodayView(self.ctx, self)
        today.sig_open_household.connect(self.open_household)
        today.set_villages(self._my_villages())
        return today

    def _build_household_page(self) -> QWidget:
        from outreach.ui.views.household_page import HouseholdPage

        page = HouseholdPage(self.ctx, self)
        page.sig_back.connect(lambda: self.show_view("households"))
        page.sig_edit_household.connect(self.forms.edit_household)
        page.sig_add_member.connect(self.forms.add_member)
        page.sig_edit_member.connect(self.forms.edit_member)
        page.sig_record_visit.connect(self.forms.record_visit)
        page.sig_assess.connect(self.forms.assess)
        page.sig_refer.connect(self.forms.refer)
        return page

    def _connect_external(self, name: str, widget: QWidget) -> None:
        guard_wheel(widget)  # a lazily built screen: its drop-downs and date boxes ignore a passing wheel
        signal = getattr(widget, "sig_open_household", None)
        if signal is not None:
            signal.connect(self.open_household)
        count = getattr(widget, "sig_count", None)
        if count is not None:  # the review queues show how many items wait, in the navigation
            count.connect(partial(self._badge, name))
        households = getattr(widget, "sig_open_households", None)
        if households is not None:  # the dashboard: a number leads to its households
            households.connect(self.show_household_list)

    def _action(self, name: str, shortcut: QKeySequence | str | None, slot) -> QAction:
        action = QAction(self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        self._action("new_household", QKeySequence.StandardKey.New,
                     lambda: self.forms.new_household(self.households.selected_village()))
        self._action("settings", QKeySequence.StandardKey.Preferences, self.open_settings)
        self._action("import_areas", None, lambda: self.forms.import_areas())
        self._action("quit", QKeySequence.StandardKey.Quit, self.close)
        # Our own undo/redo actions (not QUndoStack.createUndoAction) so their text — "撤销 编辑住户" —
        # comes from the catalog and follows a language switch.
        stack = self.ctx.undo
        undo = self._action("undo", QKeySequence.StandardKey.Undo, stack.undo)
        redo = self._action("redo", QKeySequence.StandardKey.Redo, stack.redo)
        redo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")])
        for action, signal in ((undo, stack.canUndoChanged), (redo, stack.canRedoChanged)):
            signal.connect(action.setEnabled)
            action.setEnabled(False)
        stack.undoTextChanged.connect(self._undo_texts)
        stack.redoTextChanged.connect(self._undo_texts)
        self._action("find", QKeySequence.StandardKey.Find, self.find)
        self._action("refresh", "F5", self.refresh)  # StandardKey.Refresh includes Ctrl+R on X11
        self._action("lang_zh", None, lambda: self.set_language("zh_CN"))
        self._action("lang_en", None, lambda: self.set_language("en"))
        self._action("about", None, self.show_about)
        self.nav_group = QActionGroup(self)
        self.nav_actions: dict[str, QAction] = {}
        nav = [("households", "Ctrl+1"), ("today", "Ctrl+2")] + [(s.name, s.shortcut) for s in EXTERNAL_VIEWS]
        for name, shortcut in nav:
            action = self._action(f"nav_{name}", shortcut, partial(self.show_view, name))
            action.setCheckable(True)
            self.nav_group.addAction(action)
            self.nav_actions[name] = action

    def show_about(self) -> None:
        """Help → About: version, data folder, database file, log folder (about_dialog.py)."""
        from outreach.ui.dialogs.about_dialog import AboutDialog

        self.ensure_started()
        self.about_dialog = AboutDialog(self.ctx.store, self)
        self.about_dialog.exec()

    def _build_menus(self) -> None:
        a = self.actions_by_name
        bar = self.menuBar()
        self.menus = {name: bar.addMenu("") for name in ("file", "edit", "view", "language", "help")}
        self.menus["file"].addActions([a["new_household"], a["import_areas"], a["settings"]])
        self.menus["file"].addSeparator()
        self.menus["file"].addAction(a["quit"])
        self.menus["edit"].addActions([a["undo"], a["redo"]])
        self.menus["edit"].addSeparator()
        self.menus["edit"].addActions([a["find"], a["refresh"]])
        self.menus["view"].addActions(list(self.nav_actions.values()))
        self.menus["language"].addActions([a["lang_zh"], a["lang_en"]])
        self.menus["help"].addAction(a["about"])
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("navigation")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addActions(list(self.nav_actions.values()))
        self.toolbar.addSeparator()
        self.toolbar.addActions([a["new_household"], a["undo"], a["redo"]])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    # ----------------------------------------------------------------- navigation
    def show_view(self, name: str, *_checked) -> None:
        page = self.page(name) if name in self._builders else self.pages.get(name) or self.households
        self.stack.setCurrentWidget(page)
        nav_name = "households" if name == "household" else name
        if nav_name in self.nav_actions:
            self.nav_actions[nav_name].setChecked(True)
        self.current_view = name

    current_view = "households"

    def open_household(self, household_id: str) -> None:
        if not household_id:
            return
        self.household_page.open(household_id)
        self.show_view("household")

    def show_household_list(self, query) -> None:
        from outreach.ui.dialogs.household_list_dialog import HouseholdListDialog

        self.ensure_started()
        dialog = HouseholdListDialog(self.ctx, query, self)
        dialog.sig_open_household.connect(self.open_household)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _badge(self, name: str, n: int) -> None:
        self.badges[name] = n
        self._nav_text(name)

    def _nav_text(self, name: str) -> None:
        action = self.nav_actions[name]
        spec = next((s for s in EXTERNAL_VIEWS if s.name == name), None)
        title = tr(spec.title_key if spec else f"ui.nav.{name}")
        n = self.badges.get(name, 0)
        action.setText(tr("ui.nav.badge", title=title, n=n) if n else title)
        action.setToolTip(f"{title} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")

    def find(self) -> None:
        self.show_view("households")
        self.households.focus_search()

    def refresh(self) -> None:
        self.ctx.runner.sig_changed.emit(frozenset({"household", "sync"}))

    def _my_villages(self) -> list[str]:
        return list(self.ctx.settings.villages)

    # ----------------------------------------------------------------- settings & language
    def open_settings(self) -> None:
        self.forms.settings(self._settings_saved)

    def _settings_saved(self, settings) -> None:
        self.ctx.settings = settings
        self.ctx.language.apply(settings.language)
        if "today" in self.pages:  # not built yet: it reads the villages when it is
            self.today.set_villages(list(settings.villages))
        self._show_who(settings.worker_name, settings.device_name)

    def set_language(self, lang: str) -> None:
        from outreach.ui.ops import save_worker_settings

        self.ensure_started()
        self.ctx.language.apply(lang)
        self.ctx.settings = replace(self.ctx.settings, language=lang)
        self.ctx.runner.op(save_worker_settings, self.ctx.settings, changes={"settings"})

    def _undo_texts(self, *_args) -> None:
        stack = self.ctx.undo
        if not shiboken6.isValid(stack):  # the stack announces its own destruction at shutdown
            return
        for name, what in (("undo", stack.undoText()), ("redo", stack.redoText())):
            label = tr(f"ui.action.{name}")
            self.actions_by_name[name].setText(tr("ui.action.undo_what", action=label, what=what) if what else label)

    def show_worker(self) -> None:
        self._show_who(self.ctx.settings.worker_name, self.ctx.settings.device_name)

    def _show_who(self, worker: str, device: str) -> None:
        self.who.setText(tr("ui.status.who", worker=worker, device=device))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("ui.app.title"))
        labels = {"new_household": "ui.action.new_household", "settings": "ui.action.settings",
                  "import_areas": "ui.action.import_areas",
                  "quit": "ui.action.quit", "find": "ui.action.find", "refresh": "ui.action.refresh",
                  "lang_zh": "ui.lang.zh_CN", "lang_en": "ui.lang.en", "about": "ui.action.about"}
        for name, key in labels.items():
            self.actions_by_name[name].setText(tr(key))
        retranslate_stack(self.ctx.undo)  # undo entries follow the language too (issue 10)
        self._undo_texts()
        for name in self.nav_actions:
            self._nav_text(name)
        for name, menu in self.menus.items():
            menu.setTitle(tr(f"ui.menu.{name}"))
        self.toolbar.setWindowTitle(tr("ui.menu.view"))
        self._show_who(self.ctx.settings.worker_name, self.ctx.settings.device_name)
        for page in self.pages.values():
            retranslate = getattr(page, "retranslate", None)
            if callable(retranslate):
                retranslate()

    # ----------------------------------------------------------------- state
    def _restore_state(self) -> None:
        s = self.ctx.ui_settings
        geometry = s.bytes("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = s.bytes("main/state")
        if state is not None:
            self.restoreState(state)  # the household list restored its own columns before its first query
        last = str(s.value("main/last_view", "households") or "households")
        last_household = str(s.value("main/last_household", "") or "")
        if last == "household" and last_household:
            self.open_household(last_household)
        else:
            known = last in self.pages or last in self._builders
            self.show_view(last if known and last != "household" else "households")

    def save_state(self) -> None:
        s = self.ctx.ui_settings
        s.set_value("main/geometry", QByteArray(self.saveGeometry()))
        s.set_value("main/state", QByteArray(self.saveState()))
        s.set_value("main/last_view", self.current_view)
        page = self.pages.get("household")
        s.set_value("main/last_household", (page.household_id if page is not None else None) or "")
        self.households.save_state(s)
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        form = self._forms.current if self._started else None
        if form is not None and form.isVisible():
            form.reject()
            if form.isVisible():
                event.ignore()
                return
        for dialog in self.findChildren(QDialog):  # a scale or imported form with answers asks too
            if dialog.isVisible() and callable(getattr(dialog, "has_unsaved", None)) and dialog.has_unsaved():
                dialog.reject()
                if dialog.isVisible():
                    event.ignore()
                    return
        self.save_state()
        super().closeEvent(event)
