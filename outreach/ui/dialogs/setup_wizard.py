"""First run (and Settings later): the worker's name and phone, this laptop's name, the language, and the
villages this worker covers, picked from the area tree. Stored with ``store.set_setting`` under
``worker_name``, ``worker_phone``, ``device_name``, ``language`` and ``villages`` (comma-separated codes).

On first run it starts by explaining, in the user's language, the two ways to begin and leads straight
into the one chosen:

- "I am joining a team": open the invite file from the lead → join (the request for the lead is
  written, the fingerprint shown) → the team's villages, carried by the invite, are there to pick;
- "I am the team lead / working alone": set up the villages and groups and the team profile here in
  the window, or import an area list.
"""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QCommandLinkButton,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.errors import FieldError
from outreach.i18n import current_language, tr
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.dialogs.lock_dialog import DEFAULT_IDLE_MINUTES, IDLE_SETTING, idle_minutes
from outreach.ui.models.area_tree_model import AreaTreeModel
from outreach.ui.ops import WorkerSettings, load_setup, save_worker_settings

CHOICES = ("join", "lead")
MAX_LOCK_MINUTES = 240


class SetupWizard(FormDialog):
    title_key = "ui.setup.title"
    changes = ("settings",)

    def __init__(self, ctx, parent: QWidget | None = None, *, first_run: bool = True) -> None:
        super().__init__(ctx, parent)
        self.first_run = first_run
        self.path = ""            # "join" or "lead" once chosen (first run)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.body.insertWidget(0, self.intro)
        self.choice_box = self._build_choice()
        self.body.insertWidget(1, self.choice_box)
        self.worker_name = self.add_field("worker_name", "ui.setup.worker_name", QLineEdit(self))
        self.worker_phone = self.add_field("worker_phone", "ui.dayone.setup.worker_phone", QLineEdit(self))
        self.device_name = self.add_field("device_name", "ui.setup.device_name", QLineEdit(self))
        self.language = QComboBox(self)
        self.language.addItem("中文", "zh_CN")
        self.language.addItem("English", "en")
        self.add_field("language", "ui.setup.language", self.language)
        self.lock_minutes: QSpinBox | None = None
        if not first_run:  # Settings: the app lock's idle time (``outreach`` has no other way to set it)
            self.lock_minutes = QSpinBox(self)
            self.lock_minutes.setRange(1, MAX_LOCK_MINUTES)
            self.lock_minutes.setValue(DEFAULT_IDLE_MINUTES)
            self.add_field("lock_minutes", "wo.settings.lock_minutes", self.lock_minutes)
        self.area_model = AreaTreeModel(self, checkable_villages=True)
        self.villages = QTreeView(self)
        self.villages.setHeaderHidden(True)
        self.villages.setModel(self.area_model)
        self.villages.setMinimumHeight(200)
        self.add_field("villages", "ui.setup.villages", self.villages)
        self.area_model.itemChanged.connect(self.mark_dirty)
        self.path_box = self._build_path_panel()
        self.body.insertWidget(self.body.indexOf(self.buttons) if self._buttons_added else self.body.count(),
                               self.path_box)
        self.language.setCurrentIndex(max(self.language.findData(current_language()), 0))
        self.language.currentIndexChanged.connect(self._language_picked)
        self.resize(640, 640)
        self.finish_layout()
        self._show_step()
        self.worker_name.setFocus()
        ctx.runner.query(load_setup, on_done=self._loaded, owner=self)
        if self.lock_minutes is not None:
            self.load(idle_minutes, on_done=self._lock_loaded)

    # ----------------------------------------------------------------- building
    def _build_choice(self) -> QWidget:
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        self.join_choice = QCommandLinkButton(box)
        self.lead_choice = QCommandLinkButton(box)
        self.join_choice.clicked.connect(lambda: self.choose("join"))
        self.lead_choice.clicked.connect(lambda: self.choose("lead"))
        col.addWidget(self.join_choice)
        col.addWidget(self.lead_choice)
        return box

    def _build_path_panel(self) -> QWidget:
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        self.path_text = QLabel(box)
        self.path_text.setWordWrap(True)
        self.path_status = QLabel(box)
        self.path_status.setWordWrap(True)
        row = QHBoxLayout()
        self.back_button = QPushButton(box)
        self.back_button.clicked.connect(lambda: self.choose(""))
        self.join_button = QPushButton(box)
        self.join_button.clicked.connect(self.start_join)
        self.areas_button = QPushButton(box)
        self.areas_button.clicked.connect(self.open_areas)
        self.profile_button = QPushButton(box)
        self.profile_button.clicked.connect(self.open_profile)
        for b in (self.join_button, self.areas_button, self.profile_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.back_button)
        col.addWidget(self.path_text)
        col.addLayout(row)
        col.addWidget(self.path_status)
        return box

    # ----------------------------------------------------------------- steps (first run)
    @property
    def step(self) -> str:
        return "choose" if self.first_run and not self.path else "details"

    def choose(self, path: str) -> None:
        """``"join"``, ``"lead"``, or ``""`` to go back to the choice."""
        assert path in (*CHOICES, "")
        self.path = path
        self._show_step()
        self._show_area_hint()
        if path:
            self.worker_name.setFocus()

    def _show_step(self) -> None:
        choosing = self.step == "choose"
        self.choice_box.setVisible(choosing)
        for name in self.fields:
            self.form.setRowVisible(self.fields[name].label, not choosing or name == "language")
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if save is not None:
            save.setVisible(not choosing)
        self.path_box.setVisible(self.first_run and not choosing)
        self.join_button.setVisible(self.path == "join")
        self.areas_button.setVisible(self.path == "lead")
        self.profile_button.setVisible(self.path == "lead")
        self._texts()

    def _texts(self) -> None:
        if not self.first_run:
            self.intro.setText(tr("ui.setup.intro"))
            return
        self.intro.setText(tr("ui.dayone.first.intro" if self.step == "choose" else f"ui.dayone.first.intro_{self.path}"))
        self.join_choice.setText(tr("ui.dayone.first.join"))
        self.join_choice.setDescription(tr("ui.dayone.first.join_more"))
        self.lead_choice.setText(tr("ui.dayone.first.lead"))
        self.lead_choice.setDescription(tr("ui.dayone.first.lead_more"))
        if self.path:
            self.path_text.setText(tr(f"ui.dayone.first.panel_{self.path}"))
        self.back_button.setText(tr("ui.dayone.wizard.back"))
        self.join_button.setText(tr("ui.dayone.first.open_invite"))
        self.areas_button.setText(tr("ui.dayone.action.areas"))
        self.profile_button.setText(tr("ui.dayone.action.profile"))

    # ----------------------------------------------------------------- the two paths
    def start_join(self):
        """Save the name first (the request to the lead carries it), then the join wizard. Returns the
        wizard once it is open (tests drive it), or None while the name is missing."""
        values = self.values()
        errors = self.local_errors(values)
        if errors:
            self.show_errors(errors)
            return None
        from outreach.ui.dialogs.team_wizard import JoinTeamWizard, open_dialog

        self.ctx.runner.op(save_worker_settings, _worker(values), changes={"settings"}, owner=self)
        wizard = JoinTeamWizard(self.ctx, self)
        wizard.sig_done.connect(self._joined)
        self.join_wizard = open_dialog(wizard)
        return wizard

    join_wizard = None

    def _joined(self) -> None:
        wizard = self.join_wizard
        if wizard is not None:
            self.path_status.setText(tr("ui.dayone.first.joined", fingerprint=wizard.fingerprint,
                                        path=wizard.request_path))
        self.reload_areas()

    def open_areas(self):
        from outreach.ui.views.areas_view import AreasDialog

        dialog = AreasDialog(self.ctx, self)
        dialog.sig_changed.connect(self.reload_areas)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_profile(self):
        from outreach.ui.dialogs.team_profile_form import TeamProfileForm

        form = TeamProfileForm(self.ctx, self)
        form.finished.connect(form.deleteLater)
        form.open()
        return form

    def reload_areas(self) -> None:
        self.ctx.runner.query(load_setup, owner=self, on_done=self._areas_reloaded)

    def _areas_reloaded(self, result: tuple[WorkerSettings, list]) -> None:
        checked = self.area_model.checked_villages()
        _settings, areas = result
        self.area_model.set_areas(areas, checked=checked)
        self.villages.expandToDepth(1)
        self.no_areas = not areas
        self._show_area_hint()

    # ----------------------------------------------------------------- loading
    def _loaded(self, result: tuple[WorkerSettings, list]) -> None:
        settings, areas = result
        with self.loading():
            self.worker_name.setText(settings.worker_name)
            self.worker_phone.setText(settings.worker_phone)
            self.device_name.setText(settings.device_name or socket.gethostname())
            if settings.language:
                self.language.setCurrentIndex(max(self.language.findData(settings.language), 0))
            self.area_model.set_areas(areas, checked=settings.villages)
            self.villages.expandToDepth(1)
            # A fresh laptop knows no villages yet: they come with the invite (joining), or the lead
            # adds or imports them (the buttons of the path chosen), or later from Team → Villages.
            self.no_areas = not areas
            self._show_area_hint()
        self.loaded = True

    loaded = False
    no_areas = False

    def _lock_loaded(self, minutes: float) -> None:
        with self.loading():
            self.lock_minutes.setValue(max(1, min(MAX_LOCK_MINUTES, round(minutes))))

    def _show_area_hint(self) -> None:
        if not self.no_areas:
            hint = ""
        elif self.path:
            hint = tr(f"ui.dayone.first.no_areas_{self.path}")
        else:
            hint = tr("ui.dayone.setup.no_areas")
        self.fields["villages"].error.show_message(hint)

    def clear_errors(self) -> None:
        """The messages of a refused Save go; the line on how to get villages stays."""
        super().clear_errors()
        if hasattr(self, "path_box"):
            self._show_area_hint()

    def _language_picked(self) -> None:
        lang = self.language.currentData()
        if lang and lang != current_language():
            self.ctx.language.apply(lang)
            with self.loading():
                self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        if hasattr(self, "path_box"):
            self._texts()
        self.area_model.retranslate()
        self._show_area_hint()

    def values(self) -> dict[str, Any]:
        return {
            "worker_name": self.worker_name.text().strip(),
            "worker_phone": self.worker_phone.text().strip(),
            "device_name": self.device_name.text().strip(),
            "language": self.language.currentData(),
            "villages": tuple(self.area_model.checked_villages()),
        } | ({"lock_minutes": self.lock_minutes.value()} if self.lock_minutes is not None else {})

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        from outreach.domain.validation import check_mobile

        errors = [FieldError(k, "error.required") for k in ("worker_name", "device_name") if not values[k]]
        return errors + check_mobile("worker_phone", values["worker_phone"])

    def submit(self, store, values: dict[str, Any]) -> WorkerSettings:
        if "lock_minutes" in values:
            store.set_setting(IDLE_SETTING, str(values["lock_minutes"]))
        return save_worker_settings(store, _worker(values))

    def after_save(self, result: WorkerSettings) -> None:
        """A new idle time counts from now in the running app lock, not only after a restart."""
        lock = getattr(self.parentWidget(), "idle_lock", None)
        if lock is not None and self.lock_minutes is not None:
            lock.timer.setInterval(self.lock_minutes.value() * 60_000)
            lock.timer.start()


def _worker(values: dict[str, Any]) -> WorkerSettings:
    return WorkerSettings(**{k: v for k, v in values.items() if k != "lock_minutes"})
