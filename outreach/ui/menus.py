"""The day-one menus (issue 9), kept out of the main window: Team (villages and groups, the service
directory, the team profile, set up or join a team, the recovery identity) and Print & reports (the
village register, a blank visit form, the day's letters, the monthly report, exporting data), and
File → Export data. Every task a lead or worker has gets a place in the window.

    DayOneMenus(window)     # adds its menus before Help and follows language switches
"""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from outreach.i18n import tr
from outreach.ui import reference_ops as ops

TEAM_ACTIONS = ("areas", "directory", "profile", None, "create_team", "join_team", "recovery", "rotate_key",
                "handover", None, "hub")
PRINT_ACTIONS = ("register", "blank", "letters", "report", None, "export")


class DayOneMenus:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.ctx = window.ctx
        self.actions: dict[str, QAction] = {}
        self.open_dialogs: dict[str, object] = {}
        bar = window.menuBar()
        help_menu = window.menus["help"].menuAction() if hasattr(window, "menus") else None
        self.team_menu = QMenu(window)
        self.print_menu = QMenu(window)
        for menu in (self.team_menu, self.print_menu):
            if help_menu is not None:
                bar.insertMenu(help_menu, menu)
            else:
                bar.addMenu(menu)
        for menu, names in ((self.team_menu, TEAM_ACTIONS), (self.print_menu, PRINT_ACTIONS)):
            for name in names:
                if name is None:
                    menu.addSeparator()
                    continue
                action = QAction(window)
                action.setObjectName(f"dayone_{name}")
                action.triggered.connect(partial(self.run, name))
                menu.addAction(action)
                self.actions[name] = action
        file_menu = window.menus.get("file") if hasattr(window, "menus") else None
        if file_menu is not None:  # File → Export data…, next to Import area list
            settings = window.actions_by_name.get("settings")
            self.file_export = QAction(window)
            self.file_export.setObjectName("dayone_file_export")
            self.file_export.triggered.connect(partial(self.run, "export"))
            file_menu.insertAction(settings, self.file_export) if settings else file_menu.addAction(self.file_export)
        self.ctx.language.sig_changed.connect(lambda _lang: self.retranslate())
        self.ctx.runner.sig_changed.connect(self._changed)
        self.retranslate()
        self.refresh_role()

    # ----------------------------------------------------------------- state
    role: ops.Role | None = None

    def refresh_role(self) -> None:
        self.ctx.runner.query(ops.load_role, owner=self.window, on_done=self._role, key="dayone-role")

    def _role(self, role: ops.Role) -> None:
        self.role = role
        self.actions["create_team"].setEnabled(not role.in_team)
        self.actions["join_team"].setEnabled(not role.in_team)
        self.actions["recovery"].setEnabled(role.in_team and role.can_edit)
        # the lead rotates; a laptop in no team may be the lead's new laptop (recovery file)
        self.actions["rotate_key"].setEnabled(role.can_edit)
        self.actions["handover"].setEnabled(role.in_team)   # a worker who leaves (the screen refuses the lead)
        self._explain()

    def _explain(self) -> None:
        """A greyed-out task says why (hover), instead of leaving the worker to guess."""
        role = self.role
        self.team_menu.setToolTipsVisible(True)
        for name, action in self.actions.items():
            why = ""
            if role is not None and not action.isEnabled():
                why = ("wo.menu.why.in_team" if name in ("create_team", "join_team") else
                       "wo.menu.why.no_team" if not role.in_team else "wo.menu.why.lead_only")
            action.setToolTip(tr(why) if why else action.text().replace("&", ""))

    def _changed(self, changes) -> None:
        if "sync" in changes:
            self.refresh_role()

    def retranslate(self) -> None:
        self.team_menu.setTitle(tr("ui.dayone.menu.team"))
        self.print_menu.setTitle(tr("ui.dayone.menu.print"))
        for name, action in self.actions.items():
            action.setText(tr(f"ui.dayone.action.{name}"))
        if hasattr(self, "file_export"):
            self.file_export.setText(tr("ui.dayone.action.export"))
        self._explain()

    # ----------------------------------------------------------------- opening
    def run(self, name: str, *_checked):
        """Open the screen for a task; returns it (tests drive it from there)."""
        w, ctx = self.window, self.ctx
        if name == "areas":
            from outreach.ui.views.areas_view import open_areas

            dialog = open_areas(ctx, w)
        elif name == "directory":
            from outreach.ui.views.directory_view import open_directory

            dialog = open_directory(ctx, w)
        elif name == "profile":
            from outreach.ui.dialogs.team_profile_form import TeamProfileForm

            dialog = TeamProfileForm(ctx, w)
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()
        elif name in ("create_team", "join_team", "recovery"):
            from outreach.ui.dialogs import team_wizard

            cls = {"create_team": team_wizard.CreateTeamWizard, "join_team": team_wizard.JoinTeamWizard,
                   "recovery": team_wizard.RecoveryDialog}[name]
            dialog = team_wizard.open_dialog(cls(ctx, w))
        elif name == "rotate_key":
            from outreach.ui.dialogs import rotate_key_dialog, team_wizard

            dialog = team_wizard.open_dialog(rotate_key_dialog.RotateKeyDialog(ctx, w))
        elif name == "handover":
            from outreach.ui.dialogs import handover_dialog, team_wizard

            dialog = team_wizard.open_dialog(handover_dialog.HandoverDialog(ctx, w))
        elif name == "hub":   # the county hub: set it up, run it, or (a lead) join it and send to it
            from outreach.ui.views.hub_view import open_hub

            dialog = open_hub(ctx, w)
        elif name == "export":
            from outreach.ui.dialogs.export_dialog import ExportDialog

            dialog = ExportDialog(ctx, w)
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()
        else:
            from outreach.ui.dialogs.print_tasks import open_task

            dialog = open_task(name, ctx, w)
        self.open_dialogs[name] = dialog
        return dialog
