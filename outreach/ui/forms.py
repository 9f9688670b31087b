"""Opens the forms (window-modal, non-blocking) and takes the user where the result belongs: a new
household opens its page, a saved member or visit refreshes it. Keeps the main window small.

On start, forms left unsaved (a crash, a power cut, a closed window) are offered back: ``offer_drafts``
lists them and ``open_draft`` opens the same form with the draft put back."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import tr
from outreach.services import drafts as drafts_svc


class FormLauncher:
    def __init__(self, ctx, window: QWidget, open_household) -> None:
        self.ctx = ctx
        self.window = window
        self.open_household = open_household
        self.current: QDialog | None = None
        self.drafts_dialog: DraftsDialog | None = None

    def _show(self, form: QDialog) -> QDialog:
        self.current = form
        form.finished.connect(partial(self._finished, form))
        form.open()
        return form

    def _finished(self, form: QDialog, *_result) -> None:
        if self.current is form:
            self.current = None
        form.deleteLater()

    def new_household(self, village_id: str = "") -> QDialog:
        from outreach.ui.dialogs.household_form import HouseholdForm

        form = HouseholdForm(self.ctx, self.window, village_id=village_id)
        form.sig_saved.connect(self.open_household)
        return self._show(form)

    def edit_household(self, household_id: str) -> QDialog:
        from outreach.ui.dialogs.household_form import HouseholdForm

        return self._show(HouseholdForm(self.ctx, self.window, household_id=household_id))

    def add_member(self, household_id: str) -> QDialog:
        from outreach.ui.dialogs.member_form import MemberForm

        return self._show(MemberForm(self.ctx, self.window, household_id=household_id))

    def edit_member(self, household_id: str, person_id: str) -> QDialog:
        from outreach.ui.dialogs.member_form import MemberForm

        return self._show(MemberForm(self.ctx, self.window, household_id=household_id, person_id=person_id))

    def record_visit(self, household_id: str) -> QDialog:
        from outreach.ui.dialogs.visit_form import VisitForm

        return self._show(VisitForm(self.ctx, self.window, household_id=household_id))

    def assess(self, household_id: str) -> QDialog:
        from outreach.ui.dialogs.assessment_form import AssessmentForm

        return self._show(AssessmentForm(self.ctx, self.window, household_id=household_id))

    def refer(self, household_id: str) -> QDialog:
        from outreach.ui.dialogs.referral_form import ReferralForm

        return self._show(ReferralForm(self.ctx, self.window, household_id=household_id))

    # ----------------------------------------------------------------- drafts
    def offer_drafts(self) -> None:
        """Look for forms left unsaved; if there are any, list them (non-blocking)."""
        self.ctx.runner.query(drafts_svc.list_drafts, on_done=self._drafts_found, owner=self.window)

    def _drafts_found(self, found: list) -> None:
        if not found or self.current is not None:
            return
        dialog = DraftsDialog(found, self.window)
        dialog.sig_open.connect(self.open_draft)
        dialog.sig_discard.connect(lambda key: self.ctx.runner.op(drafts_svc.discard_draft, key, changes=()))
        self.drafts_dialog = dialog
        dialog.open()

    def open_draft(self, draft) -> QDialog | None:
        """Open the form a draft belongs to, with the draft put back once the form has loaded."""
        from outreach.ui.dialogs import scale_form

        p = draft.params
        hid = p.get("household_id")
        opener = {
            "household": lambda: self.edit_household(hid) if hid else self.new_household(),
            "member": lambda: self.edit_member(hid, p["person_id"]) if p.get("person_id") else self.add_member(hid),
            "visit": lambda: self.record_visit(hid),
            "assessment": lambda: self.assess(hid),
            "referral": lambda: self.refer(hid),
            "scale": lambda: self._show(scale_form.ScaleFormDialog(self.ctx, hid, p["scale"], person_id=p.get("person_id"),
                                                                   parent=self.window)),
            "xlsform": lambda: self._show(_xlsform_dialog(self.ctx, hid, p["form"], p.get("person_id"), self.window)),
        }.get(draft.kind)
        if opener is None:
            return None
        form = opener()
        form.restore_draft_on_open = True
        return form

    def settings(self, on_saved) -> QDialog:
        from outreach.ui.dialogs.setup_wizard import SetupWizard

        before = self.ctx.language
        previous = _current_language()
        form = SetupWizard(self.ctx, self.window, first_run=False)
        form.sig_saved.connect(on_saved)
        form.rejected.connect(lambda: _current_language() != previous and before.apply(previous))
        return self._show(form)

    def import_areas(self, *_args) -> None:
        """File → Import area list: a CSV of area codes (code, name, level, parent code)."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from outreach.services.areas import import_areas_csv

        path, _filter = QFileDialog.getOpenFileName(self.window, tr("ui.areas.import_title"), "",
                                                    tr("ui.areas.import_filter"))
        if not path:
            return

        def done(added: int) -> None:
            QMessageBox.information(self.window, tr("ui.areas.import_title"), tr("ui.areas.imported", n=added))

        self.ctx.runner.op(import_areas_csv, path, changes={"area"}, on_done=done)

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from outreach import __version__

        QMessageBox.about(self.window, tr("ui.about.title"), tr("ui.about.text", version=__version__))


def _xlsform_dialog(ctx, household_id: str, key: str, person_id: str | None, parent: QWidget) -> QDialog:
    from outreach.ui.dialogs.xlsform_fill_dialog import FormFillDialog

    return FormFillDialog(ctx, household_id, key, person_id=person_id, parent=parent)


def _current_language() -> str:
    from outreach.i18n import current_language

    return current_language()


class DraftsDialog(QDialog):
    """"These forms were left unsaved": carry on with one, discard one, or decide later."""

    sig_open = Signal(object)
    sig_discard = Signal(str)

    def __init__(self, found: list, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("forms.drafts.title"))
        self.intro = QLabel(tr("forms.drafts.intro", count=len(found)), self)
        self.intro.setWordWrap(True)
        self.list = QListWidget(self)
        for draft in found:
            when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"{draft.summary} · {when}", self.list)
            item.setData(Qt.ItemDataRole.UserRole, draft)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.carry_on())
        self.buttons = QDialogButtonBox(self)
        self.open_button = self.buttons.addButton(tr("forms.drafts.open"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = self.buttons.addButton(tr("forms.draft.discard"),
                                                     QDialogButtonBox.ButtonRole.DestructiveRole)
        self.later_button = self.buttons.addButton(tr("forms.drafts.later"), QDialogButtonBox.ButtonRole.RejectRole)
        self.open_button.clicked.connect(self.carry_on)
        self.discard_button.clicked.connect(self.discard)
        self.later_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.resize(520, 280)

    def selected(self):
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def carry_on(self) -> None:
        draft = self.selected()
        if draft is None:
            return
        self.accept()
        self.sig_open.emit(draft)

    def discard(self) -> None:
        draft = self.selected()
        if draft is None:
            return
        self.sig_discard.emit(draft.key)
        self.list.takeItem(self.list.currentRow())
        if self.list.count() == 0:
            self.accept()
        else:
            self.intro.setText(tr("forms.drafts.intro", count=self.list.count()))
