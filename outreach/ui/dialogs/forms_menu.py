"""The Forms menu (issue 16), kept out of the main window: import an XLSForm, fill an imported form or
a validated scale for the household that is open.

    FormsMenu(window)     # adds its menu before Help and follows language switches
"""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMenu, QMessageBox

from outreach.domain.scales import SCALE_KEYS, load_scale
from outreach.i18n import current_language, tr
from outreach.services import forms as forms_svc
from outreach.services import people as people_svc

ACTIONS = ("import", "fill", "scale")


class FormsMenu:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.ctx = window.ctx
        self.menu = QMenu(window)
        self.menu.setObjectName("formsMenu")
        help_menu = window.menus["help"].menuAction() if hasattr(window, "menus") else None
        bar = window.menuBar()
        bar.insertMenu(help_menu, self.menu) if help_menu is not None else bar.addMenu(self.menu)
        self.actions: dict[str, QAction] = {}
        for name in ACTIONS:
            action = QAction(window)
            action.setObjectName(f"forms_{name}")
            action.triggered.connect(partial(self.run, name))
            self.menu.addAction(action)
            self.actions[name] = action
        self.dialog = None
        self.ctx.language.sig_changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        self.menu.setTitle(tr("xlsform.menu.title"))
        for name, action in self.actions.items():
            action.setText(tr(f"xlsform.menu.{name}"))

    def household_id(self) -> str:
        page = getattr(self.window, "household_page", None)
        return (getattr(page, "household_id", "") or "") if page is not None and page.isVisible() else ""

    def run(self, name: str) -> None:
        if name == "import":
            from outreach.ui.dialogs.xlsform_import_dialog import XlsformImportDialog

            self.dialog = XlsformImportDialog(self.ctx, self.window)
            self.dialog.show()
            return
        household = self.household_id()
        if not household:
            QMessageBox.information(self.window, tr("xlsform.menu.title"), tr("xlsform.menu.open_household"))
            return
        if name == "fill":
            self.ctx.runner.query(forms_svc.list_forms, owner=self.menu,
                                  on_done=partial(self._pick_form, household))
        else:
            self.ctx.runner.query(people_svc.list_members, household, owner=self.menu,
                                  on_done=partial(self._pick_scale, household))

    def _pick_form(self, household: str, forms: list) -> None:
        if not forms:
            QMessageBox.information(self.window, tr("xlsform.menu.title"),   # and where to get one
                                    tr("xlsform.menu.none_yet", menu=tr("xlsform.menu.title"),
                                       action=tr("xlsform.menu.import")))
            return
        names = [tr("xlsform.cli.row", key=f.key, version=f.version, title=f.title_in(), count=f.questions)
                 for f in forms]
        chosen, ok = QInputDialog.getItem(self.window, tr("xlsform.menu.fill"), tr("xlsform.menu.pick_form"),
                                          names, 0, False)
        if not ok:
            return
        from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

        self.dialog = FormFillDialog(self.ctx, household, forms[names.index(chosen)].key, parent=self.window)
        self.dialog.show()

    def _pick_scale(self, household: str, members: list) -> None:
        lang = current_language()
        titles = [load_scale(k).title[lang] for k in SCALE_KEYS]
        chosen, ok = QInputDialog.getItem(self.window, tr("xlsform.menu.scale"), tr("xlsform.menu.pick_scale"),
                                          titles, 0, False)
        if not ok:
            return
        person = None
        if members:
            names = [m.name for m in members]
            who, ok = QInputDialog.getItem(self.window, tr("xlsform.menu.scale"), tr("xlsform.menu.pick_person"),
                                           names, 0, False)
            if not ok:
                return
            person = members[names.index(who)].id
        from outreach.ui.dialogs.scale_form import ScaleFormDialog

        self.dialog = ScaleFormDialog(self.ctx, household, SCALE_KEYS[titles.index(chosen)], person_id=person,
                                      parent=self.window)
        self.dialog.show()
