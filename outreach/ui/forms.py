"""Opens the forms (window-modal, non-blocking) and takes the user where the result belongs: a new
household opens its page, a saved member or visit refreshes it. Keeps the main window small."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QDialog, QWidget

from outreach.i18n import tr


class FormLauncher:
    def __init__(self, ctx, window: QWidget, open_household) -> None:
        self.ctx = ctx
        self.window = window
        self.open_household = open_household
        self.current: QDialog | None = None

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


def _current_language() -> str:
    from outreach.i18n import current_language

    return current_language()
