"""No dead end: a form that needs a village or a provider that does not exist yet says so at its top and
offers the way to get one — the lead (or a laptop in no team) adds or imports it right there; a worker
is told where it comes from (the invite, the lead's bundle) or suggests a provider.

    offer_villages(form, reload)      # household form with no villages
    offer_providers(form, reload)     # referral form with an empty directory
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from outreach.i18n import tr
from outreach.ui import reference_ops as ops

BANNER = "missingDataBanner"


class MissingBanner(QWidget):
    def __init__(self, parent: QWidget, kind: str) -> None:
        super().__init__(parent)
        self.setObjectName(BANNER)
        self.kind = kind
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.hide()
        self.action: Callable[[], object] | None = None
        self.button.clicked.connect(lambda: self.action() if self.action else None)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 6)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        self.setStyleSheet("#missingDataBanner { background: #fff4d6; }")

    def show_for(self, role: ops.Role) -> None:
        kind = self.kind
        lead = "lead" if role.can_edit else "worker"
        if kind == "villages" and not role.can_edit:
            self.text.setText(tr("ui.dayone.missing.villages") + " " + tr("ui.dayone.missing.villages_worker"))
            self.button.hide()
        else:
            self.text.setText(tr(f"ui.dayone.missing.{kind}"))
            self.button.setText(tr(f"ui.dayone.missing.{kind}_{lead}"))
            self.button.show()
        self.show()


def _banner(form, kind: str) -> MissingBanner:
    banner = form.findChild(MissingBanner, BANNER)
    if banner is None:
        banner = MissingBanner(form, kind)
        form.body.insertWidget(0, banner)
    return banner


def _offer(form, kind: str, present: bool, open_fn: Callable[[object, ops.Role], object], reload) -> None:
    banner = form.findChild(MissingBanner, BANNER)
    if present:
        if banner is not None:
            banner.hide()
        return
    banner = _banner(form, kind)

    def got_role(role: ops.Role) -> None:
        if not shiboken6.isValid(banner):
            return
        banner.show_for(role)
        banner.action = lambda: open_fn(form, role)

    form.ctx.runner.query(ops.load_role, owner=banner, on_done=got_role)
    form.missing_reload = reload


def offer_villages(form, reload: Callable[[], None], present: bool = False) -> None:
    def open_areas(form, role):
        from outreach.ui.views.areas_view import AreasDialog

        dialog = AreasDialog(form.ctx, form)
        dialog.sig_changed.connect(reload)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        form.missing_dialog = dialog
        return dialog

    _offer(form, "villages", present, open_areas, reload)


def offer_providers(form, reload: Callable[[], None], present: bool = False) -> None:
    def open_form(form, role):
        from outreach.ui.dialogs.provider_form import ProviderForm

        provider_form = ProviderForm(form.ctx, form, mode="new" if role.can_edit else "suggest")
        provider_form.sig_saved.connect(lambda _r: reload())
        provider_form.finished.connect(provider_form.deleteLater)
        provider_form.open()
        form.missing_dialog = provider_form
        return provider_form

    _offer(form, "providers", present, open_form, reload)
